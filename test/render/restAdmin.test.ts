import { describe, expect, it } from "vitest";
import { IMAGES } from "../../config/images";
import { postgrestMajor, restAdminHost } from "../../components/rest";

describe("PostgREST's admin server", () => {
  it("the pinned PostgREST has no /config endpoint (dropped in 13.0.0), so Prometheus may reach the admin server", () => {
    expect(postgrestMajor(IMAGES.rest)).toBeGreaterThanOrEqual(13);
    expect(restAdminHost(IMAGES.rest, true)).toBe("0.0.0.0");
  });

  it("stays on loopback without Prometheus", () => {
    expect(restAdminHost(IMAGES.rest, false)).toBe("localhost");
  });

  it.each([
    "postgrest/postgrest:v12.2.3",
    "postgrest/postgrest:v11.2.2",
    "postgrest/postgrest@sha256:0123abcd",
    "registry:5000/postgrest",
  ])(
    "an override that may still serve /config (the JWT secret, the DB password) keeps it on loopback: %s",
    (image) => {
      expect(restAdminHost(image, true)).toBe("localhost");
    },
  );

  it.each([
    ["postgrest/postgrest:v14.17", 14],
    ["postgrest/postgrest:v13.0.0@sha256:0123abcd", 13],
    ["registry:5000/postgrest/postgrest:v12.2.12", 12],
  ])("reads the major version of %s", (image, major) => {
    expect(postgrestMajor(image)).toBe(major);
  });
});
