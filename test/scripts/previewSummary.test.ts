import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  countSteps,
  postgresMajor,
  postgresUpgrades,
  renderSummary,
  statefulChanges,
} from "../../scripts/lib/preview-digest";
import { replacesContainer } from "../../config/containerInputs";
import { dbReplacements } from "../../scripts/lib/preview-db";
import { parseDigest, parseUrn } from "../../scripts/lib/preview-json";
import { runScript } from "../support/project";

/**
 * Fixtures follow display.PreviewDigest (pulumi/pulumi sdk/go/common/display/json.go): top-level
 * config, steps[{op, urn, provider, oldState, newState, diffReasons, replaceReasons, detailedDiff}],
 * diagnostics, duration (ns) and changeSummary. Without --show-sames the steps hold only the root
 * stack and the changed resources; changeSummary has the totals.
 */

const ROOT = resolve(__dirname, "../..");
const FIXTURES = join(__dirname, "fixtures", "preview");
const fixture = (name: string) => readFileSync(join(FIXTURES, `${name}.json`), "utf8");
const summary = (name: string) => renderSummary(parseDigest(fixture(name)));

const cli = (args: string[], input?: string) => runScript("preview-summary", args, { input });

describe("URNs", () => {
  it("name the nearest component, the type and the resource", async () => {
    expect(
      parseUrn(
        "urn:pulumi:local::ownstack::ownstack:supabase:Database$docker:index/container:Container::db-container",
      ),
    ).toEqual({
      stack: "local",
      type: "docker:index/container:Container",
      component: "ownstack:supabase:Database",
      name: "db-container",
    });
    expect(parseUrn("urn:pulumi:vps::ownstack::ownstack:ai:Qdrant::qdrant").component).toBe(
      "ownstack:ai:Qdrant",
    );
    expect(
      parseUrn("urn:pulumi:vps::ownstack::docker:index/network:Network::ownstack-vps").component,
    ).toBe("(stack)");
  });
});

describe("preview summary", () => {
  it("no-op: says so, with the unchanged count from the engine's summary", async () => {
    expect(summary("no-op")).toBe(
      "### Pulumi preview: `local`\n\nNo changes. 47 resources unchanged.\n",
    );
  });

  it("env change: counts by operation and by component, and no stateful warning for containers without data", async () => {
    const text = summary("env-change");
    expect(text).toBe(
      [
        "### Pulumi preview: `local`",
        "",
        "| Operation | Count |",
        "|---|---:|",
        "| update | 1 |",
        "| replace | 1 |",
        "| same | 45 |",
        "",
        "| Component | update | replace |",
        "|---|---:|---:|",
        "| ownstack:supabase:Auth |  | 1 |",
        "| ownstack:supabase:Kong | 1 |  |",
        "",
      ].join("\n"),
    );
    expect(statefulChanges(parseDigest(fixture("env-change")))).toEqual([]);
  });

  it("db replace: a bold warning names the db container, its volumes and the reason", async () => {
    const text = summary("db-replace");
    expect(text).toContain(
      "> **⚠️ 1 stateful resource would be replaced or deleted. Check that no data is lost before merging.**\n" +
        "> - **replace `db-container`**: container with data volumes ownstack-local-db-config, ownstack-local-db-data; " +
        "docker:index/container:Container in ownstack:supabase:Database (because of: envs, uploads)\n",
    );
    // The password and the rest container are replaced too, but hold no data.
    expect(text).toContain("| ownstack:core:Secrets | 1 |");
    expect(text).toContain("| ownstack:supabase:Rest | 1 |");
    expect(text).not.toContain("`rest-container`");
  });

  it("db replace from a state without a stop grace: names the inputs and says Postgres is killed, with the command that stops it cleanly first", async () => {
    expect(summary("db-replace")).toContain(
      "> **⚠️ db will be replaced because `envs`, `uploads` changed; the running Postgres was declared without a stop grace, " +
        "so the provider kills it at once (SIGKILL, crash recovery on the next start): " +
        "stop it first with `docker stop --signal SIGINT --time 120 ownstack-local-db`.**\n",
    );
  });

  it("db replace shown as halves: the stop settings come from the deleted half's state", async () => {
    const urn =
      "urn:pulumi:vps::ownstack::ownstack:supabase:Database$docker:index/container:Container::db-container";
    const inputs = {
      name: "ownstack-vps-db",
      stopSignal: "SIGINT",
      destroyGraceSeconds: 120,
      labels: [{ label: "ownstack.service", value: "db" }],
    };
    const state = { type: "docker:index/container:Container", inputs };
    const digest = {
      steps: [
        { op: "create-replacement", urn, newState: state, replaceReasons: ["networksAdvanced[0]"] },
        { op: "delete-replaced", urn, oldState: state },
      ],
    };
    expect(dbReplacements(digest)).toEqual([
      {
        name: "db-container",
        because: ["networksAdvanced"],
        stopSignal: "SIGINT",
        graceSeconds: 120,
        containerName: "ownstack-vps-db",
      },
    ]);
  });

  it("a db update in place (memory) is no replacement and says nothing", async () => {
    const urn =
      "urn:pulumi:vps::ownstack::ownstack:supabase:Database$docker:index/container:Container::db-container";
    expect(
      dbReplacements({ steps: [{ op: "update", urn, diffReasons: ["memory", "memorySwap"] }] }),
    ).toEqual([]);
    expect(replacesContainer("memory")).toBe(false);
    expect(replacesContainer("networksAdvanced[0].aliases")).toBe(true);
    expect(replacesContainer("envs")).toBe(true);
  });

  it("volume delete: warns for the volume and for the container that mounted it, not for the image", async () => {
    const text = summary("volume-delete");
    expect(text).toContain("> **⚠️ 2 stateful resources would be replaced or deleted.");
    expect(text).toContain(
      "> - **delete `qdrant-container`**: container with data volume ownstack-vps-qdrant-data;",
    );
    expect(text).toContain(
      "> - **delete `ownstack-vps-qdrant-data`**: Docker volume (holds data, retainOnDelete: Docker keeps it but Pulumi forgets it);",
    );
    expect(text).not.toContain("qdrant-container-image`");
    expect(
      countSteps(parseDigest(fixture("volume-delete")))
        .byComponent.get("ownstack:ai:Qdrant")
        ?.get("delete"),
    ).toBe(4);
  });

  it("a replacement shown as create/delete halves counts once", async () => {
    const urn =
      "urn:pulumi:local::ownstack::ownstack:supabase:Database$docker:index/container:Container::db-container";
    const state = {
      type: "docker:index/container:Container",
      inputs: { volumes: [{ volumeName: "ownstack-local-db-data" }] },
    };
    const digest = {
      steps: [
        { op: "create-replacement", urn, newState: state },
        { op: "delete-replaced", urn, oldState: state },
      ],
    };
    expect(countSteps(digest).byOp.get("replace")).toBe(1);
    expect(statefulChanges(digest).map((s) => `${s.op} ${s.name}`)).toEqual([
      "replace db-container",
    ]);
  });

  it("lists preview errors", async () => {
    const text = renderSummary({
      diagnostics: [
        { message: "error: could not connect to the Docker daemon\nmore", severity: "error" },
      ],
      changeSummary: {},
    });
    expect(text).toContain(
      "**Preview reported errors:**\n- error: could not connect to the Docker daemon\n",
    );
  });
});

describe("a Postgres major version change", () => {
  const DB =
    "urn:pulumi:vps::ownstack::ownstack:supabase:Database$docker:index/remoteImage:RemoteImage::db-image";
  const imageStep = (from: string, to: string) => ({
    op: "replace",
    urn: DB,
    oldState: { type: "docker:index/remoteImage:RemoteImage", inputs: { name: from } },
    newState: { type: "docker:index/remoteImage:RemoteImage", inputs: { name: to } },
  });

  it("reads the major from Postgres image tags, and nothing from other images", async () => {
    expect(postgresMajor("supabase/postgres:15.8.1.085")).toBe(15);
    expect(postgresMajor("registry.example.com:5000/supabase/postgres:17.4.1.054")).toBe(17);
    expect(postgresMajor("postgres:16-alpine@sha256:" + "a".repeat(64))).toBe(16);
    expect(postgresMajor("supabase/postgres-meta:v0.91.0")).toBeUndefined();
    expect(postgresMajor("registry.example.com:5000/postgres")).toBeUndefined();
  });

  it("15 → 17 is named in bold: the new server cannot start on the old data volume without pg_upgrade", async () => {
    const digest = {
      steps: [imageStep("supabase/postgres:15.8.1.085", "supabase/postgres:17.4.1.054")],
    };
    expect(postgresUpgrades(digest)).toEqual([
      {
        name: "db-image",
        from: "supabase/postgres:15.8.1.085",
        to: "supabase/postgres:17.4.1.054",
        fromMajor: 15,
        toMajor: 17,
      },
    ]);
    expect(renderSummary(digest)).toContain(
      "> **⚠️ Postgres 15 → 17: `db-image` changes from supabase/postgres:15.8.1.085 to supabase/postgres:17.4.1.054. " +
        "The new server cannot start on the old data volume without pg_upgrade: back up first (`npm run backup`), then upgrade the data (pg_upgrade, or dump and restore) before this deploy.**",
    );
  });

  it("a patch update within one major is not a major change", async () => {
    const digest = {
      steps: [imageStep("supabase/postgres:15.8.1.060", "supabase/postgres:15.8.1.085")],
    };
    expect(postgresUpgrades(digest)).toEqual([]);
    expect(renderSummary(digest)).not.toContain("pg_upgrade");
  });

  it("fails --fail-on-stateful", async () => {
    const r = await cli(
      ["--fail-on-stateful"],
      JSON.stringify({
        steps: [imageStep("supabase/postgres:15.8.1.085", "supabase/postgres:17.4.1.054")],
      }),
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("pg_upgrade");
  });
});

describe("npm run preview-summary", () => {
  it.each([
    ["no-op", 0],
    ["env-change", 0],
    ["db-replace", 1],
    ["volume-delete", 1],
  ])(
    "%s: --fail-on-stateful exits %i, and the summary is printed either way",
    async (name, code) => {
      const strict = await cli([join(FIXTURES, `${name}.json`), "--fail-on-stateful"]);
      expect(strict.status).toBe(code);
      expect(strict.stdout).toBe(summary(name));
      if (code === 1)
        expect(strict.stderr).toContain("would be replaced or deleted (--fail-on-stateful)");
    },
  );

  it("without --fail-on-stateful, a stateful change is reported but does not fail", async () => {
    const plain = await cli([join(FIXTURES, "db-replace.json")]);
    expect(plain.status).toBe(0);
    expect(plain.stdout).toBe(summary("db-replace"));
  });

  it("reads stdin and takes a title", async () => {
    const r = await cli(["--title", "vps (PR #7)"], fixture("no-op"));
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      "### Pulumi preview: `vps (PR #7)`\n\nNo changes. 47 resources unchanged.\n",
    );
  });

  it("rejects input that is not a preview digest with exit 2", async () => {
    const notJson = await cli([], "Previewing update (local):\n");
    expect(notJson.status).toBe(2);
    expect(notJson.stderr).toContain("input is not JSON");
    const wrong = await cli([], JSON.stringify({ hello: "world" }));
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain("is this `pulumi preview --json` output?");
  });

  it.each([
    [
      "a null step",
      { steps: [null] },
      /^preview-summary: steps\[0\]: expected a step object with op and urn; is this `pulumi preview --json` output\?$/,
    ],
    [
      "a step without a urn",
      { steps: [{ op: "create" }] },
      /^preview-summary: steps\[0\]\.urn: expected the resource's URN; /,
    ],
    [
      "a step with an empty urn",
      { steps: [{ op: "create", urn: "" }] },
      /^preview-summary: steps\[0\]\.urn: expected the resource's URN; /,
    ],
    [
      "an object op",
      {
        steps: [
          {
            op: { kind: "create" },
            urn: "urn:pulumi:local::ownstack::docker:index/network:Network::n",
          },
        ],
      },
      /^preview-summary: steps\[0\]\.op: expected the operation as a string/,
    ],
    [
      "a string diagnostic",
      { changeSummary: {}, diagnostics: ["error: boom"] },
      /^preview-summary: diagnostics\[0\]: expected a diagnostic object with message and severity; /,
    ],
    [
      "steps that are not a list",
      { steps: { op: "create" } },
      /^preview-summary: steps: expected a list of steps; /,
    ],
    [
      "a count that is not a number",
      { changeSummary: { create: "3" } },
      /^preview-summary: changeSummary\.create: expected a count; /,
    ],
  ])("%s: one line on stderr, exit 2, no summary", async (_what, doc, message) => {
    const r = await cli([], JSON.stringify(doc));
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(message)]);
  });

  it("a file that does not exist: one line, exit 2", async () => {
    const r = await cli([join(FIXTURES, "missing.json")]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(
      `preview-summary: cannot read ${join(FIXTURES, "missing.json")}: ENOENT`,
    );
  });
});
