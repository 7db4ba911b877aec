import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // npm run test:slow (DACT_SLOW=1): the long runs, *.slow.ts, which CI runs too.
    include: process.env["DACT_SLOW"] ? ["test/**/*.slow.ts"] : ["test/**/*.test.ts"],
    globalSetup: ["test/tempdir-setup.ts"],
    // One test file per core (vitest's default leaves one core free: on 2
    // cores, one file at a time). Most files spend their time waiting on
    // dact child processes.
    maxWorkers: Math.max(2, availableParallelism()),
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Every run lists the tests skipped for want of a tool, with the reason (test/machine.ts);
    // in CI, also a JSON report, from which .ci/run prints "N passed, N failed".
    reporters: ["default", "./test/skip-reporter.ts", ...(process.env["CI"] ? [["json", { outputFile: process.env["DACT_SLOW"] ? ".vitest-results-slow.json" : ".vitest-results.json" }] as [string, Record<string, unknown>]] : [])],
  },
});
