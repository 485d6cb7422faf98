import { createInterface } from "node:readline/promises";
import { OperatorError } from "./operatorError";

/** A yes/no question on the terminal; without one, a refusal that names `--yes` for `action`. */
export async function confirm(question: string, action: string): Promise<boolean> {
  if (!process.stdin.isTTY)
    throw new OperatorError(`no terminal to confirm on; add --yes to ${action} without a prompt.`);
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
