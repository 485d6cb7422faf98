import { beforeAll, describe, expect, it } from "vitest";
import { Plan, container, containers, env, evaluate, label } from "./mocks";

describe("local stack plan", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await evaluate();
  });

  it("declares the Supabase core services", () => {
    const services = containers(plan).map((c) => label(c, "ownstack.service")).sort();
    expect(services).toEqual(expect.arrayContaining(["auth", "db", "kong", "mail", "meta", "minio", "realtime", "rest", "storage", "studio"]));
  });

  it("hands GoTrue the JWT secret", () => {
    expect(env(container(plan, "auth")).GOTRUE_JWT_SECRET).toBe(plan.outputs.jwtSecret);
  });
});
