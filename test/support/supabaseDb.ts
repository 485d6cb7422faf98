import { renderRolesSql, sqlLiteral } from "../../components/render/initSql";
import { ALL_LOGIN_ROLES } from "../../config/roles";
import { Cluster, startCluster } from "./postgres";
import { Login, runSql } from "./sql";
import { imageRoles, initLikeImage } from "./supabaseInit";

/**
 * The db container's Postgres for tests of our SQL: the bootstrap superuser is supabase_admin, as
 * in the supabase/postgres image, and every login goes over TCP with scram-sha-256, as the services
 * reach db over the Docker network (never trusted).
 */

export interface SupabaseDb {
  readonly cluster: Cluster;
  /** 127.0.0.1 and the server's port. */
  readonly at: Login;
}

/** A started server with only supabase_admin, whose password is `password`. */
export async function startSupabaseDb(prefix: string, password: string): Promise<SupabaseDb> {
  const cluster = await startCluster({
    prefix,
    superuser: "supabase_admin",
    password,
    hba: "host all all 127.0.0.1/32 scram-sha-256\n",
  });
  return { cluster, at: { host: "127.0.0.1", port: cluster.port } };
}

/** A started server on which our init SQL ran as the image runs it on an empty data directory. */
export async function startInitialisedDb(
  prefix: string,
  password: string,
  jwtExpiry = 3600,
): Promise<SupabaseDb> {
  const db = await startSupabaseDb(prefix, password);
  try {
    await initLikeImage(db.at, db.cluster.root, password, jwtExpiry);
  } catch (err) {
    await db.cluster.dispose();
    throw err;
  }
  return db;
}

/** `role → ok` for every login role: the expected loginTable when all of them log in, or none. */
export const everyone = (ok: boolean): Record<string, boolean> =>
  Object.fromEntries(ALL_LOGIN_ROLES.map((r) => [r, ok]));

/**
 * What a first start leaves behind: the image's roles, postgres and every service role with
 * `password`, and a table public.notes holding `notes`, the rows a password change must keep.
 * The setup logs in with `login` (undefined on a trusted connection).
 */
export async function firstStart(
  at: Login,
  login: string | undefined,
  password: string,
  notes: readonly string[],
): Promise<void> {
  await imageRoles(at, login, password);
  await runSql(at, "supabase_admin", login, renderRolesSql(password));
  await runSql(
    at,
    "postgres",
    login,
    "CREATE TABLE public.notes (id serial PRIMARY KEY, body text NOT NULL); " +
      `INSERT INTO public.notes (body) VALUES ${notes.map((n) => `(${sqlLiteral(n)})`).join(", ")};`,
  );
}

/** The rows of public.notes in insertion order, read as supabase_admin with `password`. */
export async function readNotes(at: Login, password: string): Promise<string[]> {
  const [r] = await runSql(
    at,
    "supabase_admin",
    password,
    "SELECT body FROM public.notes ORDER BY id",
  );
  return r.rows.map((row: { body: string }) => row.body);
}
