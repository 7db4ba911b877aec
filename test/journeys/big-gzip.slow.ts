/**
 * Journey 6 (npm run test:slow): a 1 GiB float64 .npy, gzipped, through
 * --check against a gzipped golden in which one value near the end
 * differs, in bounded memory (peak RSS from test/peak-rss.cjs, no GNU
 * time). Both files are made here, streamed into the run's temporary
 * folder: a 4 KiB pattern of values repeated, so each .gz is a few MB
 * (past the 2 MiB where gzip input broke, issue 24) and quick to make.
 */
import { spawnSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import * as path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { describe, expect, it } from "vitest";
import { npyBytes } from "../helpers.js";
import { packed } from "../packed.js";
import { PEAK_RSS, workdir } from "../workdir.js";

const N = 2 ** 27; // float64s: 1 GiB
const PERIOD = 512; // values in the repeated block
const CHANGED = N - 3; // the golden's one different value

/** Writes a gzipped .npy of N float64s: value(i % PERIOD), except at `except`. */
async function writeNpyGz(file: string, value: (k: number) => number, except?: { at: number; value: number }): Promise<void> {
  const block = new Float64Array(PERIOD).map((_, k) => value(k));
  const header = npyBytes("<f8", `(${N},)`);
  async function* chunks() {
    yield header;
    const per = 2048; // blocks per chunk: 8 MiB
    const chunk = new Float64Array(PERIOD * per);
    for (let b = 0; b < per; b++) chunk.set(block, b * PERIOD);
    for (let start = 0; start < N; start += chunk.length) {
      if (except && except.at >= start && except.at < start + chunk.length) {
        const c = Float64Array.from(chunk);
        c[except.at - start] = except.value;
        yield Buffer.from(c.buffer);
      } else yield Buffer.from(chunk.buffer);
    }
  }
  await pipeline(Readable.from(chunks()), createGzip({ level: 1 }), createWriteStream(file));
}

describe("journey 6: a 1 GiB .npy.gz through --check against a golden, in bounded memory", () => {
  it("one differing value in 2^27 is found, named, and memory stays flat", async () => {
    const d = workdir("dact-j6-");
    const x = (k: number) => (k % 7) - 3 + (k % 3) * 0.25; // negatives, zeros, positives
    const relu = (v: number) => (v > 0 ? 1 : v < 0 ? 0 : 0.5);
    expect(relu(x(CHANGED % PERIOD))).not.toBe(0.25);
    await writeNpyGz(path.join(d, "x.npy.gz"), x);
    await writeNpyGz(path.join(d, "golden.npy.gz"), (k) => relu(x(k)), { at: CHANGED, value: 0.25 });
    const bin = path.join(packed().prefix, "lib", "node_modules", "dact", "bin", "dact.js");
    const r = spawnSync(process.execPath, ["--require", PEAK_RSS, bin, "relu", "--at-zero", "0.5", "x.npy.gz", "--check", "golden.npy.gz"], { cwd: d, encoding: "utf8", timeout: 600_000 });
    const m = /\nmaxRSS=(\d+) cpuMs=\d+\n$/.exec(r.stderr);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toContain(`Mismatched elements: 1 / ${N} `);
    expect(r.stdout).toMatch(new RegExp(`^ {2}\\[${CHANGED}\\]: ${relu(x(CHANGED % PERIOD)).toFixed(1)}, 0\\.25$`, "m"));
    expect(m, "peak RSS reported").not.toBe(null);
    expect(Number(m![1]) / 1024, "peak RSS in MB").toBeLessThan(200);
  }, 900_000);
});
