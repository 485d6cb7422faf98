// Prints the plain closing line CI reads: "N passed, N failed[, N skipped]".
import { readFileSync } from "node:fs";

const file = process.argv[2] ?? "test-results.json";
let report;
try {
  report = JSON.parse(readFileSync(file, "utf8"));
} catch (err) {
  console.log(`test summary: cannot read ${file}: ${err.message}`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}
const failed =
  report.numFailedTests +
  (report.numRuntimeErrorTestSuites ?? 0) +
  (report.success === false && report.numFailedTests === 0 ? 1 : 0);
const skipped = report.numPendingTests + report.numTodoTests;
console.log(
  `${report.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`,
);
process.exit(failed > 0 ? 1 : 0);
