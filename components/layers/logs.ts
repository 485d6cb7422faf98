import { Analytics } from "../analytics";
import { Vector } from "../vector";
import { StackContext, baseArgs } from "./context";
import { SupabaseCore } from "./core";
import { SupabaseExtras } from "./extras";

export type LogServices = ReturnType<typeof declareLogs>;

/**
 * The log stack behind Studio's Logs Explorer (`ownstack:logs`): Logflare, then Vector shipping
 * every container's logs into it. Declared last: Studio reads Logflare at request time, so no
 * service waits for it, and the migrations job has created `_analytics` on older data volumes.
 */
export function declareLogs(ctx: StackContext, core: SupabaseCore, extras: SupabaseExtras) {
  const { settings, secrets, opts } = ctx;
  if (!settings.features.logs) return { analytics: undefined, vector: undefined };
  const base = baseArgs(ctx);
  const analytics = new Analytics(
    "analytics",
    {
      ...base,
      postgresPassword: secrets.postgresPassword,
      publicToken: secrets.logflarePublicToken,
      privateToken: secrets.logflarePrivateToken,
      dependsOn: [core.db.container],
      after: [extras.migrations.job],
    },
    opts,
  );
  const vector = new Vector(
    "vector",
    {
      ...base,
      publicToken: secrets.logflarePublicToken,
      dependsOn: [analytics.container],
      dockerProxy: core.dockerProxy!,
    },
    opts,
  );
  return { analytics, vector };
}
