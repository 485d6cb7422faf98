import { createWriteStream, readdirSync } from "node:fs";
import { join, posix } from "node:path";
import { pipeline } from "node:stream/promises";
import { Client, SFTPWrapper } from "ssh2";
import { backupTime, isBackupName } from "./manifest";
import { Retention, planRetention } from "../../../config/backupRetention";
import { S3Client, S3Endpoint } from "./s3";
import { OFFSITE_S3_SETTINGS } from "../../../config/backupEnv";

/**
 * The off-site copy: every finished backup folder is copied to an SFTP host or an S3-compatible
 * bucket, under a hidden partial name first and renamed (SFTP) or completed by its manifest (S3,
 * uploaded last) once every file is there, then the remote copies are pruned by the same
 * retention rules as the local ones. The local copy is never removed because of a failed upload.
 */

export type OffsiteConfig =
  | {
      readonly kind: "sftp";
      readonly host: string;
      readonly port: number;
      readonly user: string;
      readonly path: string;
      readonly privateKey: string;
      /** The server's public key as in known_hosts (`ssh-ed25519 AAAA…`): anything else is refused. */
      readonly hostKey: string;
    }
  | {
      readonly kind: "s3";
      readonly bucket: string;
      readonly prefix: string;
      readonly endpoint: S3Endpoint;
    };

export interface OffsiteTarget {
  readonly description: string;
  upload(folder: string, name: string): Promise<void>;
  /** Complete remote backups (names). */
  list(): Promise<string[]>;
  remove(name: string): Promise<void>;
  /** Copies every file of the remote backup `name` into `folder` (which exists). */
  download(name: string, folder: string): Promise<void>;
}

/** `sftp://user@host:22/path` or `s3://bucket/prefix`, as `backupOffsite` takes it. */
export function parseOffsiteUrl(
  text: string,
):
  | { kind: "sftp"; user: string; host: string; port: number; path: string }
  | { kind: "s3"; bucket: string; prefix: string }
  | string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return "expected sftp://user@host/path or s3://bucket/prefix";
  }
  if (u.protocol === "sftp:") {
    if (u.username === "" || u.hostname === "")
      return "expected sftp://user@host[:port]/path with a user and a host";
    if (u.password !== "")
      return "the password does not belong in the URL; set the key with --secret ownstack:backupSftpPrivateKey";
    return {
      kind: "sftp",
      user: decodeURIComponent(u.username),
      host: u.hostname.replace(/^\[|\]$/g, ""),
      port: Number(u.port || 22),
      path: decodeURIComponent(u.pathname) || "/",
    };
  }
  if (u.protocol === "s3:") {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(u.hostname))
      return "expected s3://bucket/prefix with an S3 bucket name (3-63 lowercase letters, digits, dots, dashes)";
    return {
      kind: "s3",
      bucket: u.hostname,
      prefix: decodeURIComponent(u.pathname).replace(/^\/+|\/+$/g, ""),
    };
  }
  return `expected sftp://user@host/path or s3://bucket/prefix, got ${u.protocol}//`;
}

export function offsiteTarget(config: OffsiteConfig): OffsiteTarget {
  return config.kind === "sftp" ? sftpTarget(config) : s3Target(config);
}

/** Uploads one backup, then prunes the remote side; returns the remote names removed. */
export async function copyOffsite(
  target: OffsiteTarget,
  root: string,
  name: string,
  retention: Retention,
): Promise<string[]> {
  await target.upload(join(root, name), name);
  // Only this stack's backups count: two stacks sharing one remote folder would otherwise keep one
  // backup per day between them and prune each other's.
  const stack = name.replace(BACKUP_NAME, "");
  const { remove } = planRetention(
    (await target.list())
      .filter((n) => isBackupName(stack, n))
      .map((n) => ({ name: n, at: backupTime(n) }))
      .filter((b) => !Number.isNaN(b.at.getTime())),
    retention,
  );
  for (const b of remove) await target.remove(b.name);
  return remove.map((b) => b.name);
}

const BACKUP_NAME = /-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z$/;

function s3Target(c: Extract<OffsiteConfig, { kind: "s3" }>): OffsiteTarget {
  const s3 = new S3Client(c.endpoint, { settings: OFFSITE_S3_SETTINGS });
  // `a/b`, `a/b/` and `/a//b` are one prefix: S3 keys are plain strings, so a stray slash would
  // otherwise make a second folder (`a/b//name/…`) that the other spelling never lists.
  const prefix = c.prefix
    .split("/")
    .filter((p) => p !== "")
    .join("/");
  const key = (...parts: string[]) => [prefix, ...parts].filter((p) => p !== "").join("/");
  return {
    description: `s3://${c.bucket}/${prefix} at ${c.endpoint.endpoint}`,
    async upload(folder, name) {
      // S3 has no rename: the manifest goes last, and only folders with one count as backups.
      const files = readdirSync(folder).sort(
        (a, b) => Number(a === "manifest.json") - Number(b === "manifest.json"),
      );
      for (const f of files) await s3.putFile(c.bucket, key(name, f), join(folder, f));
    },
    async list() {
      const objects = await s3.listObjects(c.bucket, prefix === "" ? "" : `${prefix}/`);
      return objects
        .map((o) => o.key.slice(prefix === "" ? 0 : prefix.length + 1).split("/"))
        .filter((p) => p.length === 2 && p[1] === "manifest.json" && BACKUP_NAME.test(p[0]))
        .map((p) => p[0])
        .sort()
        .reverse();
    },
    async remove(name) {
      // `<name>/`: the slash keeps a longer name sharing this one's start out of the listing.
      const objects = await s3.listObjects(c.bucket, `${key(name)}/`);
      // Manifest first: a half-removed backup must not look complete.
      for (const o of objects.sort(
        (a, b) =>
          Number(b.key.endsWith("/manifest.json")) - Number(a.key.endsWith("/manifest.json")),
      ))
        await s3.deleteObject(c.bucket, o.key);
    },
    async download(name, folder) {
      const objects = await s3.listObjects(c.bucket, `${key(name)}/`);
      for (const o of objects) {
        const file = o.key.slice(key(name).length + 1);
        // A backup folder is flat; anything deeper is not one of its files.
        if (file === "" || file.includes("/")) continue;
        await pipeline(await s3.getObject(c.bucket, o.key), createWriteStream(join(folder, file)));
      }
    },
  };
}

/** One SSH session per call; host key checked against the configured one before authenticating. */
async function withSftp<T>(
  c: Extract<OffsiteConfig, { kind: "sftp" }>,
  use: (sftp: SFTPWrapper) => Promise<T>,
): Promise<T> {
  const expected = Buffer.from(c.hostKey.trim().split(/\s+/)[1] ?? "", "base64");
  const conn = new Client();
  let hostKeyMismatch = false;
  const ready = new Promise<SFTPWrapper>((ok, fail) => {
    conn
      .once("ready", () => conn.sftp((err, sftp) => (err ? fail(err) : ok(sftp))))
      .once("error", (err) =>
        fail(
          hostKeyMismatch
            ? new Error(
                `the SSH host key of ${c.host} is not the one in ownstack:backupSftpHostKey; refusing to upload`,
              )
            : err,
        ),
      )
      .connect({
        host: c.host,
        port: c.port,
        username: c.user,
        privateKey: c.privateKey,
        readyTimeout: 20_000,
        hostVerifier: (key: Buffer) => {
          hostKeyMismatch = !(expected.length > 0 && key.equals(expected));
          return !hostKeyMismatch;
        },
      });
  });
  try {
    return await use(await ready);
  } finally {
    conn.end();
  }
}

const call = <T>(fn: (cb: (err: Error | null | undefined, v: T) => void) => void) =>
  new Promise<T>((ok, fail) => fn((err, v) => (err ? fail(err) : ok(v))));

function sftpTarget(c: Extract<OffsiteConfig, { kind: "sftp" }>): OffsiteTarget {
  const remote = (...p: string[]) => posix.join(c.path, ...p);
  const rmTree = async (sftp: SFTPWrapper, dir: string) => {
    const entries = await call<{ filename: string }[]>((cb) => sftp.readdir(dir, cb)).catch(
      () => [],
    );
    for (const e of entries)
      await call<void>((cb) =>
        sftp.unlink(posix.join(dir, e.filename), (err) => cb(err, undefined)),
      );
    await call<void>((cb) => sftp.rmdir(dir, (err) => cb(err, undefined))).catch(() => undefined);
  };
  return {
    description: `sftp://${c.user}@${c.host}:${c.port}${c.path}`,
    upload: (folder, name) =>
      withSftp(c, async (sftp) => {
        const partial = remote(`.${name}.partial`);
        // The point-in-time sub-folders (wal/, base/) may not exist yet; an existing one is fine.
        await call<void>((cb) =>
          sftp.mkdir(c.path, { mode: 0o700 }, (err) => cb(err, undefined)),
        ).catch(() => undefined);
        await rmTree(sftp, partial);
        await call<void>((cb) => sftp.mkdir(partial, { mode: 0o700 }, (err) => cb(err, undefined)));
        for (const f of readdirSync(folder).sort())
          await call<void>((cb) =>
            sftp.fastPut(join(folder, f), posix.join(partial, f), { mode: 0o600 }, (err) =>
              cb(err, undefined),
            ),
          );
        await call<void>((cb) => sftp.rename(partial, remote(name), (err) => cb(err, undefined)));
      }),
    list: () =>
      withSftp(c, async (sftp) =>
        (await call<{ filename: string }[]>((cb) => sftp.readdir(c.path, cb)))
          .map((e) => e.filename)
          .filter((n) => BACKUP_NAME.test(n) && !n.startsWith("."))
          .sort()
          .reverse(),
      ),
    remove: (name) => withSftp(c, (sftp) => rmTree(sftp, remote(name))),
    download: (name, folder) =>
      withSftp(c, async (sftp) => {
        const entries = await call<{ filename: string; attrs: { isFile(): boolean } }[]>((cb) =>
          sftp.readdir(remote(name), cb),
        );
        for (const e of entries.filter((e) => e.attrs.isFile()))
          await call<void>((cb) =>
            sftp.fastGet(remote(name, e.filename), join(folder, e.filename), (err) =>
              cb(err, undefined),
            ),
          );
      }),
  };
}
