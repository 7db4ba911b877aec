/**
 * Journey 4: a folder tree with repeated base names (x.csv three times,
 * w.npy twice, one gzipped), bad files, and a few larger files, converted
 * as docs/batch.md's recipes do: a single run; the Slurm array's command
 * for shards 0/3, 1/3 and 2/3 one after another; the GNU parallel
 * command's shards side by side (xargs -P, as parallel runs them); and
 * shards interrupted by SIGINT, then finished with --resume on their
 * logs. Each union of shards is the single run, names and bytes; the
 * single run's outputs are np.heaviside's (fixtures/make_journeys.py).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { npyBytes } from "../helpers.js";
import { packed } from "../packed.js";
import { workdir } from "../workdir.js";
import { copyFixture, dact, dactAsync, files, fixture, JOURNEY_TIMEOUT, JOURNEYS, npyF8 } from "./helpers.js";

const MANIFEST = ".dact-manifest.jsonl";

/** Every output file under dir with its bytes (the manifest aside: it records runs, not results). */
function tree(dir: string): Map<string, Buffer> {
  return new Map(files(dir, [MANIFEST]).map((f) => [f, readFileSync(path.join(dir, f))]));
}

function expectSameTree(got: Map<string, Buffer>, want: Map<string, Buffer>, what: string): void {
  expect([...got.keys()], `${what}: the output names`).toEqual([...want.keys()]);
  for (const [f, b] of want) expect(got.get(f)!.equals(b), `${what}: ${f} differs from the single run's`).toBe(true);
}

/** The tree of fixtures/journeys/tree/in, plus three 2 MB .npy files named x.npy (so that SIGINT finds work going on). */
function inputs(d: string): void {
  copyFixture("tree/in", d, "in");
  const n = 1 << 18;
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = (i % 5) - 2;
  for (const sub of ["big1", "big2", "big3"]) {
    mkdirSync(path.join(d, "in", sub));
    writeFileSync(path.join(d, "in", sub, "x.npy"), npyBytes("<f8", `(${n},)`, data));
  }
}

interface LogLine {
  input: string;
  output: string;
  status: string;
}
const readLog = (f: string): LogLine[] => readFileSync(f, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as LogLine);

describe("journey 4: a tree with repeated base names, sharded by the recipes, interrupted and resumed", () => {
  it("every union of shards is the single run, names and bytes, and the single run is numpy's", async () => {
    
    const d = workdir("dact-j4-");
    inputs(d);
    const RELU = ["relu", "--at-zero", "0.5", "in"];

    // The single run: the two bad files fail (exit 2), the rest is written.
    const single = dact([...RELU, "--out-dir", "single", "--log", "single.jsonl"], { cwd: d });
    expect(single.status).toBe(2);
    const log = readLog(path.join(d, "single.jsonl"));
    expect(log.filter((l) => l.status === "failed").map((l) => path.relative("in", l.input)).sort()).toEqual(["b/bad.csv", "d/broken.npy"]);
    const written = log.filter((l) => l.status === "written");
    const want = tree(path.join(d, "single"));
    expect(want.size).toBe(written.length);
    expect(new Set(written.map((l) => l.output)).size, "one output per input").toBe(written.length);
    // Each output against the oracle: .npy bytes; CSV values parsed exactly.
    for (const l of written) {
      const rel = path.relative("in", l.input).replace(/\.gz$/, "");
      let out = readFileSync(path.join(d, l.output));
      if (l.output.endsWith(".gz")) out = gunzipSync(out);
      if (rel.startsWith("big")) {
        expect(npyF8(out).every((v, i) => v === [0, 0, 0.5, 1, 1][i % 5]), rel).toBe(true);
      } else if (rel.endsWith(".npy")) {
        expect(out.equals(fixture(`tree/expected/${rel}`)), rel).toBe(true);
        expect(l.output.endsWith(".npy") || l.output.endsWith(".npy.gz"), l.output).toBe(true);
      } else {
        const cells = out.toString().trim().split(/\n/).flatMap((line) => line.split(","));
        const oracle = npyF8(fixture(`tree/expected/${rel.replace(/\.csv$/, ".npy")}`));
        expect(cells.length, rel).toBe(oracle.length);
        cells.forEach((c, i) => expect(Object.is(Number(c), oracle[i]), `${rel} cell ${i}: ${c}, oracle ${oracle[i]}`).toBe(true));
      }
    }
    // Every expected output was made.
    expect(written.map((l) => path.relative("in", l.input).replace(/\.gz$/, "").replace(/\.csv$/, ".npy")).filter((r) => !r.startsWith("big")).sort()).toEqual(files(path.join(JOURNEYS, "tree", "expected")));

    // The Slurm array, one task after another:
    //   dact relu /shared/in --out-dir /shared/out --jobs 4 --shard "$SLURM_ARRAY_TASK_ID/8" --skip-existing --log "/shared/logs/$SLURM_ARRAY_TASK_ID.jsonl"
    mkdirSync(path.join(d, "logs"));
    for (let i = 0; i < 3; i++) {
      const r = dact([...RELU, "--out-dir", "slurm", "--jobs", "4", "--shard", `${i}/3`, "--skip-existing", "--log", `logs/${i}.jsonl`], { cwd: d });
      expect(r.status, `shard ${i}/3`).not.toBe(null);
      expect([0, 2], `shard ${i}/3`).toContain(r.status);
    }
    expectSameTree(tree(path.join(d, "slurm")), want, "the Slurm recipe");

    // GNU parallel's, with the shards side by side:
    //   seq 0 3 | parallel 'dact relu /shared/in --out-dir /shared/out --shard {}/4 --skip-existing'
    const bin = packed().bin;
    const par = spawnSync("sh", ["-c", `seq 0 2 | xargs -P 3 -I{} "${bin}" relu --at-zero 0.5 in --out-dir parallel --shard {}/3 --skip-existing -q`], { cwd: d, encoding: "utf8" });
    expect(par.status, par.stderr).not.toBe(0); // xargs: some shard had a bad file
    expectSameTree(tree(path.join(d, "parallel")), want, "the GNU parallel recipe");

    // Shards interrupted by SIGINT once their first file is logged, then --resume on each log.
    let interrupted = 0;
    await Promise.all(
      [0, 1, 2].map(async (i) => {
        const logFile = path.join(d, `int-${i}.jsonl`);
        const child = dactAsync([...RELU, "--out-dir", "interrupted", "--jobs", "1", "--shard", `${i}/3`, "--log", logFile], d);
        const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
        const t0 = Date.now();
        while (child.exitCode === null && !(existsSync(logFile) && readFileSync(logFile, "utf8").includes("\n")) && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 5));
        child.kill("SIGINT");
        const { code, signal } = await done;
        if (code === 130) interrupted++;
        // A shard that had finished (its one line was its last) and was exiting: Node restores the default
        // action while it tears down, so the signal ends it there. Its work is done; --resume below checks it.
        else if (code === null && signal === "SIGINT") return;
        else expect([0, 2], `shard ${i}/3 ended before SIGINT with ${code}`).toContain(code);
      }),
    );
    expect(interrupted, "at least one shard was interrupted").toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) {
      const logFile = `int-${i}.jsonl`;
      if (!existsSync(path.join(d, logFile))) writeFileSync(path.join(d, logFile), "");
      const r = dact([...RELU, "--out-dir", "interrupted", "--shard", `${i}/3`, "--resume", logFile], { cwd: d });
      expect([0, 2], `resumed shard ${i}/3`).toContain(r.status);
    }
    expectSameTree(tree(path.join(d, "interrupted")), want, "interrupted and resumed shards");
  }, JOURNEY_TIMEOUT);
});
