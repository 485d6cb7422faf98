import { existsSync, readFileSync, rmSync } from "node:fs";
import type { Reporter } from "vitest/node";
import { SKIP_LOG } from "./binaries";

/**
 * A vitest reporter: after the run, one line naming what tests skipped for lack of a Debian
 * package (noted by ./binaries.ts's noteSkip) and the apt-get command that installs them all.
 */
export default class SkipSummary implements Reporter {
  onInit(): void {
    rmSync(SKIP_LOG, { force: true });
  }

  onFinished(): void {
    if (!existsSync(SKIP_LOG)) return;
    const notes = readFileSync(SKIP_LOG, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { what: string; aptPackage: string });
    if (notes.length === 0) return;
    const whats = [...new Set(notes.map((n) => n.what))];
    const packages = [...new Set(notes.flatMap((n) => n.aptPackage.split(/\s+/)))].sort();
    console.log(
      `skipped, missing here: ${whats.join("; ")}. Install: apt-get install ${packages.join(" ")}`,
    );
  }
}
