import { parseImageReference } from "./formats";
import { IMAGES, IMAGE_KEYS, ImageKey } from "./images";
import { memoryColumn, parseMemoryMiB } from "./memory";
import { SERVICES, ServiceName } from "./serviceNames";
import { Target, configKey } from "./schema";

/** `service=value` overrides of memory limits and images, with a problem per bad entry. */

/** Below this, no service here starts (Mailpit, the smallest, idles near 20 MiB). */
export const MIN_MEMORY_MIB = 6;
/**
 * 1 TiB: no machine this stack targets has more, so a larger limit is a typo (a unit off by
 * 1024), and Docker would accept it as "no effective limit" rather than refuse it.
 */
export const MAX_MEMORY_MIB = 1024 * 1024;

interface Entry {
  readonly where: string;
  readonly service: string;
  readonly value: string;
}

/**
 * Splits `service=value` entries; refuses a missing or second `=` and a service listed twice (the
 * last would silently win), each with the key and index.
 */
function entries(
  key: string,
  list: readonly string[],
  form: string,
  example: string,
  problems: string[],
): Entry[] {
  const seen = new Map<string, string>();
  const out: Entry[] = [];
  list.forEach((entry, i) => {
    const where = configKey(`${key}[${i}]`);
    const parts = entry.split("=");
    if (parts.length !== 2 || parts[0] === "" || parts[1] === "") {
      problems.push(
        `${where}: expected one "${form}" entry such as "${example}", got ${JSON.stringify(entry)}`,
      );
      return;
    }
    const [service, value] = parts;
    const first = seen.get(service);
    if (first)
      problems.push(
        `${where}: "${service}" is already set by ${first}, expected each service once`,
      );
    else {
      seen.set(service, where);
      out.push({ where, service, value });
    }
  });
  return out;
}

export function resolveMemory(
  target: Target,
  overrides: readonly string[],
  problems: string[],
): Record<ServiceName, number> {
  const memoryMiB: Record<ServiceName, number> = { ...memoryColumn(target) };
  for (const { where, service, value } of entries(
    "memoryLimits",
    overrides,
    "service=size",
    "kong=512MiB",
    problems,
  )) {
    const mib = parseMemoryMiB(value);
    if (!(SERVICES as readonly string[]).includes(service))
      problems.push(
        `${where}: unknown service "${service}", expected one of: ${SERVICES.join(", ")}`,
      );
    else if (mib === undefined || mib < MIN_MEMORY_MIB)
      problems.push(
        `${where}: expected a size of at least ${MIN_MEMORY_MIB}MiB such as "512MiB" or "2GiB", got "${value}"`,
      );
    else if (mib > MAX_MEMORY_MIB)
      problems.push(
        `${where}: expected a size of at most 1TiB such as "512MiB" or "2GiB", got "${value}"`,
      );
    else memoryMiB[service as ServiceName] = mib;
  }
  return memoryMiB;
}

export function resolveImages(
  overrides: readonly string[],
  problems: string[],
): Record<ImageKey, string> {
  const images: Record<ImageKey, string> = { ...IMAGES };
  for (const { where, service, value } of entries(
    "imageOverrides",
    overrides,
    "service=image:tag",
    "kong=kong/kong:3.9.3",
    problems,
  )) {
    if (!(IMAGE_KEYS as string[]).includes(service)) {
      problems.push(
        `${where}: unknown service "${service}", expected one of: ${IMAGE_KEYS.join(", ")}`,
      );
      continue;
    }
    const example = IMAGES[service as ImageKey];
    const ref = parseImageReference(value);
    if (!ref)
      problems.push(
        `${where}: expected an image reference as Docker reads it: [registry[:port]/]lowercase/path[:tag][@digest], such as "${example}", got "${value}"`,
      );
    // A moved tag is never pulled again, so every image is pinned: a tag other than latest, or a digest.
    else if (!ref.digest && (ref.tag === undefined || ref.tag === "latest"))
      problems.push(
        `${where}: expected a pinned tag or digest such as "${example}", got "${value}"`,
      );
    else images[service as ImageKey] = value;
  }
  return images;
}
