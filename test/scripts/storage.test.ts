import { execFileSync } from "node:child_process";
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupStorage, restoreStorage } from "../../scripts/lib/backup/storage";
import { fakeCommand } from "../support/project";

/**
 * Docker cannot run here, so a stand-in `docker` on PATH records each call and answers like the
 * real CLI would (mc's JSON, a tar from `docker cp … -`). This checks the order of the calls, that
 * bucket names travel as arguments rather than inside the shell script, and that the temporary
 * mirror in the container is removed even when mc fails. It does not prove mc or docker cp work:
 * that needs a running MinIO container.
 */

const FAKE_DOCKER = `#!/usr/bin/env node
const fs = require("fs");
const { execFileSync } = require("child_process");
const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_LOG, JSON.stringify({ args, dockerHost: process.env.DOCKER_HOST ?? null }) + "\\n");
const script = args[0] === "exec" ? args[args.indexOf("-ec") + 1] ?? "" : "";
if (script.includes("mc ls --json")) process.stdout.write('{"key":"avatars/","type":"folder"}\\n{"key":"docs/","type":"folder"}\\n');
else if (script.includes("mc mirror") && process.env.FAKE_FAIL_MIRROR) { process.stderr.write("mc: <ERROR> Unable to mirror. Access Denied.\\n"); process.exit(1); }
else if (args[0] === "cp" && args[2] === "-") process.stdout.write(execFileSync("tar", ["-C", process.env.FAKE_TAR_SRC, "-cf", "-", "ownstack-mirror"]));
else if (args[0] === "cp" && args[1] === "-") fs.writeFileSync(process.env.FAKE_TAR_IN, fs.readFileSync(0));
`;

let dir: string;
/** The shell script of a `docker exec … sh -ec <script> sh args…` call. */
const scriptOf = (args: string[]) => args[args.indexOf("-ec") + 1];
const saved = { ...process.env };
const calls = () =>
  readFileSync(process.env.FAKE_LOG!, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { args: string[]; dockerHost: string | null });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ownstack-storage-"));
  mkdirSync(join(dir, "src", "ownstack-mirror", "avatars", "u1"), { recursive: true });
  writeFileSync(join(dir, "src", "ownstack-mirror", "avatars", "u1", "me.png"), "png bytes");
  process.env.PATH = `${fakeCommand("docker", () => FAKE_DOCKER).bin}${delimiter}${process.env.PATH}`;
  process.env.FAKE_TAR_SRC = join(dir, "src");
  process.env.FAKE_TAR_IN = join(dir, "received.tar");
});

afterAll(() => {
  process.env = saved;
});

describe("storage backup and restore through the Docker CLI", () => {
  it("mirrors every bucket inside the MinIO container, streams it out as a tar, then removes the mirror", async () => {
    process.env.FAKE_LOG = join(dir, "backup.log");
    const tar = join(dir, "storage.tar");
    const buckets = await backupStorage(
      { kind: "minio", container: "ownstack-local-minio", dockerHost: "ssh://deploy@host" },
      [],
      createWriteStream(tar),
    );
    expect(buckets).toEqual(["avatars", "docs"]);
    expect(execFileSync("tar", ["-tf", tar], { encoding: "utf8" })).toContain(
      "ownstack-mirror/avatars/u1/me.png",
    );

    const log = calls();
    expect(log.map((c) => c.args[0])).toEqual(["exec", "exec", "cp", "exec"]);
    expect(log.every((c) => c.dockerHost === "ssh://deploy@host")).toBe(true);
    const mirror = log[1].args;
    expect(mirror.slice(-3)).toEqual(["sh", "avatars", "docs"]);
    expect(scriptOf(mirror)).not.toMatch(/avatars|docs/);
    expect(log[2].args).toEqual(["cp", "ownstack-local-minio:/tmp/ownstack-mirror", "-"]);
    expect(scriptOf(log[3].args)).toBe("rm -rf /tmp/ownstack-mirror");
    // Credentials stay in the container: the alias is built from its own env at run time.
    expect(JSON.stringify(log)).toContain("${MINIO_ROOT_PASSWORD}");
  });

  it("fails with mc's own message and still removes the mirror", async () => {
    process.env.FAKE_LOG = join(dir, "fail.log");
    process.env.FAKE_FAIL_MIRROR = "1";
    try {
      await expect(
        backupStorage({ kind: "minio", container: "m" }, [], createWriteStream(join(dir, "x.tar"))),
      ).rejects.toThrow(/^docker exec failed: mc: <ERROR> Unable to mirror\. Access Denied\.$/);
    } finally {
      delete process.env.FAKE_FAIL_MIRROR;
    }
    expect(scriptOf(calls().at(-1)!.args)).toBe("rm -rf /tmp/ownstack-mirror");
  });

  it("restores by copying the tar into the container and mirroring each bucket back with --overwrite", async () => {
    process.env.FAKE_LOG = join(dir, "restore.log");
    execFileSync("tar", ["-C", join(dir, "src"), "-cf", join(dir, "in.tar"), "ownstack-mirror"]);
    await restoreStorage({ kind: "minio", container: "m" }, createReadStream(join(dir, "in.tar")), [
      "avatars",
    ]);
    expect(readFileSync(join(dir, "received.tar")).equals(readFileSync(join(dir, "in.tar")))).toBe(
      true,
    );
    const log = calls();
    expect(log.map((c) => c.args.slice(0, 2).join(" "))).toEqual([
      "exec m",
      "cp -",
      "exec m",
      "exec m",
    ]);
    expect(log[1].args).toEqual(["cp", "-", "m:/tmp"]);
    const script = scriptOf(log[2].args);
    expect(script).toContain(
      'mc mb --ignore-existing "ownstack/$b"; mc mirror --quiet --overwrite "/tmp/ownstack-mirror/$b" "ownstack/$b"',
    );
    expect(log[2].args.slice(-2)).toEqual(["sh", "avatars"]);
  });

  it("copies the file backend's folder without MinIO", async () => {
    process.env.FAKE_LOG = join(dir, "file.log");
    await backupStorage(
      { kind: "file", container: "ownstack-local-storage" },
      [],
      createWriteStream(join(dir, "f.tar")),
    );
    expect(calls().map((c) => c.args)).toEqual([
      ["cp", "ownstack-local-storage:/var/lib/storage", "-"],
    ]);
    expect(existsSync(join(dir, "f.tar"))).toBe(true);
  });
});
