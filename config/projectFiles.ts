import { existsSync, readdirSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { readFolder } from "./sourceFiles";
import { planMigrations } from "./migrationFiles";
import { DEFAULT_MIGRATIONS_PATH, DEFAULT_SEED_PATH } from "./schema";

/**
 * Checks on the files and folders the config names (migrations, seed, Edge Functions). They run
 * with the other config checks, before any resource is declared: a job or container that fails
 * on a missing folder only after the rest of the stack is already being created helps nobody.
 */

/** ownstack's Edge Functions router, used when the user's folder has no main/ of its own. */
export const ROUTER_FOLDER = "supabase/functions/main";

export interface ProjectFileKeys {
  readonly migrationsPath: string;
  readonly seedPath: string;
  readonly functionsPath: string;
  /** Whether Edge Functions are deployed (after `auto` is resolved). */
  readonly functions: boolean;
  /** On kubernetes the functions travel in one ConfigMap, which has a size limit. */
  readonly target?: string;
}

/**
 * The API server refuses a ConfigMap whose values add up to more than 1 MiB (MaxSecretSize in
 * kubernetes/pkg/apis/core/validation/validation.go, ValidateConfigMap).
 */
export const CONFIG_MAP_MAX_BYTES = 1024 * 1024;

const isDirectory = (path: string) => existsSync(path) && statSync(path).isDirectory();
const isFile = (path: string) => existsSync(path) && statSync(path).isFile();

/** One problem per missing path or unusable file, naming its key; paths resolve against `projectDir`. */
export function projectFileProblems(keys: ProjectFileKeys, projectDir: string): string[] {
  const problems: string[] = [];
  const at = (path: string) => resolve(projectDir, path);

  const migrations = at(keys.migrationsPath);
  if (isDirectory(migrations)) {
    // Like the Supabase CLI: only top-level .sql files are migrations; the job orders them by name.
    const names = readdirSync(migrations, { withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith(".sql") && !e.name.startsWith("."))
      .map((e) => ({ name: e.name, body: "" }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const p of planMigrations(names).problems)
      problems.push(`ownstack:migrationsPath: ${keys.migrationsPath}/${p}`);
  } else if (existsSync(migrations)) {
    problems.push(
      `ownstack:migrationsPath: ${keys.migrationsPath} is a file, expected a folder of <version>_<name>.sql migrations`,
    );
  } else if (keys.migrationsPath !== DEFAULT_MIGRATIONS_PATH) {
    problems.push(
      `ownstack:migrationsPath: ${keys.migrationsPath} does not exist, expected a folder relative to the project such as ${DEFAULT_MIGRATIONS_PATH}`,
    );
  }

  const seed = at(keys.seedPath);
  if (existsSync(seed) && !isFile(seed))
    problems.push(
      `ownstack:seedPath: ${keys.seedPath} is a folder, expected a SQL file such as ${DEFAULT_SEED_PATH}`,
    );
  // The default seed may be absent: nothing to seed. A path the user chose must exist.
  else if (!existsSync(seed) && keys.seedPath !== DEFAULT_SEED_PATH)
    problems.push(
      `ownstack:seedPath: ${keys.seedPath} does not exist, expected a SQL file relative to the project (or leave the default)`,
    );

  if (keys.functions) {
    const folder = at(keys.functionsPath);
    if (!isDirectory(folder))
      problems.push(
        `ownstack:functionsPath: ${keys.functionsPath} ${existsSync(folder) ? "is a file" : "does not exist"}, expected a folder with one sub-folder per function (or ownstack:functions: false)`,
      );
    else if (!isDirectory(resolve(folder, "main")) && !isFile(at(`${ROUTER_FOLDER}/index.ts`)))
      problems.push(
        `ownstack:functionsPath: ${keys.functionsPath} has no main/ router and ${ROUTER_FOLDER}/index.ts is missing from the project; restore it or add main/index.ts`,
      );
    else if (keys.target === "kubernetes") {
      const files = [
        ...readFolder(folder),
        ...(isDirectory(resolve(folder, "main")) ? [] : readFolder(at(ROUTER_FOLDER))),
      ];
      const bytes = files.reduce((sum, f) => sum + f.content.length, 0);
      if (bytes > CONFIG_MAP_MAX_BYTES)
        problems.push(
          `ownstack:functionsPath: ${keys.functionsPath} holds ${bytes} bytes, expected at most ${CONFIG_MAP_MAX_BYTES} (1 MiB) on kubernetes, where the functions are one ConfigMap; move large assets to Storage`,
        );
    }
  }
  return problems;
}
