/**
 * `backupSchedule`: a five-field cron expression (minute hour day-of-month month day-of-week), read
 * in UTC as crontab(5) describes it: numbers, `*`, ranges `a-b`, lists `a,b` and steps `*\/n`,
 * `a-b/n`; day-of-week 0-7 with 0 and 7 both Sunday. When both day fields are restricted, a day
 * matches if either does (Vixie cron's rule). Pure: the scheduler and its tests share it.
 */

export interface Schedule {
  readonly text: string;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly days: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  readonly weekdays: ReadonlySet<number>;
  readonly anyDay: boolean;
  readonly anyWeekday: boolean;
}

const FIELDS = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12 },
  { name: "day of week", min: 0, max: 7 },
] as const;

export const SCHEDULE_HINT =
  'expected a cron expression in UTC such as "17 3 * * *" (daily at 03:17)';

function field(text: string, f: (typeof FIELDS)[number]): Set<number> | string {
  const out = new Set<number>();
  for (const part of text.split(",")) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) return `bad ${f.name} "${part}"`;
    const from = m[1] === "*" ? f.min : Number(m[2]);
    const to =
      m[1] === "*" ? f.max : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? f.max : from;
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    if (from < f.min || to > f.max || from > to)
      return `${f.name} "${part}" is outside ${f.min}-${f.max}`;
    if (step < 1) return `${f.name} step in "${part}" must be at least 1`;
    for (let v = from; v <= to; v += step) out.add(f.name === "day of week" && v === 7 ? 0 : v);
  }
  return out;
}

/** The parsed schedule, or a sentence saying what is wrong with it. */
export function parseSchedule(text: string): Schedule | string {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 5)
    return `${SCHEDULE_HINT}; got ${parts.length} field${parts.length === 1 ? "" : "s"}`;
  const sets: Set<number>[] = [];
  for (let i = 0; i < 5; i++) {
    const s = field(parts[i], FIELDS[i]);
    if (typeof s === "string") return `${SCHEDULE_HINT}; ${s}`;
    sets.push(s);
  }
  const [minutes, hours, days, months, weekdays] = sets;
  const schedule = {
    text: parts.join(" "),
    minutes,
    hours,
    days,
    months,
    weekdays,
    anyDay: parts[2] === "*",
    anyWeekday: parts[4] === "*",
  };
  return nextRun(schedule, new Date(Date.UTC(2000, 0, 1))) === undefined
    ? `${SCHEDULE_HINT}; "${text}" never runs`
    : schedule;
}

function dayMatches(s: Schedule, d: Date): boolean {
  const dom = s.days.has(d.getUTCDate());
  const dow = s.weekdays.has(d.getUTCDay());
  if (s.anyDay || s.anyWeekday) return dom && dow;
  return dom || dow;
}

/** The first run strictly after `after` (whole minutes, UTC); undefined if none within 5 years. */
export function nextRun(s: Schedule, after: Date): Date | undefined {
  const t = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
  const limit = after.getTime() + 5 * 366 * 86_400_000;
  while (t.getTime() <= limit) {
    if (!s.months.has(t.getUTCMonth() + 1) || !dayMatches(s, t)) {
      t.setUTCHours(0, 0, 0, 0);
      t.setUTCDate(t.getUTCDate() + 1);
      continue;
    }
    if (!s.hours.has(t.getUTCHours())) {
      t.setUTCMinutes(0, 0, 0);
      t.setUTCHours(t.getUTCHours() + 1);
      continue;
    }
    if (!s.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
      continue;
    }
    return t;
  }
  return undefined;
}

/**
 * The longest gap between two runs, over the coming 400 days from a fixed date: "twice the
 * schedule" for the stale-backup alert and `doctor` is twice this. A fixed start keeps the plan
 * the same on every run.
 */
export function longestGapSeconds(s: Schedule): number {
  let prev = nextRun(s, new Date(Date.UTC(2026, 0, 1)))!;
  const end = prev.getTime() + 400 * 86_400_000;
  let longest = 0;
  while (prev.getTime() < end) {
    const next = nextRun(s, prev);
    if (!next) break;
    longest = Math.max(longest, next.getTime() - prev.getTime());
    prev = next;
  }
  return longest / 1000;
}
