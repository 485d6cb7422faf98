/**
 * The `global` and `defaults` sections both HAProxy configs of the stack share (the Docker API
 * proxy, ./dockerProxy.ts, and the mail template server, ./mailTemplates.ts): logs to stdout as
 * the image expects, one thread (per-thread pools would grow the memory with the host's core
 * count, haproxy/haproxy#1751), HTTP mode, and only refusals logged (`dontlog-normal`: the
 * healthcheck and the normal reads are not).
 */
export interface HaproxyPreamble {
  /** The file that renders the config, named in its first line. */
  readonly renderedBy: string;
  readonly maxconn: number;
  /** `tune.bufsize`, when the default (16 KiB) is too small for a response. */
  readonly bufsize?: number;
  /** `timeout client` and `timeout server`, e.g. `30s`. */
  readonly idleTimeout: string;
}

export const haproxyPreamble = (p: HaproxyPreamble): string[] => [
  `# ownstack: rendered by ${p.renderedBy}`,
  "global",
  "  log stdout format raw local0 info",
  `  maxconn ${p.maxconn}`,
  "  nbthread 1",
  ...(p.bufsize !== undefined ? [`  tune.bufsize ${p.bufsize}`] : []),
  "",
  "defaults",
  "  mode http",
  "  log global",
  "  option httplog",
  "  option dontlog-normal",
  "  timeout connect 5s",
  "  timeout http-request 10s",
  `  timeout client ${p.idleTimeout}`,
  `  timeout server ${p.idleTimeout}`,
  "",
];
