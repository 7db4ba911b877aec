import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // npm run test:slow runs these (vitest.slow.config.ts).
    exclude: ["test/slow/**", "**/node_modules/**"],
    globalSetup: ["test/tempdir-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // In CI, also a JSON report, from which .ci/run prints "N passed, N failed".
    reporters: process.env["CI"] ? ["default", ["json", { outputFile: ".vitest-results.json" }]] : ["default"],
  },
});
