import { edgePairs } from "../../config/edges";
import { describe, expect, it } from "vitest";
import { itRefuses } from "./problems";
import { parseSettings } from "../../config/settings";
import {
  NETWORK_POOL_EXPECTED,
  POOL_MAX_PREFIX,
  POOL_LOAD,
  PAIR_PREFIX,
  EGRESS_PREFIX,
  assignSubnets,
  parseCidr,
} from "../../config/networkPool";
import { K8S_CONFIG } from "../k8s/harness";

const EXPECTED = `ownstack:networkPool: ${NETWORK_POOL_EXPECTED}`;

describe("ownstack:networkPool: where the Docker networks take their subnets", () => {
  it("the longest pool accepted holds the egress network and every pair of the edge table at the load", () => {
    const slots = 2 ** (PAIR_PREFIX - POOL_MAX_PREFIX);
    expect(slots).toBeGreaterThanOrEqual(
      2 ** (PAIR_PREFIX - EGRESS_PREFIX) + POOL_LOAD * edgePairs().length,
    );
  });

  it("is 10.201.0.0/16 unless set, and takes another private range outside Docker's pools", () => {
    expect(parseSettings({}, "local").networkPool).toBe("10.201.0.0/16");
    for (const pool of ["10.99.0.0/16", "172.16.0.0/16", `10.0.0.0/${POOL_MAX_PREFIX}`])
      expect(parseSettings({ "ownstack:networkPool": pool }, "local").networkPool).toBe(pool);
  });

  itRefuses("local", [
    ["no CIDR", { "ownstack:networkPool": "10.201.0.0" }, EXPECTED],
    ["host bits set", { "ownstack:networkPool": "10.201.3.0/16" }, EXPECTED],
    ["Docker's default pool", { "ownstack:networkPool": "172.18.0.0/16" }, EXPECTED],
    ["192.168/16, Docker's too", { "ownstack:networkPool": "192.168.0.0/16" }, EXPECTED],
    ["a public range", { "ownstack:networkPool": "8.8.0.0/16" }, EXPECTED],
    [
      "too small for the networks",
      { "ownstack:networkPool": `10.0.0.0/${POOL_MAX_PREFIX + 1}` },
      EXPECTED,
    ],
  ]);

  itRefuses("k8s", [
    [
      "a pool on kubernetes",
      { ...K8S_CONFIG, "ownstack:networkPool": "10.99.0.0/16" },
      "ownstack:networkPool: there are no Docker networks on kubernetes",
    ],
  ]);

  it("keeps a network's subnet when another network is added", () => {
    const pool = parseCidr("10.201.0.0/16")!;
    const names = Array.from({ length: 70 }, (_, i) => `ownstack-local-net-a${i}-b`);
    const before = assignSubnets(names, pool);
    const after = assignSubnets([...names, "ownstack-local-net-new-pair"], pool);
    for (const n of names) expect(after.get(n), n).toBe(before.get(n));
  });
});
