import { describe, expect, it } from "vitest";
import { problemsOf } from "./problems";
import { durationSeconds } from "../../config/valueTypes";
import { parseSettings } from "../../config/settings";
import { plannedBindings } from "../../config/exposure";
import { VPS_CONFIG } from "../plan/mocks";

describe("Supabase extras config", () => {
  it("defaults: es256 with a one-day overlap, imgproxy on locally, the rest off", () => {
    const local = parseSettings({}, "local");
    expect(local.signing).toEqual({ algorithm: "es256", overlapSeconds: 86400 });
    expect([
      local.features.imgproxy,
      local.features.functions,
      local.features.supavisor,
      local.features.grafana,
    ]).toEqual([true, false, false, false]);
    expect(parseSettings(VPS_CONFIG, "vps").features.imgproxy).toBe(false);
    expect(local.migrations).toEqual({
      path: "supabase/migrations",
      seedPath: "supabase/seed.sql",
    });
  });

  it("refuses an overlap shorter than a session, naming both keys", () => {
    expect(problemsOf({ "ownstack:signingKeyOverlap": "30m" })).toEqual([
      'ownstack:signingKeyOverlap: expected at least ownstack:jwtExpiry (3600s) so sessions signed by the old key verify until they expire, got "30m"',
    ]);
    expect(
      problemsOf({ "ownstack:signingKeyOverlap": "2h", "ownstack:jwtExpiry": "7200" }),
    ).toEqual([]);
  });

  it("refuses an unknown signing mode and a Grafana without Prometheus", () => {
    expect(problemsOf({ "ownstack:authSigning": "rs256" })).toEqual([
      'ownstack:authSigning: expected one of: es256, hs256, got "rs256"',
    ]);
    expect(problemsOf({ "ownstack:grafana": "true", "ownstack:prometheus": "false" })).toEqual([
      "ownstack:grafana: Grafana reads Prometheus, expected ownstack:prometheus: true as well (or ownstack:grafana: false)",
    ]);
  });

  it("refuses a pooler port that another published port already uses", () => {
    expect(
      problemsOf({ "ownstack:supavisor": "true", "ownstack:poolerSessionPort": "8000" }),
    ).toEqual([
      "ownstack:poolerSessionPort: port 8000 is already used by ownstack:apiPort, expected a free port",
    ]);
  });

  it("plans Supavisor and Grafana on loopback locally and nowhere on vps", () => {
    const local = plannedBindings(
      parseSettings({ "ownstack:supavisor": "true", "ownstack:grafana": "true" }, "local"),
    );
    expect(
      local
        .filter((b) => ["supavisor", "grafana"].includes(b.service))
        .map((b) => `${b.service} ${b.ip}:${b.external}->${b.internal}`),
    ).toEqual([
      "supavisor 127.0.0.1:5432->5432",
      "supavisor 127.0.0.1:6543->6543",
      "grafana 127.0.0.1:3030->3000",
    ]);
    const vps = plannedBindings(
      parseSettings(
        {
          ...VPS_CONFIG,
          "ownstack:supavisor": "true",
          "ownstack:grafana": "true",
          "ownstack:prometheus": "true",
        },
        "vps",
      ),
    );
    expect(vps.map((b) => b.service)).toEqual(["traefik", "traefik"]);
  });

  it("reads durations in seconds", () => {
    expect([
      durationSeconds("90s"),
      durationSeconds("2h"),
      durationSeconds("1d"),
      durationSeconds("1w"),
    ]).toEqual([90, 7200, 86400, 604800]);
  });
});
