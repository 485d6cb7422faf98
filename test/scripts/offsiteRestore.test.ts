import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SCHEDULER_COMMAND } from "../../scripts/lib/doctor/backup";
import { fetchThroughScheduler, offsiteChoice } from "../../scripts/lib/backup/offsiteRestore";
import type { Exec, ExecResult } from "../../scripts/lib/pulumi";
import { scratch } from "../support/backupFolder";

/**
 * `npm run restore -- --from-offsite`'s side of the fetch: what it asks the scheduler container,
 * where the copy lands, and what it says when a step fails. Docker stands in as a recorded Exec
 * whose `docker cp` copies a real folder; the scheduler's fetch itself runs against real SFTP and
 * S3 servers in test/real/offsiteFetch.test.ts.
 */

const NAME = "vps-2026-12-05T03-17-00.000Z";
const ok = (stdout = ""): ExecResult => ({ status: 0, stdout, stderr: "" });

function docker(answers: { fetch: ExecResult; cp?: ExecResult }, volume: string) {
  const calls: string[][] = [];
  const run: Exec = (cmd, args) => {
    calls.push([cmd, ...args]);
    if (args.includes("offsite-fetch")) return answers.fetch;
    if (args[0] === "cp") {
      if (answers.cp) return answers.cp;
      mkdirSync(args[2], { recursive: true });
      writeFileSync(join(args[2], "manifest.json"), readFileSync(join(volume, "manifest.json")));
      return ok();
    }
    return ok();
  };
  return { calls, run };
}

/** fetchThroughScheduler from container `c`, its log dropped. */
const quietFetch = (localRoot: string, run: Exec, name: string | undefined) =>
  fetchThroughScheduler({ container: "c", env: {}, name, localRoot, run, log: () => undefined });

describe("restore --from-offsite through the scheduler container", () => {
  it("fetches in the container, copies the folder into backups/ and removes the volume's copy", () => {
    const volume = join(scratch("offsite-volume"), NAME);
    mkdirSync(volume, { recursive: true });
    writeFileSync(join(volume, "manifest.json"), '{"format":"ownstack-backup/1"}');
    const localRoot = join(scratch("offsite-local"), "backups");
    const fetched = JSON.stringify({
      name: NAME,
      folder: `/backups/fetched/${NAME}`,
      downloaded: true,
    });
    const { calls, run } = docker({ fetch: ok(`log line\n${fetched}\n`) }, volume);
    const lines: string[] = [];
    const local = fetchThroughScheduler({
      container: "ownstack-vps-backup",
      env: {},
      name: NAME,
      localRoot,
      run,
      log: (l) => lines.push(l),
    });
    expect(local).toBe(join(localRoot, NAME));
    expect(existsSync(join(local, "manifest.json"))).toBe(true);
    expect(calls).toEqual([
      ["docker", "exec", "ownstack-vps-backup", ...SCHEDULER_COMMAND, "offsite-fetch", NAME],
      ["docker", "cp", `ownstack-vps-backup:/backups/fetched/${NAME}`, local],
      ["docker", "exec", "ownstack-vps-backup", "rm", "-rf", `/backups/fetched/${NAME}`],
    ]);
    expect(lines.at(-1)).toBe(`fetched ${NAME} into ${local}`);

    // A second time the local copy is there: no second docker cp.
    const again = docker({ fetch: ok(fetched) }, volume);
    quietFetch(localRoot, again.run, undefined);
    expect(again.calls.map((c) => c[1])).toEqual(["exec", "exec"]);
    expect(again.calls[0].at(-1)).toBe("offsite-fetch");
  });

  it("names the failing step with the scheduler's own message", () => {
    const localRoot = join(scratch("offsite-fail"), "backups");
    const refused = docker(
      {
        fetch: {
          status: 1,
          stdout: "",
          stderr:
            "backup scheduler: this stack has no off-site copy (ownstack:backupOffsite is not set)\n",
        },
      },
      localRoot,
    );
    expect(() => quietFetch(localRoot, refused.run, NAME)).toThrow(
      /^the off-site fetch failed: backup scheduler: this stack has no off-site copy \(ownstack:backupOffsite is not set\)$/,
    );
    const garbled = docker({ fetch: ok("Error: something else") }, localRoot);
    expect(() => quietFetch(localRoot, garbled.run, NAME)).toThrow(
      'the scheduler answered the off-site fetch with "Error: something else"',
    );
    expect(existsSync(localRoot)).toBe(false);
  });

  it("takes newest or a name of the stack, nothing else", () => {
    expect(offsiteChoice("vps", "newest")).toBeUndefined();
    expect(offsiteChoice("vps", NAME)).toBe(NAME);
    expect(() => offsiteChoice("local", NAME)).toThrow(/backup name of stack local.*got "vps-2026/);
  });
});
