import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { CORE as ALWAYS_ON } from "../config/budget";
import { Plan, evaluateWith } from "../test/plan/harness";
import { K8S_CONFIG } from "../test/support/stacks";
import { runMain } from "./lib/errors";

/**
 * `npm run bench`: plan evaluation of the full local stack under mocks, against an empty Pulumi
 * program under the same mocks, each in a fresh process (a preview also starts cold). Prints the
 * ratio, the resource count and the declared memory. Goals are printed, never asserted in tests.
 */

/** The always-on core as the local stack runs it by default: with MinIO and Mailpit. */
const CORE: readonly string[] = [...ALWAYS_ON, "minio", "mail"];
const RUNS = 5;

interface ChildResult {
  readonly ms: number;
  readonly resources: number;
  readonly memory: Record<string, number>;
}

type ChildKind = "empty" | "stack" | "k8s" | "k8s-ai";

/** The k8s stack with the AI services on, as Pulumi.k8s.yaml shows turning them on. */
const K8S_AI: Readonly<Record<string, string>> = {
  ...K8S_CONFIG,
  "ownstack:qdrant": "true",
  "ownstack:redis": "true",
  // Ollama on CPU (a GPU adds no declared memory) and Open WebUI on it.
  "ownstack:ollama": "true",
  "ownstack:ollamaGpu": "cpu",
  "ownstack:openWebui": "true",
};

/** MiB of a Kubernetes memory quantity as workload.ts writes them (`320Mi`). */
const mebibytes = (quantity: string): number => Number(/^(\d+)Mi$/.exec(quantity)?.[1] ?? NaN);

/**
 * What the k8s stack asks the scheduler for: each Deployment's, StatefulSet's and the CNPG
 * Cluster's memory request times its pods (requests equal limits), Jobs left out as they exit.
 */
function kubernetesMemory(plan: Plan): Record<string, number> {
  const memory: Record<string, number> = {};
  for (const r of plan.resources) {
    if (r.type === "kubernetes:apps/v1:Deployment" || r.type === "kubernetes:apps/v1:StatefulSet") {
      const [c] = r.inputs.spec.template.spec.containers;
      memory[r.inputs.metadata.name] =
        mebibytes(c.resources.limits.memory) * r.inputs.spec.replicas;
    }
    if (r.inputs?.kind === "Cluster" && r.inputs.apiVersion === "postgresql.cnpg.io/v1")
      memory.db = mebibytes(r.inputs.spec.resources.limits.memory) * r.inputs.spec.instances;
  }
  return memory;
}

async function child(kind: ChildKind): Promise<void> {
  const load = async (): Promise<Record<string, unknown>> =>
    kind === "empty" ? {} : require("../index");
  const plan: Plan =
    kind === "k8s"
      ? await evaluateWith(load, K8S_CONFIG, "k8s")
      : kind === "k8s-ai"
        ? await evaluateWith(load, K8S_AI, "k8s")
        : await evaluateWith(load, {}, "local");
  // From process start: loading the SDKs is part of every preview, empty or not.
  const ms = performance.now();
  const memory: Record<string, number> = kind.startsWith("k8s") ? kubernetesMemory(plan) : {};
  for (const r of plan.resources) {
    if (r.type !== "docker:index/container:Container") continue;
    const labels = Object.fromEntries(
      (r.inputs.labels ?? []).map((l: { label: string; value: string }) => [l.label, l.value]),
    );
    if (labels["ownstack.job"] === undefined) memory[labels["ownstack.service"]] = r.inputs.memory;
  }
  const result: ChildResult = { ms, resources: plan.resources.length, memory };
  process.stdout.write(JSON.stringify(result));
}

function run(kind: ChildKind): ChildResult {
  const r = spawnSync(process.execPath, [require.resolve("tsx/cli"), __filename, "--child", kind], {
    cwd: join(__dirname, ".."),
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`bench child ${kind} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.slice(r.stdout.lastIndexOf('{"ms"')));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const gib = (mib: number) => `${(mib / 1024).toFixed(2)} GiB`;

function compare(): void {
  const empty: number[] = [];
  const stack: ChildResult[] = [];
  for (let i = 0; i < RUNS; i++) {
    empty.push(run("empty").ms);
    stack.push(run("stack"));
  }
  const e = median(empty);
  const s = median(stack.map((r) => r.ms));
  const { resources, memory } = stack[0];
  const sum = (names: string[]) => names.reduce((t, n) => t + (memory[n] ?? 0), 0);
  const all = Object.keys(memory).sort();
  const core = sum(CORE.filter((n) => n in memory));
  const withoutOllama = sum(all.filter((n) => n !== "ollama"));

  console.log(`plan evaluation, median of ${RUNS} cold runs under mocks`);
  console.log(`  empty program:      ${e.toFixed(0)} ms`);
  console.log(`  full local stack:   ${s.toFixed(0)} ms (${resources} resources)`);
  console.log(`  ratio:              ${(s / e).toFixed(2)} (goal <= 3)`);
  console.log("declared memory limits (local)");
  for (const n of all) console.log(`  ${n.padEnd(18)} ${String(memory[n]).padStart(5)} MiB`);
  console.log(
    `  core Supabase:      ${gib(core)} (goal <= 2 GiB) ratio ${(core / 2048).toFixed(2)}`,
  );
  console.log(
    `  all but Ollama:     ${gib(withoutOllama)} (goal <= 6 GiB) ratio ${(withoutOllama / 6144).toFixed(2)}`,
  );
  console.log(`  all services:       ${gib(sum(all))}`);
  // openWebui: auto is on in the default local stack (Ollama and Qdrant are); what it costs.
  const withoutChat = sum(all.filter((n) => n !== "openWebui"));
  console.log(
    `  with Open WebUI:    ${gib(sum(all))} vs ${gib(withoutChat)} without (+${memory.openWebui ?? 0} MiB) ratio ${(sum(all) / withoutChat).toFixed(2)}`,
  );

  // Two 4 GiB nodes with half of each kept for the kubelet, the CNI and the ingress controller.
  const k8s = run("k8s").memory;
  const pods = Object.keys(k8s).sort();
  const requested = pods.reduce((t, n) => t + k8s[n], 0);
  console.log("declared memory requests (k8s defaults, limit x pods)");
  for (const n of pods) console.log(`  ${n.padEnd(18)} ${String(k8s[n]).padStart(5)} MiB`);
  console.log(
    `  k8s default:        ${gib(requested)} (goal <= 4 GiB) ratio ${(requested / 4096).toFixed(2)}`,
  );
  const ai = run("k8s-ai").memory;
  const added = Object.keys(ai)
    .filter((n) => !(n in k8s))
    .sort();
  for (const n of added) console.log(`  + ${n.padEnd(16)} ${String(ai[n]).padStart(5)} MiB`);
  const withAi = Object.values(ai).reduce((t, n) => t + n, 0);
  console.log(
    `  k8s with AI:        ${gib(withAi)} (${added.join(", ")} on) ratio ${(withAi / 4096).toFixed(2)} of the 4 GiB goal`,
  );
}

const i = process.argv.indexOf("--child");
runMain("bench", () => (i >= 0 ? child(process.argv[i + 1] as ChildKind) : compare()));
