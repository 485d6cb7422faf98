import { MultiBar, Presets } from "cli-progress";

/** Progress of backup and restore steps: bars on a terminal, one line per finished step otherwise. */
export interface Task {
  update(value: number): void;
  done(summary: string): void;
}

export interface Progress {
  /** `total` may be an estimate (bytes) or 0 when unknown. */
  task(label: string, total: number, unit: "bytes" | "files"): Task;
  stop(): void;
}

export function mib(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MiB`
    : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** Nothing on screen: for tests and `--quiet`. */
export const silentProgress: Progress = {
  task: () => ({ update: () => undefined, done: () => undefined }),
  stop: () => undefined,
};

/** Plain lines on stdout, for logs and pipes where bars would be noise; stderr keeps only errors. */
export function lineProgress(write: (line: string) => void = (l) => console.log(l)): Progress {
  return {
    task: (label) => ({
      update: () => undefined,
      done: (summary) => write(`  ${label}: ${summary}`),
    }),
    stop: () => undefined,
  };
}

/** cli-progress bars on stderr, so stdout keeps only the report. */
export function barProgress(): Progress {
  const bars = new MultiBar(
    {
      format: " {label} |{bar}| {shown}",
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      barsize: 30,
      stream: process.stderr,
    },
    Presets.shades_classic,
  );
  return {
    task(label, total, unit) {
      const show = (v: number) => (unit === "bytes" ? mib(v) : `${v} files`);
      // An estimate can be beaten (a dump is not the database size), so the bar's end grows.
      let max = Math.max(total, 1);
      const bar = bars.create(max, 0, { label: label.padEnd(10), shown: show(0) });
      return {
        update(value) {
          if (value > max) bar.setTotal((max = value));
          bar.update(value, { shown: show(value) });
        },
        done(summary) {
          bar.setTotal(Math.max(max, 1));
          bar.update(Math.max(max, 1), { shown: summary });
        },
      };
    },
    stop: () => bars.stop(),
  };
}

export const defaultProgress = (quiet: boolean): Progress =>
  quiet ? silentProgress : process.stderr.isTTY ? barProgress() : lineProgress();
