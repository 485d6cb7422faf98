/** One line of the doctor's report. */
export type Status = "ok" | "warn" | "fail" | "skip";

export interface Check {
  readonly id: string;
  readonly label: string;
  readonly status: Status;
  readonly detail: string;
  readonly fix?: string;
}
