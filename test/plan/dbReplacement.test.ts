import { describe, expect, it } from "vitest";
import {
  IN_PLACE_INPUTS,
  NEVER_APPLIED_INPUTS,
  REPLACED_ON_CHANGE,
  REPLACING_INPUTS,
  replacingInputsOf,
} from "../../config/containerInputs";
import { STOP_POLICY } from "../../config/stopPolicy";
import { renderSummary } from "../../scripts/lib/preview-digest";
import { EVERY_SERVICE, VPS_CONFIG, planBeforeAll } from "./mocks";
import { container, containers } from "./lookups";

/**
 * A replacement of the db container never happens silently: the inputs whose change replaces it
 * are named here, and the preview summary names the one that changed and how Postgres is stopped.
 */

const CLASSIFIED = new Set<string>([
  ...REPLACING_INPUTS,
  ...REPLACED_ON_CHANGE,
  ...IN_PLACE_INPUTS,
  ...NEVER_APPLIED_INPUTS,
]);

for (const [stack, config] of [
  ["local", EVERY_SERVICE],
  ["vps", { ...VPS_CONFIG, ...EVERY_SERVICE }],
] as const) {
  describe(`${stack}: what replaces the db container`, () => {
    const plan = planBeforeAll(config, stack);

    it("every input any container sets is known to replace it or to be updated in place", () => {
      const unknown = containers(plan).flatMap((c) =>
        Object.keys(c.inputs)
          .filter((k) => c.inputs[k] !== undefined && !CLASSIFIED.has(k))
          .map((k) => `${c.name}.${k}`),
      );
      expect(unknown).toEqual([]);
    });

    it("a change of any of these db inputs replaces the running Postgres", () => {
      expect(replacingInputsOf(container(plan, "db").inputs)).toEqual([
        "command",
        "entrypoints",
        "envs",
        "healthcheck",
        "image",
        "labels",
        "logDriver",
        "logOpts",
        "name",
        "networksAdvanced",
        "ports",
        "stopSignal",
        "stopTimeout",
        "uploads",
        "volumes",
      ]);
    });

    it("no db input that is updated in place restarts it: memory is a `docker update`", () => {
      const db = container(plan, "db");
      const inPlace = Object.keys(db.inputs).filter((k) =>
        (IN_PLACE_INPUTS as readonly string[]).includes(k),
      );
      expect(inPlace).toEqual(expect.arrayContaining(["memory", "memorySwap", "restart"]));
      expect(replacingInputsOf(db.inputs)).not.toContain("memory");
    });

    it("the preview summary says the db will be replaced, why, and that Postgres gets SIGINT with its grace", () => {
      const db = container(plan, "db");
      const urn = `urn:pulumi:${stack}::ownstack::ownstack:supabase:Database$docker:index/container:Container::${db.name}`;
      const state = (image: string) => ({
        type: "docker:index/container:Container",
        inputs: { ...db.inputs, image },
      });
      const text = renderSummary({
        steps: [
          {
            op: "replace",
            urn,
            oldState: state("sha256:old"),
            newState: state("sha256:new"),
            replaceReasons: ["image"],
          },
        ],
      });
      expect(text).toContain(
        `> **⚠️ db will be replaced because \`image\` changed; the running Postgres gets SIGINT with ${STOP_POLICY.db.graceSeconds} s grace.**`,
      );
    });
  });
}
