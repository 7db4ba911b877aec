#!/usr/bin/env node
// npm test (and npm run test:slow, with --slow): build, type-check, then
// vitest, and print how long the whole took, so the README's figure can be
// the measured one. Arguments after -- go to vitest (npm test -- test/x.test.ts).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const bin = (p) => fileURLToPath(new URL(`../node_modules/${p}`, import.meta.url));
const t0 = performance.now();
const args = process.argv.slice(2);
const slow = args[0] === "--slow";
if (slow) args.shift();
const env = slow ? { ...process.env, DACT_SLOW: "1" } : process.env;
const steps = [
  ["npm", ["run", "build"]],
  [process.execPath, [bin("typescript/bin/tsc"), "-p", "tsconfig.test.json"]],
  [process.execPath, [bin("vitest/vitest.mjs"), "run", ...args]],
];
let status = 0;
for (const [cmd, argv] of steps) {
  const r = spawnSync(cmd, argv, { stdio: "inherit", env });
  status = r.status ?? 1;
  if (status !== 0) break;
}
const secs = Math.round((performance.now() - t0) / 1000);
console.log(`\nnpm ${slow ? "run test:slow" : "test"}: ${status === 0 ? "passed" : "FAILED"} in ${Math.floor(secs / 60)} min ${secs % 60} s (build, type check and vitest)`);
process.exit(status);
