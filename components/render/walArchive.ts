/**
 * Continuous WAL archiving for point-in-time recovery (README "Point-in-time recovery"), with
 * Postgres's own archive_mode/archive_command
 * (https://www.postgresql.org/docs/current/continuous-archiving.html). The db container copies
 * every finished WAL segment, gzip-compressed, into a protected volume; the backup scheduler,
 * which mounts the same volume, takes base backups, ships segments off-site encrypted and prunes
 * what no kept base backup needs. A forced switch every `archive_timeout` seconds bounds the
 * recovery point: a segment switched early is still 16 MiB, mostly zeros, which gzip turns into
 * a few KiB, so a short timeout costs little disk.
 */

export interface WalArchivePaths {
  /** The uploaded archive_command script (run by /bin/sh, so its mode does not matter). */
  readonly script: string;
  /** Where the archive volume is mounted in the db container. */
  readonly dir: string;
}

export const WAL_ARCHIVE_PATHS: WalArchivePaths = {
  script: "/etc/ownstack/wal-archive.sh",
  dir: "/var/lib/postgresql/wal-archive",
};

/** Archived segments are `<name>.gz`; history and .backup files too. */
export const WAL_SUFFIX = ".gz";

/**
 * archive_command: exit 0 only once the segment is durably in the archive, never overwrite a
 * different file of the same name (the docs' rule), and succeed when the same bytes are already
 * there (a crash between the copy and Postgres recording it makes Postgres archive it again).
 * gzip and cmp are Essential packages in the image's Ubuntu base and in Debian.
 */
export function renderWalArchiveScript(): string {
  return `#!/bin/sh
# ownstack: archive_command = '/bin/sh ${WAL_ARCHIVE_PATHS.script} %p %f <archive folder>'
set -eu
src="$1"
name="$2"
dir="$3"
dest="$dir/$name${WAL_SUFFIX}"
if [ -f "$dest" ]; then
  if gzip -dc "$dest" | cmp -s - "$src"; then
    exit 0
  fi
  echo "wal-archive: $dest exists with other content; refusing to overwrite it" >&2
  exit 1
fi
tmp="$dir/.$name.partial"
gzip -1 -c "$src" > "$tmp"
sync "$tmp"
mv "$tmp" "$dest"
sync "$dir"
`;
}

/** The command Postgres runs per segment, for a script and archive folder. */
export function archiveCommand(script: string, dir: string): string {
  return `/bin/sh ${script} %p %f ${dir}`;
}

/** restore_command reading the same archive: a missing file must fail (end of the archive). */
export function restoreCommand(dir: string): string {
  return `gzip -dc ${dir}/%f${WAL_SUFFIX} > %p`;
}

/** Server settings for archiving, as `-c name=value` pairs for the db command. */
export function walArchiveSettings(
  archiveTimeoutSeconds: number,
  paths: WalArchivePaths = WAL_ARCHIVE_PATHS,
): Record<string, string> {
  return {
    archive_mode: "on",
    archive_command: archiveCommand(paths.script, paths.dir),
    archive_timeout: `${archiveTimeoutSeconds}s`,
  };
}

/** The same as db command flags. */
export function walArchiveArgs(archiveTimeoutSeconds: number): string[] {
  return Object.entries(walArchiveSettings(archiveTimeoutSeconds)).flatMap(([k, v]) => [
    "-c",
    `${k}=${v}`,
  ]);
}

/**
 * Shell run by the db start wrapper before the image's entrypoint (as root): a fresh Docker volume
 * is root-owned, and Postgres archives as the postgres user.
 */
export function walArchivePrepareShell(dir: string = WAL_ARCHIVE_PATHS.dir): string {
  return `if [ "$(id -u)" = 0 ]; then
  mkdir -p ${dir} && chown postgres:postgres ${dir} && chmod 0700 ${dir}
fi`;
}

/**
 * The scheduler takes base backups with pg_basebackup over the private network, which needs a
 * replication line: supabase/postgres's pg_hba.conf has none ("all" does not match
 * replication; ansible/files/postgresql_config/pg_hba.conf.j2). Appended once, after the server
 * is up, then reloaded; the image's file lives in the container layer, so a new container starts
 * from upstream's file again.
 */
export const REPLICATION_HBA_LINE = "host replication supabase_admin 0.0.0.0/0 scram-sha-256";

export function replicationHbaShell(psql: string): string {
  return `hba=$(${psql} -Atc 'show hba_file' 2>/dev/null || true)
if [ -n "$hba" ] && [ -w "$hba" ] && ! grep -qxF '${REPLICATION_HBA_LINE}' "$hba"; then
  echo '${REPLICATION_HBA_LINE}' >> "$hba"
  ${psql} -Atc 'select pg_reload_conf()' >/dev/null
fi`;
}
