import { describe, expect, it } from "vitest";
import { PUBLISHED_IDLE_MIB } from "../../config/memory";
import { ServiceName } from "../../config/serviceNames";
import { durationSeconds } from "../../config/valueTypes";
import { EVERY_SERVICE, Plan, PlannedResource, VPS_CONFIG, planBeforeAll } from "./mocks";
import { container, containers, env, isJob, serviceOf } from "./lookups";

/**
 * Limits that hold at idle, and first boots that finish inside `pulumi up`'s wait: checked over
 * the whole plan of both stacks with every service on, so a new container cannot skip them.
 */

const seconds = (d: string) => durationSeconds(d);
const running = (plan: Plan) => containers(plan).filter((c) => !isJob(c));

/** Probes Docker still runs inside the wait after the earliest moment it may call the container unhealthy. */
function probesAfterUnhealthy(c: PlannedResource): number {
  const h = c.inputs.healthcheck;
  const unhealthyAfter = seconds(h.startPeriod) + h.retries * seconds(h.interval);
  return Math.floor((c.inputs.waitTimeout - unhealthyAfter) / seconds(h.interval));
}

for (const [stack, config] of [
  ["local", EVERY_SERVICE],
  ["vps", { ...VPS_CONFIG, ...EVERY_SERVICE }],
] as const) {
  describe(`${stack}: limits and first boots`, () => {
    const plan = planBeforeAll(config, stack);

    it("every container's swap equals its memory limit, so the limit is what it can hold", () => {
      const loose = containers(plan).filter((c) => c.inputs.memorySwap !== c.inputs.memory);
      expect(
        loose.map((c) => `${c.name}: memory ${c.inputs.memory}, swap ${c.inputs.memorySwap}`),
      ).toEqual([]);
    });

    it("every healthcheck leaves several probes inside pulumi up's wait after it could first report unhealthy", () => {
      const tight = running(plan)
        .map((c) => ({ name: serviceOf(c), probes: probesAfterUnhealthy(c) }))
        .filter((c) => c.probes < 3);
      expect(tight).toEqual([]);
    });

    it("the db is not declared failing while a first-run init (initdb, init SQL, migrations) may still run", () => {
      const db = container(plan, "db");
      // A cold first boot on a slow disk takes minutes; failures inside the start period do not count.
      expect(seconds(db.inputs.healthcheck.startPeriod)).toBeGreaterThanOrEqual(180);
      expect(probesAfterUnhealthy(db)).toBeGreaterThanOrEqual(3);
    });

    it("every limit exceeds its service's published idle figure by at least a quarter", () => {
      const short = running(plan).flatMap((c) => {
        const figure = PUBLISHED_IDLE_MIB[serviceOf(c) as ServiceName];
        if (!figure) return [];
        // Kong's figure is per nginx worker; the plan says how many it runs.
        const workers = serviceOf(c) === "kong" ? Number(env(c).KONG_NGINX_WORKER_PROCESSES) : 1;
        const needed = Math.ceil(figure.mib * workers * 1.25);
        return c.inputs.memory >= needed
          ? []
          : [`${serviceOf(c)}: ${c.inputs.memory} MiB < ${needed} MiB (${figure.source})`];
      });
      expect(short).toEqual([]);
    });
  });
}
