import { existsSync, readFileSync } from "node:fs";
import type { Settings } from "../../../config/settings";
import { dockerHostOf, runningContainerOf } from "../docker";
import { OperatorError } from "../operatorError";
import { requireWritable } from "../files";
import type { StackOutputs } from "../pulumi";
import { PgTarget, dockerTarget } from "./pg";
import { StorageSource } from "./storage";
import { FolderSource } from "./folders";
import { StudioSource } from "./studio";

/**
 * Where a stack's data lives: the db container from its outputs, storage per its settings, and
 * Studio's snippets and functions in the studio container (always part of a Docker stack).
 */
export function stackSources(
  settings: Settings,
  outputs: StackOutputs,
): {
  target: PgTarget;
  storage: StorageSource;
  studio: StudioSource;
  /** Open WebUI's container, when the stack runs it (its uploads). */
  openWebui?: FolderSource;
  images: { db: string; storage?: string };
} {
  const dockerHost = dockerHostOf(settings);
  if (!outputs.dbContainer)
    throw new OperatorError(
      `stack "${settings.stack}" has no db container (target ${outputs.target}); back it up with --db-url postgres://… instead`,
    );
  const target = dockerTarget(outputs.dbContainer, { dockerHost });
  // Studio and storage roll out with a revision in their names on vps: found by label.
  const studio = { container: runningContainerOf(settings, "studio"), dockerHost };
  const openWebui = outputs.openWebuiContainer
    ? { openWebui: { container: outputs.openWebuiContainer, dockerHost } }
    : {};
  if (settings.storage.backend === "minio") {
    if (!outputs.minioContainer)
      throw new OperatorError(
        `stack "${settings.stack}" uses MinIO but has no minioContainer output; update it with npm run up`,
      );
    return {
      target,
      storage: { kind: "minio", container: outputs.minioContainer, dockerHost },
      studio,
      ...openWebui,
      images: { db: settings.images.db, storage: settings.images.minio },
    };
  }
  // The file backend keeps objects on the storage container's volume.
  return {
    target,
    storage: { kind: "file", container: runningContainerOf(settings, "storage"), dockerHost },
    studio,
    ...openWebui,
    images: { db: settings.images.db },
  };
}

/**
 * The backup passphrase: from a file (first line) or OWNSTACK_BACKUP_PASSPHRASE, never from the
 * command line, where every user of the machine can read it in the process list.
 */
export function readPassphrase(
  file: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (file !== undefined) {
    if (!existsSync(file)) throw new OperatorError(`passphrase file ${file} not found`);
    const text = readFileSync(file, "utf8").split("\n")[0].replace(/\r$/, "");
    if (text === "") throw new OperatorError(`passphrase file ${file} is empty`);
    return text;
  }
  const fromEnv = env.OWNSTACK_BACKUP_PASSPHRASE;
  return fromEnv !== undefined && fromEnv !== "" ? fromEnv : undefined;
}

/** Refuses a backups folder that cannot be created or written, before anything else happens. */
export const checkBackupRoot = (root: string): void =>
  requireWritable(root, "folder", {
    subject: `backups to ${root}`,
    outcome: "nothing was backed up",
  });
