import { z } from "zod";
import { OperatorError } from "./errors";

/**
 * The document `pulumi preview --json` prints (display.PreviewDigest in pulumi/pulumi
 * `sdk/go/common/display/json.go`, filled by `pkg/backend/display/json.go`): the fields we read,
 * checked on the way in, and the resource URNs split up.
 */

const text = z.string();
const optionalTexts = z.array(text).optional();

/** apitype.ResourceV3, the fields we read. Secret inputs arrive as the string "[secret]". */
const resourceStateSchema = z.looseObject({
  urn: text.optional(),
  type: text.optional(),
  inputs: z.record(z.string(), z.unknown()).optional(),
  protect: z.boolean().optional(),
  retainOnDelete: z.boolean().optional(),
});
export type ResourceStateV3 = z.infer<typeof resourceStateSchema>;

const stepSchema = z.looseObject(
  {
    op: z.string({ error: 'expected the operation as a string, e.g. "replace"' }),
    urn: z.string({ error: "expected the resource's URN" }).min(1, "expected the resource's URN"),
    provider: text.optional(),
    oldState: resourceStateSchema.optional(),
    newState: resourceStateSchema.optional(),
    diffReasons: optionalTexts,
    replaceReasons: optionalTexts,
  },
  { error: "expected a step object with op and urn" },
);
export type PreviewStep = z.infer<typeof stepSchema>;

const diagnosticSchema = z.looseObject(
  {
    urn: text.optional(),
    prefix: text.optional(),
    message: text.optional(),
    severity: text.optional(),
  },
  { error: "expected a diagnostic object with message and severity" },
);

const digestSchema = z.looseObject({
  config: z.record(z.string(), z.unknown()).optional(),
  steps: z.array(stepSchema, { error: "expected a list of steps" }).optional(),
  diagnostics: z.array(diagnosticSchema, { error: "expected a list of diagnostics" }).optional(),
  /** Nanoseconds (Go time.Duration). */
  duration: z.number().optional(),
  changeSummary: z.record(z.string(), z.number({ error: "expected a count" })).optional(),
  maybeCorrupt: z.boolean().optional(),
});
export type PreviewDigest = z.infer<typeof digestSchema>;

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

const NOT_A_DIGEST = "is this `pulumi preview --json` output?";

/** `steps[0].op` from a zod issue path. */
const issuePath = (path: readonly PropertyKey[]) =>
  path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`))
    .join("");

/** The digest, or one line naming the first thing wrong with it (exit 2 in preview-summary). */
export function parseDigest(input: string): PreviewDigest {
  let doc: unknown;
  try {
    doc = JSON.parse(input);
  } catch (err) {
    throw new OperatorError(
      `input is not JSON (${(err as Error).message}); pass the output of \`pulumi preview --json\``,
    );
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc))
    throw new OperatorError(`input is not a JSON object; ${NOT_A_DIGEST}`);
  const parsed = digestSchema.safeParse(doc);
  if (!parsed.success) {
    const [first, ...more] = parsed.error.issues;
    const others =
      more.length > 0 ? ` (and ${more.length} more problem${more.length === 1 ? "" : "s"})` : "";
    throw new OperatorError(
      `${issuePath(first.path) || "input"}: ${first.message}${others}; ${NOT_A_DIGEST}`,
    );
  }
  const d = parsed.data;
  if (d.steps === undefined && d.changeSummary === undefined && d.diagnostics === undefined)
    throw new OperatorError(`no steps, changeSummary or diagnostics; ${NOT_A_DIGEST}`);
  return d;
}
