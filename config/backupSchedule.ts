import { Cron } from "croner";

/**
 * `backupSchedule`: a five-field cron expression (minute hour day-of-month month day-of-week), read
 * in UTC as crontab(5) describes it. Parsing and next-run arithmetic are croner's
 * (https://github.com/Hexagon/croner): zero dependencies, 32 KB in the scheduler's
 * bundle, against cron-parser's luxon dependency. `mode: "5-part"` refuses seconds and years,
 * `domAndDow: false` keeps Vixie cron's rule that a day matches if either restricted day field
 * does; day-of-week 0 and 7 are both Sunday. Pure: the scheduler and its tests share it.
 */

export interface Schedule {
  readonly text: string;
  readonly cron: Cron;
}

export const SCHEDULE_HINT =
  'expected a cron expression in UTC such as "17 3 * * *" (daily at 03:17)';

/** The parsed schedule, or a sentence saying what is wrong with it. */
export function parseSchedule(text: string): Schedule | string {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 5)
    return `${SCHEDULE_HINT}; got ${parts.length} field${parts.length === 1 ? "" : "s"}`;
  let cron: Cron;
  try {
    cron = new Cron(parts.join(" "), {
      timezone: "UTC",
      mode: "5-part",
      domAndDow: false,
      paused: true,
    });
  } catch (err) {
    return `${SCHEDULE_HINT}; ${(err as Error).message.replace(/^CronPattern: /, "")}`;
  }
  const schedule = { text: parts.join(" "), cron };
  return nextRun(schedule, new Date(Date.UTC(2000, 0, 1))) === undefined
    ? `${SCHEDULE_HINT}; "${text}" never runs`
    : schedule;
}

/** The first run strictly after `after` (whole minutes, UTC); undefined if there is none. */
export function nextRun(s: Schedule, after: Date): Date | undefined {
  return s.cron.nextRun(after) ?? undefined;
}

/**
 * The longest gap between two runs, over the coming 400 days from a fixed date: "twice the
 * schedule" for the stale-backup alert and `doctor` is twice this. A fixed start keeps the plan
 * the same on every run; croner walks ~400 runs of a daily schedule, so each text is walked once.
 */
const gaps = new Map<string, number>();

export function longestGapSeconds(s: Schedule): number {
  const known = gaps.get(s.text);
  if (known !== undefined) return known;
  let prev = nextRun(s, new Date(Date.UTC(2026, 0, 1)))!;
  const end = prev.getTime() + 400 * 86_400_000;
  let longest = 0;
  while (prev.getTime() < end) {
    const next = nextRun(s, prev);
    if (!next) break;
    longest = Math.max(longest, next.getTime() - prev.getTime());
    prev = next;
  }
  gaps.set(s.text, longest / 1000);
  return longest / 1000;
}
