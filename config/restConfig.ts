import { z } from "zod";

/**
 * PostgREST's API surface, as the Supabase CLI's `[api]` section sets it (schemas,
 * extra_search_path, max_rows in supabase/cli pkg/config/templates/config.toml). The same values go
 * to Studio, whose table editor and API docs read them (docker/docker-compose.yml `studio` env).
 */

const SCHEMA_FORM =
  'expected a list of Postgres schema names such as ["public", "graphql_public"] (letters, digits, underscores)';
const schemaName = z
  .string({ error: SCHEMA_FORM })
  .regex(/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/, SCHEMA_FORM);
const schemaList = z
  .array(schemaName, { error: SCHEMA_FORM })
  .refine((list) => new Set(list).size === list.length, `${SCHEMA_FORM}, each once`);

export const restShape = {
  // PostgREST serves the first schema by default; graphql_public is where pg_graphql answers.
  restSchemas: schemaList
    .refine((list) => list.length > 0, `${SCHEMA_FORM}, at least one`)
    .default(["public", "graphql_public"]),
  restMaxRows: z
    .number({ error: "expected a whole number of rows between 1 and 1000000" })
    .int("expected a whole number of rows between 1 and 1000000")
    .min(1, "expected a whole number of rows between 1 and 1000000")
    .max(1_000_000, "expected a whole number of rows between 1 and 1000000")
    .default(1000),
  restExtraSearchPath: schemaList.default(["public"]),
} as const;

/** What restEnv and studioEnv read: the env values of PGRST_DB_SCHEMAS and its two neighbours. */
export interface RestSettings {
  readonly schemas: string;
  readonly maxRows: number;
  readonly extraSearchPath: string;
}

export function restSettings(c: {
  restSchemas: readonly string[];
  restMaxRows: number;
  restExtraSearchPath: readonly string[];
}): RestSettings {
  // Order matters: PostgREST's first schema is the default profile (Accept-Profile unset).
  return {
    schemas: c.restSchemas.join(","),
    maxRows: c.restMaxRows,
    extraSearchPath: c.restExtraSearchPath.join(","),
  };
}
