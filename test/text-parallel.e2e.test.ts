/**
 * Issue 31: JSON Lines on every core gives the bytes of the one-thread
 * transform, for random inputs (nesting, nulls, NaN/Infinity, CRLF, blank
 * and whitespace lines, a BOM, no final newline), every range size and
 * thread count, and the same error when the input is bad (the parallel
 * run gives way to one thread). In-process against the build (dist/: the
 * helper threads run dist/text-worker.js).
 */
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers.js";
import { BIN, dact, workdir } from "./workdir.js";

type TP = typeof import("../src/text-parallel.js");
type IO = typeof import("../src/io.js");
type Formats = typeof import("../src/formats/index.js");
type Registry = typeof import("../src/activations/registry.js");
const dist = (f: string) => import(path.join(ROOT, "dist", f)) as Promise<unknown>;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NUMBERS = ["0", "-0", "1", "-1", "0.5", "-2.5e-3", "1e308", "-1e-320", "123456789012345678901234567890", "3.141592653589793", "null", "NaN", "Infinity", "-Infinity", "1E5", "0.1"];

/** Random JSON Lines: rows of one shape per file, with the layout noise a file may carry; `bad` adds a broken line. */
function randomJsonl(r: () => number, lines: number, bad: boolean): string {
  const width = 1 + Math.floor(r() * 4);
  const nested = r() < 0.4;
  const crlf = r() < 0.3;
  const num = () => NUMBERS[Math.floor(r() * NUMBERS.length)]!;
  const row = () => {
    const cells = Array.from({ length: width }, () => (nested ? `[${num()}, ${num()}]` : num()));
    return r() < 0.2 ? ` [ ${cells.join(" ,")} ] ` : `[${cells.join(",")}]`;
  };
  let s = r() < 0.1 ? "\ufeff" : "";
  for (let i = 0; i < lines; i++) {
    const x = r();
    s += x < 0.05 ? "" : x < 0.08 ? "  " : row();
    if (bad && i === Math.floor(lines / 2)) s += r() < 0.5 ? "[1,,2]" : "]";
    if (i < lines - 1 || r() < 0.7) s += crlf && r() < 0.9 ? "\r\n" : "\n";
  }
  return s;
}

describe("JSON Lines on every core: the one-thread bytes", () => {
  it("random files, every range size from 1 byte, 2 and 3 threads, relu and sigmoid", async () => {
    const { transformLinesParallel } = (await dist("text-parallel.js")) as TP;
    const io = (await dist("io.js")) as IO;
    const formats = (await dist("formats/index.js")) as Formats;
    const { findActivation, resolveParams } = (await dist("activations/registry.js")) as Registry;
    const d = workdir();
    const r = rng(31);
    let parallelRuns = 0;
    for (let t = 0; t < 16; t++) {
      const bad = r() < 0.2;
      const text = randomJsonl(r, 1 + Math.floor(r() * 60), bad);
      const file = path.join(d, `t${t}.jsonl`);
      writeFileSync(file, text);
      const name = r() < 0.5 ? "relu" : "sigmoid";
      const act = findActivation(name)!;
      const params = resolveParams(act, {});
      const single = async (out: InstanceType<IO["MemoryOutput"]>) => {
        const transform = await formats.arrayFormat("jsonl").transform({});
        const input = await io.openInput(file);
        try {
          await transform(input, out, { kernel: act.kernel(params), signOnly: act.signOnly ?? false, notice: () => {} });
        } finally {
          await input.close();
        }
      };
      let want: Buffer | string;
      try {
        const o = new io.MemoryOutput();
        await single(o);
        want = o.bytes();
      } catch (e) {
        want = (e as Error).message;
      }
      for (const chunkBytes of [1, 64, 1 + Math.floor(r() * text.length)]) {
        const threads = 2 + (chunkBytes % 2);
        const out = new io.MemoryOutput();
        const fd = openSync(file, "r");
        let got: Buffer | string;
        try {
          const how = await transformLinesParallel({ fd, size: text.length }, out, { activation: name, params, format: "jsonl", threads, chunkBytes, minBytes: 0 }, () => single(out));
          if (how === "parallel") parallelRuns++;
          got = out.bytes();
        } catch (e) {
          got = (e as Error).message;
        } finally {
          closeSync(fd);
        }
        expect(got, `file ${t}, ${chunkBytes}-byte ranges, ${threads} threads`).toEqual(want);
      }
    }
    expect(parallelRuns).toBeGreaterThan(24); // most runs took the parallel path, not the fallback
  }, 120_000);

  it("a few MB with 1 (the one-thread path) and 2 threads: the same bytes", async () => {
    const { transformLinesParallel } = (await dist("text-parallel.js")) as TP;
    const io = (await dist("io.js")) as IO;
    const formats = (await dist("formats/index.js")) as Formats;
    const { findActivation } = (await dist("activations/registry.js")) as Registry;
    const d = workdir();
    const r = rng(7);
    const rows: string[] = [];
    for (let i = 0; i < 60_000; i++) rows.push(`[${Array.from({ length: 4 }, () => String((r() - 0.5) * 10 ** Math.floor(r() * 8 - 4))).join(", ")}]`);
    const file = path.join(d, "big.jsonl");
    writeFileSync(file, rows.join("\n") + "\n");
    const act = findActivation("sigmoid")!;
    const one = new io.MemoryOutput();
    const input = await io.openInput(file);
    await (await formats.arrayFormat("jsonl").transform({}))(input, one, { kernel: act.kernel({}), notice: () => {} });
    await input.close();
    const two = new io.MemoryOutput();
    const fd = openSync(file, "r");
    const how = await transformLinesParallel({ fd, size: statSync(file).size }, two, { activation: "sigmoid", params: {}, format: "jsonl", threads: 2, chunkBytes: 1 << 18, minBytes: 0 }, async () => {
      throw new Error("the one-thread fallback ran");
    });
    closeSync(fd);
    expect(how).toBe("parallel");
    expect(one.bytes().length).toBeGreaterThan(2 << 20);
    expect(two.bytes().equals(one.bytes())).toBe(true);
  }, 60_000);
});

describe("the CLI takes the parallel path for JSON Lines of 8 MB or more (DACT_TEXT_PARALLEL=1)", () => {
  const env = { ...process.env, DACT_TEXT_PARALLEL: "1" };
  function bigJsonl(d: string, broken: boolean): string {
    const r = rng(11);
    const rows: string[] = [];
    for (let i = 0; i < 110_000; i++) rows.push(`[${Array.from({ length: 5 }, () => String((r() - 0.5) * 10 ** Math.floor(r() * 10 - 5))).join(",")}]`);
    if (broken) rows[90_000] = "[1,,2]";
    const file = path.join(d, broken ? "broken.jsonl" : "big.jsonl");
    writeFileSync(file, rows.join("\r\n") + "\r\n");
    expect(statSync(file).size).toBeGreaterThan(8 << 20);
    return file;
  }

  it("--threads 2 gives the --threads 1 bytes", () => {
    const d = workdir();
    const file = bigJsonl(d, false);
    for (const act of ["relu", "sigmoid"]) {
      const one = dact([act, file, "-o", path.join(d, "one.jsonl"), "--threads", "1"]);
      const two = dact([act, file, "-o", path.join(d, "two.jsonl"), "--threads", "2"], { env });
      expect([one.status, two.status]).toEqual([0, 0]);
      expect(readFileSync(path.join(d, "two.jsonl")).equals(readFileSync(path.join(d, "one.jsonl")))).toBe(true);
    }
  }, 120_000);

  it.skipIf(spawnSync("strace", ["-V"]).status !== 0)("the parallel path runs only with DACT_TEXT_PARALLEL=1: its 4 MiB positional reads (strace; skipped without it)", () => {
    const d = workdir();
    const file = bigJsonl(d, false);
    const reads = (e: NodeJS.ProcessEnv) => {
      const log = path.join(d, "strace.txt");
      const r = spawnSync("strace", ["-f", "-qq", "-e", "trace=pread64", "-o", log, process.execPath, BIN, "relu", file, "-o", path.join(d, "o.jsonl"), "--threads", "2"], { env: e });
      expect(r.status).toBe(0);
      return readFileSync(log, "utf8").split("\n").filter((l) => / pread64\(\d+, .*, 4194304, \d+\) = \d+$/.test(l)).length;
    };
    expect(reads(env)).toBeGreaterThanOrEqual(2);
    expect(reads({ ...process.env, DACT_TEXT_PARALLEL: "0" })).toBe(0);
  }, 120_000);

  it("a bad line far in: the one-thread error (line and column), exit 2, no output, no temporary file", () => {
    const d = workdir();
    const file = bigJsonl(d, true);
    const one = dact(["relu", file, "-o", path.join(d, "one.jsonl"), "--threads", "1"]);
    const two = dact(["relu", file, "-o", path.join(d, "two.jsonl"), "--threads", "2"], { env });
    expect(one.status).toBe(2);
    expect(one.stderr).toMatch(/:90001:4: /);
    expect(two.status).toBe(2);
    expect(two.stderr).toBe(one.stderr.replace("one.jsonl", "two.jsonl"));
    expect(existsSync(path.join(d, "two.jsonl"))).toBe(false);
    expect(readdirSync(d).filter((f) => f.includes("dact-tmp"))).toEqual([]);
  }, 120_000);
});
