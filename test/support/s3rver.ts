import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "@20minutes/s3rver";
import type { S3Endpoint } from "../../scripts/lib/backup/s3";

/**
 * A real S3 server on 127.0.0.1 for the S3 client's tests: s3rver (the @20minutes fork,
 * https://github.com/20minutes/s3rver) storing objects in a temporary folder, on a free port, with
 * one bucket made before the first request. It checks SigV4 signatures against its one account,
 * whose key and secret are both `S3RVER` (lib/models/account.js), and goes away with its folder.
 */

export interface S3Server {
  readonly bucket: string;
  /** The server's address and its account's credentials, as the scheduler's env would give them. */
  readonly endpoint: S3Endpoint;
  /** Where s3rver keeps the objects, to show what is stored without going through S3. */
  readonly dir: string;
  stop(): Promise<void>;
}

export const S3RVER_KEY = "S3RVER";

export async function startS3rver(bucket = "ownstack-offsite"): Promise<S3Server> {
  const dir = mkdtempSync(join(tmpdir(), "ownstack-s3rver-"));
  // vhostBuckets off: requests to 127.0.0.1 are path-style anyway, and nothing else is guessed.
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    directory: dir,
    silent: true,
    vhostBuckets: false,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  return {
    bucket,
    dir,
    endpoint: {
      endpoint: `http://127.0.0.1:${port}`,
      region: "us-east-1",
      accessKeyId: S3RVER_KEY,
      secretAccessKey: S3RVER_KEY,
    },
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
