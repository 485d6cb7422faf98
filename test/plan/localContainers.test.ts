import { describe, expect, it } from "vitest";
import { dataVolume } from "../../components/container";
import { exposureViolations, plannedBindings } from "../../config/exposure";
import { IMAGES } from "../../config/images";
import { JOB_MEMORY_MIB } from "../../config/memory";
import { ServiceName } from "../../config/serviceNames";
import { parseSettings } from "../../config/settings";
import { LOCAL_CORE, Plan, PlannedResource, evaluate, evaluateWith, planBeforeAll } from "./mocks";
import {
  byType,
  container,
  containers,
  env,
  isJob,
  label,
  publishedBindings,
  serviceOf,
  waitsFor,
} from "./lookups";

const settings = parseSettings({}, "local");

const services = (plan: Plan) => containers(plan).filter((c) => !isJob(c));
const VOLUME = "docker:index/volume:Volume";

// The default local stack, evaluated once; tests that vary a setting evaluate their own.
const plan = planBeforeAll();

describe("local stack: every container follows the one container policy", () => {
  it("every long-running container has a healthcheck that works without a host shell", () => {
    for (const c of services(plan)) {
      const tests: string[] = c.inputs.healthcheck?.tests ?? [];
      expect(["CMD", "CMD-SHELL"], c.name).toContain(tests[0]);
      expect(tests.length, c.name).toBeGreaterThanOrEqual(2);
    }
  });

  it("every long-running container restarts unless stopped", () => {
    for (const c of services(plan)) expect(c.inputs.restart, c.name).toBe("unless-stopped");
  });

  it("every container has the memory limit its settings give it", () => {
    for (const c of containers(plan)) {
      const expected = isJob(c) ? JOB_MEMORY_MIB : settings.memoryMiB[serviceOf(c) as ServiceName];
      expect(c.inputs.memory, c.name).toBe(expected);
      expect(c.inputs.memory, c.name).toBeGreaterThan(0);
    }
  });

  it("every Supabase core service runs on local", () => {
    // Its memory goal (2 GiB for the core) is printed by `npm run bench`, not asserted in a test.
    expect(
      services(plan)
        .map(serviceOf)
        .filter((s) => LOCAL_CORE.includes(s as ServiceName))
        .sort(),
    ).toEqual([...LOCAL_CORE].sort());
  });

  it("one-shot jobs run to completion, are never restarted and publish nothing", () => {
    const jobs = containers(plan).filter(isJob);
    expect(jobs.map(serviceOf)).toContain("minio-createbucket");
    for (const j of jobs)
      expect(j.inputs, j.name).toMatchObject({ attach: true, mustRun: false, restart: "no" });
    for (const j of jobs) expect(j.inputs.ports ?? [], j.name).toEqual([]);
  });

  it("containers with fixed names and ports are replaced delete-first", () => {
    for (const c of containers(plan)) expect(c.options.deleteBeforeReplace, c.name).toBe(true);
  });

  it("every image is pinned to a tag from the image table and kept on destroy", () => {
    const images = byType(plan, "docker:index/remoteImage:RemoteImage");
    expect(images.length).toBeGreaterThanOrEqual(LOCAL_CORE.length);
    for (const i of images) {
      expect(Object.values(IMAGES), i.name).toContain(i.inputs.name);
      expect(i.inputs.name, i.name).not.toMatch(/:latest$/);
      expect(i.inputs.keepLocally, i.name).toBe(true);
    }
  });

  it("every container carries the stack label", () => {
    for (const c of containers(plan)) expect(label(c, "ownstack.stack"), c.name).toBe("local");
  });
});

describe("local stack: nothing is reachable from the host network", () => {
  it("no host port is bound to anything but 127.0.0.1", () => {
    const bindings = publishedBindings(plan);
    expect(bindings.length).toBeGreaterThan(0);
    for (const b of bindings) expect(b.ip, `${b.service}:${b.external}`).toBe("127.0.0.1");
  });

  it("Postgres is never published", () => {
    expect(container(plan, "db").inputs.ports ?? []).toEqual([]);
  });

  it("of the Supabase core only Kong and Mailpit publish a port", () => {
    const core = publishedBindings(plan).filter((b) =>
      (LOCAL_CORE as readonly string[]).includes(b.service),
    );
    expect(core.map((b) => `${b.service} ${b.ip}:${b.external}->${b.internal}`).sort()).toEqual([
      `kong 127.0.0.1:${settings.ports.api}->8000`,
      `mail 127.0.0.1:${settings.ports.mailpit}->8025`,
    ]);
  });

  it("every published port is one the exposure policy plans, and the policy finds no violation", () => {
    const planned = plannedBindings(settings).map(({ service, internal, external, ip }) => ({
      service,
      internal,
      external,
      ip,
    }));
    for (const b of publishedBindings(plan))
      expect(planned).toContainEqual({
        service: b.service,
        internal: b.internal,
        external: b.external,
        ip: b.ip,
      });
    expect(exposureViolations("local", publishedBindings(plan))).toEqual([]);
  });

  it("apiPort moves Kong's published port and every public URL with it", async () => {
    const moved = await evaluate({ "ownstack:apiPort": "8100" });
    expect(container(moved, "kong").inputs.ports).toEqual([
      { internal: 8000, external: 8100, ip: "127.0.0.1", protocol: "tcp" },
    ]);
    expect(env(container(moved, "auth")).API_EXTERNAL_URL).toBe("http://localhost:8100/auth/v1");
    expect(env(container(moved, "studio")).SUPABASE_PUBLIC_URL).toBe("http://localhost:8100");
    expect(moved.outputs.apiUrl).toBe("http://localhost:8100");
  });
});

describe("local stack: containers start in upstream's order, on healthy upstreams", () => {
  it.each([
    ["auth", ["db", "mail"]],
    ["rest", ["db"]],
    ["realtime", ["db"]],
    ["meta", ["db"]],
    ["storage", ["db", "minio", "minio-createbucket", "rest"]],
    ["studio", ["meta"]],
    ["kong", ["auth", "realtime", "rest", "storage", "studio"]],
    ["minio-createbucket", ["minio"]],
  ])("%s waits for %j", (service, upstream) => {
    const c = containers(plan).find((r) => serviceOf(r) === service) as PlannedResource;
    expect(waitsFor(plan, c)).toEqual(expect.arrayContaining(upstream));
  });

  it("the database waits for no other container", () => {
    expect(waitsFor(plan, container(plan, "db"))).toEqual([]);
  });

  it("a container counts as started only once healthy (or, for a job, exited)", () => {
    for (const c of services(plan)) {
      expect(c.inputs.wait, c.name).toBe(true);
      expect(c.inputs.waitTimeout, c.name).toBeGreaterThanOrEqual(60);
    }
    expect(container(plan, "db").inputs.waitTimeout).toBeGreaterThanOrEqual(180);
  });
});

describe("local stack: data lives on volumes that survive destroy", () => {
  const volume = (p: Plan, name: string) =>
    byType(p, VOLUME).find((v) => v.inputs.name === `ownstack-local-${name}`);
  const mounts = (c: PlannedResource) =>
    (c.inputs.volumes ?? []).map(
      (v: { volumeName: string; containerPath: string }) => `${v.volumeName}:${v.containerPath}`,
    );

  it.each(["db-data", "db-config", "minio-data", "studio-snippets", "functions"])(
    "the %s volume is protected and retained on delete",
    (name) => {
      expect(volume(plan, name)?.options).toMatchObject({ protect: true, retainOnDelete: true });
    },
  );

  it("Postgres keeps its data and its pgsodium key on those volumes", () => {
    expect(mounts(container(plan, "db"))).toEqual(
      expect.arrayContaining([
        "ownstack-local-db-data:/var/lib/postgresql/data",
        "ownstack-local-db-config:/etc/postgresql-custom",
      ]),
    );
    expect(mounts(container(plan, "minio"))).toEqual(["ownstack-local-minio-data:/data"]);
  });

  it("Studio saves SQL snippets and Edge Functions on volumes of their own, at upstream's folders", () => {
    const studio = container(plan, "studio");
    expect(env(studio)).toMatchObject({
      SNIPPETS_MANAGEMENT_FOLDER: "/app/snippets",
      EDGE_FUNCTIONS_MANAGEMENT_FOLDER: "/app/edge-functions",
    });
    expect(mounts(studio).sort()).toEqual([
      "ownstack-local-functions:/app/edge-functions",
      "ownstack-local-studio-snippets:/app/snippets",
    ]);
    expect(studio.inputs.volumes.every((v: { readOnly?: boolean }) => !v.readOnly)).toBe(true);
  });

  it("every data volume the stack declares is protected", () => {
    const data = byType(plan, VOLUME).filter((v) =>
      (v.inputs.labels ?? []).some((l: { label: string }) => l.label === "ownstack.data"),
    );
    expect(data.length).toBeGreaterThanOrEqual(3);
    for (const v of data)
      expect(v.options, v.name).toMatchObject({ protect: true, retainOnDelete: true });
  });

  it("storageBackend file drops MinIO and keeps objects on a protected volume", async () => {
    const file = await evaluate({ "ownstack:storageBackend": "file" });
    expect(containers(file).some((c) => serviceOf(c) === "minio")).toBe(false);
    expect(volume(file, "storage-data")?.options).toMatchObject({
      protect: true,
      retainOnDelete: true,
    });
    expect(mounts(container(file, "storage"))).toEqual([
      "ownstack-local-storage-data:/var/lib/storage",
    ]);
    expect(env(container(file, "storage"))).toMatchObject({
      STORAGE_BACKEND: "file",
      FILE_STORAGE_BACKEND_PATH: "/var/lib/storage",
    });
  });

  it("dataVolume itself asks the engine to protect and retain any volume it declares", async () => {
    const unit = await evaluateWith(async () => {
      dataVolume(settings, "probe", {});
      return {};
    });
    expect(unit.resources).toHaveLength(1);
    expect(unit.resources[0]).toMatchObject({
      type: VOLUME,
      inputs: { name: "ownstack-local-probe" },
      options: { protect: true, retainOnDelete: true },
    });
  });
});
