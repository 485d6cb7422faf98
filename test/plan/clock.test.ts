import { afterEach, describe, expect, it, vi } from "vitest";
import { Plan, evaluate } from "./mocks";

// STYLE.md habit 5: nothing reads the clock during evaluation, so a plan is the same twice in a row.
describe("local stack: the plan does not depend on the clock", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  // Only Date is faked: the mock harness settles on setImmediate, which must keep running.
  const at = async (iso: string) => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date(iso));
    const plan = await evaluate();
    vi.useRealTimers();
    return plan;
  };
  const snapshot = (plan: Plan) => ({
    resources: plan.resources.map((r) => ({
      type: r.type,
      name: r.name,
      inputs: r.inputs,
      secret: [...r.secretInputs].sort(),
    })),
    outputs: plan.outputs,
  });

  it("evaluating under two different system clocks yields identical resource inputs", async () => {
    const early = await at("2026-03-01T08:00:00Z");
    const late = await at("2031-07-15T23:59:00Z");
    expect(early.resources.length).toBeGreaterThan(20);
    expect(snapshot(late)).toEqual(snapshot(early));
    // Two whole evaluations: a ceiling for a loaded machine, not a speed goal (that is npm run bench).
  }, 180_000);
});
