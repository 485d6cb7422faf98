import { describe, expect, it } from "vitest";
import { JOB_STOP, STOP_POLICY } from "../../config/stopPolicy";
import { ServiceName } from "../../config/serviceNames";
import { K8S_CONFIG } from "../k8s/harness";
import { EVERY_SERVICE, VPS_CONFIG, planBeforeAll } from "./mocks";
import { byType, containers, isJob, serviceOf } from "./lookups";

/**
 * Every container is stopped the way its process expects, with time to finish: `pulumi up`
 * replacing it, `pulumi destroy` and `docker stop` all send the declared signal and wait.
 */

for (const [stack, config] of [
  ["local", EVERY_SERVICE],
  ["vps", { ...VPS_CONFIG, ...EVERY_SERVICE }],
] as const) {
  describe(`${stack}: graceful stop`, () => {
    const plan = planBeforeAll(config, stack);

    it("every long-running container gets its service's stop signal and grace, on replace and on docker stop", () => {
      const running = containers(plan).filter((c) => !isJob(c));
      expect(running.length).toBeGreaterThan(15);
      for (const c of running) {
        const policy = STOP_POLICY[serviceOf(c) as ServiceName];
        expect(policy, serviceOf(c)).toBeDefined();
        expect(
          {
            service: serviceOf(c),
            stopSignal: c.inputs.stopSignal,
            stopTimeout: c.inputs.stopTimeout,
            destroyGraceSeconds: c.inputs.destroyGraceSeconds,
          },
          serviceOf(c),
        ).toEqual({
          service: serviceOf(c),
          stopSignal: policy.signal,
          stopTimeout: policy.graceSeconds,
          destroyGraceSeconds: policy.graceSeconds,
        });
      }
    });

    it("Postgres gets SIGINT (fast shutdown) and at least 120 s for its shutdown checkpoint", () => {
      const db = containers(plan).find((c) => serviceOf(c) === "db" && !isJob(c))!;
      expect(db.inputs.stopSignal).toBe("SIGINT");
      expect(db.inputs.destroyGraceSeconds).toBeGreaterThanOrEqual(120);
    });

    it("Kong gets SIGQUIT, nginx's graceful stop", () => {
      const kong = containers(plan).find((c) => serviceOf(c) === "kong")!;
      expect(kong.inputs.stopSignal).toBe("SIGQUIT");
    });

    it("every other service gets SIGTERM and a grace of its own", () => {
      const others = containers(plan).filter(
        (c) => !isJob(c) && !["db", "kong"].includes(serviceOf(c)),
      );
      expect(others.filter((c) => c.inputs.stopSignal !== "SIGTERM").map(serviceOf)).toEqual([]);
      expect(others.filter((c) => !(c.inputs.stopTimeout >= 10)).map(serviceOf)).toEqual([]);
    });

    it("one-shot jobs stop with SIGTERM and the job grace", () => {
      const jobs = containers(plan).filter(isJob);
      expect(jobs.length).toBeGreaterThan(0);
      for (const j of jobs) {
        expect([j.name, j.inputs.stopSignal, j.inputs.stopTimeout]).toEqual([
          j.name,
          JOB_STOP.signal,
          JOB_STOP.graceSeconds,
        ]);
      }
    });
  });
}

describe("k8s: graceful stop", () => {
  const plan = planBeforeAll(K8S_CONFIG, "k8s");

  it("Kong's pods quit gracefully before SIGTERM, within their grace (kong quit: --wait plus its 10 s timeout)", () => {
    const kong = byType(plan, "kubernetes:apps/v1:Deployment").find(
      (d) => d.inputs.metadata.name === "kong",
    )!;
    const pod = kong.inputs.spec.template.spec;
    const command: string[] = pod.containers[0].lifecycle.preStop.exec.command;
    expect(command.slice(0, 2)).toEqual(["kong", "quit"]);
    const wait = Number(/^--wait=(\d+)$/.exec(command[2])?.[1]);
    expect(wait + 10).toBeLessThan(pod.terminationGracePeriodSeconds);
  });

  it("every Deployment's pods get their service's grace before SIGKILL", () => {
    const deployments = byType(plan, "kubernetes:apps/v1:Deployment");
    expect(deployments.length).toBeGreaterThan(5);
    for (const d of deployments) {
      const service = d.inputs.metadata.name as ServiceName;
      expect([service, d.inputs.spec.template.spec.terminationGracePeriodSeconds]).toEqual([
        service,
        STOP_POLICY[service].graceSeconds,
      ]);
    }
  });
});
