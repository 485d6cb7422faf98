/**
 * Migration files as the Supabase CLI names them: which are migrations, in what order. Pure and
 * in config/ because the config checks (projectFiles.ts) refuse misnamed files before any resource.
 */

export interface MigrationFile {
  /** File name, e.g. `20240101120000_create_todos.sql`. */
  readonly name: string;
  /** Leading digits of the name: the order key and the recorded version. */
  readonly version: string;
  readonly body: string;
}

/** Supabase CLI's naming: `<version digits>_<name>.sql`. */
export const MIGRATION_NAME = /^(\d+)_([A-Za-z0-9_-]+)\.sql$/;

/** Version recorded for the seed file; it sorts after every numeric version. */
export const SEED_VERSION = "seed";

/**
 * Orders migration files by version and reports every misnamed file and duplicate version at
 * once; `files` are plain names and contents, so this never touches the disk.
 */
export function planMigrations(files: readonly { name: string; body: string }[]): {
  migrations: MigrationFile[];
  problems: string[];
} {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  const migrations: MigrationFile[] = [];
  for (const f of files) {
    const m = MIGRATION_NAME.exec(f.name);
    if (!m) {
      problems.push(
        `${f.name}: expected <digits>_<name>.sql such as 20240101120000_create_todos.sql`,
      );
      continue;
    }
    // 09_x and 9_y would share a place in the order: one version, however it is spelled.
    const order = BigInt(m[1]).toString();
    const other = seen.get(order);
    if (other) problems.push(`${f.name}: version ${m[1]} is already used by ${other}`);
    else seen.set(order, f.name);
    migrations.push({ name: f.name, version: m[1], body: f.body });
  }
  // Numeric order, not string order: 9_x runs before 10_y.
  migrations.sort((a, b) =>
    BigInt(a.version) < BigInt(b.version) ? -1 : BigInt(a.version) > BigInt(b.version) ? 1 : 0,
  );
  return { migrations, problems };
}
