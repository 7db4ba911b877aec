/**
 * scripts/verify-f32.mjs (`npm run verify:f32`, issue 27): a small range of
 * float32 bit patterns through one configuration, its results file, and a
 * rerun that resumes (skips the units already in the file). Uses dist/.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers.js";
import { workdir } from "./workdir.js";

const SCRIPT = path.join(ROOT, "scripts", "verify-f32.mjs");
const run = (args: string[]) => spawnSync(process.execPath, [SCRIPT, ...args], { encoding: "utf8" });

describe("npm run verify:f32", () => {
  it("runs a bit-pattern range through the float32 and float64 kernels, writes a unit per range, and resumes", () => {
    const out = path.join(workdir(), "r.jsonl");
    // [1, 2) and the first patterns past 2, in two units (2^24 patterns a unit): 0x3f800000.. and 0x40000000..
    const args = ["--only", "gelu-tanh,relu@0.5", "--order", "1,2", "--from", "0x3fff0000", "--to", "0x40010000", "--workers", "1", "--out", out];
    const r = run(args);
    expect(r.status, r.stderr).toBe(0);
    const lines = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, number | string>);
    expect(lines).toHaveLength(2 * 2 * 2); // 2 configurations x 2 orders x 2 units
    for (const l of lines) {
      expect(l["inputs"]).toBe(0x10000);
      expect(l["differ"]).toBe(0);
      expect(l["stride"]).toBe(1);
    }
    expect(new Set(lines.map((l) => `${l["label"]}/${l["order"]}`))).toEqual(new Set(["gelu-tanh/1", "gelu-tanh/2", "relu@0.5/1", "relu@0.5/2"]));
    // the table: one row per configuration and order, with its coverage
    expect(r.stdout).toMatch(/^gelu-tanh --order 2 +131072 +0\.00% of 2\^32 +0 /m);
    const again = run(args);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/^0 units to run/m);
    expect(readFileSync(out, "utf8").trim().split("\n")).toHaveLength(8);
  });

  it("rejects a configuration it does not know", () => {
    const r = run(["--only", "nope", "--workers", "1"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--only: unknown configuration nope/);
  });
});
