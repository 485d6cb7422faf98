import { beforeAll, vi } from "vitest";
import type { ServiceName } from "../../config/services";
import { Plan, evaluateWith } from "./harness";

export * from "./harness";

/**
 * Runs the real `index.ts` for one stack with the given raw config. Ollama's GPU is `cpu` unless a
 * test sets it: plan tests must not depend on the machine they run on (the probe has its own tests).
 */
export function evaluate(config: Record<string, string> = {}, stack = "local"): Promise<Plan> {
  config = { "ownstack:ollamaGpu": "cpu", ...config };
  return evaluateWith(
    async () => {
      vi.resetModules();
      // index.ts assigns its outputs object to module.exports; vitest's ESM view adds `default`.
      return (await import("../../index")).default;
    },
    config,
    stack,
  );
}

/**
 * The plan of one stack, evaluated once before the tests of the enclosing `describe` (evaluating
 * is the slow part). Read it inside a test: while tests are collected it does not exist yet.
 */
export function planBeforeAll(config: Record<string, string> = {}, stack = "local"): Plan {
  let plan: Plan | undefined;
  beforeAll(async () => {
    plan = await evaluate(config, stack);
  });
  const evaluated = (): Plan => {
    if (!plan) throw new Error("the plan is evaluated in beforeAll: read it inside a test");
    return plan;
  };
  return {
    get resources() {
      return evaluated().resources;
    },
    get outputs() {
      return evaluated().outputs;
    },
    get secretOutputs() {
      return evaluated().secretOutputs;
    },
  };
}

/** The Supabase core of issue 3 as local runs it: upstream's services, MinIO and Mailpit. */
export const LOCAL_CORE: readonly ServiceName[] = [
  "auth",
  "db",
  "kong",
  "mail",
  "meta",
  "minio",
  "realtime",
  "rest",
  "storage",
  "studio",
];

/** The opt-in Supabase extras turned on: Edge Functions, the Supavisor pooler and Grafana. */
export const EXTRAS_ON: Readonly<Record<string, string>> = {
  "ownstack:functions": "true",
  "ownstack:supavisor": "true",
  "ownstack:grafana": "true",
};

/** Every optional service turned on; with VPS_CONFIG for the vps stack. */
export const EVERY_SERVICE: Readonly<Record<string, string>> = {
  "ownstack:mailpit": "true",
  "ownstack:qdrant": "true",
  "ownstack:ollama": "true",
  "ownstack:redis": "true",
  "ownstack:prometheus": "true",
  "ownstack:functions": "true",
  "ownstack:supavisor": "true",
  "ownstack:imgproxy": "true",
  "ownstack:grafana": "true",
  "ownstack:logs": "true",
};

/** Config for the vps stack that passes validation; tests vary one key at a time. */
export const VPS_CONFIG: Record<string, string> = {
  "ownstack:target": "vps",
  "ownstack:domain": "example.com",
  "ownstack:acmeEmail": "ops@example.com",
  "ownstack:dockerHost": "ssh://deploy@203.0.113.10",
  "ownstack:smtpHost": "smtp.example.com",
  "ownstack:smtpUser": "postmaster@example.com",
  "ownstack:smtpAdminEmail": "admin@example.com",
  "ownstack:smtpPass": "smtp-secret",
  "ownstack:ollamaGpu": "cpu",
  // Required on vps: the log stack is an explicit choice there.
  "ownstack:logs": "false",
};
