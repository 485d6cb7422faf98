import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { SECRET_KEYS, SettingKey, settingsShape } from "../../config/schema";
import { MAP_KEYS } from "../../config/authConfig";
import { parseSettings } from "../../config/settings";
import { problemsOf, refused, without } from "./problems";

const ROOT = join(__dirname, "..", "..");
const load = (file: string) => parse(readFileSync(join(ROOT, file), "utf8"));

interface Declared {
  type: string;
  default: unknown;
  description: string;
  items?: { type: string };
}

const project = load("Pulumi.yaml");
const declared: Record<string, Declared> = project.config;
// Maps set with `--path` have no Pulumi.yaml type (project.json's simpleConfigType has none).
const KEYS = (Object.keys(settingsShape) as SettingKey[]).filter(
  (k) => !(MAP_KEYS as readonly string[]).includes(k),
);

/** What the Pulumi CLI hands the program for a typed value: strings as-is, the rest as JSON. */
const asCli = (value: unknown): string =>
  typeof value === "string" ? value : JSON.stringify(value);

/** The zod default of a key: what the program uses when the key is unset. */
const zodDefault = (key: SettingKey): unknown => settingsShape[key].parse(undefined);

/** The Pulumi type that matches what a key accepts. */
function pulumiType(key: SettingKey): string {
  const d = zodDefault(key);
  if (Array.isArray(d)) return "array";
  if (typeof d === "number") return "integer";
  // Toggles accept "auto" as well as true/false, so they are declared as strings.
  if (typeof d === "boolean")
    return settingsShape[key].safeParse("auto").success ? "string" : "boolean";
  return "string";
}

describe("Pulumi.yaml declares the project and every key the program reads", () => {
  it("declares the project ownstack on the Node.js runtime with a file backend inside the project", () => {
    expect(project.name).toBe("ownstack");
    expect(project.runtime.name).toBe("nodejs");
    expect(project.backend).toEqual({ url: "file://./.pulumi-state" });
  });

  it("declares exactly the keys of config/schema.ts, plus the secret SMTP password", () => {
    expect(Object.keys(declared).sort()).toEqual([...KEYS, ...SECRET_KEYS].sort());
  });

  it.each(MAP_KEYS)(
    "%s, a map Pulumi.yaml cannot type, is described in its comments with a --path example",
    (key) => {
      const text = readFileSync(join(ROOT, "Pulumi.yaml"), "utf8");
      expect(text).toMatch(new RegExp(`^# +${key}: \\S`, "m"));
      expect(text).toMatch(new RegExp(`config set[^\n]* --path '${key}\\.`));
    },
  );

  it.each([...KEYS, ...SECRET_KEYS])("%s has a type, a default and a description", (key) => {
    const d = declared[key];
    expect(["string", "integer", "boolean", "array"]).toContain(d.type);
    expect(d).toHaveProperty("default");
    expect(typeof d.description).toBe("string");
    expect(d.description.trim()).not.toBe("");
  });

  it.each(KEYS)("%s: the declared type and default are the ones zod applies", (key) => {
    const d = declared[key];
    expect(d.type).toBe(pulumiType(key));
    if (d.type === "integer") expect(Number.isInteger(d.default)).toBe(true);
    if (d.type === "boolean") expect(typeof d.default).toBe("boolean");
    if (d.type === "string") expect(typeof d.default).toBe("string");
    if (d.type === "array")
      expect([Array.isArray(d.default), d.items?.type]).toEqual([true, "string"]);
    // The CLI passes the declared default as text; the program must read the same value from it.
    const fromYaml = settingsShape[key].parse(
      d.type === "string" ? d.default : JSON.parse(asCli(d.default)),
    );
    expect(fromYaml).toEqual(zodDefault(key));
  });

  it("the declared defaults, passed as the CLI passes them, give the same Settings as no config", () => {
    const cli = Object.fromEntries(
      KEYS.map((key) => [`ownstack:${key}`, asCli(declared[key].default)]),
    );
    expect(parseSettings(cli, "local")).toEqual(parseSettings({}, "local"));
  });

  it("smtpPass is declared as a string that defaults to empty", () => {
    expect(declared.smtpPass).toMatchObject({ type: "string", default: "" });
    expect(declared.smtpPass.description).toMatch(/secret/i);
  });
});

describe("stack files", () => {
  it("Pulumi.local.yaml parses and sets no ownstack key: every default suffices", () => {
    const local = load("Pulumi.local.yaml") ?? {};
    const keys = Object.keys(local.config ?? {});
    expect(keys.filter((key) => key.startsWith("ownstack:"))).toEqual([]);
    expect(() => parseSettings(local.config ?? {}, "local")).not.toThrow();
  });

  it("Pulumi.vps.yaml parses, sets target vps and only declared keys", () => {
    const vps = load("Pulumi.vps.yaml");
    expect(vps.config["ownstack:target"]).toBe("vps");
    for (const key of Object.keys(vps.config))
      expect(Object.keys(declared)).toContain(key.replace(/^ownstack:/, ""));
  });

  describe("the lines Pulumi.vps.yaml marks REQUIRED are exactly what validation requires", () => {
    const text = readFileSync(join(ROOT, "Pulumi.vps.yaml"), "utf8");
    const vps = load("Pulumi.vps.yaml");
    const given = Object.fromEntries(
      Object.entries(vps.config as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
    );
    // "# REQUIRED…" followed by its commented example "# ownstack:key: value".
    const marked = Object.fromEntries(
      [...text.matchAll(/^\s*# REQUIRED\b.*\n\s*# (ownstack:\w+): (.+)$/gm)].map(
        ([, key, value]) => [key, value.trim()],
      ),
    );
    const filled = { ...given, ...marked };

    it("marks the domain, the ACME e-mail and the SMTP server and sender", () => {
      expect(Object.keys(marked).sort()).toEqual([
        "ownstack:acmeEmail",
        "ownstack:domain",
        "ownstack:smtpAdminEmail",
        "ownstack:smtpHost",
      ]);
    });

    it("the file with the REQUIRED examples filled in is accepted", () => {
      expect(problemsOf(filled, "vps")).toEqual([]);
    });

    it.each(Object.keys(marked))("leaving out %s is refused, naming it", (key) => {
      expect(refused(without(filled, key), "vps")).toContain(`${key}: required on vps`);
    });
  });
});
