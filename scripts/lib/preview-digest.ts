/**
 * Reads the document `pulumi preview --json` prints (display.PreviewDigest in pulumi/pulumi
 * `sdk/go/common/display/json.go`, filled by `pkg/backend/display/json.go`) and turns it into a
 * short markdown summary for a pull request. Pure: no Pulumi, no I/O.
 */

/** apitype.ResourceV3, the fields we read. Secret inputs arrive as the string "[secret]". */
export interface ResourceStateV3 {
  readonly urn?: string;
  readonly type?: string;
  readonly inputs?: Record<string, unknown>;
  readonly protect?: boolean;
  readonly retainOnDelete?: boolean;
}

export interface PreviewStep {
  readonly op: string;
  readonly urn: string;
  readonly provider?: string;
  readonly oldState?: ResourceStateV3;
  readonly newState?: ResourceStateV3;
  readonly diffReasons?: string[];
  readonly replaceReasons?: string[];
  readonly detailedDiff?: Record<string, { kind: string; inputDiff: boolean }> | null;
}

export interface PreviewDigest {
  readonly config?: Record<string, string>;
  readonly steps?: PreviewStep[];
  readonly diagnostics?: { urn?: string; prefix?: string; message?: string; severity?: string }[];
  /** Nanoseconds (Go time.Duration). */
  readonly duration?: number;
  readonly changeSummary?: Record<string, number>;
  readonly maybeCorrupt?: boolean;
}

/** `urn:pulumi:<stack>::<project>::<parent types joined by $>$<type>::<name>`, split up. */
export interface ParsedUrn {
  readonly stack: string;
  readonly type: string;
  /** Nearest parent component type, or the resource's own type for a component; "(stack)" at the top. */
  readonly component: string;
  readonly name: string;
}

export function parseUrn(urn: string): ParsedUrn {
  const m = /^urn:pulumi:([^:]*)::[^:]*::(.+?)::(.*)$/.exec(urn);
  if (!m) return { stack: "", type: "?", component: "(unknown)", name: urn };
  const chain = m[2].split("$");
  const type = chain[chain.length - 1];
  const isComponent = !type.includes("/") && !type.startsWith("pulumi:");
  const component = chain.length > 1 ? chain[chain.length - 2] : isComponent ? type : "(stack)";
  return { stack: m[1], type, component, name: m[3] };
}

/** Steps that would destroy the current resource (a replace deletes the old one too). */
const DESTRUCTIVE_OPS = new Set(["replace", "create-replacement", "delete-replaced", "delete", "discard", "discard-replaced"]);
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
    .map((v: { volumeName?: unknown; hostPath?: unknown }) => (typeof v?.volumeName === "string" ? v.volumeName : typeof v?.hostPath === "string" ? v.hostPath : undefined))
    .filter((v): v is string => v !== undefined);
}

/**
 * Data lives in Docker volumes: any volume, and any container that mounts one (the db with its
 * data and pgsodium key, MinIO objects, Qdrant storage, Ollama models, Redis AOF, Prometheus TSDB).
 */
export function statefulReason(step: PreviewStep): string | undefined {
  const { type } = parseUrn(step.urn);
  if (type === "docker:index/volume:Volume") {
    const kept = (step.oldState ?? step.newState)?.retainOnDelete ? ", retainOnDelete: Docker keeps it but Pulumi forgets it" : "";
    return `Docker volume (holds data${kept})`;
  }
  if (type === "docker:index/container:Container") {
    const volumes = [...new Set([...mountedVolumes(step.oldState), ...mountedVolumes(step.newState)])].sort();
    if (volumes.length > 0) return `container with data volume${volumes.length > 1 ? "s" : ""} ${volumes.join(", ")}`;
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
    out.push({ op, name: u.name, type: u.type, component: u.component, why, reasons: step.replaceReasons ?? step.diffReasons ?? [] });
  }
  return out;
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

const ordered = (ops: Iterable<string>) => [...new Set(ops)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
const rank = (op: string) => (OP_ORDER.includes(op) ? OP_ORDER.indexOf(op) : OP_ORDER.length);

export interface SummaryOptions {
  /** Heading, e.g. the stack name; taken from the URNs when absent. */
  readonly title?: string;
}

export function renderSummary(digest: PreviewDigest, opts: SummaryOptions = {}): string {
  const stack = opts.title ?? (digest.steps ?? []).map((s) => parseUrn(s.urn).stack).find((s) => s !== "") ?? "stack";
  const { byOp, byComponent } = countSteps(digest);
  const changes = [...byOp.entries()].filter(([op, n]) => op !== "same" && n > 0);
  const lines = [`### Pulumi preview: \`${stack}\``, ""];

  const stateful = statefulChanges(digest);
  if (stateful.length > 0) {
    lines.push(`> **⚠️ ${stateful.length} stateful resource${stateful.length > 1 ? "s" : ""} would be replaced or deleted. Check that no data is lost before merging.**`);
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
    for (const op of ordered(byOp.keys())) if ((byOp.get(op) ?? 0) > 0) lines.push(`| ${op} | ${byOp.get(op)} |`);
    const ops = ordered([...byComponent.values()].flatMap((row) => [...row.keys()]));
    if (ops.length > 0) {
      lines.push("", `| Component | ${ops.join(" | ")} |`, `|---|${ops.map(() => "---:").join("|")}|`);
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

/** Throws a readable error when the text is not a preview digest. */
export function parseDigest(text: string): PreviewDigest {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`input is not JSON (${(err as Error).message}); pass the output of \`pulumi preview --json\``);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new Error("input is not a pulumi preview --json document (expected an object)");
  const d = doc as PreviewDigest;
  if (d.steps !== undefined && !Array.isArray(d.steps)) throw new Error("`steps` is not a list; is this `pulumi preview --json` output?");
  if (d.steps === undefined && d.changeSummary === undefined && d.diagnostics === undefined) {
    throw new Error("no steps, changeSummary or diagnostics; is this `pulumi preview --json` output?");
  }
  return d;
}
