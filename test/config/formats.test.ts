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
  const accepts = {
    "Docker host": isDockerHostUrl,
    "e-mail": isEmailAddress,
    "host name": isHostName,
  };
  it.each<[keyof typeof accepts, string, boolean]>([
    ["Docker host", "ssh://deploy@203.0.113.10", true],
    ["Docker host", "ssh://deploy@server.example.com:2222", true],
    ["Docker host", "ssh://deploy@[2001:db8::1]:22", true],
    ["Docker host", "tcp://203.0.113.10:2376", true],
    ["Docker host", "ssh://deploy@server:0", false],
    ["Docker host", "ssh://deploy@server:65536", false],
    ["Docker host", "tcp://203.0.113.10:99999", false],
    ["Docker host", "tcp://203.0.113.10", false],
    ["Docker host", "ssh://user@host@other", false],
    ["Docker host", "ssh://server", false],
    ["Docker host", "ssh://deploy@server/var/run/docker.sock", false],
    ["Docker host", "unix:///var/run/docker.sock", false],
    ["e-mail", "admin@example.com", true],
    ["e-mail", "first.last+tag@mail.example.co.uk", true],
    ["e-mail", "mailto:admin@example.com", false],
    ["e-mail", "admin@example.com;", false],
    ["e-mail", "admin@example.com,", false],
    ["e-mail", "Admin <admin@example.com>", false],
    ["e-mail", "admin@localhost", false],
    ["e-mail", "admin@@example.com", false],
    ["host name", "smtp.example.com", true],
    ["host name", "192.0.2.25", true],
    ["host name", "mailrelay", true],
    ["host name", "smtp://smtp.example.com", false],
    ["host name", "smtp.example.com:587", false],
    ["host name", "smtp.example.com/", false],
    ["host name", "user@smtp.example.com", false],
  ])("%s %s: %s", (kind, text, ok) => {
    expect(accepts[kind](text)).toBe(ok);
  });
});
