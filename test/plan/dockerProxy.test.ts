import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { DOCKER_PROXY_CFG_PATH, renderDockerProxyCfg } from "../../components/render/dockerProxy";
import { VECTOR_CONFIG_PATH } from "../../components/render/vector";
import { EVERY_SERVICE, VPS_CONFIG, evaluate, planBeforeAll } from "./mocks";
import { container, containers, hasContainer, serviceOf, waitsFor } from "./lookups";

/** Issue #22: only the read-only Docker API proxy holds the Docker socket; its readers go through it. */

const EVERY_OPTION = { ...EVERY_SERVICE, "ownstack:ollamaModels": '["llama3.2:1b"]' };

type Volume = { hostPath?: string; containerPath: string; readOnly?: boolean };
const volumes = (c: { inputs: { volumes?: Volume[] } }): Volume[] => c.inputs.volumes ?? [];

/** Containers that bind a host path that is, or looks like, a Docker/Podman API socket. */
const socketHolders = (plan: Parameters<typeof containers>[0]) =>
  containers(plan)
    .filter((c) => volumes(c).some((v) => /(docker|podman)\.sock$/.test(v.hostPath ?? "")))
    .map(serviceOf);

const vectorYml = (plan: Parameters<typeof containers>[0]) =>
  parse(
    container(plan, "vector").inputs.uploads.find(
      (u: { file: string }) => u.file === VECTOR_CONFIG_PATH,
    ).content,
  );

describe.each([
  ["local, defaults", {}, "local", ["vector"]],
  ["local, every option", EVERY_OPTION, "local", ["vector"]],
  ["vps, defaults", VPS_CONFIG, "vps", ["traefik"]],
  ["vps, every option", { ...VPS_CONFIG, ...EVERY_OPTION }, "vps", ["traefik", "vector"]],
])("the Docker socket on the %s plan", (_name, config, stack, readers) => {
  const plan = planBeforeAll(config, stack);

  it("is mounted by the proxy only, read-only, from the daemon's socket", () => {
    expect(socketHolders(plan)).toEqual(["dockerProxy"]);
    expect(volumes(container(plan, "dockerProxy"))).toEqual([
      { hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock", readOnly: true },
    ]);
  });

  it("is read by Vector and Traefik through the proxy, which they wait for", () => {
    for (const reader of readers)
      expect(waitsFor(plan, container(plan, reader))).toContain("dockerProxy");
    if (readers.includes("vector"))
      expect(vectorYml(plan).sources.docker_host.docker_host).toBe("tcp://docker-proxy:2375");
    if (readers.includes("traefik"))
      expect(container(plan, "traefik").inputs.command).toContain(
        "--providers.docker.endpoint=tcp://docker-proxy:2375",
      );
  });

  it("sits behind a proxy that publishes nothing and runs without capabilities", () => {
    const proxy = container(plan, "dockerProxy");
    expect(proxy.inputs.ports ?? []).toEqual([]);
    expect(proxy.inputs.capabilities).toEqual({ drops: ["ALL"] });
    expect(proxy.inputs.securityOpts).toContain("no-new-privileges:true");
    expect(proxy.inputs.memory).toBe(48);
    expect(proxy.inputs.stopSignal).toBe("SIGTERM");
    expect(proxy.inputs.healthcheck.tests).toEqual([
      "CMD",
      "wget",
      "-q",
      "-O",
      "/dev/null",
      "http://127.0.0.1:2375/_ping",
    ]);
    expect(proxy.inputs.uploads).toEqual([
      {
        file: DOCKER_PROXY_CFG_PATH,
        content: renderDockerProxyCfg({ bind: ":2375", socket: "/var/run/docker.sock" }),
        permissions: "0644",
      },
    ]);
  });
});

describe("the Docker API proxy", () => {
  it("is not declared when nothing reads the Docker API (local without logs)", async () => {
    const plan = await evaluate({ "ownstack:logs": "false" }, "local");
    expect(hasContainer(plan, "dockerProxy")).toBe(false);
    expect(socketHolders(plan)).toEqual([]);
  });

  it("mounts Podman's socket where ownstack:dockerSocket points, still at Docker's path inside", async () => {
    const plan = await evaluate({ "ownstack:dockerSocket": "/run/podman/podman.sock" }, "local");
    expect(volumes(container(plan, "dockerProxy"))).toEqual([
      {
        hostPath: "/run/podman/podman.sock",
        containerPath: "/var/run/docker.sock",
        readOnly: true,
      },
    ]);
    expect(socketHolders(plan)).toEqual(["dockerProxy"]);
  });
});
