#!/usr/bin/env node
/**
 * Issue 31, JSON Lines on every core: dact with --threads 1 (one thread)
 * and --threads 2 (src/text-parallel.ts, opt-in: DACT_TEXT_PARALLEL=1) against DuckDB and polars with
 * as many threads, 100 MB of
 * float64 rows ([10 numbers], %.17g), relu and sigmoid, alternated, best
 * of 3, wall time and CPU time (user + sys), peak RSS.
 *
 * DuckDB and polars read the lines as lists of doubles and write
 * {"r": [...]} lines (neither writes a bare array per line), so their
 * outputs are not compared byte for byte; dact's 2-thread output is
 * compared with its 1-thread output.
 *
 * Usage: node bench/text-parallel.mjs [--python /work/V/bin/python] [--mb 100] [--runs 3]
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DATA = path.join(ROOT, "bench", "data");
const BIN = path.join(ROOT, "bin", "dact.js");
mkdirSync(DATA, { recursive: true });
const args = process.argv.slice(2);
const opt = (k, d) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
const PY = opt("--python", process.env.DACT_BENCH_PYTHON ?? "/work/V/bin/python");
const MB = Number(opt("--mb", "100"));
const RUNS = Number(opt("--runs", "3"));

const inp = path.join(DATA, `lines-f8-${MB}.jsonl`);
if (!existsSync(inp)) {
  console.log(`generating ${inp} ...`);
  execFileSync(PY, ["-c", `
import numpy as np
rng = np.random.default_rng(1)
rows = ${MB} * 10**6 // 190
a = rng.standard_normal((rows, 10))
with open(${JSON.stringify(inp)}, "w") as f:
    for r in a:
        f.write("[" + ",".join("%.17g" % v for v in r) + "]\\n")
`], { stdio: "inherit" });
}

function measure(cmd) {
  execFileSync("sync");
  const r = spawnSync("/usr/bin/time", ["-v", "sh", "-c", cmd], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`failed (${r.status}): ${cmd}\n${r.stderr}`);
  const wall = /Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr);
  const user = Number(/User time \(seconds\): ([\d.]+)/.exec(r.stderr)[1]);
  const sys = Number(/System time \(seconds\): ([\d.]+)/.exec(r.stderr)[1]);
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)[1]) / 1024;
  return { secs: Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]), cpu: user + sys, rss };
}

const size = statSync(inp).size / 1e6;
const o = (n) => path.join(DATA, `tp-out-${n}.jsonl`);
for (const act of ["relu", "sigmoid"]) {
  const duckExpr = act === "relu" ? "CASE WHEN x > 0 THEN 1.0 ELSE 0.0 END" : "(1.0 / (1.0 + exp(-x))) * (1.0 - 1.0 / (1.0 + exp(-x)))";
  const polarsExpr = act === "relu" ? "(pl.element() > 0).cast(pl.Float64)" : "(1.0 / (1.0 + (-pl.element()).exp())) * (1.0 - 1.0 / (1.0 + (-pl.element()).exp()))";
  const cmds = {};
  for (const t of [1, 2]) {
    cmds[`dact ${t}t`] = `DACT_TEXT_PARALLEL=1 node ${BIN} ${act} ${inp} -o ${o(`d${t}`)} --threads ${t}`;
    cmds[`duckdb ${t}t`] = `${PY} -c "import duckdb; c = duckdb.connect(); c.execute('SET threads=${t}'); c.execute(\\"COPY (SELECT list_transform(json, x -> ${duckExpr}) AS r FROM read_json('${inp}', format='newline_delimited', records=false, columns={'json':'DOUBLE[]'})) TO '${o("duck")}' (FORMAT json)\\")"`;
    cmds[`polars ${t}t`] = `POLARS_MAX_THREADS=${t} ${PY} -c "import polars as pl; df = pl.read_csv('${inp}', has_header=False, separator='\\x01', quote_char=None, new_columns=['s']); df.select(pl.col('s').str.json_decode(pl.List(pl.Float64)).list.eval(${polarsExpr}).alias('r')).write_ndjson('${o("polars")}')"`;
  }
  const best = {};
  for (let i = 0; i < RUNS; i++) {
    for (const [k, c] of Object.entries(cmds)) {
      const m = measure(c);
      const b = best[k];
      best[k] = { secs: Math.min(m.secs, b?.secs ?? Infinity), cpu: Math.min(m.cpu, b?.cpu ?? Infinity), rss: Math.max(m.rss, b?.rss ?? 0) };
    }
  }
  const same = readFileSync(o("d1")).equals(readFileSync(o("d2")));
  console.log(`${act}, JSON Lines f8 (${size.toFixed(0)} MB), best of ${RUNS}, alternated; dact 2-thread output ${same ? "byte-identical to" : "DIFFERS from"} 1-thread`);
  for (const [k, m] of Object.entries(best)) console.log(`  ${k.padEnd(10)} ${m.secs.toFixed(2)} s wall, ${m.cpu.toFixed(2)} s CPU, ${(size / m.secs).toFixed(0)} MB/s, ${m.rss.toFixed(0)} MB RSS`);
  for (const t of [1, 2]) {
    const d = best[`dact ${t}t`].secs;
    const other = Math.min(best[`duckdb ${t}t`].secs, best[`polars ${t}t`].secs);
    console.log(`  ${t} thread${t > 1 ? "s" : ""}: dact ${(d / other).toFixed(2)}x the best of polars and DuckDB (target <= 1)`);
  }
}
for (const n of ["d1", "d2", "duck", "polars"]) rmSync(o(n), { force: true });
