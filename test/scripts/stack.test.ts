import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseSettings } from "../../config/settings";
import {
  loadStackSettings,
  rawConfigFromFiles,
  requireKnownStack,
  upCommand,
} from "../../scripts/lib/project";
import { Exec, ExecResult, parseStackOutputs, readStackOutputs } from "../../scripts/lib/pulumi";

const ROOT = resolve(__dirname, "../..");

/** A project folder with the real Pulumi.yaml and the given stack files. */
function project(stacks: Record<string, string>, deployed: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), "ownstack-stack-"));
  copyFileSync(join(ROOT, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
  for (const [name, text] of Object.entries(stacks))
    writeFileSync(join(dir, `Pulumi.${name}.yaml`), text);
  const stacksDir = join(dir, ".pulumi-state", ".pulumi", "stacks", "ownstack");
  mkdirSync(stacksDir, { recursive: true });
  for (const name of deployed)
    writeFileSync(
      join(stacksDir, `${name}.json`),
      JSON.stringify({
        checkpoint: {
          latest: {
            resources: [
              { type: "pulumi:pulumi:Stack" },
              { type: "docker:index/container:Container" },
            ],
          },
        },
      }),
    );
  return dir;
}

const OUTPUTS = {
  target: "local",
  apiUrl: "http://localhost:8000",
  studioUrl: "http://localhost:8000",
  anonKey: "anon.jwt",
  serviceRoleKey: "service.jwt",
  dbContainer: "ownstack-local-db",
};

/** Stands in for the Pulumi CLI: `pulumi version` and `pulumi stack output` answers, and the calls made. */
function fakePulumi(
  output: Partial<ExecResult> | "missing",
  calls: { args: readonly string[]; cwd?: string; env?: NodeJS.ProcessEnv }[] = [],
): Exec {
  return (cmd, args, opts = {}) => {
    calls.push({ args, cwd: opts.cwd, env: opts.env });
    if (output === "missing")
      return {
        status: null,
        stdout: "",
        stderr: "",
        error: Object.assign(new Error("spawn pulumi ENOENT"), { code: "ENOENT" }),
      };
    if (args[0] === "version") return { status: 0, stdout: "v3.200.0\n", stderr: "" };
    return { status: 0, stdout: "", stderr: "", ...output };
  };
}

describe("which stacks exist", () => {
  it("refuses an unknown stack in one line that names the known ones", () => {
    const dir = project({ local: "config: {}\n", vps: "config: {}\n" });
    expect(() => requireKnownStack(dir, "local")).not.toThrow();
    expect(() => requireKnownStack(dir, "prod")).toThrow(
      /^unknown stack "prod"; known stacks: local, vps \(each has a Pulumi\.<stack>\.yaml\)$/,
    );
    expect(() => requireKnownStack(dir, "../etc/passwd")).toThrow(/^unknown stack/);
  });
});

describe("the command that deploys a stack", () => {
  it("is the stack's own npm script where package.json has one, else the generic one (e.g. a new k8s stack)", () => {
    expect(upCommand("local")).toBe("npm run up:local");
    expect(upCommand("vps")).toBe("npm run up:vps");
    expect(upCommand("k8s")).toBe("npm run up -- -s k8s");
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    expect(scripts.up).toBe("tsx scripts/up.ts");
  });
});

describe("reading stack outputs through the Pulumi CLI", () => {
  it("says a stack was never deployed before asking the CLI", () => {
    const dir = project({ local: "config: {}\n" });
    const calls: { args: readonly string[] }[] = [];
    expect(() =>
      readStackOutputs("local", { projectDir: dir, run: fakePulumi({}, calls), env: {} }),
    ).toThrow(
      /^stack "local" was never deployed \(no resources in .*\.pulumi-state\); deploy it with npm run up:local$/,
    );
    expect(calls).toEqual([]);
  });

  it("gives the install hint when the CLI is missing", () => {
    const dir = project({ local: "config: {}\n" }, ["local"]);
    expect(() =>
      readStackOutputs("local", { projectDir: dir, run: fakePulumi("missing"), env: {} }),
    ).toThrow(/^Pulumi CLI not found\. Install it \(https:\/\/www\.pulumi\.com/);
  });

  it("needs the passphrase file of a deployed stack", () => {
    const dir = project({ local: "config: {}\n" }, ["local"]);
    expect(() =>
      readStackOutputs("local", { projectDir: dir, run: fakePulumi({}), env: {} }),
    ).toThrow(/\.pulumi-passphrase not found: it decrypts the stack's secrets/);
  });

  it("runs `pulumi stack output --json --show-secrets` in the project with the passphrase file, and checks what it printed", () => {
    const dir = project({ local: "config: {}\n" }, ["local"]);
    writeFileSync(join(dir, ".pulumi-passphrase"), "pw\n", { mode: 0o600 });
    const calls: { args: readonly string[]; cwd?: string; env?: NodeJS.ProcessEnv }[] = [];
    const outputs = readStackOutputs("local", {
      projectDir: dir,
      run: fakePulumi(
        { stdout: JSON.stringify({ ...OUTPUTS, qdrantUrl: "http://127.0.0.1:6333", extra: 1 }) },
        calls,
      ),
      env: {},
    });
    expect(outputs).toMatchObject({
      apiUrl: "http://localhost:8000",
      qdrantUrl: "http://127.0.0.1:6333",
    });
    const call = calls.find((c) => c.args[0] === "stack")!;
    expect(call.args).toEqual([
      "stack",
      "output",
      "--json",
      "--show-secrets",
      "--non-interactive",
      "-s",
      "local",
    ]);
    expect(call.cwd).toBe(dir);
    expect(call.env?.PULUMI_CONFIG_PASSPHRASE_FILE).toBe(join(dir, ".pulumi-passphrase"));
  });

  it("turns the CLI's passphrase error into one line", () => {
    const dir = project({ local: "config: {}\n" }, ["local"]);
    writeFileSync(join(dir, ".pulumi-passphrase"), "wrong\n");
    const run = fakePulumi({
      status: 255,
      stderr: "error: getting secrets manager: incorrect passphrase\n  at something\n",
    });
    expect(() => readStackOutputs("local", { projectDir: dir, run, env: {} })).toThrow(
      /^cannot decrypt the secrets of stack "local" \(getting secrets manager: incorrect passphrase\)/,
    );
  });

  it("treats empty outputs as never deployed and names missing outputs", () => {
    expect(() => parseStackOutputs("vps", "{}")).toThrow(
      /^stack "vps" has no outputs: it was never deployed; deploy it with npm run up:vps$/,
    );
    expect(() =>
      parseStackOutputs("local", JSON.stringify({ target: "local", apiUrl: "x" })),
    ).toThrow(
      /^stack "local" lacks the outputs anonKey, serviceRoleKey, studioUrl; update it with npm run up:local$/,
    );
  });

  it("reads a kubernetes stack's outputs, which name no container", () => {
    const k8s = {
      target: "kubernetes",
      apiUrl: "https://api.example.com",
      studioUrl: "https://studio.example.com",
      anonKey: "anon.jwt",
      serviceRoleKey: "service.jwt",
      namespace: "ownstack",
    };
    const outputs = parseStackOutputs("k8s", JSON.stringify(k8s));
    expect(outputs).toMatchObject({ target: "kubernetes", apiUrl: "https://api.example.com" });
    expect(outputs.dbContainer).toBeUndefined();
    expect(() => parseStackOutputs("k8s", "{}")).toThrow(/deploy it with npm run up -- -s k8s$/);
  });
});

describe("settings from the stack files, without the CLI", () => {
  it("merges Pulumi.yaml's typed defaults with the stack's values, as the CLI hands them to the program", () => {
    const raw = rawConfigFromFiles(
      {
        "ownstack:apiPort": 8100,
        qdrant: false,
        "ownstack:ollamaModels": ["llama3.2:1b"],
        "ownstack:smtpPass": { secure: "v1:abc" },
        "docker:host": "ssh://x@y",
      },
      {
        apiPort: { type: "integer", default: 8000 },
        mailpit: { type: "string", default: "auto" },
        memoryLimits: { type: "array", default: [] },
      },
    );
    expect(raw).toEqual({
      "ownstack:apiPort": "8100",
      "ownstack:mailpit": "auto",
      "ownstack:memoryLimits": "[]",
      "ownstack:qdrant": "false",
      "ownstack:ollamaModels": '["llama3.2:1b"]',
      // Encrypted, it passes as its ciphertext: settings only check that a secret is set.
      "ownstack:smtpPass": "v1:abc",
      "docker:host": "ssh://x@y",
    });
  });

  it("a vps stack with an encrypted smtpPass and an SMTP user passes doctor's settings check", () => {
    const dir = project({
      vps: [
        "config:",
        "  ownstack:target: vps",
        "  ownstack:domain: example.com",
        "  ownstack:acmeEmail: ops@example.com",
        "  ownstack:smtpHost: smtp.example.com",
        "  ownstack:smtpUser: postmaster@example.com",
        "  ownstack:smtpAdminEmail: no-reply@example.com",
        "  ownstack:ollamaGpu: cpu",
        "  ownstack:logs: false",
        "  ownstack:smtpPass:",
        "    secure: v1:c2FsdA==",
        "",
      ].join("\n"),
    });
    expect(loadStackSettings(dir, "vps").smtp.user).toBe("postmaster@example.com");
  });

  it("gives doctor the same Settings the program gets", () => {
    const dir = project({ local: "config:\n  ownstack:apiPort: 8100\n  ownstack:ollama: false\n" });
    const fromFiles = loadStackSettings(dir, "local");
    expect(fromFiles).toEqual(
      parseSettings({ "ownstack:apiPort": "8100", "ownstack:ollama": "false" }, "local"),
    );
    expect(fromFiles.ports.api).toBe(8100);
    expect(fromFiles.features.ollama).toBe(false);
  });

  it("reports every config problem of the stack file at once", () => {
    const dir = project({ local: "config:\n  ownstack:apiPort: 99999\n  ownstack:apiPrt: 1\n" });
    expect(() => loadStackSettings(dir, "local")).toThrow(
      /ownstack:apiPrt: unknown key \(did you mean ownstack:apiPort\?\)[\s\S]*ownstack:apiPort: expected an integer port/,
    );
  });
});
