import { describe, expect, it } from "vitest";
import { parseSettings } from "../../config/settings";
import { VPS_REQUIRED, vpsSettings } from "../support/stacks";
import { itRefuses, problemsOf } from "./problems";

const local = (extra: Record<string, string> = {}) => parseSettings(extra, "local");

describe("openWebui: auto follows Ollama and Qdrant on local", () => {
  it("is on for a local stack with the defaults (Ollama and Qdrant are on)", () => {
    expect(local().features.openWebui).toBe(true);
  });

  it.each(["ollama", "qdrant"])("auto turns it off with %s off", (service) => {
    expect(local({ [`ownstack:${service}`]: "false" }).features.openWebui).toBe(false);
  });

  it("is off on vps unless chosen, and on when chosen with Ollama and Qdrant", () => {
    expect(vpsSettings().features.openWebui).toBe(false);
    const on = vpsSettings({
      "ownstack:openWebui": "true",
      "ownstack:ollama": "true",
      "ownstack:ollamaGpu": "cpu",
      "ownstack:qdrant": "true",
    });
    expect(on.features.openWebui).toBe(true);
  });

  it("false turns it off locally", () => {
    expect(local({ "ownstack:openWebui": "false" }).features.openWebui).toBe(false);
  });

  it("its admin is admin@localhost on local and admin@<domain> on vps unless set", () => {
    expect(local().openWebui.adminEmail).toBe("admin@localhost");
    expect(vpsSettings().openWebui.adminEmail).toBe("admin@example.com");
    expect(local({ "ownstack:openWebuiAdminEmail": "me@example.org" }).openWebui.adminEmail).toBe(
      "me@example.org",
    );
  });

  it("publishes on the port openWebuiPort names", () => {
    expect(local({ "ownstack:openWebuiPort": "3100" }).ports.openWebui).toBe(3100);
  });
});

describe("bad openWebui config: one clear problem naming the key", () => {
  itRefuses("local", [
    [
      "a toggle that is not one",
      { "ownstack:openWebui": "yes" },
      "ownstack:openWebui: expected auto, true or false",
    ],
    [
      "Open WebUI without Ollama",
      { "ownstack:openWebui": "true", "ownstack:ollama": "false" },
      "ownstack:openWebui: Open WebUI uses the stack's Ollama for its models, expected ownstack:ollama: true as well",
    ],
    [
      "Open WebUI without Qdrant",
      { "ownstack:openWebui": "true", "ownstack:qdrant": "false" },
      "ownstack:openWebui: Open WebUI uses the stack's Qdrant as its vector database, expected ownstack:qdrant: true as well",
    ],
    [
      "an admin e-mail that is not one",
      { "ownstack:openWebuiAdminEmail": "admin" },
      "ownstack:openWebuiAdminEmail: expected an e-mail address",
    ],
    ["a port out of range", { "ownstack:openWebuiPort": "70000" }, "ownstack:openWebuiPort:"],
    ["its port taken by the API gateway", { "ownstack:openWebuiPort": "8000" }, "8000"],
  ]);

  it("names both missing services at once", () => {
    const problems = problemsOf({
      "ownstack:openWebui": "true",
      "ownstack:ollama": "false",
      "ownstack:qdrant": "false",
    });
    expect(problems.filter((p) => p.startsWith("ownstack:openWebui:"))).toHaveLength(2);
  });

  it("runs on kubernetes too, asking for Ollama and Qdrant as on Docker", () => {
    const problems = problemsOf(
      {
        "ownstack:target": "kubernetes",
        "ownstack:domain": "example.com",
        "ownstack:openWebui": "true",
      },
      "k8s",
    ).join("\n");
    expect(problems).not.toContain("not available on kubernetes");
    expect(problems).toContain(
      "ownstack:openWebui: Open WebUI uses the stack's Ollama for its models, expected ownstack:ollama: true as well",
    );
  });

  it("is not refused on vps with its services on", () => {
    expect(
      problemsOf(
        {
          ...VPS_REQUIRED,
          "ownstack:openWebui": "true",
          "ownstack:ollama": "true",
          "ownstack:ollamaGpu": "cpu",
          "ownstack:qdrant": "true",
        },
        "vps",
      ),
    ).toEqual([]);
  });
});
