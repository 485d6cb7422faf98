/**
 * Why a Docker service is refused on kubernetes, in the words the config error shows. The same
 * reasons, longer, are in docs/scale-out.md ("Not carried over, and why").
 */
export const WHY_NOT_ON_KUBERNETES: Readonly<Record<string, string>> = {
  // Mailpit catches sign-up mail on a desktop; Auth's mail must reach users from a cluster.
  mailpit:
    "Mailpit keeps sign-up mails from reaching users, which a cluster must not; set smtpHost, smtpUser, smtpAdminEmail and the secret smtpPass instead",
  // Supavisor keeps its tenants in Postgres (_supavisor schema) and would need a TCP
  // LoadBalancer of its own; CloudNativePG ships PgBouncer as its Pooler resource.
  supavisor:
    "a pooler on kubernetes is CloudNativePG's Pooler (PgBouncer) or the managed database's own; ownstack does not declare one yet",
};

/** The config error for a service refused on kubernetes, naming the key and the reason. */
export const notOnKubernetes = (key: string, service: string): string =>
  `${key}: not available on kubernetes ${
    WHY_NOT_ON_KUBERNETES[service] !== undefined
      ? `(${WHY_NOT_ON_KUBERNETES[service]})`
      : 'yet (docs/scale-out.md, "What is left")'
  }; remove it or set it to false`;
