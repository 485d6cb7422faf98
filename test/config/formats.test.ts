import { describe, expect, it } from "vitest";
import {
  isDockerHostUrl,
  isEmailAddress,
  isHostName,
  isOllamaModelName,
  parseImageReference,
} from "../../config/formats";
import { IMAGES } from "../../config/images";

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;

describe("image references follow Docker's reference grammar (distribution/reference)", () => {
  it.each([
    [
      "registry.example.com:5000/kong/kong:3.9.3",
      { name: "registry.example.com:5000/kong/kong", tag: "3.9.3" },
    ],
    [`kong/kong@${DIGEST}`, { name: "kong/kong", digest: DIGEST }],
    [`kong/kong:3.9.3@${DIGEST}`, { name: "kong/kong", tag: "3.9.3", digest: DIGEST }],
    ["localhost:5000/team/db:17", { name: "localhost:5000/team/db", tag: "17" }],
    ["[2001:db8::1]:5000/app:v1", { name: "[2001:db8::1]:5000/app", tag: "v1" }],
    ["ghcr.io/Org-Name/app:1", undefined],
    ["Registry.Example.com/team/app:1", { name: "Registry.Example.com/team/app", tag: "1" }],
    ["my__ns/my--app.v2:1.0_rc-1", { name: "my__ns/my--app.v2", tag: "1.0_rc-1" }],
  ])("reads %s", (text, parts) => {
    const ref = parseImageReference(text);
    if (parts === undefined) expect(ref).toBeUndefined();
    else expect(ref).toEqual({ tag: undefined, digest: undefined, ...parts });
  });

  it.each([
    ["an uppercase repository", "Kong/Kong:3.9.3"],
    ["an uppercase image name", "supabase/Postgres:17"],
    ["an empty path segment", "kong//kong:3.9.3"],
    ["a leading slash", "/kong:3.9.3"],
    ["a trailing slash", "kong/:3.9.3"],
    ["a tag starting with a dot", "kong:.3"],
    ["a tag of 129 characters", `kong:${"a".repeat(129)}`],
    ["a short digest", "kong@sha256:abc"],
    ["whitespace", "kong: 3.9.3"],
    ["a scheme", "https://registry.example.com/kong:3"],
    ["a name longer than 255 characters", `${"a".repeat(256)}:1`],
  ])("refuses %s", (_, text) => {
    expect(parseImageReference(text)).toBeUndefined();
  });

  it("accepts every image the program pins", () => {
    for (const image of Object.values(IMAGES))
      expect(parseImageReference(image), image).toBeDefined();
  });
});

describe("Ollama model names follow ollama's name parser (types/model/name.go)", () => {
  it.each([
    "llama3.2:1b",
    "nomic-embed-text",
    "qwen2.5-coder:7b-instruct-q4_K_M",
    "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M",
    "hf.co/unsloth/gemma-3-4b-it-GGUF:IQ3_XXS",
    "https://hf.co/bartowski/SmolLM2-135M-Instruct-GGUF",
    "registry.ollama.ai/library/llama3.2:latest",
    "myuser/mymodel:v1",
    "Mistral",
    "_private/model",
  ])("accepts %s", (name) => {
    expect(isOllamaModelName(name)).toBe(true);
  });

  it.each([
    ["nothing", ""],
    ["a space", "llama 3"],
    ["an empty tag", "llama3.2:"],
    ["an empty model", ":1b"],
    ["a dot in the namespace", "my.user/model"],
    ["five path parts", "a/b/c/d/e"],
    ["a host in a path that is no kind", "x/y/z/model"],
    ["a leading dash", "-model"],
    ["a scheme without a host", "https://model"],
    ["a shell command", "llama3;rm -rf /"],
    ["a model of 81 characters", "m".repeat(81)],
  ])("refuses %s", (_, name) => {
    expect(isOllamaModelName(name)).toBe(false);
  });
});

describe("addresses", () => {
  it.each([
    ["ssh://deploy@203.0.113.10", true],
    ["ssh://deploy@server.example.com:2222", true],
    ["ssh://deploy@[2001:db8::1]:22", true],
    ["tcp://203.0.113.10:2376", true],
    ["ssh://deploy@server:0", false],
    ["ssh://deploy@server:65536", false],
    ["tcp://203.0.113.10:99999", false],
    ["tcp://203.0.113.10", false],
    ["ssh://user@host@other", false],
    ["ssh://server", false],
    ["ssh://deploy@server/var/run/docker.sock", false],
    ["unix:///var/run/docker.sock", false],
  ])("Docker host %s: %s", (url, ok) => {
    expect(isDockerHostUrl(url)).toBe(ok);
  });

  it.each([
    ["admin@example.com", true],
    ["first.last+tag@mail.example.co.uk", true],
    ["mailto:admin@example.com", false],
    ["admin@example.com;", false],
    ["admin@example.com,", false],
    ["Admin <admin@example.com>", false],
    ["admin@localhost", false],
    ["admin@@example.com", false],
  ])("e-mail %s: %s", (address, ok) => {
    expect(isEmailAddress(address)).toBe(ok);
  });

  it.each([
    ["smtp.example.com", true],
    ["192.0.2.25", true],
    ["mailrelay", true],
    ["smtp://smtp.example.com", false],
    ["smtp.example.com:587", false],
    ["smtp.example.com/", false],
    ["user@smtp.example.com", false],
  ])("host name %s: %s", (host, ok) => {
    expect(isHostName(host)).toBe(ok);
  });
});
