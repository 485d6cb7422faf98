/**
 * Property values as they cross the gRPC wire (@pulumi/pulumi runtime/rpc.ts): a secret is an
 * object tagged with the special signature key, an unknown is a fixed sentinel string.
 */

export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** rpc.ts `unknownValue`: what a preview sends for a value no one knows yet. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const secret = (value: unknown) => ({ [SIG_KEY]: SECRET_SIG, value });

export function isSecret(value: unknown): value is { value: unknown } {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG
  );
}

/** The value with every secret wrapper removed, for a provider that computes from inputs. */
export function reveal(value: unknown): any {
  if (isSecret(value)) return reveal(value.value);
  if (Array.isArray(value)) return value.map(reveal);
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
  return value;
}

/** True if the value, or anything inside it, is the unknown sentinel. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (typeof value === "object" && value !== null)
    return Object.values(value).some(containsUnknown);
  return false;
}

/** Every string anywhere in a value that is not inside a secret wrapper. */
export function plainStrings(value: unknown): string[] {
  if (isSecret(value)) return [];
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(plainStrings);
  if (typeof value === "object" && value !== null)
    return Object.values(value).flatMap(plainStrings);
  return [];
}
