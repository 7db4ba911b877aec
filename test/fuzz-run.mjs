#!/usr/bin/env node
// npm run fuzz -- [--seed N] [--seconds S]: the fuzz properties of
// test/fuzz.test.ts, each run for S seconds (default 60) from seed N.
import { spawnSync } from "node:child_process";

const args = process.argv.slice(2);
const get = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const seed = get("--seed", String(Date.now() % 1e9));
const seconds = get("--seconds", "60");
console.log(`fuzzing with seed ${seed}, ${seconds} s per property (rerun with --seed ${seed})`);
const r = spawnSync("npx", ["vitest", "run", "test/fuzz.test.ts", "--testTimeout", String((Number(seconds) + 60) * 1000)], {
  stdio: "inherit",
  env: { ...process.env, DACT_FUZZ_SEED: seed, DACT_FUZZ_SECONDS: seconds },
});
process.exit(r.status ?? 2);
