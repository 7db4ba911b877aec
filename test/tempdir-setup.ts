/**
 * Global setup: one temporary folder per run. Every test's files, and
 * every temporary file dact makes, go under it (TMPDIR points there for
 * the workers and the processes they start). At the end the folder must
 * be empty but for the installed package (test/packed.ts): a leftover
 * is listed and FAILS the run (process.exitCode: a throw in a global
 * teardown is only logged, and vitest would still exit 0).
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { PACKED_ENTRIES } from "./packed.js";

let run = "";

export function setup(): void {
  run = mkdtempSync(path.join(tmpdir(), "dact-run-"));
  process.env["TMPDIR"] = run;
  process.env["DACT_TEST_RUN"] = run;
}

export function teardown(): void {
  for (const e of PACKED_ENTRIES) rmSync(path.join(run, e), { recursive: true, force: true });
  const left = readdirSync(run);
  rmSync(run, { recursive: true, force: true });
  if (left.length) {
    process.stderr.write(`\nFAIL: the tests left ${left.length} entries in the run's temporary folder ${run}: ${left.slice(0, 10).join(", ")}\n`);
    process.exitCode = 1;
  }
}
