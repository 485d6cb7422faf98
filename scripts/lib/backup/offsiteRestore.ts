import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { OperatorError } from "../operatorError";
import { Exec, firstErrorLine } from "../pulumi";
import { SCHEDULER_COMMAND } from "../doctor/backup";
import { MANIFEST, isBackupName } from "./manifest";
import type { FetchResult } from "./offsiteFetch";

/**
 * `npm run restore -- --from-offsite <name> -s <stack>`: the stack's backup scheduler holds the
 * off-site settings and credentials, so it downloads and checks the backup (`offsite-fetch`),
 * the folder is copied out of its volume with `docker cp` into `backups/` here, as a manual
 * restore would copy it, and removed from the volume. Restore then runs on the local folder.
 */

/** `newest`, or a backup name of the stack. */
export function offsiteChoice(stack: string, value: string): string | undefined {
  if (value === "newest") return undefined;
  if (!isBackupName(stack, value))
    throw new OperatorError(
      `--from-offsite takes "newest" or a backup name of stack ${stack}, e.g. ${stack}-2026-12-05T03-17-00.000Z (list them with --list-offsite); got "${value}"`,
    );
  return value;
}

const failed = (what: string, r: ReturnType<Exec>) =>
  new OperatorError(
    `${what}: ${r.error ? r.error.message : firstErrorLine(r.stderr) || `exit ${r.status}`}`,
  );

/** Fetches the backup through the scheduler container and copies it into `localRoot`. */
export function fetchThroughScheduler(o: {
  readonly container: string;
  readonly env: NodeJS.ProcessEnv;
  readonly name: string | undefined;
  readonly localRoot: string;
  readonly run: Exec;
  readonly log: (line: string) => void;
}): string {
  o.log(`fetching ${o.name ?? "the newest backup"} from the off-site copy (in ${o.container}) …`);
  const fetched = o.run(
    "docker",
    ["exec", o.container, ...SCHEDULER_COMMAND, "offsite-fetch", ...(o.name ? [o.name] : [])],
    { env: o.env, timeoutMs: 6 * 60 * 60_000 },
  );
  if (fetched.status !== 0) throw failed("the off-site fetch failed", fetched);
  const line = fetched.stdout.trim().split("\n").pop() ?? "";
  let result: FetchResult;
  try {
    result = JSON.parse(line) as FetchResult;
  } catch {
    throw new OperatorError(`the scheduler answered the off-site fetch with "${line}"`);
  }
  const local = join(o.localRoot, result.name);
  if (existsSync(join(local, MANIFEST))) {
    o.log(`${local} is already here; restoring that copy (restore checks its checksums)`);
  } else {
    mkdirSync(o.localRoot, { recursive: true, mode: 0o700 });
    const copied = o.run("docker", ["cp", `${o.container}:${result.folder}`, local], {
      env: o.env,
      timeoutMs: 6 * 60 * 60_000,
    });
    if (copied.status !== 0) throw failed(`docker cp of ${result.folder}`, copied);
  }
  // The volume's copy has done its job; the scheduler's own backups are elsewhere in it.
  o.run("docker", ["exec", o.container, "rm", "-rf", result.folder], { env: o.env });
  o.log(`fetched ${result.name} into ${local}`);
  return local;
}
