import { join } from "node:path";
import { Duplex, Readable, Writable } from "node:stream";
import { dockerHostEnv } from "../docker";
import { TarLister } from "./archive";
import { withPrivateDir } from "./cleanup";
import { Cmd, capture, streamIn, streamOut, teeTo } from "./proc";

/**
 * Folders of a container's volumes that a backup carries as one tar whose top folders are the
 * folders' names: Studio's snippets and Edge Functions (./studio.ts), Open WebUI's uploads. The
 * CLI copies them out with `docker cp` (like ./storage.ts); the scheduler, which has no Docker
 * socket, tars the volumes it mounts read-only. Restore streams the tar back with
 * `docker cp - <container>:<root>`, which lands each folder on its volume.
 */

export interface FolderSpec {
  /** Names the staging folder of `docker cp` (`ownstack-<id>-…` in $TMPDIR). */
  readonly id: string;
  /** Words for messages: `Studio's snippets and functions`. */
  readonly what: string;
  /** Where the folders sit in the container. */
  readonly root: string;
  readonly folders: readonly string[];
}

/** The container, reached through the Docker CLI (a remote daemon via DOCKER_HOST). */
export interface FolderSource {
  readonly container: string;
  readonly dockerHost?: string;
}

/** Something that writes the tar (layout above). */
export interface FolderReader {
  readonly description: string;
  write(through: Duplex[], sink: Writable): Promise<void>;
}

/** Somewhere the tar is put back. */
export interface FolderWriter {
  readonly description: string;
  restore(tar: Readable): Promise<void>;
}

/** Files per top folder, as the manifest records them: `{ snippets: 1, "edge-functions": 3 }`. */
export type FolderCounts = Record<string, number>;

/** Open WebUI's uploaded documents and images (its other data is in the openwebui database). */
export const OPEN_WEBUI_FILES: FolderSpec = {
  id: "openwebui",
  what: "Open WebUI's uploads",
  root: "/app/backend/data",
  folders: ["uploads"],
};

const docker = (src: FolderSource, args: string[]): Cmd => ({
  cmd: "docker",
  args,
  env: dockerHostEnv(src.dockerHost),
});

export const describeFolders = (spec: FolderSpec, src: FolderSource): string =>
  `${spec.what} in container ${src.container}${src.dockerHost ? ` on ${src.dockerHost}` : ""}`;

/** `tar -C <parent> -cf - <folders>` into `through` and `sink`. */
const tarFolders = (spec: FolderSpec, parent: string, through: Duplex[], sink: Writable) =>
  streamOut({ cmd: "tar", args: ["-C", parent, "-cf", "-", ...spec.folders] }, through, sink);

export function folderReader(spec: FolderSpec, src: FolderSource | FolderReader): FolderReader {
  if ("write" in src) return src;
  return {
    description: describeFolders(spec, src),
    // `docker cp <container>:<folder> -` gives one tar per folder, and two tars do not concatenate
    // into one that `docker cp -` reads back, so the folders are copied to a private staging
    // folder (removed on every exit) and tarred together there.
    write: (through, sink) =>
      withPrivateDir(`ownstack-${spec.id}-`, async (staging) => {
        for (const folder of spec.folders)
          await capture(
            docker(src, ["cp", `${src.container}:${spec.root}/${folder}`, join(staging, folder)]),
          );
        await tarFolders(spec, staging, through, sink);
      }),
  };
}

/**
 * The folders at `<parent>/<folder>`: the scheduler reads the volumes mounted there read-only;
 * restoring into a folder extracts the same tar with `tar`.
 */
export function mountedFolders(spec: FolderSpec, parent: string): FolderReader & FolderWriter {
  return {
    description: `${spec.what} mounted at ${parent}`,
    write: (through, sink) => tarFolders(spec, parent, through, sink),
    restore: async (tar) => {
      await streamIn({ cmd: "tar", args: ["-C", parent, "-xf", "-"] }, tar);
    },
  };
}

/** Writes the tar through `through` to `sink` and counts its files per top folder. */
export async function backupFolders(
  spec: FolderSpec,
  reader: FolderReader,
  through: Duplex[],
  sink: Writable,
): Promise<FolderCounts> {
  const counts: FolderCounts = Object.fromEntries(spec.folders.map((f) => [f, 0]));
  const lister = new TarLister((path) => {
    const top = path.replace(/^\.\//, "").split("/")[0];
    if (top in counts) counts[top] += 1;
  });
  const listed = new Promise<void>((ok, fail) => lister.once("finish", ok).once("error", fail));
  await reader.write([teeTo(lister), ...through], sink);
  await listed;
  return counts;
}

/**
 * The container as a restore destination: the tar streams into its root. Files of the same name
 * are replaced, files the backup does not hold are left alone (one added since is not deleted).
 */
export function folderWriter(spec: FolderSpec, src: FolderSource | FolderWriter): FolderWriter {
  if ("restore" in src) return src;
  return {
    description: describeFolders(spec, src),
    restore: async (tar) => {
      await streamIn(docker(src, ["cp", "-", `${src.container}:${spec.root}`]), tar);
    },
  };
}

/** `snippets (1 file), edge-functions (3 files)` for the backup and restore summaries. */
export const formatFolderCounts = (spec: FolderSpec, c: FolderCounts): string =>
  spec.folders.map((f) => `${f} (${c[f] ?? 0} file${(c[f] ?? 0) === 1 ? "" : "s"})`).join(", ");
