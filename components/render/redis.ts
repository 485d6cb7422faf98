import { ADDRESSES } from "../../config/services";

/**
 * Renders `valkey.conf` / `redis.conf`. Pure, so the real-engine test starts Debian's redis-server
 * with exactly this text (only bind, port and dir differ there).
 */
export interface RedisConfigInput {
  readonly password: string;
  /** Redis size such as `256mb`; validated by settings. */
  readonly maxMemory: string;
  readonly maxMemoryPolicy: string;
  readonly bind?: string;
  readonly port?: number;
  /** Data directory: the image's `/data` volume. */
  readonly dir?: string;
}

export const REDIS_PORT: number = ADDRESSES.redis.port;
export const REDIS_DATA_DIR = "/data";

export function renderRedisConf(input: RedisConfigInput): string {
  if (/[\s"'\\]/.test(input.password) || input.password === "")
    throw new Error(
      "the Redis password must be non-empty, without whitespace, quotes or backslashes (it is written unquoted to requirepass)",
    );
  const lines: [string, string | number][] = [
    // Inside the container every interface is the private network; host exposure is Docker's.
    ["bind", input.bind ?? "* -::*"],
    ["port", input.port ?? REDIS_PORT],
    // A password is set, so protected mode adds nothing and only breaks non-loopback clients.
    ["protected-mode", "no"],
    ["requirepass", input.password],
    ["dir", input.dir ?? REDIS_DATA_DIR],
    // AOF: every write is logged and fsynced each second, so a restart loses at most ~1s.
    ["appendonly", "yes"],
    ["appendfsync", "everysec"],
    ["maxmemory", input.maxMemory.toLowerCase()],
    ["maxmemory-policy", input.maxMemoryPolicy],
  ];
  return [
    "# Rendered by ownstack (components/render/redis.ts); changes here are replaced on `pulumi up`.",
    ...lines.map(([k, v]) => `${k} ${v}`),
    "",
  ].join("\n");
}

/**
 * Healthcheck shell line. `ping` exits 0 even on NOAUTH, so only a PONG counts; the password comes
 * from REDISCLI_AUTH in the container env (valkey-cli reads it too), never from the command line.
 */
export function redisPingCheck(cli = "valkey-cli", port = REDIS_PORT): string {
  return `${cli} -h 127.0.0.1 -p ${port} ping | grep -q PONG`;
}
