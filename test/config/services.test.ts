import { describe, expect, it } from "vitest";
import {
  ADDRESSES,
  SERVICES,
  ServiceAddress,
  localPortsOf,
  reachableAddress,
  reachableUrl,
} from "../../config/services";
import { parseSettings } from "../../config/settings";
import { vpsSettings } from "../support/stacks";

/** The entries that occur more than once, so that a failure names them. */
const repeated = (items: readonly string[]) => items.filter((item, i) => items.indexOf(item) !== i);

describe("the service address table", () => {
  it("gives every service a network name no other service has (Docker DNS would answer with both)", () => {
    expect(repeated(SERVICES.flatMap((s) => ADDRESSES[s].aliases))).toEqual([]);
  });

  it("names a real setting for every local host port: ownstack:<configKey> moves exactly that port", () => {
    for (const service of SERVICES)
      for (const port of localPortsOf(service)) {
        const settings = parseSettings({ [`ownstack:${port.configKey}`]: "40123" }, "local");
        expect(settings.ports[port.setting], `${service} ${port.configKey}`).toBe(40123);
      }
  });

  it("puts every vps subdomain on one service only", () => {
    const subdomains = SERVICES.flatMap((s) => (ADDRESSES[s] as ServiceAddress).subdomains ?? []);
    expect(repeated(subdomains)).toEqual([]);
  });
});

describe("where the operator reaches a service", () => {
  const local = parseSettings(
    { "ownstack:qdrantPort": "16333", "ownstack:grafanaPort": "13030" },
    "local",
  );
  const vps = vpsSettings();

  it("is its configured host port on loopback on local", () => {
    expect(reachableUrl(local, "qdrant")).toBe("http://127.0.0.1:16333");
    expect(reachableUrl(local, "grafana")).toBe("http://127.0.0.1:13030");
  });

  it("is https://<subdomain>.<domain> on vps for a service Traefik routes", () => {
    expect(reachableUrl(vps, "grafana")).toBe("https://grafana.example.com");
    expect(reachableUrl(vps, "mail")).toBe("https://mail.example.com");
  });

  it("is the private network on vps for a service with no public host", () => {
    expect(reachableUrl(vps, "ollama")).toBe("http://ollama:11434");
    expect(reachableAddress(vps, "redis")).toBe("redis:6379");
  });
});
