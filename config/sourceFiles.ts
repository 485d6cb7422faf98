import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";

/**
 * Reads user files the program ships into containers (migrations, Edge Functions). They travel as
 * `uploads`, never bind mounts: on vps a host path names the server's disk, not this machine's,
 * and an upload makes a changed file a visible diff in preview.
 */

export interface SourceFile {
  /** Path below the folder, with `/` separators. */
  readonly path: string;
  readonly content: Buffer;
}

/** Project-relative paths resolve against the Pulumi project directory (the program's cwd). */
export const projectPath = (path: string): string => resolve(process.cwd(), path);

/** Every file below `folder`, sorted by path; dot files and node_modules are left out. */
export function readFolder(folder: string): SourceFile[] {
  const root = projectPath(folder);
  if (!existsSync(root) || !statSync(root).isDirectory()) return [];
  const out: SourceFile[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile())
        out.push({ path: relative(root, full).split(sep).join("/"), content: readFileSync(full) });
    }
  };
  walk(root);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A single optional file, or undefined when it does not exist. */
export function readOptionalFile(path: string): Buffer | undefined {
  const full = projectPath(path);
  return existsSync(full) && statSync(full).isFile() ? readFileSync(full) : undefined;
}
