import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Plan tests re-import the program under fresh mocks; Postgres tests own a server each.
    fileParallelism: false,
    reporters: ["default", "json", "./test/support/skipSummary.ts"],
    outputFile: { json: "test-results.json" },
  },
});
