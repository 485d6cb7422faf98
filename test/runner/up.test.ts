import { beforeAll, describe, expect, it } from "vitest";
import { VPS_CONFIG } from "../plan/mocks";
import { RunResult, containers, customResources, label, problems, runProgram } from "./run";
import { UNKNOWN, containsUnknown, isSecret, plainStrings, reveal } from "./wire";

/**
 * `pulumi up` and `pulumi preview` of a fresh stack, through @pulumi/pulumi's own runner against the
 * engine stand-in: what registers, what the stack exports, what stays secret, what a user reads.
 */

const RUN_TIMEOUT = 240_000;
const SECRET_OUTPUTS = [
  "anonKey",
  "serviceRoleKey",
  "jwtSecret",
  "postgresPassword",
  "dashboardPassword",
];
const SMTP_PASSWORD = "smtp-password-from-the-secret-store";

const STACKS: { stack: string; config: Record<string, string>; secretKeys: string[] }[] = [
  { stack: "local", config: { "ownstack:ollamaGpu": "cpu" }, secretKeys: [] },
  {
    stack: "vps",
    config: { ...VPS_CONFIG, "ownstack:smtpPass": SMTP_PASSWORD },
    secretKeys: ["ownstack:smtpPass"],
  },
];

describe.each(STACKS)("$stack stack", ({ stack, config, secretKeys }) => {
  let up: RunResult;
  let preview: RunResult;
  beforeAll(async () => {
    // The local up type-checks the program as `pulumi up` does; the others skip it (see run.ts).
    up = await runProgram({ stack, config, secretKeys, typecheck: stack === "local" });
    preview = await runProgram({ stack, config, secretKeys, preview: true });
  }, 2 * RUN_TIMEOUT);

  it("pulumi up finishes, registers the stack's containers and exports its outputs", () => {
    expect(up.exitCode, up.transcript).toBe(0);
    expect(containers(up).length).toBeGreaterThan(10);
    expect(up.stackOutputs).toMatchObject({
      target: stack,
      dbContainer: `ownstack-${stack}-db`,
      // On vps Kong is replaced create-before-delete, so its name carries the revision suffix.
      gateway:
        stack === "vps"
          ? expect.stringMatching(/^ownstack-vps-kong-[0-9a-f]{8}$/)
          : `ownstack-${stack}-kong`,
    });
    for (const key of SECRET_OUTPUTS) expect(up.stackOutputs?.[key], key).toBeDefined();
  });

  it("creates the containers that wait for a one-shot job only after it exited 0", () => {
    const gates = containers(up).flatMap((c) =>
      ((c.inputs.labels ?? []) as { label: string; value: unknown }[]).filter((l) =>
        l.label.startsWith("ownstack.after."),
      ),
    );
    const expected =
      stack === "local"
        ? [
            "ownstack.after.backup-node",
            "ownstack.after.migrations",
            "ownstack.after.minio-createbucket",
          ]
        : ["ownstack.after.backup-node", "ownstack.after.minio-createbucket"];
    expect([...new Set(gates.map((g) => g.label))].sort()).toEqual(expected);
    for (const g of gates) expect(g.value).toBe("0");
  });

  it("exports no key without a value, and logs no warning or error on up or preview", () => {
    for (const run of [up, preview]) {
      expect(problems(run), run.transcript).toEqual([]);
      expect(run.transcript).not.toContain("Undefined value");
    }
    for (const [key, value] of Object.entries(up.stackOutputs ?? {}))
      expect(value, key).not.toBeNull();
  });

  it("keeps keys and passwords secret on the wire: outputs are secrets, and no input carries one in plain text", () => {
    const secretValues = SECRET_OUTPUTS.map((key) => {
      expect(isSecret(up.stackOutputs?.[key]), key).toBe(true);
      return String(reveal(up.stackOutputs?.[key]));
    });
    if (stack === "vps") secretValues.push(SMTP_PASSWORD);
    for (const r of up.registrations) {
      const plain = plainStrings(r.inputs).join("\n");
      for (const value of secretValues)
        expect(plain.includes(value), `${r.name} carries a secret in plain text`).toBe(false);
    }
    const plainOutputs = plainStrings(up.stackOutputs).join("\n");
    for (const value of secretValues) expect(plainOutputs.includes(value)).toBe(false);
  });

  it("a preview of a fresh stack finishes with unknown outputs and declares what up declares", () => {
    expect(preview.exitCode, preview.transcript).toBe(0);
    // Image ids come from the pull: unknown until the image exists.
    for (const c of containers(preview)) expect(c.inputs.image, c.name).toBe(UNKNOWN);
    expect(containsUnknown(preview.stackOutputs)).toBe(true);
    expect(preview.registrations.map((r) => r.urn).sort()).toEqual(
      up.registrations.map((r) => r.urn).sort(),
    );
  });

  it("applies the exposure, port and memory policy in the preview, on known values", () => {
    for (const c of containers(preview)) {
      expect(typeof c.inputs.memory, `${c.name} memory`).toBe("number");
      const ports = (c.inputs.ports ?? []) as { ip: unknown; external: unknown }[];
      for (const p of ports) {
        if (stack === "local") expect(p.ip, c.name).toBe("127.0.0.1");
        else {
          expect(label(c, "ownstack.service"), `${c.name} publishes on vps`).toBe("traefik");
          expect([80, 443]).toContain(p.external);
        }
      }
    }
    expect(customResources(preview).length).toBe(customResources(up).length);
  });
});
