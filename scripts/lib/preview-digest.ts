import { dbReplacementLines } from "./preview-db";
import { PreviewDigest, PreviewStep, ResourceStateV3, parseUrn } from "./preview-json";

/**
 * Turns what `pulumi preview --json` prints (./preview-json.ts) into a short markdown summary for
 * a pull request. Pure: no Pulumi, no I/O.
 */

/** Steps that would destroy the current resource (a replace deletes the old one too). */
const DESTRUCTIVE_OPS = new Set([
  "replace",
  "create-replacement",
  "delete-replaced",
  "delete",
  "discard",
  "discard-replaced",
]);
/** Operations shown in the summary tables, in this order; anything else is listed after them. */
const OP_ORDER = ["create", "update", "replace", "delete", "same", "read", "import", "refresh"];

export interface StatefulChange {
  readonly op: string;
  readonly name: string;
  readonly type: string;
  readonly component: string;
  readonly why: string;
  readonly reasons: string[];
}

function mountedVolumes(state: ResourceStateV3 | undefined): string[] {
  const volumes = state?.inputs?.volumes;
  if (!Array.isArray(volumes)) return [];
  return volumes
    .map((v: { volumeName?: unknown; hostPath?: unknown }) =>
      typeof v?.volumeName === "string"
        ? v.volumeName
        : typeof v?.hostPath === "string"
          ? v.hostPath
          : undefined,
    )
    .filter((v): v is string => v !== undefined);
}

/**
 * Data lives in Docker volumes: any volume, and any container that mounts one (the db with its
 * data and pgsodium key, MinIO objects, Qdrant storage, Ollama models, Redis AOF, Prometheus TSDB).
 */
export function statefulReason(step: PreviewStep): string | undefined {
  const { type } = parseUrn(step.urn);
  if (type === "docker:index/volume:Volume") {
    const kept = (step.oldState ?? step.newState)?.retainOnDelete
      ? ", retainOnDelete: Docker keeps it but Pulumi forgets it"
      : "";
    return `Docker volume (holds data${kept})`;
  }
  if (type === "docker:index/container:Container") {
    const volumes = [
      ...new Set([...mountedVolumes(step.oldState), ...mountedVolumes(step.newState)]),
    ].sort();
    if (volumes.length > 0)
      return `container with data volume${volumes.length > 1 ? "s" : ""} ${volumes.join(", ")}`;
  }
  return undefined;
}

export function statefulChanges(digest: PreviewDigest): StatefulChange[] {
  const seen = new Set<string>();
  const out: StatefulChange[] = [];
  for (const step of digest.steps ?? []) {
    if (!DESTRUCTIVE_OPS.has(step.op) || seen.has(step.urn)) continue;
    const why = statefulReason(step);
    if (why === undefined) continue;
    seen.add(step.urn);
    const u = parseUrn(step.urn);
    const op = step.op === "delete" || step.op === "discard" ? "delete" : "replace";
    out.push({
      op,
      name: u.name,
      type: u.type,
      component: u.component,
      why,
      reasons: step.replaceReasons ?? step.diffReasons ?? [],
    });
  }
  return out;
}

export interface PostgresUpgrade {
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly fromMajor: number;
  readonly toMajor: number;
}

/** `supabase/postgres:15.8.1.085` → 15, `postgres:17-alpine` → 17; undefined for other images. */
export function postgresMajor(image: string): number | undefined {
  const ref = image.split("@")[0];
  const colon = ref.lastIndexOf(":");
  if (colon <= ref.lastIndexOf("/")) return undefined;
  if (!/(^|\/)(postgres|postgresql|postgis)$/.test(ref.slice(0, colon))) return undefined;
  const major = /^(\d+)/.exec(ref.slice(colon + 1))?.[1];
  return major === undefined ? undefined : Number(major);
}

/** The image a step names: a RemoteImage pulls `name`, a container runs `image`. */
function imageOf(state: ResourceStateV3 | undefined): string | undefined {
  const ref =
    state?.type === "docker:index/remoteImage:RemoteImage"
      ? state.inputs?.name
      : state?.inputs?.image;
  return typeof ref === "string" ? ref : undefined;
}

/**
 * Postgres images whose major version changes. Each major has its own on-disk format, so the new
 * server refuses the old data folder until pg_upgrade (or a dump and restore) converts it
 * (https://www.postgresql.org/docs/current/upgrading.html).
 */
export function postgresUpgrades(digest: PreviewDigest): PostgresUpgrade[] {
  const out = new Map<string, PostgresUpgrade>();
  for (const step of digest.steps ?? []) {
    const from = imageOf(step.oldState);
    const to = imageOf(step.newState);
    if (from === undefined || to === undefined) continue;
    const fromMajor = postgresMajor(from);
    const toMajor = postgresMajor(to);
    if (fromMajor !== undefined && toMajor !== undefined && fromMajor !== toMajor)
      out.set(step.urn, { name: parseUrn(step.urn).name, from, to, fromMajor, toMajor });
  }
  return [...out.values()];
}

/** A replacement may show as one `replace` step or as its create/delete halves; count it once. */
function primaryOp(op: string): string {
  return op === "create-replacement" || op === "delete-replaced" ? "replace" : op;
}

export interface PreviewCounts {
  readonly byOp: Map<string, number>;
  readonly byComponent: Map<string, Map<string, number>>;
}

export function countSteps(digest: PreviewDigest): PreviewCounts {
  const byComponent = new Map<string, Map<string, number>>();
  const counted = new Set<string>();
  const stepOps = new Map<string, number>();
  for (const step of digest.steps ?? []) {
    const { type, component } = parseUrn(step.urn);
    const op = primaryOp(step.op);
    if (type === "pulumi:pulumi:Stack" || counted.has(`${op}|${step.urn}`)) continue;
    counted.add(`${op}|${step.urn}`);
    stepOps.set(op, (stepOps.get(op) ?? 0) + 1);
    if (op === "same") continue;
    const row = byComponent.get(component) ?? new Map<string, number>();
    row.set(op, (row.get(op) ?? 0) + 1);
    byComponent.set(component, row);
  }
  // The engine's own totals include unchanged resources, which the steps omit without --show-sames.
  const byOp = digest.changeSummary ? new Map(Object.entries(digest.changeSummary)) : stepOps;
  return { byOp, byComponent };
}

const ordered = (ops: Iterable<string>) =>
  [...new Set(ops)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
const rank = (op: string) => (OP_ORDER.includes(op) ? OP_ORDER.indexOf(op) : OP_ORDER.length);

export interface SummaryOptions {
  /** Heading, e.g. the stack name; taken from the URNs when absent. */
  readonly title?: string;
}

export function renderSummary(digest: PreviewDigest, opts: SummaryOptions = {}): string {
  const stack =
    opts.title ??
    (digest.steps ?? []).map((s) => parseUrn(s.urn).stack).find((s) => s !== "") ??
    "stack";
  const { byOp, byComponent } = countSteps(digest);
  const changes = [...byOp.entries()].filter(([op, n]) => op !== "same" && n > 0);
  const lines = [`### Pulumi preview: \`${stack}\``, ""];

  for (const u of postgresUpgrades(digest)) {
    lines.push(
      `> **⚠️ Postgres ${u.fromMajor} → ${u.toMajor}: \`${u.name}\` changes from ${u.from} to ${u.to}. The new server cannot start on the old data volume ` +
        "without pg_upgrade: back up first (`npm run backup`), then upgrade the data (pg_upgrade, or dump and restore) before this deploy.**",
      "",
    );
  }

  const db = dbReplacementLines(digest);
  if (db.length > 0) lines.push(...db, "");

  const stateful = statefulChanges(digest);
  if (stateful.length > 0) {
    lines.push(
      `> **⚠️ ${stateful.length} stateful resource${stateful.length > 1 ? "s" : ""} would be replaced or deleted. Check that no data is lost before merging.**`,
    );
    for (const s of stateful) {
      const reasons = s.reasons.length > 0 ? ` (because of: ${s.reasons.join(", ")})` : "";
      lines.push(`> - **${s.op} \`${s.name}\`**: ${s.why}; ${s.type} in ${s.component}${reasons}`);
    }
    lines.push("");
  }

  if (changes.length === 0) {
    lines.push(`No changes. ${byOp.get("same") ?? 0} resources unchanged.`);
  } else {
    lines.push("| Operation | Count |", "|---|---:|");
    for (const op of ordered(byOp.keys()))
      if ((byOp.get(op) ?? 0) > 0) lines.push(`| ${op} | ${byOp.get(op)} |`);
    const ops = ordered([...byComponent.values()].flatMap((row) => [...row.keys()]));
    if (ops.length > 0) {
      lines.push(
        "",
        `| Component | ${ops.join(" | ")} |`,
        `|---|${ops.map(() => "---:").join("|")}|`,
      );
      for (const component of [...byComponent.keys()].sort()) {
        const row = byComponent.get(component)!;
        lines.push(`| ${component} | ${ops.map((op) => row.get(op) ?? "").join(" | ")} |`);
      }
    }
  }

  const errors = (digest.diagnostics ?? []).filter((d) => d.severity === "error");
  if (errors.length > 0) {
    lines.push("", "**Preview reported errors:**");
    for (const d of errors) lines.push(`- ${(d.message ?? "").trim().split("\n")[0]}`);
  }
  if (digest.maybeCorrupt) lines.push("", "**The engine reports that the state may be corrupt.**");
  return lines.join("\n") + "\n";
}
