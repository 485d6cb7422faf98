import { chmodSync, existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { appEnv, formatEnv, mergeEnvFile, writeSecretFile } from "../../scripts/lib/envFile";
import { StackOutputs } from "../../scripts/lib/pulumi";
import { runScript, snapshot } from "../support/project";

const LOCAL: StackOutputs = {
  target: "local",
  apiUrl: "http://localhost:8000",
  studioUrl: "http://localhost:8000",
  anonKey: "anon.local.jwt",
  serviceRoleKey: "service.local.jwt",
  dbContainer: "ownstack-local-db",
  qdrantUrl: "http://127.0.0.1:6333",
  qdrantApiKey: "qdrant-key",
  ollamaUrl: "http://127.0.0.1:11434",
  redisUrl: "redis://:redis-pw@127.0.0.1:6379",
};
const VPS: StackOutputs = {
  target: "vps",
  apiUrl: "https://api.example.com",
  studioUrl: "https://studio.example.com",
  anonKey: "anon.vps.jwt",
  serviceRoleKey: "service.vps.jwt",
  dbContainer: "ownstack-vps-db",
};

const names = (entries: { name: string }[]) => entries.map((e) => e.name);

describe("app env from stack outputs", () => {
  it("gives S3 clients Storage's endpoint and region, and its access key only with --service", () => {
    const withS3: StackOutputs = {
      ...VPS,
      storageS3Endpoint: "https://api.example.com/storage/v1/s3",
      storageS3Region: "local",
      storageS3AccessKeyId: "s3-key-id",
      storageS3SecretAccessKey: "s3-key-secret",
    };
    const s3 = (entries: ReturnType<typeof appEnv>) =>
      entries.filter((e) => e.name.startsWith("SUPABASE_S3_"));
    expect(s3(appEnv(withS3, "plain", { service: false }))).toEqual([
      {
        name: "SUPABASE_S3_ENDPOINT",
        value: "https://api.example.com/storage/v1/s3",
        secret: false,
      },
      { name: "SUPABASE_S3_REGION", value: "local", secret: false },
    ]);
    expect(s3(appEnv(withS3, "python", { service: true })).slice(2)).toEqual([
      { name: "SUPABASE_S3_ACCESS_KEY_ID", value: "s3-key-id", secret: true },
      { name: "SUPABASE_S3_SECRET_ACCESS_KEY", value: "s3-key-secret", secret: true },
    ]);
    // A browser bundle has no use for an S3 endpoint, and must never see the keys.
    expect(s3(appEnv(withS3, "vite", { service: true }))).toEqual([]);
    expect(s3(appEnv(VPS, "plain", { service: true }))).toEqual([]);
  });

  it("gives the service_role key only with --service", async () => {
    expect(names(appEnv(LOCAL, "plain", { service: false }))).toEqual([
      "SUPABASE_URL",
      "SUPABASE_ANON_KEY",
      "QDRANT_URL",
      "QDRANT_API_KEY",
      "OLLAMA_URL",
      "REDIS_URL",
    ]);
    expect(
      appEnv(LOCAL, "plain", { service: true }).find((e) => e.name === "SUPABASE_SERVICE_ROLE_KEY"),
    ).toEqual({ name: "SUPABASE_SERVICE_ROLE_KEY", value: "service.local.jwt", secret: true });
  });

  it("never puts a secret under a name that browser bundles inline", async () => {
    for (const format of ["vite", "next"] as const) {
      const entries = appEnv(LOCAL, format, { service: true });
      const browser = entries.filter((e) => /^(VITE_|NEXT_PUBLIC_)/.test(e.name));
      expect(browser.map((e) => e.value).sort()).toEqual([
        "anon.local.jwt",
        "http://localhost:8000",
      ]);
    }
    expect(names(appEnv(LOCAL, "vite", { service: true }))).toEqual([
      "VITE_SUPABASE_URL",
      "VITE_SUPABASE_ANON_KEY",
    ]);
    expect(names(appEnv(LOCAL, "next", { service: true }))).toEqual([
      "NEXT_PUBLIC_SUPABASE_URL",
      "NEXT_PUBLIC_SUPABASE_ANON_KEY",
      "SUPABASE_SERVICE_ROLE_KEY",
      "QDRANT_URL",
      "QDRANT_API_KEY",
      "OLLAMA_URL",
      "REDIS_URL",
    ]);
  });

  it("uses the names Python libraries read", async () => {
    const py = Object.fromEntries(
      appEnv(LOCAL, "python", { service: false }).map((e) => [e.name, e.value]),
    );
    expect(py).toMatchObject({
      SUPABASE_URL: "http://localhost:8000",
      SUPABASE_KEY: "anon.local.jwt",
      OLLAMA_HOST: "http://127.0.0.1:11434",
    });
  });

  it("prints secrets as placeholders unless asked", async () => {
    const entries = appEnv(LOCAL, "plain", { service: true });
    const shown = formatEnv(entries, false, "/app/.env").join("\n");
    expect(shown).not.toMatch(/service\.local\.jwt|qdrant-key|redis-pw/);
    expect(shown).toContain("SUPABASE_ANON_KEY=anon.local.jwt");
    expect(shown).toContain("SUPABASE_SERVICE_ROLE_KEY=<secret: in /app/.env>");
    expect(formatEnv(entries, true, "/app/.env").join("\n")).toContain(
      "SUPABASE_SERVICE_ROLE_KEY=service.local.jwt",
    );
  });
});

describe("writing .env", () => {
  it("keeps the app's own lines and replaces ours, so switching local → vps leaves nothing stale", async () => {
    const mine = "# my app\nPORT=3000\nexport SUPABASE_URL=https://old.supabase.co\n";
    const local = mergeEnvFile(mine, appEnv(LOCAL, "plain", { service: true }), "stack local");
    expect(local).toContain("PORT=3000\n");
    expect(local).not.toContain("old.supabase.co");
    expect(local).toContain("SUPABASE_SERVICE_ROLE_KEY=service.local.jwt");
    expect(local).toContain("REDIS_URL=redis://:redis-pw@127.0.0.1:6379");

    const vps = mergeEnvFile(local, appEnv(VPS, "plain", { service: false }), "stack vps");
    expect(vps).toBe(
      "# my app\nPORT=3000\n\n# ownstack: stack vps\nSUPABASE_URL=https://api.example.com\nSUPABASE_ANON_KEY=anon.vps.jwt\n",
    );
    expect(mergeEnvFile(vps, appEnv(VPS, "plain", { service: false }), "stack vps")).toBe(vps);
  });

  it("writes mode 0600, also over a file others could read", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ownstack-env-"));
    const file = join(dir, ".env");
    writeFileSync(file, "PORT=3000\n");
    chmodSync(file, 0o644);
    writeSecretFile(file, "A=1\n");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(snapshot(dir)).toEqual({ "/.env": "A=1\n" });
  });

  it("refuses a path it cannot write in one line and writes nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ownstack-env-"));
    writeFileSync(join(dir, "file"), "x");
    expect(() => writeSecretFile(join(dir, "missing", ".env"), "A=1\n")).toThrow(
      /^cannot write .*missing\/\.env: folder .*missing does not exist; nothing was written$/,
    );
    expect(() => writeSecretFile(join(dir, "file", ".env"), "A=1\n")).toThrow(
      /^cannot write .*: .*file is not a folder; nothing was written$/,
    );
    expect(() => writeSecretFile(dir, "A=1\n")).toThrow(/it is a folder/);
    expect(snapshot(dir)).toEqual({ "/file": "x" });
  });
});

describe("npm run env", () => {
  const run = (args: string[]) =>
    runScript("env", args, { env: { ...process.env, INIT_CWD: tmpdir() } });

  it("refuses an unwritable --out before reading the stack, in one line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ownstack-env-cli-"));
    const r = await run(["-s", "local", "--out", join(dir, "nope", ".env")]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(
      `env: cannot write ${join(dir, "nope", ".env")}: folder ${join(dir, "nope")} does not exist; nothing was written`,
    );
    expect(existsSync(join(dir, "nope"))).toBe(false);
  });

  it("refuses an unknown stack in one line", async () => {
    const r = await run(["-s", "prod", "--out", join(tmpdir(), "x.env")]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^env: unknown stack "prod"; known stacks: .*local.*vps/);
    expect(existsSync(join(tmpdir(), "x.env"))).toBe(false);
  });
});
