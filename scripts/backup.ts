import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { InvalidArgumentError } from "commander";
import { OperatorError, operatorCommand, runMain } from "./lib/errors";
import { localTarget } from "./lib/backup/pg";
import { defaultProgress, mib } from "./lib/backup/progress";
import { runBackup } from "./lib/backup/run";
import type { DatabaseChoice } from "./lib/backup/database";
import { requireDatabaseChoice, sourcesOfStack, withDatabaseChoice } from "./lib/backup/database";
import { checkBackupRoot, readPassphrase } from "./lib/backup/sources";
import { StorageSource } from "./lib/backup/storage";
import { StudioSource, formatStudioCounts } from "./lib/backup/studio";
import { FolderSource, OPEN_WEBUI_FILES, formatFolderCounts } from "./lib/backup/folders";
import { PROJECT_DIR, userCwd } from "./lib/project";

/**
 * `npm run backup -- -s local`: a timestamped folder with the database (pg_dump, custom format,
 * run inside the db container), the roles, every storage bucket, Studio's saved snippets and Edge
 * Functions, and a manifest with sha256 checksums. `--db-url` dumps a database with local client tools instead.
 */
const positive = (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < 1)
    throw new InvalidArgumentError("expected a whole number of at least 1");
  return Number(v);
};

const ownstackVersion = () =>
  (JSON.parse(readFileSync(join(PROJECT_DIR, "package.json"), "utf8")) as { version: string })
    .version;

runMain("backup", async () => {
  const o = withDatabaseChoice(operatorCommand("backup"), {
    stack: "stack to back up (database and storage containers from its outputs)",
    dbUrl: "back up this database with local pg_dump instead of the stack's container",
    tools: "pg_dump/psql",
  })
    .option("--out <folder>", "folder that holds the backups", join(PROJECT_DIR, "backups"))
    .option("--keep <n>", "how many backups of this stack to keep", positive, 7)
    .option(
      "--encrypt",
      "encrypt every file (passphrase from OWNSTACK_BACKUP_PASSPHRASE or --passphrase-file)",
    )
    .option("--passphrase-file <file>", "file whose first line is the passphrase")
    .option("--no-storage", "skip storage objects")
    .option("--quiet", "no progress output")
    .parse()
    .opts<
      DatabaseChoice & {
        out: string;
        keep: number;
        encrypt?: boolean;
        passphraseFile?: string;
        storage: boolean;
        quiet?: boolean;
      }
    >();

  requireDatabaseChoice(o, "what to back up");
  const root = resolve(userCwd(), o.out);
  checkBackupRoot(root);
  const passphrase =
    o.encrypt || o.passphraseFile
      ? readPassphrase(o.passphraseFile && resolve(userCwd(), o.passphraseFile))
      : undefined;
  if (o.encrypt && passphrase === undefined)
    throw new OperatorError(
      "--encrypt needs a passphrase: set OWNSTACK_BACKUP_PASSPHRASE or pass --passphrase-file <file>",
    );

  let storage: StorageSource | undefined;
  let studio: StudioSource | undefined;
  let openWebui: FolderSource | undefined;
  let images: { db?: string; storage?: string } | undefined;
  let target = o.dbUrl !== undefined ? (await localTarget(o.dbUrl, o.pgBin)).target : undefined;
  if (o.stack !== undefined) {
    const sources = sourcesOfStack(o.stack);
    target ??= sources.target;
    storage = o.storage ? sources.storage : undefined;
    studio = sources.studio;
    openWebui = sources.openWebui;
    images = sources.images;
  }

  const result = await runBackup({
    root,
    prefix: o.stack ?? "db",
    stack: o.stack ?? null,
    target: target!,
    storage,
    studio,
    openWebui,
    images,
    // A stack's whole server (Open WebUI's database too); a --db-url names one database.
    otherDatabases: o.dbUrl === undefined,
    keep: o.keep,
    passphrase,
    version: ownstackVersion(),
    progress: defaultProgress(o.quiet === true),
  });
  const m = result.manifest;
  console.log(`backup written to ${result.folder}${m.encryption ? " (encrypted)" : ""}`);
  for (const f of m.files)
    console.log(`  ${f.name.padEnd(16)} ${mib(f.bytes).padStart(10)}  sha256 ${f.sha256}`);
  console.log(
    `  PostgreSQL ${m.versions.postgres}, pg_dump ${m.versions.pgDump}${m.storage ? `, ${m.storage.kind} buckets: ${m.storage.buckets.join(", ") || "none"}` : ""}`,
  );
  if (m.openWebui)
    console.log(`  Open WebUI: ${formatFolderCounts(OPEN_WEBUI_FILES, m.openWebui.files)}`);
  for (const d of m.otherDatabases ?? [])
    console.log(`  database ${d.name} (owner ${d.owner}) in ${d.file}`);
  if (m.studio)
    console.log(`  Studio snippets and Edge Functions: ${formatStudioCounts(m.studio.files)}`);
  if (result.pruned.length > 0)
    console.log(
      `removed ${result.pruned.length} older backup${result.pruned.length === 1 ? "" : "s"} (keeping ${o.keep}): ${result.pruned.join(", ")}`,
    );
});
