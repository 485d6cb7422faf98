import {
  createWriteStream,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { decryptFile, legacyEncryptingStream } from "../../scripts/lib/backup/crypto";
import { recoverInterruptedRekeys } from "../../scripts/lib/backup/keys";
import {
  backupName,
  listBackups,
  pruneBackups,
  readManifest,
  verifyChecksums,
} from "../../scripts/lib/backup/manifest";
import { dockerTarget, summarizeToc, urlTarget } from "../../scripts/lib/backup/pg";
import { planRoles } from "../../scripts/lib/backup/roles";
import { parseBuckets } from "../../scripts/lib/backup/storage";
import { fakeBackup, scratch as tmp } from "../support/backupFolder";

async function encryptTo(path: string, data: Buffer, passphrase: string): Promise<void> {
  await pipeline(
    Readable.from([data.subarray(0, 1000), data.subarray(1000)]),
    await legacyEncryptingStream(passphrase),
    createWriteStream(path),
  );
}

describe("backup encryption before the age format (OWNSTKE1: AES-256-GCM, scrypt)", () => {
  it("round-trips, and the file holds no plaintext", async () => {
    const dir = tmp("crypto");
    const data = Buffer.from("PGDMP".repeat(10_000));
    await encryptTo(join(dir, "a.enc"), data, "pw");
    const stored = readFileSync(join(dir, "a.enc"));
    expect(stored.subarray(0, 8).toString()).toBe("OWNSTKE1");
    expect(stored.length).toBe(data.length + 39 + 16);
    expect(stored.includes(Buffer.from("PGDMPPGDMP"))).toBe(false);
    await decryptFile(join(dir, "a.enc"), join(dir, "a"), "pw");
    expect(readFileSync(join(dir, "a")).equals(data)).toBe(true);
  });

  it("refuses a wrong passphrase, a changed byte and a changed header", async () => {
    const dir = tmp("crypto");
    await encryptTo(join(dir, "a.enc"), Buffer.from("secret rows"), "pw");
    await expect(decryptFile(join(dir, "a.enc"), join(dir, "out1"), "PW")).rejects.toThrow(
      /^cannot decrypt .*a\.enc: wrong passphrase, or the file was changed; nothing was restored$/,
    );
    const body = readFileSync(join(dir, "a.enc"));
    body[45] ^= 1;
    writeFileSync(join(dir, "b.enc"), body);
    await expect(decryptFile(join(dir, "b.enc"), join(dir, "out2"), "pw")).rejects.toThrow(
      /wrong passphrase, or the file was changed/,
    );
    const header = readFileSync(join(dir, "a.enc"));
    header[20] ^= 1; // a salt byte: another key, and the header is authenticated data as well
    writeFileSync(join(dir, "c.enc"), header);
    await expect(decryptFile(join(dir, "c.enc"), join(dir, "out3"), "pw")).rejects.toThrow(
      /wrong passphrase, or the file was changed/,
    );
  });

  it("encrypts an empty file too", async () => {
    const dir = tmp("crypto");
    await pipeline(
      Readable.from([]),
      await legacyEncryptingStream("pw"),
      createWriteStream(join(dir, "e.enc")),
    );
    await decryptFile(join(dir, "e.enc"), join(dir, "e"), "pw");
    expect(readFileSync(join(dir, "e")).length).toBe(0);
  });
});

describe("roles to re-create", () => {
  const dump = [
    "SET default_transaction_read_only = off;",
    "CREATE ROLE app_reader;",
    "ALTER ROLE app_reader WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB NOLOGIN NOREPLICATION NOBYPASSRLS;",
    'CREATE ROLE "Weird ""One""";',
    'ALTER ROLE "Weird ""One""" WITH NOLOGIN;',
    "CREATE ROLE postgres;",
    "ALTER ROLE postgres WITH SUPERUSER INHERIT CREATEROLE CREATEDB LOGIN REPLICATION BYPASSRLS;",
    "ALTER ROLE app_reader SET search_path TO app, public;",
    "GRANT app_reader TO authenticated GRANTED BY supabase_admin;",
    "GRANT anon TO authenticator WITH INHERIT TRUE GRANTED BY postgres;",
  ].join("\n");

  it("creates only missing roles, never alters existing ones, and drops grantors that may not exist", () => {
    const plan = planRoles(dump, new Set(["postgres", "anon", "authenticated", "authenticator"]));
    expect(plan.created).toEqual(['Weird "One"', "app_reader"]);
    expect(plan.sql.split("\n").filter(Boolean)).toEqual([
      "CREATE ROLE app_reader;",
      "ALTER ROLE app_reader WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB NOLOGIN NOREPLICATION NOBYPASSRLS;",
      'CREATE ROLE "Weird ""One""";',
      'ALTER ROLE "Weird ""One""" WITH NOLOGIN;',
      "ALTER ROLE app_reader SET search_path TO app, public;",
      "GRANT app_reader TO authenticated;",
    ]);
    expect(
      planRoles(
        dump,
        new Set([
          "postgres",
          "anon",
          "authenticated",
          "authenticator",
          "app_reader",
          'Weird "One"',
        ]),
      ),
    ).toEqual({ created: [], sql: "" });
  });
});

describe("reading tool output", () => {
  it("counts tables with data, policies and large objects in pg_restore --list", () => {
    const list = [
      ";",
      "; Archive created at 2026-03-01 10:00:00 UTC",
      "215; 1259 16390 TABLE public items postgres",
      "3345; 0 16390 TABLE DATA public items postgres",
      "3346; 0 16384 TABLE DATA app notes postgres",
      "3350; 3256 16395 POLICY app notes notes_owner_read postgres",
      "3351; 3256 16396 POLICY app notes notes_writer_insert postgres",
      "3352; 2613 424242 BLOB - 424242 app_writer",
      "3353; 0 0 BLOBS - BLOBS ",
    ].join("\n");
    expect(summarizeToc(list)).toEqual({ tables: 2, policies: 2, largeObjects: 1 });
  });

  it("lists MinIO buckets from mc ls --json", () => {
    const out =
      '{"status":"success","type":"folder","lastModified":"2026-03-01T10:00:00Z","size":0,"key":"ownstack/","etag":"","url":"http://127.0.0.1:9000/"}\n{"status":"success","type":"folder","key":"avatars/"}\n';
    expect(parseBuckets(out)).toEqual(["avatars", "ownstack"]);
  });

  it("runs tools inside the db container as supabase_admin, and keeps URL passwords off the command line", () => {
    const d = dockerTarget("ownstack-local-db").command("pg_restore", ["--list"], { stdin: true });
    expect([d.cmd, ...d.args]).toEqual([
      "docker",
      "exec",
      "-i",
      "-e",
      "PGHOST=127.0.0.1",
      "-e",
      "PGUSER=supabase_admin",
      "-e",
      "PGDATABASE=postgres",
      "ownstack-local-db",
      "pg_restore",
      "--list",
    ]);
    expect(dockerTarget("db", { dockerHost: "ssh://deploy@host" }).command("psql", []).env).toEqual(
      { DOCKER_HOST: "ssh://deploy@host" },
    );
    const u = urlTarget(
      "postgres://app:s%40cret@db.example.com:6543/prod?sslmode=require",
      "/opt/pg/bin",
    );
    const c = u.command("pg_dump", ["--format=custom"]);
    expect([c.cmd, ...c.args]).toEqual(["/opt/pg/bin/pg_dump", "--format=custom"]);
    expect(c.env).toEqual({
      PGHOST: "db.example.com",
      PGPORT: "6543",
      PGDATABASE: "prod",
      PGUSER: "app",
      PGPASSWORD: "s@cret",
      PGSSLMODE: "require",
    });
    expect(u.description).toBe("postgres://app@db.example.com:6543/prod");
    expect(() => urlTarget("mysql://x@y/z")).toThrow(/^--db-url must start with postgres:\/\//);
  });
});

/** A backup folder as backup writes it, with real checksums, for the bad-input tests. */

describe("backup folders", () => {
  it("explains a missing folder, a folder that is not a backup, and a broken manifest", () => {
    const root = tmp("manifest");
    expect(() => readManifest(join(root, "nope"))).toThrow(
      /^backup folder .*nope not found; nothing was restored$/,
    );
    mkdirSync(join(root, "empty"));
    expect(() => readManifest(join(root, "empty"))).toThrow(
      /has no manifest\.json, so it is not an ownstack backup/,
    );
    mkdirSync(join(root, "bad"));
    writeFileSync(join(root, "bad", "manifest.json"), '{"format":"other"}');
    expect(() => readManifest(join(root, "bad"))).toThrow(
      /is not a ownstack-backup\/1 manifest \(bad format/,
    );
  });

  it("finds a changed size, a changed byte and a missing file", async () => {
    const folder = await fakeBackup(tmp("sums"), "local-2026-03-01T10-00-00.000Z");
    const manifest = readManifest(folder);
    await expect(verifyChecksums(folder, manifest)).resolves.toBeUndefined();
    writeFileSync(join(folder, "roles.sql"), "CREATE ROLE app_writer;\n");
    await expect(verifyChecksums(folder, manifest)).rejects.toThrow(
      /^checksum mismatch in roles\.sql \(sha256 [0-9a-f]{12}…, expected [0-9a-f]{12}…\); the backup is damaged, nothing was restored$/,
    );
    writeFileSync(join(folder, "roles.sql"), "x");
    await expect(verifyChecksums(folder, manifest)).rejects.toThrow(
      /^checksum mismatch in roles\.sql \(1 bytes, expected 24\)/,
    );
    writeFileSync(join(folder, "roles.sql"), "CREATE ROLE app_reader;\n");
    writeFileSync(
      join(folder, "manifest.json"),
      JSON.stringify({
        ...manifest,
        files: [...manifest.files, { ...manifest.files[0], name: "storage.tar", kind: "storage" }],
      }),
    );
    await expect(verifyChecksums(folder, readManifest(folder))).rejects.toThrow(
      /^storage\.tar is missing from .*; the backup is incomplete, nothing was restored$/,
    );
  });

  it("prunes only complete backups of the same prefix, oldest first", async () => {
    const root = tmp("prune");
    const at = (m: number) => backupName("local", new Date(Date.UTC(2026, 2, 1, 10, m)));
    for (const m of [1, 2, 3]) await fakeBackup(root, at(m));
    await fakeBackup(root, backupName("vps", new Date(Date.UTC(2026, 0, 1))));
    mkdirSync(join(root, `.${at(4)}.partial`));
    mkdirSync(join(root, "local-notes"));
    expect(pruneBackups(root, "local", 2)).toEqual([at(1)]);
    expect(listBackups(root, "local")).toEqual([at(3), at(2)]);
    expect(readdirSync(root).sort()).toEqual(
      [
        `.${at(4)}.partial`,
        at(2),
        at(3),
        "local-notes",
        backupName("vps", new Date(Date.UTC(2026, 0, 1))),
      ].sort(),
    );
  });

  it("after a re-encryption stopped between its renames, the new copy takes the name if complete, else the old one goes back", async () => {
    const root = tmp("rekey");
    const at = (m: number) => backupName("local", new Date(Date.UTC(2026, 2, 1, 10, m)));
    const leftover = async (name: string, complete: boolean) => {
      await fakeBackup(root, name);
      renameSync(join(root, name), join(root, `.${name}.old`));
      await fakeBackup(root, `.${name}.rekey`);
      writeFileSync(join(root, `.${name}.rekey`, "db.dump"), "PGDMP under the new key");
      if (!complete) rmSync(join(root, `.${name}.rekey`, "manifest.json"));
    };
    await leftover(at(1), true);
    await leftover(at(2), false);
    await fakeBackup(root, at(3));
    mkdirSync(join(root, `.${at(3)}.old`)); // stopped after the second rename
    const vps = backupName("vps", new Date(Date.UTC(2026, 0, 1)));
    mkdirSync(join(root, `.${vps}.old`)); // another stack's: not this scheduler's to touch

    expect(recoverInterruptedRekeys(root, "local")).toEqual([at(1), at(2)]);
    expect(readdirSync(root).sort()).toEqual([`.${vps}.old`, at(1), at(2), at(3)].sort());
    expect(listBackups(root, "local")).toEqual([at(3), at(2), at(1)]);
    expect(readFileSync(join(root, at(1), "db.dump"), "utf8")).toBe("PGDMP under the new key");
    expect(readFileSync(join(root, at(2), "db.dump"), "utf8")).toBe("PGDMP not really a dump");
    expect(recoverInterruptedRekeys(root, "local")).toEqual([]);
  });
});
