import { describe, expect, it } from "vitest";
import { parseConfig, parseSettings } from "../../config/settings";
import { problemsOf } from "./problems";

describe("REST API and Studio assistant config", () => {
  it("defaults to upstream's API surface: public and graphql_public, 1000 rows, public on the path", () => {
    expect(parseSettings({}, "local").rest).toEqual({
      schemas: "public,graphql_public",
      maxRows: 1000,
      extraSearchPath: "public",
    });
  });

  it("keeps the schema order a user gives: the first is PostgREST's default profile", () => {
    const rest = parseSettings(
      {
        "ownstack:restSchemas": '["api", "public", "pgmq_public"]',
        "ownstack:restMaxRows": "250",
        "ownstack:restExtraSearchPath": '["public", "extensions"]',
      },
      "local",
    ).rest;
    expect(rest).toEqual({
      schemas: "api,public,pgmq_public",
      maxRows: 250,
      extraSearchPath: "public,extensions",
    });
  });

  it("refuses a schema name PostgREST would split or quote, an empty list and a zero row cap, naming each key", () => {
    expect(
      problemsOf({
        "ownstack:restSchemas": '["public,api"]',
        "ownstack:restMaxRows": "0",
        "ownstack:restExtraSearchPath": '["public", "public"]',
      }),
    ).toEqual([
      'ownstack:restSchemas[0]: expected a list of Postgres schema names such as ["public", "graphql_public"] (letters, digits, underscores), got "public,api"',
      "ownstack:restMaxRows: expected a whole number of rows between 1 and 1000000, got 0",
      'ownstack:restExtraSearchPath: expected a list of Postgres schema names such as ["public", "graphql_public"] (letters, digits, underscores), each once, got ["public","public"]',
    ]);
    expect(problemsOf({ "ownstack:restSchemas": "[]" })).toEqual([
      'ownstack:restSchemas: expected a list of Postgres schema names such as ["public", "graphql_public"] (letters, digits, underscores), at least one, got []',
    ]);
  });

  it("a Studio OpenAI key kept in plain text gets smtpPass's warning, without the key in it", () => {
    const config = { "ownstack:studioOpenAiKey": "sk-live-0123456789" };
    const plain = parseConfig(config, "local", { secretKeys: [] }).warnings;
    expect(plain).toEqual([
      "ownstack:studioOpenAiKey is stored in plain text in Pulumi.local.yaml; encrypt it with: pulumi config set -s local --secret studioOpenAiKey '<sk-...>'",
    ]);
    expect(plain.join("\n")).not.toContain("sk-live");
    expect(
      parseConfig(config, "local", { secretKeys: ["ownstack:studioOpenAiKey"] }).warnings,
    ).toEqual([]);
  });
});
