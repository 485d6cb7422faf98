/**
 * Database roles that log in with the stack's Postgres password: ownstack owns their passwords
 * (init SQL, rotation, the kubernetes bootstrap Job), so no other tool may pick them as its admin.
 */

/** Service roles that log in with the stack's Postgres password, set by our init script. */
export const SERVICE_LOGIN_ROLES = [
  "authenticator",
  "pgbouncer",
  "supabase_auth_admin",
  "supabase_functions_admin",
  "supabase_replication_admin",
  "supabase_storage_admin",
] as const;

/** Roles the image itself gives the password (entrypoint and migrate.sh). */
export const IMAGE_LOGIN_ROLES = ["postgres", "supabase_admin"] as const;

/** Every role that logs in with the stack's Postgres password. */
export const ALL_LOGIN_ROLES = [...IMAGE_LOGIN_ROLES, ...SERVICE_LOGIN_ROLES] as const;

/**
 * Open WebUI's own login role and the database it owns; its password is its own
 * (Secrets.openWebuiDbPassword, rotateOpenWebui), so a leak there opens no Supabase role.
 */
export const OPEN_WEBUI_DB = { role: "openwebui", database: "openwebui" } as const;
