import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { OperatorError } from "./errors";

export interface WriteRefusal {
  /** What could not be written, e.g. the path, or `backups to <folder>`. */
  readonly subject: string;
  /** Said after the reason, e.g. `nothing was written`. */
  readonly outcome: string;
}

/**
 * Refuses, before anything is read or written, a path the script could not write: a `file` needs
 * an existing, writable folder; a `folder` is created later, so its nearest existing parent must
 * be a writable folder.
 */
export function requireWritable(
  path: string,
  kind: "file" | "folder",
  refusal: WriteRefusal,
): void {
  const fail = (why: string) =>
    new OperatorError(`cannot write ${refusal.subject}: ${why}; ${refusal.outcome}`);
  const target = resolve(path);
  let dir = kind === "file" ? dirname(target) : target;
  if (kind === "file" && !existsSync(dir)) throw fail(`folder ${dir} does not exist`);
  while (!existsSync(dir)) {
    if (dirname(dir) === dir) throw fail("no existing parent folder");
    dir = dirname(dir);
  }
  if (!statSync(dir).isDirectory()) throw fail(`${dir} is not a folder`);
  if (kind === "file" && existsSync(target) && statSync(target).isDirectory())
    throw fail("it is a folder");
  try {
    accessSync(dir, constants.W_OK);
    if (kind === "file" && existsSync(target)) accessSync(target, constants.W_OK);
  } catch {
    throw fail(`no write permission in ${dir}`);
  }
}
