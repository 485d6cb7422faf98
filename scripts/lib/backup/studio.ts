import { join } from "node:path";
import { Duplex, Readable, Writable } from "node:stream";
import { dockerHostEnv } from "../docker";
import { TarLister } from "./archive";
import { withPrivateDir } from "./cleanup";
import { Cmd, capture, streamIn, streamOut, teeTo } from "./proc";

/**
 * Studio's saved SQL snippets and the Edge Functions it edits live on two volumes of the studio
 * container (components/studio.ts: /app/snippets and /app/edge-functions), not in Postgres, so a
 * backup carries them as one more tar, `studio.tar`, whose top folders are `snippets` and
 * `edge-functions`. The CLI copies both folders out with `docker cp` (like ./storage.ts); the
 * scheduler, which has no Docker socket, tars the two volumes it mounts read-only. Restore streams
 * the tar back with `docker cp - <studio>:/app`, which lands each folder on its volume.
 */

/** The tar's top folders, as they sit under /app in the studio container. */
export const STUDIO_FOLDERS = ["snippets", "edge-functions"] as const;
const STUDIO_ROOT = "/app";

/** The studio container, reached through the Docker CLI (a remote daemon via DOCKER_HOST). */
export interface StudioSource {
  readonly container: string;
  readonly dockerHost?: string;
}

/** Something that writes Studio's tar (layout above). */
export interface StudioReader {
  readonly description: string;
  write(through: Duplex[], sink: Writable): Promise<void>;
}

/** Somewhere Studio's tar is put back. */
export interface StudioWriter {
  readonly description: string;
  restore(tar: Readable): Promise<void>;
}

/** Files per top folder, as the manifest records them: `{ snippets: 1, "edge-functions": 3 }`. */
export type StudioCounts = Record<(typeof STUDIO_FOLDERS)[number], number>;

const docker = (src: StudioSource, args: string[]): Cmd => ({
  cmd: "docker",
  args,
  env: dockerHostEnv(src.dockerHost),
});

export const describeStudio = (src: StudioSource): string =>
  `Studio's snippets and functions in container ${src.container}${src.dockerHost ? ` on ${src.dockerHost}` : ""}`;

/** `tar -C <parent> -cf - snippets edge-functions` into `through` and `sink`. */
const tarFolders = (parent: string, through: Duplex[], sink: Writable) =>
  streamOut({ cmd: "tar", args: ["-C", parent, "-cf", "-", ...STUDIO_FOLDERS] }, through, sink);

export function studioReader(src: StudioSource | StudioReader): StudioReader {
  if ("write" in src) return src;
  return {
    description: describeStudio(src),
    // `docker cp <container>:<folder> -` gives one tar per folder, and two tars do not concatenate
    // into one that `docker cp -` reads back, so both folders are copied to a private staging
    // folder (removed on every exit) and tarred together there.
    write: (through, sink) =>
      withPrivateDir("ownstack-studio-", async (staging) => {
        for (const folder of STUDIO_FOLDERS)
          await capture(
            docker(src, ["cp", `${src.container}:${STUDIO_ROOT}/${folder}`, join(staging, folder)]),
          );
        await tarFolders(staging, through, sink);
      }),
  };
}

/**
 * The two folders at `<parent>/snippets` and `<parent>/edge-functions`: the scheduler reads the
 * volumes mounted there read-only; restoring into a folder extracts the same tar with `tar`.
 */
export function mountedStudio(parent: string): StudioReader & StudioWriter {
  return {
    description: `Studio's snippets and functions mounted at ${parent}`,
    write: (through, sink) => tarFolders(parent, through, sink),
    restore: async (tar) => {
      await streamIn({ cmd: "tar", args: ["-C", parent, "-xf", "-"] }, tar);
    },
  };
}

/** Writes Studio's tar through `through` to `sink` and counts its files per top folder. */
export async function backupStudio(
  reader: StudioReader,
  through: Duplex[],
  sink: Writable,
): Promise<StudioCounts> {
  const counts: StudioCounts = { snippets: 0, "edge-functions": 0 };
  const lister = new TarLister((path) => {
    const top = path.replace(/^\.\//, "").split("/")[0];
    if (top in counts) counts[top as keyof StudioCounts] += 1;
  });
  const listed = new Promise<void>((ok, fail) => lister.once("finish", ok).once("error", fail));
  await reader.write([teeTo(lister), ...through], sink);
  await listed;
  return counts;
}

/**
 * The studio container as a restore destination: the tar streams into its /app. Files of the
 * same name are replaced, files the backup does not hold are left alone (a function added since
 * is not deleted).
 */
export function studioWriter(src: StudioSource | StudioWriter): StudioWriter {
  if ("restore" in src) return src;
  return {
    description: describeStudio(src),
    restore: async (tar) => {
      await streamIn(docker(src, ["cp", "-", `${src.container}:${STUDIO_ROOT}`]), tar);
    },
  };
}

/** `snippets (1 file), edge-functions (3 files)` for the backup and restore summaries. */
export const formatStudioCounts = (c: StudioCounts): string =>
  STUDIO_FOLDERS.map((f) => `${f} (${c[f]} file${c[f] === 1 ? "" : "s"})`).join(", ");
