import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PULL_SCRIPT, pullSummary } from "../../components/ollama";
import { fakeCommand } from "../support/project";

describe("the Ollama model pull job", () => {
  it("runs `ollama pull` once per model, in order, and stops at the first failure", () => {
    // A stand-in `ollama` on PATH that records its arguments and fails for one model name.
    const { bin: dir, log: calls } = fakeCommand(
      "ollama",
      (log) => `#!/bin/sh\necho "$@" >> ${log}\n[ "$2" != "broken" ]\n`,
    );
    try {
      const env = { ...process.env, PATH: `${dir}:${process.env.PATH}` };
      const ok = spawnSync(
        "/bin/sh",
        ["-ec", PULL_SCRIPT, "ollama-pull", "llama3.2:1b", "nomic-embed-text"],
        { env, encoding: "utf8" },
      );
      expect(ok.status).toBe(0);
      expect(ok.stdout).toBe("pulling llama3.2:1b\npulling nomic-embed-text\n");
      expect(spawnSync("cat", [calls], { encoding: "utf8" }).stdout).toBe(
        "pull llama3.2:1b\npull nomic-embed-text\n",
      );
      const bad = spawnSync(
        "/bin/sh",
        ["-ec", PULL_SCRIPT, "ollama-pull", "broken", "never-reached"],
        { env, encoding: "utf8" },
      );
      expect(bad.status).not.toBe(0);
      expect(bad.stdout).not.toContain("never-reached");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("summarises the job's log without the progress bars", () => {
    const log = [
      "pulling llama3.2:1b",
      "\x1b[?25lpulling manifest \x1b[?25h\x1b[?2026l",
      "pulling 74701a8c35f6: 100% ▕██████████████████▏ 1.3 GB\r\x1b[K",
      "verifying sha256 digest",
      "writing manifest",
      "success \x1b[?25h",
      "pulling nomic-embed-text",
      "pulling manifest",
      "success",
    ].join("\n");
    expect(pullSummary(log)).toBe(
      "pulling llama3.2:1b; success; pulling nomic-embed-text; success",
    );
  });
});
