/** Prometheus text exposition of [name, type, help, value] rows. */
export function exposition(rows: readonly [string, string, string, number][]): string {
  return rows
    .map(
      ([name, type, help, value]) =>
        `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}\n`,
    )
    .join("");
}
