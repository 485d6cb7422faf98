import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ROTATABLE } from "../../config/schema";
import {
  ROTATION_PLAN,
  nextCounter,
  nextCounters,
  parseTarget,
  planText,
  jwtWarning,
  renderRotationTable,
  restartedBy,
} from "../../scripts/lib/rotation-plan";
import { OperatorError } from "../../scripts/lib/errors";
import { USER_SECRET_NAMES, userSecretText } from "../../config/userSecrets";
import { fileBackendDir, readStackConfig, requireDeployed } from "../../scripts/lib/project";
import { fakePulumi, runScript, snapshot, tempProject } from "../support/project";

const project = tempProject;
const rotate = (dir: string, args: string[], path = process.env.PATH ?? "") =>
  runScript("rotate", [...args, "--cwd", dir], { env: { PATH: path, HOME: dir } });

/** Runs rotate in `dir` with a stand-in pulumi first on PATH; `log` is where it records its calls. */
async function rotateWithFakePulumi(
  dir: string,
  args: readonly string[],
  opts: { failUp?: boolean } = {},
) {
  const pulumi = fakePulumi(opts);
  const run = await rotate(dir, [...args], `${pulumi.bin}:${process.env.PATH}`);
  return { ...run, log: pulumi.log };
}

/** The calls the stand-in pulumi got, one line each: the arguments, then the env it ran with. */
const pulumiCalls = (log: string) => readFileSync(log, "utf8").trim().split("\n");
/** The same calls, arguments only. */
const pulumiCommands = (log: string) => pulumiCalls(log).map((c) => c.split(" | ")[0]);

describe("rotation plan (pure)", () => {
  it("accepts every rotatable name and all", async () => {
    for (const n of ROTATABLE) expect(parseTarget(n)).toEqual([n]);
    expect(parseTarget("all")).toEqual([...ROTATABLE]);
  });

  it("refuses an unknown or missing name with the list of valid names", async () => {
    expect(() => parseTarget("jwtt")).toThrow(OperatorError);
    expect(() => parseTarget("jwtt")).toThrow(
      `unknown secret "jwtt". Valid names: ${[...ROTATABLE, "all"].join(", ")}; secrets you bring: ${USER_SECRET_NAMES.join(", ")}.`,
    );
    expect(() => parseTarget(undefined)).toThrow(/^no secret name given\. Valid names: jwt, /);
  });

  it("bumps counters as Pulumi stores them: absent is 0, strings and numbers alike", async () => {
    expect(nextCounter("jwt", undefined)).toBe(1);
    expect(nextCounter("jwt", "2")).toBe(3);
    expect(nextCounter("jwt", 7)).toBe(8);
    expect(() => nextCounter("jwt", "two")).toThrow(
      'ownstack:rotateJwt is "two"; expected a whole number >= 0',
    );
    expect(() => nextCounter("jwt", -1)).toThrow(OperatorError);
    expect([...nextCounters(["jwt", "redis"], { "ownstack:rotateRedis": "4" })]).toEqual([
      ["jwt", 1],
      ["redis", 5],
    ]);
  });

  it("names what restarts and what users notice, and warns about sessions for jwt only", async () => {
    const jwt = planText(["jwt"], "local", new Map([["jwt", 1]]), "hs256");
    expect(jwt).toContain("counter ownstack:rotateJwt -> 1");
    expect(jwt).toContain(`restarts (when enabled): ${ROTATION_PLAN.jwt.restarts.join(", ")}`);
    expect(jwt).toContain(jwtWarning("hs256"));
    expect(jwtWarning("hs256")).toMatch(
      /invalidates every user session \(HS256\): all users must sign in again/,
    );
    // With ES256 signing (the default) sessions survive a JWT secret rotation; only HS256 tokens die.
    expect(planText(["jwt"], "local", new Map([["jwt", 1]]))).toContain(jwtWarning("es256"));
    expect(jwtWarning("es256")).toMatch(/sessions are ES256-signed and stay valid/);
    expect(planText(["signingKey"], "local", new Map([["signingKey", 1]]), "hs256")).toContain(
      "signingKey changes nothing",
    );
    expect(planText(["redis"], "local", new Map([["redis", 1]]))).not.toContain("WARNING");
    expect(restartedBy(["postgres", "jwt"])).toEqual(
      [...new Set([...ROTATION_PLAN.postgres.restarts, ...ROTATION_PLAN.jwt.restarts])].sort(),
    );
  });

  it("the README table has one row per secret", async () => {
    const rows = renderRotationTable().trim().split("\n");
    expect(rows.slice(2).map((r) => r.split("|")[1].trim())).toEqual(
      ROTATABLE.map((n) => `\`${n}\``),
    );
    expect(readFileSync(join(__dirname, "../../README.md"), "utf8")).toContain(
      renderRotationTable().trim(),
    );
  });
});

describe("stack checks (read-only)", () => {
  it("an unknown stack names the stacks that exist", async () => {
    expect(() => readStackConfig(project(), "prod")).toThrow(
      'unknown stack "prod"; known stacks: local, vps (each has a Pulumi.<stack>.yaml)',
    );
    expect(() => readStackConfig(project(), "../local")).toThrow(/^unknown stack/);
  });

  it("reads the counters of the stack file", async () => {
    const dir = project({ localYaml: 'config:\n  ownstack:rotateJwt: "3"\n' });
    expect(readStackConfig(dir, "local")).toEqual({ "ownstack:rotateJwt": "3" });
  });

  it("a stack without state, or with only the stack and its providers, was never deployed", async () => {
    expect(() => requireDeployed(project(), "local", { env: {} })).toThrow(
      /^stack "local" was never deployed \(no resources in .*\); deploy it with npm run up:local$/,
    );
    expect(() => requireDeployed(project({ deployed: "empty" }), "local", { env: {} })).toThrow(
      /never deployed/,
    );
    expect(requireDeployed(project({ deployed: true }), "local", { env: {} })).toBeUndefined();
  });

  it("finds gzipped and pre-3.61 flat checkpoints, and PULUMI_BACKEND_URL wins over Pulumi.yaml", async () => {
    const dir = project();
    const stacks = join(dir, "elsewhere", ".pulumi", "stacks");
    mkdirSync(stacks, { recursive: true });
    writeFileSync(
      join(stacks, "vps.json.gz"),
      gzipSync(
        JSON.stringify({
          checkpoint: { latest: { resources: [{ type: "docker:index/volume:Volume" }] } },
        }),
      ),
    );
    const env = { PULUMI_BACKEND_URL: "file://./elsewhere" };
    expect(fileBackendDir(dir, env)).toBe(join(dir, "elsewhere"));
    expect(requireDeployed(dir, "vps", { env })).toBeUndefined();
    expect(requireDeployed(dir, "vps", { env: { PULUMI_BACKEND_URL: "s3://bucket" } })).toMatch(
      /not in a local folder/,
    );
  });
});

describe("npm run rotate: bad input changes nothing", () => {
  it.each([
    [
      "an unknown secret",
      ["redsi", "-s", "local", "--yes"],
      { deployed: true },
      'rotate: unknown secret "redsi". Valid names: jwt, postgres',
    ],
    [
      "a stack that does not exist",
      ["jwt", "-s", "prod", "--yes"],
      { deployed: true },
      'rotate: unknown stack "prod"; known stacks: local, vps (each has a Pulumi.<stack>.yaml)',
    ],
    [
      "a stack never deployed",
      ["jwt", "-s", "local", "--yes"],
      {},
      'rotate: stack "local" was never deployed',
    ],
    [
      "no terminal and no --yes",
      ["jwt", "-s", "local"],
      { deployed: true },
      "rotate: no terminal to confirm on; add --yes",
    ],
  ] as const)(
    "%s: a clear message, exit 2, no file and no Pulumi call changed",
    async (_what, args, opts, message) => {
      const dir = project(opts);
      const before = snapshot(dir);
      const r = await rotateWithFakePulumi(dir, args);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain("Nothing changed.");
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(r.log)).toBe(false);
      expect(snapshot(dir)).toEqual(before);
    },
  );
});

describe("npm run rotate: the CLI path", () => {
  it("a secret the user brings: prints how to change it and what restarts, and changes nothing", async () => {
    const dir = project({ deployed: true });
    const before = snapshot(dir);
    const r = await rotateWithFakePulumi(dir, ["authProviders", "-s", "vps"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(userSecretText("authProviders", "vps"));
    expect(r.stdout).toContain(
      "pulumi config set -s vps --secret --path 'authProviders.<provider>.secret' '<client secret>'",
    );
    expect(existsSync(r.log)).toBe(false);
    expect(snapshot(dir)).toEqual(before);
  });

  it("jwt: bumps the counter through pulumi config set, runs up, prints the new public keys and the session warning", async () => {
    const dir = project({ deployed: true, localYaml: 'config:\n  ownstack:rotateJwt: "2"\n' });
    const r = await rotateWithFakePulumi(dir, ["jwt", "-s", "local", "--yes"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const tail = ` | passphrase_file=${join(dir, ".pulumi-passphrase")} | cwd=${dir}`;
    expect(pulumiCalls(r.log)).toEqual([
      `config set --non-interactive -s local ownstack:rotateJwt 3${tail}`,
      `up -s local --yes${tail}`,
      `stack output -s local anonKey --show-secrets${tail}`,
      `stack output -s local publishableKey --show-secrets${tail}`,
    ]);
    expect(r.stdout).toContain("restarts (when enabled): auth, functions, kong");
    expect(r.stdout).toContain("New anon key: value-of-anonKey");
    expect(r.stdout).toContain("New sb_publishable key: value-of-publishableKey");
    // Server keys are secrets: shown as a command unless --show-secrets.
    expect(r.stdout).toContain(
      "New service_role key: pulumi stack output -s local --show-secrets serviceRoleKey",
    );
    expect(r.stdout).toContain(
      "New sb_secret key: pulumi stack output -s local --show-secrets secretKey",
    );
    expect(r.stdout).toContain(jwtWarning("es256"));
  });

  it("jwt on an hs256 stack with --show-secrets: prints both legacy keys and warns that every session ends", async () => {
    const dir = project({ deployed: true, localYaml: "config:\n  ownstack:authSigning: hs256\n" });
    const r = await rotateWithFakePulumi(dir, ["jwt", "-s", "local", "--yes", "--show-secrets"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      "New anon key: value-of-anonKey\nNew service_role key: value-of-serviceRoleKey\n",
    );
    expect(r.stdout).not.toContain("New sb_publishable");
    expect(r.stdout).toContain(jwtWarning("hs256"));
  });

  it("all: bumps every counter, then one pulumi up", async () => {
    const dir = project({ deployed: true });
    const r = await rotateWithFakePulumi(dir, ["all", "-s", "local", "--yes"]);
    expect(r.status).toBe(0);
    const calls = pulumiCommands(r.log);
    expect(calls.filter((c) => c.startsWith("config set"))).toHaveLength(ROTATABLE.length);
    expect(calls.filter((c) => c.startsWith("up "))).toEqual(["up -s local --yes"]);
  });

  it("a failed pulumi up exits 1 and says a retry is safe", async () => {
    const dir = project({ deployed: true });
    const r = await rotateWithFakePulumi(dir, ["postgres", "-s", "local", "--yes"], {
      failUp: true,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("pulumi up did not finish");
    expect(r.stderr).toContain("run: pulumi up -s local  (safe to repeat)");
    expect(r.stderr).toContain("every role keeps the old password");
  });

  it("--no-up only bumps the counter", async () => {
    const dir = project({ deployed: true });
    const r = await rotateWithFakePulumi(dir, ["redis", "-s", "local", "--yes", "--no-up"]);
    expect(r.status).toBe(0);
    expect(pulumiCommands(r.log)).toEqual([
      "config set --non-interactive -s local ownstack:rotateRedis 1",
    ]);
    expect(r.stdout).toContain("Apply with: pulumi up -s local");
  });
});
