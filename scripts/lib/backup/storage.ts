import { Duplex, Readable, Writable } from "node:stream";
import { dockerHostEnv } from "../docker";
import { Cmd, capture, streamIn, streamOut } from "./proc";

/**
 * Storage objects, read and written inside their containers with the tools already there, so
 * nothing is published and no credential leaves the server. Storage API's metadata (buckets,
 * object rows, owners) is in Postgres and travels with the database dump.
 *
 * MinIO keeps objects in its own on-disk format, so its files cannot be copied raw: `mc mirror`
 * (bundled in the image) copies every bucket to plain files in the container's /tmp, and
 * `docker cp … -` streams that folder out as a tar. Restore reverses both steps.
 */
export type StorageSource =
  | { readonly kind: "minio"; readonly container: string; readonly dockerHost?: string }
  | { readonly kind: "file"; readonly container: string; readonly dockerHost?: string };

/** mc reads the alias from MC_HOST_<alias>; nothing is written to mc's config in the container. */
const MC_ALIAS =
  'export MC_HOST_ownstack="http://${MINIO_ROOT_USER}:${MINIO_ROOT_PASSWORD}@127.0.0.1:9000"';
const MIRROR_DIR = "/tmp/ownstack-mirror";
const FILE_ROOT = "/var/lib/storage";

const docker = (src: StorageSource, args: string[]): Cmd => ({
  cmd: "docker",
  args,
  env: dockerHostEnv(src.dockerHost),
});
/** `sh -ec script sh arg…`: bucket names arrive as "$@", never spliced into the script. */
const sh = (src: StorageSource, script: string, args: string[] = []): Cmd =>
  docker(src, ["exec", src.container, "sh", "-ec", script, "sh", ...args]);

/** Something that writes a storage tar in the format restore reads (see above), and names the buckets. */
export interface StorageReader {
  readonly kind: "minio" | "file";
  readonly description: string;
  write(through: Duplex[], sink: Writable): Promise<string[]>;
}

export function storageReader(src: StorageSource | StorageReader): StorageReader {
  if ("write" in src) return src;
  return {
    kind: src.kind,
    description: describeStorage(src),
    write: (through, sink) => backupStorage(src, through, sink),
  };
}

export function describeStorage(src: StorageSource): string {
  return `${src.kind === "minio" ? "MinIO" : "file storage"} in container ${src.container}${src.dockerHost ? ` on ${src.dockerHost}` : ""}`;
}

/** Bucket names from `mc ls --json` (one JSON object per line, keys end in `/`). */
export function parseBuckets(mcLsJson: string): string[] {
  return mcLsJson
    .split("\n")
    .filter((l) => l.trim().startsWith("{"))
    .map((l) => (JSON.parse(l) as { key?: string }).key ?? "")
    .map((k) => k.replace(/\/$/, ""))
    .filter((k) => k !== "")
    .sort();
}

export async function listBuckets(src: StorageSource): Promise<string[]> {
  if (src.kind === "file") return [];
  return parseBuckets(await capture(sh(src, `${MC_ALIAS}; mc ls --json ownstack`)));
}

/** Streams every bucket (or the whole file store) as a tar into `sink`. */
export async function backupStorage(
  src: StorageSource,
  through: Duplex[],
  sink: Writable,
): Promise<string[]> {
  if (src.kind === "file") {
    await streamOut(docker(src, ["cp", `${src.container}:${FILE_ROOT}`, "-"]), through, sink);
    return [];
  }
  const buckets = await listBuckets(src);
  try {
    await capture(
      sh(
        src,
        `${MC_ALIAS}; rm -rf ${MIRROR_DIR}; mkdir -p ${MIRROR_DIR}; for b in "$@"; do mkdir -p "${MIRROR_DIR}/$b"; mc mirror --quiet "ownstack/$b" "${MIRROR_DIR}/$b"; done`,
        buckets,
      ),
    );
    await streamOut(docker(src, ["cp", `${src.container}:${MIRROR_DIR}`, "-"]), through, sink);
  } finally {
    await capture(sh(src, `rm -rf ${MIRROR_DIR}`)).catch(() => undefined);
  }
  return buckets;
}

/** Objects already stored: restoring over them needs --force, like a busy database. */
export async function storedObjectCount(
  src: StorageSource,
  buckets: readonly string[],
): Promise<number> {
  const script =
    src.kind === "file"
      ? `find ${FILE_ROOT} -type f 2>/dev/null | wc -l`
      : `${MC_ALIAS}; n=0; for b in "$@"; do if mc stat "ownstack/$b" >/dev/null 2>&1; then c=$(mc ls --recursive "ownstack/$b" | wc -l); n=$((n + c)); fi; done; echo $n`;
  return (
    Number((await capture(sh(src, script, src.kind === "file" ? [] : [...buckets]))).trim()) || 0
  );
}

/** Streams the tar back in and mirrors it into the buckets, overwriting objects of the same name. */
export async function restoreStorage(
  src: StorageSource,
  tar: Readable,
  buckets: readonly string[],
): Promise<void> {
  if (src.kind === "file") {
    // The tar's top folder is `storage`, so it lands in /var/lib/storage.
    await streamIn(docker(src, ["cp", "-", `${src.container}:/var/lib`]), tar);
    return;
  }
  try {
    await capture(sh(src, `rm -rf ${MIRROR_DIR}`));
    await streamIn(docker(src, ["cp", "-", `${src.container}:/tmp`]), tar);
    await capture(
      sh(
        src,
        `${MC_ALIAS}; for b in "$@"; do mc mb --ignore-existing "ownstack/$b"; mc mirror --quiet --overwrite "${MIRROR_DIR}/$b" "ownstack/$b"; done`,
        [...buckets],
      ),
    );
  } finally {
    await capture(sh(src, `rm -rf ${MIRROR_DIR}`)).catch(() => undefined);
  }
}
