import { describe, expect, it } from "vitest";
import { itRefuses, problemsOf, without } from "./problems";
import { parseSettings } from "../../config/settings";
import { VPS_CONFIG } from "../plan/mocks";

describe("vps config is refused before any resource, naming the key and the expected form", () => {
  itRefuses("vps", [
    [
      "a missing domain",
      without(VPS_CONFIG, "ownstack:domain"),
      "ownstack:domain: required on vps, expected a bare domain such as example.com",
    ],
    [
      "a missing ACME e-mail",
      without(VPS_CONFIG, "ownstack:acmeEmail"),
      "ownstack:acmeEmail: required on vps for Let's Encrypt, expected an e-mail address",
    ],
    [
      "a domain with a scheme",
      { ...VPS_CONFIG, "ownstack:domain": "https://example.com" },
      "ownstack:domain: expected a bare domain such as example.com (no scheme, port or path)",
    ],
    [
      "a domain with a path",
      { ...VPS_CONFIG, "ownstack:domain": "example.com/app" },
      "ownstack:domain: expected a bare domain such as example.com (no scheme, port or path)",
    ],
    [
      "a domain with a port",
      { ...VPS_CONFIG, "ownstack:domain": "example.com:8443" },
      "ownstack:domain: expected a bare domain",
    ],
    [
      "an http:// Docker host",
      { ...VPS_CONFIG, "ownstack:dockerHost": "http://203.0.113.10:2375" },
      "ownstack:dockerHost: expected ssh://user@host",
    ],
    [
      "an ssh Docker host without a user",
      { ...VPS_CONFIG, "ownstack:dockerHost": "ssh://203.0.113.10" },
      "ownstack:dockerHost: expected ssh://user@host",
    ],
    [
      "a tcp:// Docker host without TLS material",
      { ...VPS_CONFIG, "ownstack:dockerHost": "tcp://203.0.113.10:2376" },
      "ownstack:dockerHost: tcp:// needs TLS, expected docker:certPath",
    ],
    [
      "plain-HTTP exposure",
      { ...VPS_CONFIG, "ownstack:insecureHttp": "true" },
      "ownstack:insecureHttp: plain-HTTP exposure is refused on vps",
    ],
    [
      "an ACME e-mail without @",
      { ...VPS_CONFIG, "ownstack:acmeEmail": "ops.example.com" },
      "ownstack:acmeEmail: expected an e-mail address such as admin@example.com",
    ],
    [
      "an SMTP sender without @",
      { ...VPS_CONFIG, "ownstack:smtpAdminEmail": "admin" },
      "ownstack:smtpAdminEmail: expected an e-mail address",
    ],
    [
      "no sender address for auth mails",
      without(VPS_CONFIG, "ownstack:smtpAdminEmail"),
      "ownstack:smtpAdminEmail: required on vps as the sender of auth mails",
    ],
    [
      "no SMTP host and no Mailpit",
      without(VPS_CONFIG, "ownstack:smtpHost"),
      "ownstack:smtpHost: required on vps so sign-up mails reach users",
    ],
    [
      "GPU auto-detection against a remote host",
      { ...VPS_CONFIG, "ownstack:ollama": "true", "ownstack:ollamaGpu": "auto" },
      'ownstack:ollamaGpu: "auto" would probe this laptop, not the server; on vps expected one of: nvidia, amd, cpu',
    ],
    [
      "no choice about the log stack",
      without(VPS_CONFIG, "ownstack:logs"),
      "ownstack:logs: choose on vps, expected true (Studio's Logs Explorer: analytics + vector, 1152 MiB of memory limits) or false",
    ],
    [
      "logs left on auto",
      { ...VPS_CONFIG, "ownstack:logs": "auto" },
      "ownstack:logs: choose on vps",
    ],
    [
      "an unknown ACME challenge",
      { ...VPS_CONFIG, "ownstack:acmeChallenge": "dns" },
      "ownstack:acmeChallenge: expected one of: http, tls",
    ],
  ]);

  it("accepts a tcp:// host with TLS material from docker:certPath", () => {
    expect(
      problemsOf(
        {
          ...VPS_CONFIG,
          "ownstack:dockerHost": "tcp://203.0.113.10:2376",
          "docker:certPath": "/home/me/.docker/server",
        },
        "vps",
      ),
    ).toEqual([]);
  });

  it("lists every problem at once", () => {
    const problems = problemsOf(
      {
        "ownstack:target": "vps",
        "ownstack:domain": "http://x",
        "ownstack:acmeEmail": "nope",
        "ownstack:dockerHost": "ftp://h",
      },
      "vps",
    );
    // The three type errors, plus the missing SMTP host and log-stack choice the cross-key checks find on the same run.
    expect(problems.map((p) => p.slice(0, p.indexOf(": ")))).toEqual([
      "ownstack:domain",
      "ownstack:acmeEmail",
      "ownstack:dockerHost",
      "ownstack:smtpHost",
      "ownstack:logs",
    ]);
  });

  it("derives every public URL from the domain", () => {
    const s = parseSettings(VPS_CONFIG, "vps");
    expect([s.publicUrl, s.apiExternalUrl, s.studioUrl, s.siteUrl]).toEqual([
      "https://api.example.com",
      "https://api.example.com/auth/v1",
      "https://studio.example.com",
      "https://example.com",
    ]);
  });
});
