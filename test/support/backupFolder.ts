import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { AGE_ENCRYPTION, FORMAT, Manifest, sha256File } from "../../scripts/lib/backup/manifest";

/** A fresh scratch folder under the system's temporary folder. */
export const scratch = (purpose: string): string =>
  mkdtempSync(join(tmpdir(), `ownstack-${purpose}-`));

/** Every file under `dir` with its bytes (base64), by path relative to `dir`: two equal maps are byte-identical trees. */
export function filesOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }))
      if (e.isDirectory()) walk(join(d, e.name));
      else out[relative(dir, join(d, e.name))] = readFileSync(join(d, e.name)).toString("base64");
  };
  walk(dir);
  return out;
}

/**
 * A backup folder as `npm run backup` writes it (manifest with sizes and checksums, a dump and the
 * roles file, optionally encrypted), holding placeholder bytes: enough for every check restore
 * makes before it talks to a database.
 */
export async function fakeBackup(root: string, name: string, encrypted = false): Promise<string> {
  const folder = join(root, name);
  mkdirSync(folder, { recursive: true });
  const files = encrypted ? ["db.dump.enc", "roles.sql.enc"] : ["db.dump", "roles.sql"];
  writeFileSync(join(folder, files[0]), "PGDMP not really a dump");
  writeFileSync(join(folder, files[1]), "CREATE ROLE app_reader;\n");
  const manifest: Manifest = {
    format: FORMAT,
    createdAt: "2026-03-01T10:00:00.000Z",
    stack: "local",
    source: { database: "container ownstack-local-db", storage: null },
    versions: {
      ownstack: "0.1.0",
      node: "v20",
      postgres: "17.6",
      pgDump: "17.6",
      dbImage: null,
      storageImage: null,
    },
    database: { name: "postgres", sizeBytes: 1 },
    storage: null,
    encryption: encrypted ? AGE_ENCRYPTION : null,
    files: await Promise.all(
      files.map(async (f, i) => ({
        name: f,
        kind: i === 0 ? ("database" as const) : ("roles" as const),
        bytes: readFileSync(join(folder, f)).length,
        sha256: await sha256File(join(folder, f)),
      })),
    ),
  };
  writeFileSync(join(folder, "manifest.json"), JSON.stringify(manifest));
  return folder;
}
