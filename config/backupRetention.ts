/**
 * `backupRetention`: how many daily, weekly and monthly backups to keep, as restic's
 * `forget --keep-daily/--keep-weekly/--keep-monthly` reads them: for each rule, the newest backup
 * of each of the last N days (weeks, months) that have one is kept. The newest backup is always
 * kept. Days and weeks are UTC; weeks are ISO weeks (Monday first). Pure, with the clock passed in.
 */

export const RETENTION_UNITS = ["daily", "weekly", "monthly"] as const;
export type RetentionUnit = (typeof RETENTION_UNITS)[number];
export type Retention = Readonly<Partial<Record<RetentionUnit, number>>>;

export const RETENTION_HINT =
  'expected entries such as ["daily=7", "weekly=4"] (daily, weekly, monthly; whole numbers)';

/** `["daily=7","weekly=4"]` → `{daily: 7, weekly: 4}`, or the problems found, one per entry. */
export function parseRetention(entries: readonly string[]): {
  retention: Retention;
  problems: string[];
} {
  const retention: Partial<Record<RetentionUnit, number>> = {};
  const problems: string[] = [];
  entries.forEach((entry, i) => {
    const m = /^(daily|weekly|monthly)=(\d+)$/.exec(entry);
    const unit = m?.[1] as RetentionUnit | undefined;
    if (!m || !unit) problems.push(`[${i}]: ${RETENTION_HINT}, got ${JSON.stringify(entry)}`);
    else if (retention[unit] !== undefined)
      problems.push(`[${i}]: ${unit} is listed twice, expected each unit once`);
    else retention[unit] = Number(m[2]);
  });
  if (problems.length === 0 && !RETENTION_UNITS.some((u) => (retention[u] ?? 0) > 0))
    problems.push(`: keeps nothing, ${RETENTION_HINT}`);
  return { retention, problems };
}

/** The ISO week `2026-W01` a UTC date falls in (the week belongs to the year of its Thursday). */
export function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  t.setUTCDate(t.getUTCDate() + 3 - ((t.getUTCDay() + 6) % 7));
  const year = t.getUTCFullYear();
  const week = Math.floor((t.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 / 7) + 1;
  return `${year}-W${String(week).padStart(2, "0")}`;
}

const periodOf: Record<RetentionUnit, (d: Date) => string> = {
  daily: (d) => d.toISOString().slice(0, 10),
  weekly: isoWeek,
  monthly: (d) => d.toISOString().slice(0, 7),
};

export interface Dated {
  readonly name: string;
  readonly at: Date;
}

/** Which backups to keep and which to remove; both lists newest first. */
export function planRetention<T extends Dated>(
  backups: readonly T[],
  retention: Retention,
): { keep: T[]; remove: T[] } {
  const sorted = [...backups].sort(
    (a, b) => b.at.getTime() - a.at.getTime() || b.name.localeCompare(a.name),
  );
  const kept = new Set<T>(sorted.slice(0, 1));
  for (const unit of RETENTION_UNITS) {
    const limit = retention[unit] ?? 0;
    const seen = new Set<string>();
    for (const b of sorted) {
      if (seen.size >= limit) break;
      const period = periodOf[unit](b.at);
      if (seen.has(period)) continue;
      seen.add(period);
      kept.add(b);
    }
  }
  return { keep: sorted.filter((b) => kept.has(b)), remove: sorted.filter((b) => !kept.has(b)) };
}
