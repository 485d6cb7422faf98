import { enabledServices } from "./budget";
import { EDGES, edgePairs, type Caller } from "./edges";
import { EGRESS_PREFIX, assignSubnets, formatCidr, parseCidr } from "./networkPool";
import { bindingsFor } from "./exposure";
import { ADDRESSES, type ServiceName } from "./services";
import type { Settings } from "./types";

/**
 * The Docker networks, derived from the edge table (config/edges.ts). Upstream runs every
 * container on one flat network; here each pair {caller, callee} with at least one edge gets its
 * own `internal` bridge network (no route out), so a container that is not in an edge cannot open
 * the port at all. A pair and not a per-callee group: on a group network for `db`, auth could open
 * meta:8080, since all of them would share it.
 *
 * Containers that need the outside join one egress network as well: not internal, and with
 * inter-container traffic off (`com.docker.network.bridge.enable_icc`), so its members reach the
 * internet and the host's published ports but not each other
 * (https://docs.docker.com/engine/network/drivers/bridge/#options).
 *
 * Docker networks do not filter ports: a pair network lets the caller open every port the callee
 * listens on, not only the edge's (test/plan/reach.test.ts lists those extra ports).
 */

/**
 * A container of a Docker stack by its `ownstack.service` label: a caller of the edge table, or
 * the backup scheduler's `backup-node` job, which only copies a binary into a volume and joins no
 * network (network mode `none`).
 */
export type Member = Caller | "backup-node";

/** Why a container needs a route out of the stack; publishing a host port is the other reason. */
export interface EgressNeed {
  readonly member: Member;
  readonly why: string;
}

/** Containers that open connections to the outside. README lists them (npm run edges:readme). */
export const EGRESS: readonly EgressNeed[] = [
  { member: "traefik", why: "Let's Encrypt (ACME) for the public hosts' certificates" },
  { member: "auth", why: "an external SMTP server; OAuth and SAML providers" },
  { member: "functions", why: "users' Edge Functions call outside APIs and load remote modules" },
  { member: "db", why: "pg_net: Database Webhooks to outside URLs" },
  { member: "backup", why: "the off-site copy (SFTP or S3)" },
  // `ollama pull` (ollama-pull) only asks the server, which downloads.
  { member: "ollama", why: "model downloads from the Ollama registry" },
  { member: "studio", why: "the SQL assistant calls OpenAI" },
  { member: "openWebui", why: "web search and embedding-model downloads" },
];

/** Every container a Docker stack runs: its services (config/budget.ts) and its one-shot jobs. */
export function stackMembers(settings: Pick<Settings, "target" | "features" | "ollama">): Member[] {
  const { features } = settings;
  return [
    ...enabledServices(settings),
    "migrations" as const,
    ...(features.minio ? ["minio-createbucket" as const] : []),
    ...(features.ollama && settings.ollama.models.length > 0 ? ["ollama-pull" as const] : []),
    ...(features.backup ? ["backup-node" as const] : []),
  ].sort();
}

/** `<prefix>-net-<a>-<b>`, the pair's names sorted: the resource and the Docker network name. */
export const pairNetworkName = (prefix: string, a: Member, b: Member): string =>
  `${prefix}-net-${[a, b].sort().join("-")}`;

export const egressNetworkName = (prefix: string): string => `${prefix}-net-egress`;

/** A container's place on one network: the names it answers to there (none for a caller only). */
export interface NetworkJoin {
  readonly member: Member;
  readonly aliases: readonly string[];
}

export interface PlannedNetwork {
  readonly name: string;
  readonly subnet: string;
  readonly internal: boolean;
  /** Containers on it may open each other's ports (off on the egress network). */
  readonly icc: boolean;
  readonly joins: readonly NetworkJoin[];
}

/** Members that publish a host port (config/exposure.ts) or call out (EGRESS). */
export function egressMembers(settings: Settings, members: readonly Member[]): Member[] {
  const publishes = (m: Member) =>
    m in ADDRESSES && bindingsFor(settings, m as ServiceName).length > 0;
  const callsOut = new Set(EGRESS.map((e) => e.member));
  return members.filter((m) => callsOut.has(m) || publishes(m));
}

const aliasesOf = (m: Member): readonly string[] =>
  m in ADDRESSES ? [...ADDRESSES[m as ServiceName].aliases].sort() : [];

/** The networks of a Docker stack: one per edge pair among its containers, and the egress one. */
export function plannedNetworks(settings: Settings): PlannedNetwork[] {
  const members = stackMembers(settings);
  const pool = parseCidr(settings.networkPool)!;
  const pairs = edgePairs(new Set<string>(members) as ReadonlySet<Caller>);
  const names = pairs.map(([a, b]) => pairNetworkName(settings.prefix, a, b));
  const subnets = assignSubnets(names, pool);
  const calls = (from: Member, to: Member) => EDGES.some((e) => e.from === from && e.to === to);
  const pairNetworks = pairs.map(([a, b], i): PlannedNetwork => ({
    name: names[i],
    subnet: subnets.get(names[i])!,
    internal: true,
    icc: true,
    // The callee answers to its aliases; a caller only is reached by nobody there.
    joins: [a, b].map((m) => ({
      member: m,
      aliases: calls(m === a ? b : a, m) ? aliasesOf(m) : [],
    })),
  }));
  const egress: PlannedNetwork = {
    name: egressNetworkName(settings.prefix),
    subnet: formatCidr({ base: pool.base, prefix: EGRESS_PREFIX }),
    internal: false,
    icc: false,
    joins: egressMembers(settings, members).map((member) => ({ member, aliases: [] })),
  };
  return [...pairNetworks, egress];
}
