#!/usr/bin/env node
/**
 * node bench/numfmt.mjs [--bin PATH] [--runs N]: the cost of the number
 * layout (issue 28). dact sigmoid on 200k x 10 doubles, CSV and JSON out,
 * in the default layout (Python's repr) and with --float-format; the
 * --float-format rows must stay within 1.5x of the default, and the default
 * no slower than before. Prints the least CPU time (user + system) of N runs per row.
 * Inputs are made once into bench/data/ (git-ignored) by this script.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DATA = path.join(ROOT, "bench", "data");
mkdirSync(DATA, { recursive: true });
const args = process.argv.slice(2);
const BIN = args.includes("--bin") ? args[args.indexOf("--bin") + 1] : path.join(ROOT, "bin", "dact.js");
const RUNS = args.includes("--runs") ? Number(args[args.indexOf("--runs") + 1]) : 5;
const FORMATS = args.includes("--formats") ? args[args.indexOf("--formats") + 1].split(";") : ["%.6g", "%.17g", "%.18e", "%.3f"];

/** 2M doubles of every magnitude an activation derivative gives, written with %.17g (a seeded xorshift: no Python needed). */
const inp = path.join(DATA, "numfmt-200k.csv");
if (!existsSync(inp)) {
  let s = 12345;
  const r = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
  const lines = [];
  for (let i = 0; i < 200_000; i++) {
    const row = [];
    for (let j = 0; j < 10; j++) row.push((r() * 16 - 8).toPrecision(17));
    lines.push(row.join(","));
  }
  writeFileSync(inp, lines.join("\n") + "\n");
}

/** The least CPU time (user + system, from /usr/bin/time: steadier than wall time on a shared machine) of RUNS runs. */
function time(argv) {
  let best = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const r = spawnSync("/usr/bin/time", ["-f", "%U %S", "node", BIN, ...argv], { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
    if (r.status !== 0) throw new Error(`dact ${argv.join(" ")}: ${r.stderr}`);
    const [u, s] = r.stderr.trim().split("\n").at(-1).split(" ").map(Number);
    best = Math.min(best, u + s);
  }
  return best;
}

for (const ext of ["csv", "json"]) {
  const out = path.join(DATA, `numfmt-out.${ext}`);
  const base = time(["sigmoid", inp, "-o", out, "--force"]);
  console.log(`${ext.padEnd(4)} default        ${base.toFixed(3)} s CPU`);
  if (args.includes("--default-only")) continue;
  for (const f of FORMATS) {
    const t = time(["sigmoid", inp, "-o", out, "--force", "--float-format", f]);
    console.log(`${ext.padEnd(4)} ${f.padEnd(14)} ${t.toFixed(3)} s CPU  (${(t / base).toFixed(2)}x the default)`);
  }
  rmSync(out, { force: true });
}
