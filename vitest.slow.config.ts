import { defineConfig } from "vitest/config";

/** npm run test:slow: tests that take more than a few seconds (large files, peak memory). */
export default defineConfig({
  test: {
    include: ["test/slow/**/*.test.ts"],
    globalSetup: ["test/tempdir-setup.ts"],
    testTimeout: 300_000,
  },
});
