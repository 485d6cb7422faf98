import type { Command } from "commander";
import { OperatorError } from "../errors";
import { PROJECT_DIR, loadStackSettings, requireKnownStack } from "../project";
import { readStackOutputs } from "../pulumi";
import { stackSources } from "./sources";

/**
 * Which database `npm run backup` reads and `npm run restore` writes: a stack's containers (from
 * its outputs) with `-s`, or any database with `--db-url` and local client tools.
 */
export interface DatabaseChoice {
  readonly stack?: string;
  readonly dbUrl?: string;
  readonly pgBin?: string;
}

/** The words each command's help uses for the three options. */
export interface DatabaseChoiceHelp {
  readonly stack: string;
  readonly dbUrl: string;
  /** The local client tools `--pg-bin` points at, e.g. `pg_dump/psql`. */
  readonly tools: string;
}

export const withDatabaseChoice = (cmd: Command, help: DatabaseChoiceHelp): Command =>
  cmd
    .option("-s, --stack <name>", help.stack)
    .option("--db-url <url>", help.dbUrl)
    .option("--pg-bin <folder>", `folder of the local ${help.tools} to use with --db-url`);

/** Refuses a call that names no database, or a stack this project does not have. */
export function requireDatabaseChoice(o: DatabaseChoice, say: string): void {
  if (o.stack === undefined && o.dbUrl === undefined)
    throw new OperatorError(`say ${say}: -s <stack>, or --db-url postgres://…`);
  if (o.stack !== undefined) requireKnownStack(PROJECT_DIR, o.stack);
}

/** A stack's database and storage, from its settings and its outputs. */
export const sourcesOfStack = (stack: string) =>
  stackSources(
    loadStackSettings(PROJECT_DIR, stack),
    readStackOutputs(stack, { projectDir: PROJECT_DIR }),
  );
