import { randomBytes } from "node:crypto";
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FORMAT, readManifest } from "../../scripts/lib/backup/manifest";
import { formatRestoreReport } from "../../scripts/lib/backup/restore";
import {
  backupStudio,
  mountedStudio,
  studioReader,
  studioWriter,
} from "../../scripts/lib/backup/studio";
import { fakeBackup, filesOf, scratch } from "../support/backupFolder";
import { fakeCommand } from "../support/project";

/** Studio's two folders as its volumes hold them: a snippet, two functions, one of them binary. */
function studioFolders(parent: string): void {
  mkdirSync(join(parent, "snippets"), { recursive: true });
  writeFileSync(join(parent, "snippets", "snippets.json"), '{"snippets":[{"name":"top users"}]}');
  mkdirSync(join(parent, "edge-functions", "hello"), { recursive: true });
  writeFileSync(
    join(parent, "edge-functions", "hello", "index.ts"),
    "Deno.serve(() => new Response('hi'))\n",
  );
  mkdirSync(join(parent, "edge-functions", "resize", "assets"), { recursive: true });
  writeFileSync(join(parent, "edge-functions", "resize", "index.ts"), "export {};\n");
  writeFileSync(
    join(parent, "edge-functions", "resize", "assets", "logo.bin"),
    randomBytes(70_000),
  );
}

describe("Studio's snippets and functions in a backup", () => {
  it("tars both folders, counts their files, and the tar extracts byte-identical", async () => {
    const volumes = scratch("studio-volumes");
    studioFolders(volumes);
    const out = scratch("studio-out");
    const counts = await backupStudio(
      mountedStudio(volumes),
      [],
      createWriteStream(join(out, "studio.tar")),
    );
    expect(counts).toEqual({ snippets: 1, "edge-functions": 3 });
    const restored = scratch("studio-restored");
    await mountedStudio(restored).restore(createReadStream(join(out, "studio.tar")));
    expect(filesOf(restored)).toEqual(filesOf(volumes));
  });

  it("an empty snippets folder still gives both top folders", async () => {
    const volumes = scratch("studio-empty");
    mkdirSync(join(volumes, "snippets"));
    mkdirSync(join(volumes, "edge-functions"));
    const out = scratch("studio-empty-out");
    const counts = await backupStudio(
      mountedStudio(volumes),
      [],
      createWriteStream(join(out, "t")),
    );
    expect(counts).toEqual({ snippets: 0, "edge-functions": 0 });
  });
});

describe("Studio through the Docker CLI", () => {
  // A `docker` on PATH that acts on a folder standing in for the container's filesystem, so the
  // commands backup and restore run (and DOCKER_HOST) can be read; no Docker daemon runs here.
  let docker: { bin: string; log: string };
  let fs: string;
  let savedPath: string | undefined;
  beforeEach(() => {
    fs = scratch("studio-container");
    studioFolders(join(fs, "app"));
    docker = fakeCommand(
      "docker",
      (log) => `#!/bin/sh
echo "$* | DOCKER_HOST=\${DOCKER_HOST:-}" >> "${log}"
[ "$1" = cp ] || exit 1
if [ "$2" = - ]; then exec tar -C "${fs}\${3#*:}" -xf -; fi
exec cp -R "${fs}\${2#*:}" "$3"
`,
    );
    savedPath = process.env.PATH;
    process.env.PATH = `${docker.bin}:${savedPath}`;
  });
  afterEach(() => {
    process.env.PATH = savedPath;
  });

  it("copies /app/snippets and /app/edge-functions out of the studio container and back in with docker cp", async () => {
    const src = { container: "ownstack-vps-studio", dockerHost: "ssh://deploy@203.0.113.10" };
    const out = scratch("studio-cli-out");
    const counts = await backupStudio(studioReader(src), [], createWriteStream(join(out, "t")));
    expect(counts).toEqual({ snippets: 1, "edge-functions": 3 });
    const before = filesOf(join(fs, "app"));
    writeFileSync(join(fs, "app", "snippets", "snippets.json"), "changed since the backup");
    writeFileSync(join(fs, "app", "edge-functions", "new.ts"), "added since");
    await studioWriter(src).restore(createReadStream(join(out, "t")));
    expect(filesOf(join(fs, "app"))).toEqual({
      ...before,
      "edge-functions/new.ts": Buffer.from("added since").toString("base64"),
    });
    const calls = readFileSync(docker.log, "utf8").trim().split("\n");
    // The staging folder is a fresh private folder under the system's temporary folder.
    const staging = /^cp \S+ (\S+)\/snippets /.exec(calls[0])![1];
    expect(staging.startsWith(join(tmpdir(), "ownstack-studio-"))).toBe(true);
    expect(existsSync(staging)).toBe(false);
    expect(calls.map((c) => c.replace(` ${staging}`, " <staging>"))).toEqual([
      "cp ownstack-vps-studio:/app/snippets <staging>/snippets | DOCKER_HOST=ssh://deploy@203.0.113.10",
      "cp ownstack-vps-studio:/app/edge-functions <staging>/edge-functions | DOCKER_HOST=ssh://deploy@203.0.113.10",
      "cp - ownstack-vps-studio:/app | DOCKER_HOST=ssh://deploy@203.0.113.10",
    ]);
  });
});

describe("manifests with and without Studio", () => {
  it("reads a backup taken before Studio's folders were backed up", async () => {
    const folder = await fakeBackup(scratch("studio-old"), "local-2026-03-01T10-00-00.000Z");
    const m = readManifest(folder);
    expect(m.format).toBe(FORMAT);
    expect(m.studio).toBeUndefined();
    expect(m.files.map((f) => f.kind)).toEqual(["database", "roles"]);
  });

  it("reads a studio file entry and its counts, and refuses a negative count", async () => {
    const folder = await fakeBackup(scratch("studio-new"), "local-2026-03-01T10-00-00.000Z");
    const file = join(folder, "manifest.json");
    const raw = JSON.parse(readFileSync(file, "utf8"));
    raw.files.push({ name: "studio.tar", kind: "studio", bytes: 0, sha256: "0".repeat(64) });
    raw.studio = { source: "Studio", files: { snippets: 1, "edge-functions": 3 } };
    writeFileSync(file, JSON.stringify(raw));
    expect(readManifest(folder).studio).toEqual(raw.studio);
    raw.studio.files.snippets = -1;
    writeFileSync(file, JSON.stringify(raw));
    expect(() => readManifest(folder)).toThrow(/bad studio\.files\.snippets/);
  });
});

describe("the restore summary", () => {
  const report = {
    folder: "/b/local-x",
    database: "container ownstack-local-db",
    replaced: false,
    rolesCreated: [],
    tables: 2,
    policies: 0,
    largeObjects: 0,
    storageBuckets: null,
    otherDatabases: [],
    openWebui: null,
    notes: [],
  };
  it("names the other databases put back, and says nothing when there were none", () => {
    expect(
      formatRestoreReport({ ...report, studio: null, otherDatabases: ["openwebui"] }),
    ).toContain("  other databases: openwebui");
    expect(formatRestoreReport({ ...report, studio: null })).not.toContain("other databases");
  });
  it("says how many Studio files were put back, or nothing when none were", () => {
    expect(
      formatRestoreReport({ ...report, studio: { snippets: 1, "edge-functions": 3 } }),
    ).toContain(
      "  Studio snippets and Edge Functions: snippets (1 file), edge-functions (3 files)",
    );
    expect(formatRestoreReport({ ...report, studio: null })).not.toContain("Studio");
  });
});
