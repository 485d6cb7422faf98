import { createWriteStream, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { Duplex, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { removeOnExit } from "./cleanup";
import { streamOut } from "./proc";
import { S3Client } from "./s3";
import { StorageReader } from "./storage";

/**
 * Storage read from inside the stack by the backup scheduler, with no Docker socket: the file
 * backend's volume is mounted read-only, MinIO is read over its S3 API. Both write the tar layout
 * that `docker cp` gives the CLI path (./storage.ts), so `npm run restore` reads either.
 */

/** The file backend's volume mounted at `<parent>/storage`: tarred as `storage/…`, like `docker cp`. */
export function mountedFileStorage(parent: string): StorageReader {
  return {
    kind: "file",
    description: `file storage mounted at ${join(parent, "storage")}`,
    async write(through: Duplex[], sink: Writable) {
      await streamOut({ cmd: "tar", args: ["-C", parent, "-cf", "-", "storage"] }, through, sink);
      const root = join(parent, "storage");
      const tenants = existsSync(root)
        ? readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory())
        : [];
      return [
        ...new Set(
          tenants.flatMap((t) =>
            readdirSync(join(root, t.name), { withFileTypes: true })
              .filter((d) => d.isDirectory())
              .map((d) => d.name),
          ),
        ),
      ].sort();
    },
  };
}

/**
 * MinIO over S3: every object of every bucket is downloaded to `<staging>/ownstack-mirror/<bucket>/<key>`
 * (what `mc mirror` writes on the CLI path), tarred, and the staging folder removed.
 */
export function s3Storage(client: S3Client, endpoint: string, staging: string): StorageReader {
  return {
    kind: "minio",
    description: `MinIO at ${endpoint}`,
    async write(through: Duplex[], sink: Writable) {
      rmSync(staging, { recursive: true, force: true });
      const mirror = join(staging, "ownstack-mirror");
      mkdirSync(mirror, { recursive: true, mode: 0o700 });
      const release = removeOnExit(staging);
      try {
        const buckets = await client.listBuckets();
        for (const bucket of buckets) {
          const dir = join(mirror, bucket);
          mkdirSync(dir, { recursive: true });
          for (const o of await client.listObjects(bucket)) {
            const path = resolve(dir, o.key);
            // A key such as `../x` must not leave its bucket's folder.
            if (relative(dir, path).startsWith("..") || o.key.endsWith("/")) continue;
            mkdirSync(dirname(path), { recursive: true });
            await pipeline(
              await client.getObject(bucket, o.key),
              createWriteStream(path, { mode: 0o600 }),
            );
          }
        }
        await streamOut(
          { cmd: "tar", args: ["-C", staging, "-cf", "-", "ownstack-mirror"] },
          through,
          sink,
        );
        return buckets;
      } finally {
        release();
      }
    },
  };
}
