/**
 * Supavisor's tenant bootstrap (`pooler.exs`), evaluated by `supavisor eval` before the server
 * starts. Every value comes from the container's env, so the file holds no secret and the same
 * text serves every stack.
 */

export const POOLER_EXS_PATH = "/etc/pooler/pooler.exs";

/** Supavisor's shell command, as upstream's compose file (with a single `$`, not compose's `$$`). */
export const SUPAVISOR_COMMAND = [
  "/bin/sh",
  "-c",
  `/app/bin/migrate && /app/bin/supavisor eval "$(cat ${POOLER_EXS_PATH})" && /app/bin/server`,
];

/**
 * Re-creates the tenant on every start from the current env. Supavisor stores the pgbouncer
 * password encrypted with VAULT_ENC_KEY, so a tenant kept from before a `postgres` or `vault`
 * rotation would hold a password that no longer works or no longer decrypts (upstream's
 * db-passwd.sh drops `_supavisor` for the same reason). Deleting by external id never decrypts.
 * The server version comes from the same Postgres, because clients see it before the first query.
 */
export function renderPoolerExs(): string {
  return `# ownstack: the Supavisor tenant of this stack, rebuilt from env on every start
# (clients log in as <user>.<POOLER_TENANT_ID>).
{:ok, _} = Application.ensure_all_started(:supavisor)

env = &System.fetch_env!/1
tenant_id = env.("POOLER_TENANT_ID")
%{rows: [[server_version]]} = Supavisor.Repo.query!("SHOW server_version")

Supavisor.Tenants.delete_tenant_by_external_id(tenant_id)

{:ok, _} =
  Supavisor.Tenants.create_tenant(%{
    "external_id" => tenant_id,
    "db_host" => env.("POSTGRES_HOST"),
    "db_port" => env.("POSTGRES_PORT"),
    "db_database" => env.("POSTGRES_DB"),
    "require_user" => false,
    "auth_query" => "SELECT * FROM pgbouncer.get_auth($1)",
    "default_max_clients" => env.("POOLER_MAX_CLIENT_CONN"),
    "default_pool_size" => env.("POOLER_DEFAULT_POOL_SIZE"),
    "default_parameter_status" => %{"server_version" => server_version},
    "users" => [
      %{
        "db_user" => "pgbouncer",
        "db_password" => env.("POSTGRES_PASSWORD"),
        "mode_type" => env.("POOLER_POOL_MODE"),
        "pool_size" => env.("POOLER_DEFAULT_POOL_SIZE"),
        "is_manager" => true
      }
    ]
  })
`;
}
