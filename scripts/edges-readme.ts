import { readFileSync, writeFileSync } from "node:fs";
import { reachabilityMarkdown } from "../config/edges";
import { runMain } from "./lib/errors";

/**
 * Rewrites README's "What can reach what" table from the edge table (config/edges.ts), between
 * its `<!-- edges:start -->` and `<!-- edges:end -->` markers; test/plan/edges.test.ts checks it.
 */
const START = "<!-- edges:start -->\n";
const END = "<!-- edges:end -->";

runMain("edges:readme", () => {
  const readme = readFileSync("README.md", "utf8");
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START.trim()} … ${END} block`);
  writeFileSync(
    "README.md",
    readme.slice(0, start + START.length) + reachabilityMarkdown() + readme.slice(end),
  );
});
