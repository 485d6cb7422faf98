import * as pulumi from "@pulumi/pulumi";
import { reachableAddress } from "../config/services";
import { Env, Healthcheck, ServiceArgs } from "./container";
import { Settings } from "../config/settings";
import { REDIS_DATA_DIR, redisPingCheck, renderRedisConf } from "./render/redis";
import { ServiceComponent } from "./serviceComponent";

export interface RedisArgs extends ServiceArgs {
  readonly password: pulumi.Input<string>;
}

export const REDIS_CONFIG_PATH = "/usr/local/etc/valkey/valkey.conf";

/** `valkey.conf` with the password, AOF and the memory cap from settings; a secret. */
export function redisConfig(
  settings: Pick<Settings, "redis">,
  password: pulumi.Input<string>,
): pulumi.Output<string> {
  return pulumi.secret(
    pulumi.output(password).apply((p) =>
      renderRedisConf({
        password: p,
        maxMemory: settings.redis.maxMemory,
        maxMemoryPolicy: settings.redis.policy,
      }),
    ),
  );
}

/** Read by the healthcheck's valkey-cli, so the password never appears in the check itself. */
export const redisEnv = (password: pulumi.Input<string>): Env => ({
  REDISCLI_AUTH: pulumi.secret(password),
});

export const REDIS_HEALTHCHECK: Healthcheck = { tests: ["CMD-SHELL", redisPingCheck()] };

/**
 * The Redis-compatible cache. Valkey (BSD-3, the Linux Foundation fork of Redis 7.2) rather than
 * redis 8.x, which is tri-licensed with AGPLv3; clients and redis:// URLs are the same.
 */
export class Redis extends ServiceComponent {
  public readonly dataVolume = this.volume("redis-data");
  /** `redis://:<password>@host:port`, a secret: local clients use 127.0.0.1, vps ones the network. */
  public readonly url: pulumi.Output<string>;
  /** The rendered config (secret: it holds requirepass). */
  public readonly config: pulumi.Output<string>;

  constructor(name: string, args: RedisArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:cache:Redis", name, args, opts);
    const { settings } = args;
    this.url = pulumi.secret(
      pulumi.interpolate`redis://:${args.password}@${reachableAddress(settings, "redis")}`,
    );
    this.config = redisConfig(settings, args.password);
    this.serve({
      service: "redis",
      // The image's entrypoint turns a leading *.conf argument into `valkey-server <file>`.
      command: [REDIS_CONFIG_PATH],
      env: redisEnv(args.password),
      uploads: [{ file: REDIS_CONFIG_PATH, content: this.config, permissions: "0644" }],
      volumes: [{ volumeName: this.dataVolume.name, containerPath: REDIS_DATA_DIR }],
      healthcheck: REDIS_HEALTHCHECK,
    });
    this.registerOutputs({ container: this.container.id, dataVolume: this.dataVolume.name });
  }
}
