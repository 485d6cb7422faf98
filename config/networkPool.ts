import { createHash } from "node:crypto";

/**
 * Where the Docker networks' subnets come from (`ownstack:networkPool`). Each network gets an
 * explicit small subnet: ~70 pair networks would exhaust Docker's default address pools, which
 * hold about 31 networks of their own sizes.
 */

/** A pair network's size: /29, 5 addresses besides network, gateway and broadcast (2 members, each with a rolling revision). */
export const PAIR_PREFIX = 29;
/** The egress network takes the pool's first /24. */
export const EGRESS_PREFIX = 24;
/** Slots at most a quarter full, so that hashing rarely collides and a new pair moves no other. */
export const POOL_LOAD = 4;
/**
 * The longest prefix a pool may have: a /20 holds the egress /24 and, at that load, 120 pair
 * networks (the edge table has about 70). A constant, not computed from the table, so that the
 * config schema does not import it; test/config/networkPool.test.ts fails when the table outgrows it.
 */
export const POOL_MAX_PREFIX = 20;
export const DEFAULT_NETWORK_POOL = "10.201.0.0/16";

/** A parsed IPv4 CIDR: the first address as a 32-bit number, and the prefix length. */
export interface Cidr {
  readonly base: number;
  readonly prefix: number;
}

export function parseCidr(text: string): Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const base = octets.reduce((n, o) => n * 256 + o, 0);
  // A network address: no host bits set (10.201.0.0/16, not 10.201.3.0/16).
  if (base % 2 ** (32 - prefix) !== 0) return undefined;
  return { base, prefix };
}

export const formatCidr = ({ base, prefix }: Cidr): string =>
  `${[24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256).join(".")}/${prefix}`;

const within = (inner: Cidr, outer: Cidr): boolean =>
  inner.prefix >= outer.prefix &&
  Math.floor(inner.base / 2 ** (32 - outer.prefix)) ===
    Math.floor(outer.base / 2 ** (32 - outer.prefix));

const overlaps = (a: Cidr, b: Cidr): boolean => within(a, b) || within(b, a);

const cidr = (text: string): Cidr => parseCidr(text)!;
/** Private ranges (RFC 1918) a pool may come from. */
const PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map(cidr);
/**
 * Docker's default address pools, where it puts docker0 and every network created without a
 * subnet: 172.17.0.0/16 to 172.31.0.0/16, then 192.168.0.0/16 in /20s (moby
 * libnetwork/ipamutils/utils.go, `localScopeDefaultNetworks`).
 */
const DOCKER_DEFAULT_POOLS = [
  "172.17.0.0/16",
  "172.18.0.0/15",
  "172.20.0.0/14",
  "172.24.0.0/13",
  "192.168.0.0/16",
].map(cidr);

export const NETWORK_POOL_EXPECTED = `expected a private IPv4 range such as ${DEFAULT_NETWORK_POOL}: a network address in 10.0.0.0/8 or 172.16.0.0/16 (outside Docker's default pools 172.17.0.0-172.31.255.255 and 192.168.0.0/16), /${POOL_MAX_PREFIX} or wider to hold the stack's networks`;

export function isNetworkPool(text: string): boolean {
  const pool = parseCidr(text);
  return (
    pool !== undefined &&
    pool.prefix <= POOL_MAX_PREFIX &&
    PRIVATE.some((range) => within(pool, range)) &&
    !DOCKER_DEFAULT_POOLS.some((range) => overlaps(pool, range))
  );
}

/**
 * A slot for each pair network from a hash of its name, probing forward when taken, in name order:
 * a network's subnet does not move when pairs are added or removed unless one lands on its slot,
 * and a moved subnet would replace the network and every container on it.
 */
export function assignSubnets(names: readonly string[], pool: Cidr): Map<string, string> {
  const size = 2 ** (32 - PAIR_PREFIX);
  const reserved = 2 ** (PAIR_PREFIX - EGRESS_PREFIX);
  const slots = 2 ** (PAIR_PREFIX - pool.prefix) - reserved;
  if (names.length > slots)
    throw new Error(
      `network pool ${formatCidr(pool)} holds ${slots} networks, not ${names.length}`,
    );
  const taken = new Set<number>();
  const subnets = new Map<string, string>();
  for (const name of [...names].sort()) {
    let slot = createHash("sha256").update(name).digest().readUInt32BE(0) % slots;
    while (taken.has(slot)) slot = (slot + 1) % slots;
    taken.add(slot);
    subnets.set(
      name,
      formatCidr({ base: pool.base + (reserved + slot) * size, prefix: PAIR_PREFIX }),
    );
  }
  return subnets;
}
