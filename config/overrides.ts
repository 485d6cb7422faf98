import { IMAGES, IMAGE_KEYS, ImageKey } from "./images";
import { DEFAULT_MEMORY_MIB, SERVICES, ServiceName, parseMemoryMiB } from "./memory";
import { Target } from "./schema";

/** `service=value` overrides of memory limits and images, with a problem per bad entry. */

const key = (k: string) => `ownstack:${k}`;

export function resolveMemory(target: Target, overrides: readonly string[], problems: string[]): Record<ServiceName, number> {
  const memoryMiB: Record<ServiceName, number> = { ...DEFAULT_MEMORY_MIB[target] };
  overrides.forEach((entry, i) => {
    const [service, size] = entry.split("=", 2);
    const mib = parseMemoryMiB(size);
    if (!(SERVICES as readonly string[]).includes(service))
      problems.push(`${key(`memoryLimits[${i}]`)}: unknown service "${service}", expected one of: ${SERVICES.join(", ")}`);
    else if (mib === undefined || mib < 6)
      problems.push(`${key(`memoryLimits[${i}]`)}: expected a size of at least 6MiB such as "512MiB" or "2GiB", got "${size}"`);
    else memoryMiB[service as ServiceName] = mib;
  });
  return memoryMiB;
}

export function resolveImages(overrides: readonly string[], problems: string[]): Record<ImageKey, string> {
  const images: Record<ImageKey, string> = { ...IMAGES };
  overrides.forEach((entry, i) => {
    const [service, image] = entry.split("=", 2);
    if (!(IMAGE_KEYS as string[]).includes(service))
      problems.push(`${key(`imageOverrides[${i}]`)}: unknown service "${service}", expected one of: ${IMAGE_KEYS.join(", ")}`);
    else if (/:latest$/.test(image) || !/[:@]/.test(image.split("/").pop() ?? ""))
      problems.push(`${key(`imageOverrides[${i}]`)}: expected a pinned tag or digest such as "${IMAGES[service as ImageKey]}", got "${image}"`);
    else images[service as ImageKey] = image;
  });
  return images;
}
