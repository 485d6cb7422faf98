import { ChildProcess, spawn } from "node:child_process";
import { basename } from "node:path";
import { Duplex, Readable, Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { OperatorError } from "../operatorError";
import { firstErrorLine } from "../operatorError";

/** One program run: backup and restore build these, so tests can read what would run. */
export interface Cmd {
  readonly cmd: string;
  readonly args: readonly string[];
  /** Added to this process's env (passwords travel here, never on the command line). */
  readonly env?: Readonly<Record<string, string>>;
}

export const show = (c: Cmd): string => [c.cmd, ...c.args].join(" ");

/** `pg_dump`, or `docker exec` / `docker cp` for the Docker CLI. */
const label = (c: Cmd) =>
  basename(c.cmd) === "docker" ? `docker ${c.args[0] ?? ""}`.trim() : basename(c.cmd);

function start(c: Cmd, stdin: "pipe" | "ignore") {
  const child = spawn(c.cmd, [...c.args], {
    env: { ...process.env, ...c.env },
    stdio: [stdin, "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => {
    if (stderr.length < 64_000) stderr += d.toString("utf8");
  });
  const exited = new Promise<void>((ok, fail) => {
    child.once("error", (err: NodeJS.ErrnoException) =>
      fail(
        new OperatorError(
          err.code === "ENOENT"
            ? `${c.cmd} not found; install it or put it on PATH`
            : `${c.cmd}: ${err.message}`,
        ),
      ),
    );
    child.once("close", (code) =>
      code === 0 ? ok() : fail(new OperatorError(`${label(c)} failed: ${firstErrorLine(stderr)}`)),
    );
  });
  // The exit is awaited later; this keeps an early failure from being reported as unhandled.
  exited.catch(() => undefined);
  return { child, exited };
}

/** Runs to completion and returns stdout; a non-zero exit is one line from its stderr. */
export async function capture(c: Cmd, input?: string): Promise<string> {
  const { child, exited } = start(c, input === undefined ? "ignore" : "pipe");
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString("utf8")));
  if (input !== undefined) child.stdin?.end(input);
  await exited;
  return out;
}

/** Streams the program's stdout through `through` into `sink`. */
export async function streamOut(c: Cmd, through: Duplex[], sink: Writable): Promise<void> {
  const { child, exited } = start(c, "ignore");
  await Promise.all([pipeline([child.stdout!, ...through, sink]), exited]);
}

/**
 * Pipes `source` into the child's stdin. A program that exits early closes stdin (EPIPE); its
 * own exit status is the error to show. A source that fails (a decrypting stream meeting a
 * changed byte) kills the program, so a cut input is never taken for a whole one.
 */
function feed(child: ChildProcess, source: Readable): Promise<void> {
  return pipeline(source, child.stdin!).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE" || err.code === "ERR_STREAM_PREMATURE_CLOSE") return;
    child.kill("SIGTERM");
    throw err;
  });
}

/** Streams `source` into the program's stdin; returns its stdout. */
export async function streamIn(c: Cmd, source: Readable): Promise<string> {
  const { child, exited } = start(c, "pipe");
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString("utf8")));
  const fed = feed(child, source);
  await Promise.all([fed, exited]);
  return out;
}

/** Counts bytes as they pass, for progress bars and the manifest. */
export function byteCounter(onBytes: (total: number) => void): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      total += chunk.length;
      onBytes(total);
      done(null, chunk);
    },
  });
}

/**
 * Runs the program with `source` on stdin and its stdout into `sink` (e.g. `pg_restore --file=-`
 * reading a dump and printing SQL), both streamed.
 */
export async function streamThrough(c: Cmd, source: Readable, sink: Writable): Promise<void> {
  const { child, exited } = start(c, "pipe");
  const fed = feed(child, source);
  await Promise.all([fed, pipeline(child.stdout!, sink), exited]);
}

/**
 * Passes every chunk on and also writes it to `branch` (waiting for it to drain), so one pass over
 * a dump both stores it and feeds a reader. `branch` is ended when the stream ends.
 */
export function teeTo(branch: Writable): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (branch.destroyed || branch.writableEnded) return done(null, chunk);
      if (branch.write(chunk)) done(null, chunk);
      else {
        // A branch that fails closes instead of draining; its own error is reported by its owner.
        const go = () => {
          branch.off("drain", go).off("close", go);
          done(null, chunk);
        };
        branch.on("drain", go).on("close", go);
      }
    },
    flush(done) {
      if (!branch.writableEnded && !branch.destroyed) branch.end();
      done();
    },
  });
}
