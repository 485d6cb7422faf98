import {
  mkdtempSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
  chmodSync,
  existsSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { prepareWorkspace } from "../../scripts/lib/project";
import { failureLine, pulumiEnv } from "../../scripts/lib/pulumi";
import { runScript } from "../support/project";

describe("first-run setup", () => {
  it("creates the state backend and a 0600 passphrase file, and ignores both in git", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ownstack-ws-"));
    const ws = prepareWorkspace(dir);
    expect(statSync(ws.stateDir).isDirectory()).toBe(true);
    expect(statSync(ws.passphraseFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(ws.passphraseFile, "utf8").trim()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(readFileSync(join(dir, ".gitignore"), "utf8").split("\n")).toEqual(
      expect.arrayContaining(["/.pulumi-state/", "/.pulumi-passphrase"]),
    );
    expect(pulumiEnv(dir, {}).PULUMI_CONFIG_PASSPHRASE_FILE).toBe(ws.passphraseFile);
    expect(ws.created).toHaveLength(2);
  });

  it("changes nothing when run again, and never replaces an existing passphrase", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ownstack-ws-"));
    const first = prepareWorkspace(dir);
    const passphrase = readFileSync(first.passphraseFile, "utf8");
    const ignore = readFileSync(join(dir, ".gitignore"), "utf8");
    const second = prepareWorkspace(dir);
    expect(second.created).toEqual([]);
    expect(readFileSync(second.passphraseFile, "utf8")).toBe(passphrase);
    expect(readFileSync(join(dir, ".gitignore"), "utf8")).toBe(ignore);
  });

  it("tightens a passphrase file that others can read", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ownstack-ws-"));
    writeFileSync(join(dir, ".pulumi-passphrase"), "kept\n");
    chmodSync(join(dir, ".pulumi-passphrase"), 0o644);
    const ws = prepareWorkspace(dir);
    expect(statSync(ws.passphraseFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(ws.passphraseFile, "utf8")).toBe("kept\n");
  });
});

describe("a lost passphrase", () => {
  it("is refused, not replaced, when the state already holds stacks", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ownstack-ws-"));
    mkdirSync(join(dir, ".pulumi-state/.pulumi/stacks/ownstack"), { recursive: true });
    writeFileSync(join(dir, ".pulumi-state/.pulumi/stacks/ownstack/local.json"), "{}");
    expect(() => prepareWorkspace(dir)).toThrow(
      ".pulumi-passphrase is missing but .pulumi-state/ holds stacks; restore it from your backup",
    );
    expect(existsSync(join(dir, ".pulumi-passphrase"))).toBe(false);
  });
});

describe("npm run up:local", () => {
  it("explains how to install the Pulumi CLI when it is missing, without a stack trace", async () => {
    const root = resolve(__dirname, "../..");
    const before = [".pulumi-state", ".pulumi-passphrase"].map((f) => existsSync(join(root, f)));
    const r = await runScript("up", ["-s", "local"], {
      env: { PATH: "/nonexistent", HOME: process.env.HOME ?? "/root" },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("up: Pulumi CLI not found. Install it");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // The check runs before any setup: nothing was created.
    expect([".pulumi-state", ".pulumi-passphrase"].map((f) => existsSync(join(root, f)))).toEqual(
      before,
    );
  });
});

describe("a failed pulumi operation", () => {
  it("is reported in one line with the cause, not the whole streamed output", async () => {
    const err = new Error(
      "code: 255\n stdout: Previewing update (local)\n...\n stderr: error: failed to connect to any docker daemon\n  more\n",
    );
    expect(failureLine(err)).toBe(
      "pulumi exited with code 255: failed to connect to any docker daemon; see the output above",
    );
    expect(failureLine(new Error("no stack named 'x' found\nat …"))).toBe(
      "no stack named 'x' found",
    );
  });
});
