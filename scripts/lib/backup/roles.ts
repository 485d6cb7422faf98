/**
 * Roles live in the cluster, not in a database, so `pg_dump` leaves them out and a restore into a
 * fresh server fails on every `OWNER TO` and policy naming them. The backup keeps
 * `pg_dumpall --roles-only --no-role-passwords`; restore re-creates only the roles that are
 * missing, and never alters an existing one (on Supabase that would touch the platform roles).
 */

const NAME = String.raw`("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const CREATE = new RegExp(`^CREATE ROLE ${NAME};$`);
const ALTER = new RegExp(`^ALTER ROLE ${NAME} `);
const GRANT = new RegExp(`^GRANT ${NAME} TO ${NAME}(.*);$`);

/** `"Weird ""Name"""` → `Weird "Name"`; bare names fold to lower case as Postgres does. */
export function unquote(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name.toLowerCase();
}

export interface RolesPlan {
  /** Roles the script creates, sorted. */
  readonly created: string[];
  /** SQL to run in one transaction; empty when nothing is missing. */
  readonly sql: string;
}

export function planRoles(dump: string, existing: ReadonlySet<string>): RolesPlan {
  const created = new Set<string>();
  const lines: string[] = [];
  for (const line of dump.split("\n")) {
    const create = CREATE.exec(line);
    if (create && !existing.has(unquote(create[1]))) {
      created.add(unquote(create[1]));
      lines.push(line);
      continue;
    }
    const alter = ALTER.exec(line);
    if (alter && created.has(unquote(alter[1]))) {
      lines.push(line);
      continue;
    }
    const grant = GRANT.exec(line);
    // The grantor may not exist here (another superuser name); the restoring user grants instead.
    if (grant && (created.has(unquote(grant[1])) || created.has(unquote(grant[2]))))
      lines.push(`GRANT ${grant[1]} TO ${grant[2]}${grant[3].replace(/\s+GRANTED BY .*$/, "")};`);
  }
  return { created: [...created].sort(), sql: lines.length > 0 ? `${lines.join("\n")}\n` : "" };
}
