import { beforeAll, describe, expect, it } from "vitest";
import { EXIT_ALREADY_REPORTED, RunResult, customResources, problems, runProgram } from "./run";

/**
 * A misspelt sign-in provider, a provider without its secret and a hook of the wrong form, as
 * `pulumi up` shows them: one error from @pulumi/pulumi's runner naming each key, no resource.
 */
describe("bad sign-in config under the runner", () => {
  let run: RunResult;
  beforeAll(async () => {
    run = await runProgram({
      stack: "local",
      config: {
        "ownstack:authProviders": JSON.stringify({
          githubb: { clientId: "x", secret: "s" },
          google: { clientId: "123.apps.googleusercontent.com" },
        }),
        "ownstack:authHooks": JSON.stringify({ sendSms: { uri: "http://hooks.example.com/sms" } }),
      },
    });
  }, 120_000);

  it("prints one error listing the three keys and declares nothing", () => {
    expect(run.exitCode, run.transcript).toBe(EXIT_ALREADY_REPORTED);
    expect(customResources(run).map((r) => r.name)).toEqual([]);
    const shown = problems(run);
    expect(shown.map((d) => d.severity)).toEqual(["error"]);
    expect(run.transcript).not.toMatch(/\n\s+at |ConfigError \{/);
    const message = shown[0].message;
    expect(message).toMatch(/^Invalid config for stack "local" \(3 problems\):/);
    expect(message).toContain(
      "  - ownstack:authProviders[githubb]: unknown provider; expected one of: apple,",
    );
    expect(message).toContain(
      "  - ownstack:authProviders[google][secret]: required, expected it as a secret: pulumi config set --secret --path 'authProviders.google.secret' '<client secret>'",
    );
    expect(message).toContain(
      '  - ownstack:authHooks[sendSms][uri]: expected pg-functions://postgres/<schema>/<function> or an https:// URL (with secrets), got "http://hooks.example.com/sms"',
    );
  });
});

/**
 * A block of the wrong shape for each account key, as `pulumi up` shows it: one line per key,
 * naming it and the form it expects, and nothing declared.
 */
describe("wrong-form account and sign-in values under the runner", () => {
  let run: RunResult;
  beforeAll(async () => {
    run = await runProgram({
      stack: "local",
      config: {
        "ownstack:authProviders": JSON.stringify({ google: { a: 1 } }),
        "ownstack:authSaml": "yes",
        "ownstack:authSessions": '"24h"',
        "ownstack:authCaptcha": JSON.stringify({ provider: "hcaptcha" }),
        "ownstack:authPassword": JSON.stringify({ requirements: "strong" }),
      },
    });
  }, 120_000);

  it("prints one error with one line per key and declares nothing", () => {
    expect(run.exitCode, run.transcript).toBe(EXIT_ALREADY_REPORTED);
    expect(customResources(run).map((r) => r.name)).toEqual([]);
    const shown = problems(run);
    expect(shown.map((d) => d.severity)).toEqual(["error"]);
    const lines = shown[0].message.split("\n");
    expect(lines[0]).toBe('Invalid config for stack "local" (5 problems):');
    expect(lines.slice(1)).toEqual([
      '  - ownstack:authSaml: expected true or false, got "yes"',
      '  - ownstack:authProviders[google]: unknown field a; expected clientId, secret, url, redirectUri, skipNonceCheck, emailOptional or enabled, got {"a":1}',
      '  - ownstack:authPassword[requirements]: expected one of: letters_digits, lower_upper_letters_digits, lower_upper_letters_digits_symbols, got "strong"',
      '  - ownstack:authSessions: expected {"timebox": "24h", "inactivityTimeout": "8h"}, got "24h"',
      "  - ownstack:authCaptcha[secret]: required, expected it as a secret: pulumi config set --secret --path 'authCaptcha.secret' '<secret key>'",
    ]);
  });
});
