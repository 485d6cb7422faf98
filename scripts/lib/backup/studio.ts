import type { Duplex, Writable } from "node:stream";
import {
  FolderReader,
  FolderSource,
  FolderSpec,
  FolderWriter,
  backupFolders,
  describeFolders,
  folderReader,
  folderWriter,
  formatFolderCounts,
  mountedFolders,
} from "./folders";

/**
 * Studio's saved SQL snippets and the Edge Functions it edits live on two volumes of the studio
 * container (components/studio.ts: /app/snippets and /app/edge-functions), not in Postgres, so a
 * backup carries them as one more tar, `studio.tar`, whose top folders are `snippets` and
 * `edge-functions` (./folders.ts does the copying).
 */

/** The tar's top folders, as they sit under /app in the studio container. */
export const STUDIO_FOLDERS = ["snippets", "edge-functions"] as const;
export const STUDIO: FolderSpec = {
  id: "studio",
  what: "Studio's snippets and functions",
  root: "/app",
  folders: STUDIO_FOLDERS,
};

export type StudioSource = FolderSource;
export type StudioReader = FolderReader;
export type StudioWriter = FolderWriter;
/** Files per top folder, as the manifest records them: `{ snippets: 1, "edge-functions": 3 }`. */
export type StudioCounts = Record<(typeof STUDIO_FOLDERS)[number], number>;

export const describeStudio = (src: StudioSource): string => describeFolders(STUDIO, src);
export const studioReader = (src: StudioSource | StudioReader) => folderReader(STUDIO, src);
export const mountedStudio = (parent: string) => mountedFolders(STUDIO, parent);
export const studioWriter = (src: StudioSource | StudioWriter) => folderWriter(STUDIO, src);
export const backupStudio = (reader: StudioReader, through: Duplex[], sink: Writable) =>
  backupFolders(STUDIO, reader, through, sink) as Promise<StudioCounts>;
export const formatStudioCounts = (c: StudioCounts): string => formatFolderCounts(STUDIO, c);
