import { describe, expect, it } from "vitest";
import { IMAGES } from "../../config/images";
import { CHECKED_SERVICES, UPSTREAM_ENV, unreadEnv } from "../../config/upstreamEnv";
import { EVERY_SERVICE, VPS_CONFIG, planBeforeAll } from "./mocks";
import { container, env } from "./lookups";
import { K8S_CONFIG, named, podEnv } from "../k8s/harness";
import { AUTH_OPTIONS } from "./authFixtures";

/** Every option that adds env to auth, rest or studio. */
const EVERYTHING = {
  ...EVERY_SERVICE,
  ...AUTH_OPTIONS,
  "ownstack:restSchemas": '["public", "graphql_public", "api"]',
  "ownstack:studioOpenAiKey": "sk-test",
  "ownstack:logs": "true",
};

describe("every env the plan sets on auth, rest and studio is one the pinned image reads", () => {
  const local = planBeforeAll(EVERYTHING, "local");
  const vps = planBeforeAll({ ...VPS_CONFIG, ...EVERYTHING }, "vps");
  const k8s = planBeforeAll(
    { ...K8S_CONFIG, ...AUTH_OPTIONS, "ownstack:studioOpenAiKey": "sk-test" },
    "k8s",
  );

  it.each(CHECKED_SERVICES)(
    "the table of %s was read at the tag config/images.ts pins",
    (service) => {
      expect(UPSTREAM_ENV[service].image).toBe(IMAGES[service]);
    },
  );

  it.each(CHECKED_SERVICES)("%s on local, vps and Kubernetes", (service) => {
    const sets = [
      env(container(local, service)),
      env(container(vps, service)),
      podEnv(k8s, named(k8s, "Deployment", service)),
    ];
    for (const e of sets) {
      expect(Object.keys(e).length).toBeGreaterThan(8);
      expect(unreadEnv(service, Object.keys(e))).toEqual([]);
    }
  });

  it("a typo or a name upstream removed is caught", () => {
    expect(
      unreadEnv("auth", ["GOTRUE_EXTERNAL_GOOGLE_CLIENTID", "GOTRUE_SITE_URL", "API_EXTERNAL_URL"]),
    ).toEqual(["GOTRUE_EXTERNAL_GOOGLE_CLIENTID"]);
    // Removed in PostgREST 12 (CHANGELOG: "Removed db-use-legacy-gucs").
    expect(unreadEnv("rest", ["PGRST_DB_USE_LEGACY_GUCS", "PGRST_APP_SETTINGS_JWT_EXP"])).toEqual([
      "PGRST_DB_USE_LEGACY_GUCS",
    ]);
  });
});
