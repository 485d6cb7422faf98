import { describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { failedJob } from "../../components/jobGates";
import { planBeforeAll } from "./mocks";
import { container, label } from "./lookups";

describe("one-shot jobs gate what depends on them", () => {
  const plan = planBeforeAll({ "ownstack:supavisor": "true" });

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

  // The whole path, through @pulumi/pulumi's runner, is in test/runner/failedJob.test.ts.
  it("a failed job's error names it, its exit code and where to read its log, as one line without a trace", () => {
    const urn =
      "urn:pulumi:local::ownstack::ownstack:storage:Minio$docker:index/container:Container::minio-create-bucket";
    const err = failedJob("ownstack-local-minio-createbucket", 1, urn);
    expect(pulumi.RunError.isInstance(err)).toBe(true);
    expect(err.message).toBe(
      `one-shot job ownstack-local-minio-createbucket exited with code 1; see \`docker logs ownstack-local-minio-createbucket\` on the Docker host, fix the cause and run pulumi up again (add --replace '${urn}' if the job's files and settings did not change)`,
    );
    expect(err.stack).not.toContain("\n    at ");
  });
});
