import { beforeAll, describe, expect, it } from "vitest";
import { checkJobExit } from "../../components/container";
import { Plan, container, evaluate, label } from "./mocks";

describe("one-shot jobs gate what depends on them", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await evaluate({ "ownstack:supavisor": "true" });
  });

  it("Storage is created only after the bucket job exited 0", () => {
    expect(label(container(plan, "storage"), "ownstack.after.minio-createbucket")).toBe("0");
  });

  it("Supavisor is created only after the migrations job exited 0", () => {
    expect(label(container(plan, "supavisor"), "ownstack.after.migrations")).toBe("0");
  });

  it("no container is replaced on every up for the networkMode the provider reads back (pulumi-docker#1272)", () => {
    const all = plan.resources.filter((r) => r.type === "docker:index/container:Container");
    expect(all.length).toBeGreaterThan(10);
    for (const c of all) expect(c.options.ignoreChanges, c.name).toContain("networkMode");
  });

  it("a failed job stops pulumi up with its name and where to look", () => {
    expect(checkJobExit("ownstack-local-minio-createbucket", 0)).toBe("0");
    expect(() => checkJobExit("ownstack-local-minio-createbucket", 1)).toThrow(
      "one-shot job ownstack-local-minio-createbucket exited with code 1; see `docker logs ownstack-local-minio-createbucket` on the Docker host",
    );
  });
});
