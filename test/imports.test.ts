import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "..");
const FLOORS = ["index.ts", "config", "components", "scripts"];

function sources(path: string): string[] {
  if (statSync(path).isFile()) return path.endsWith(".ts") ? [path] : [];
  return readdirSync(path).flatMap((entry) => sources(join(path, entry)));
}

/** The repository files a module imports, type-only imports included (a circle of types is still a circle to a reader). */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  return importedFiles
    .map((i) => i.fileName)
    .filter((name) => name.startsWith("."))
    .map((name) => resolve(dirname(file), name))
    .map((base) => [`${base}.ts`, join(base, "index.ts")].find(existsSync))
    .filter((found): found is string => found !== undefined);
}

/** Every import circle as the list of files around it, found by depth-first search. */
function circles(files: readonly string[]): string[][] {
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const found: string[][] = [];
  const visit = (file: string): void => {
    state.set(file, "open");
    path.push(file);
    for (const next of graph.get(file) ?? importsOf(file)) {
      if (state.get(next) === "open") found.push(path.slice(path.indexOf(next)));
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, "done");
  };
  files.forEach((f) => state.has(f) || visit(f));
  return found.map((c) => c.map((f) => relative(ROOT, f)));
}

/** The floors of docs/architecture.md, lowest first; a module may import its own floor and lower ones. */
const FLOOR_ORDER = ["config", "components", "index.ts", "scripts"];
const floorOf = (file: string): number =>
  FLOOR_ORDER.findIndex((floor) => relative(ROOT, file).split("/")[0] === floor);

/** Every import that reaches a higher floor, as `importer -> imported`. */
function climbs(files: readonly string[]): string[] {
  return files.flatMap((file) =>
    importsOf(file)
      .filter((target) => floorOf(target) > floorOf(file))
      .map((target) => `${relative(ROOT, file)} -> ${relative(ROOT, target)}`),
  );
}

describe("the program's modules", () => {
  it("import each other without a circle", () => {
    const files = FLOORS.flatMap((floor) => sources(join(ROOT, floor)));
    expect(files.length).toBeGreaterThan(100);
    expect(circles(files)).toEqual([]);
  });

  it("import only from their own floor or the floors below (config, components, index.ts, scripts)", () => {
    const files = FLOORS.flatMap((floor) => sources(join(ROOT, floor)));
    expect(files.every((f) => floorOf(f) >= 0)).toBe(true);
    expect(climbs(files)).toEqual([]);
    // The check itself: scripts import config, so the reverse direction is what it reports.
    const script = join(ROOT, "scripts/lib/docker.ts");
    expect(importsOf(script).some((t) => floorOf(t) < floorOf(script))).toBe(true);
  });

  it("the search finds a circle when there is one", () => {
    const a = join(ROOT, "test/fixtures/circle/a.ts");
    expect(circles([a])).toEqual([["test/fixtures/circle/a.ts", "test/fixtures/circle/b.ts"]]);
  });
});
