import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { schedulerBundle } from "../../components/backup";
import { SCHEDULER_ENV } from "../../config/backupEnv";
import { runDrill } from "../../scripts/lib/backup/drill";
import { listBackups, readManifest } from "../../scripts/lib/backup/manifest";
import { runRestore } from "../../scripts/lib/backup/restore";
import { mountedStudio } from "../../scripts/lib/backup/studio";
import { OPEN_WEBUI_FILES, mountedFolders } from "../../scripts/lib/backup/folders";
import { filesOf } from "../support/backupFolder";
import { useBackupServer } from "../support/backupServer";

/**
 * Studio's saved snippets and Edge Functions through the scheduler's real path: the bundled
 * scheduler (the file the backup container runs) backs up a real Postgres and two folders standing
 * in for Studio's read-only volume mounts, encrypted; restore then checks and decrypts the backup,
 * restores the database and extracts Studio's tar into a folder with `tar` (the container path
 * streams the same tar into `docker cp - <studio>:/app`, which needs a Docker daemon).
 */

const db = useBackupServer("Studio folders in a scheduled backup", "ownstack-studio-");
const KEY = "studio-test-key-0123456789abcdefghijklmnop";

async function scheduledBackup(root: string, studio: string, openWebui?: string): Promise<string> {
  const file = join(db.work, "backup-scheduler.js");
  if (!existsSync(file)) writeFileSync(file, await schedulerBundle());
  const u = new URL(db.server.url("studiodb"));
  const child = spawn(process.execPath, [file, "now"], {
    env: {
      PATH: `${db.server.binDir ?? ""}:${process.env.PATH}`,
      [SCHEDULER_ENV.stack]: "local",
      [SCHEDULER_ENV.dir]: root,
      [SCHEDULER_ENV.key]: KEY,
      [SCHEDULER_ENV.studioMount]: studio,
      ...(openWebui ? { [SCHEDULER_ENV.openWebuiMount]: openWebui } : {}),
      PGHOST: u.hostname,
      PGPORT: u.port,
      PGUSER: decodeURIComponent(u.username),
      PGPASSWORD: decodeURIComponent(u.password),
      PGDATABASE: "studiodb",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d));
  child.stderr!.on("data", (d: Buffer) => (out += d));
  const code = await new Promise<number | null>((r) => child.once("exit", r));
  expect(code, out).toBe(0);
  return join(root, listBackups(root, "local")[0]);
}

describe("Studio's snippets and functions in a scheduled backup", () => {
  it("are backed up encrypted, restored byte-identical, and the drill still passes", async (ctx) => {
    if (db.skipReason) return ctx.skip(db.skipReason);
    await db.sql("postgres", "create database studiodb");
    await db.sql(
      "studiodb",
      "create table public.t (id int); insert into public.t values (1), (2)",
    );
    const volumes = join(db.work, "studio-volumes");
    mkdirSync(join(volumes, "snippets"), { recursive: true });
    writeFileSync(join(volumes, "snippets", "snippets.json"), '{"snippets":[{"name":"q"}]}');
    mkdirSync(join(volumes, "edge-functions", "hello", "data"), { recursive: true });
    writeFileSync(join(volumes, "edge-functions", "hello", "index.ts"), "Deno.serve(() => 1);\n");
    writeFileSync(join(volumes, "edge-functions", "hello", "data", "blob"), randomBytes(100_000));

    const folder = await scheduledBackup(join(db.work, "backups"), volumes);
    const m = readManifest(folder);
    expect(m.files.map((f) => [f.name, f.kind])).toContainEqual(["studio.tar.enc", "studio"]);
    expect(m.studio).toEqual({
      source: `Studio's snippets and functions mounted at ${volumes}`,
      files: { snippets: 1, "edge-functions": 2 },
    });
    // Encrypted like the other files: no file name of the tar is readable in it.
    expect(readFileSync(join(folder, "studio.tar.enc")).includes("snippets.json")).toBe(false);

    await db.sql("postgres", "create database studio_restored");
    const into = join(db.work, "studio-restored");
    mkdirSync(into);
    const report = await runRestore({
      folder,
      connect: async () => ({ target: db.target("studio_restored"), studio: mountedStudio(into) }),
      force: false,
      passphrase: KEY,
    });
    expect(report.studio).toEqual({ snippets: 1, "edge-functions": 2 });
    expect(filesOf(into)).toEqual(filesOf(volumes));
    expect(await db.sql("studio_restored", "select count(*)::int as n from public.t")).toEqual([
      { n: 2 },
    ]);

    const drill = await runDrill({ folder, server: db.target("postgres"), passphrase: KEY });
    expect(drill).toMatchObject({ ok: true, tables: 1, tableMismatches: [] });
  }, 120_000);

  it("Open WebUI's uploads ride along from its read-only volume and come back byte-identical", async (ctx) => {
    if (db.skipReason) return ctx.skip(db.skipReason);
    const volume = join(db.work, "openwebui-volume");
    mkdirSync(join(volume, "uploads"), { recursive: true });
    writeFileSync(join(volume, "uploads", "3f2a_report.pdf"), randomBytes(50_000));
    writeFileSync(join(volume, "uploads", "notes.md"), "# notes\n");
    // What the backup leaves out: the embedding model cache and the unused SQLite file.
    mkdirSync(join(volume, "cache", "embedding"), { recursive: true });
    writeFileSync(join(volume, "cache", "embedding", "model.bin"), randomBytes(1000));
    writeFileSync(join(volume, "webui.db"), "");

    const folder = await scheduledBackup(
      join(db.work, "backups-openwebui"),
      join(db.work, "studio-volumes"),
      volume,
    );
    const m = readManifest(folder);
    expect(m.files.map((f) => [f.name, f.kind])).toContainEqual(["openwebui.tar.enc", "openwebui"]);
    expect(m.openWebui).toEqual({
      source: `Open WebUI's uploads mounted at ${volume}`,
      files: { uploads: 2 },
    });
    expect(readFileSync(join(folder, "openwebui.tar.enc")).includes("notes.md")).toBe(false);

    await db.sql("postgres", "create database openwebui_restored");
    const into = join(db.work, "openwebui-restored");
    mkdirSync(into);
    const report = await runRestore({
      folder,
      connect: async () => ({
        target: db.target("openwebui_restored"),
        openWebui: mountedFolders(OPEN_WEBUI_FILES, into),
      }),
      force: true,
      passphrase: KEY,
    });
    expect(report.openWebui).toEqual({ uploads: 2 });
    // Only the uploads come back: the cache and webui.db were never in the backup.
    const uploads = Object.entries(filesOf(volume)).filter(([path]) => path.startsWith("uploads/"));
    expect(uploads).toHaveLength(2);
    expect(filesOf(into)).toEqual(Object.fromEntries(uploads));
  }, 120_000);

  it("a restore without a studio destination says Studio's folders were not restored", async (ctx) => {
    if (db.skipReason) return ctx.skip(db.skipReason);
    await db.sql("postgres", "create database studio_db_only");
    const report = await runRestore({
      folder: join(db.work, "backups", listBackups(join(db.work, "backups"), "local")[0]),
      connect: async () => ({ target: db.target("studio_db_only") }),
      force: false,
      passphrase: KEY,
    });
    expect(report.studio).toBeNull();
    expect(report.notes).toContain(
      "Studio's snippets and functions were not restored: no studio container was given (restore with -s <stack>)",
    );
  }, 120_000);
});
