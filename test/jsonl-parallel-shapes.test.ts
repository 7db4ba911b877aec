/**
 * Issue 31, red team of the JSON Lines parse on helper threads: the paths
 * jsonl-parallel.test.ts leaves out. A caller's onDocument that throws (as
 * readJsonArray does on a line of another shape, for --to npy/csv and
 * --grad-output's G) while this thread appends a helper's lines: the
 * error's line is one thread's, and no helper is left working. End to end:
 * --to npy and --grad-output with a JSON Lines G, both read in parts
 * (DACT_TEXT_SPLIT_BYTES), with 1, 2 and 4 threads: the same bytes, and
 * the values JSON.parse gives (a correctly rounded parser, as Python's json).
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, userEnv, xorshift32 } from "./helpers.js";
import { dact, workdir } from "./workdir.js";

// Before the modules load: split every chunk of more than 300 bytes.
process.env["DACT_TEXT_SPLIT_BYTES"] = "300";

type Reader = typeof import("../src/formats/json/reader.js");
type TextParallel = typeof import("../src/text-parallel.js");
const dist = <T>(f: string) => import(path.join(ROOT, "dist", f)) as Promise<T>;

let tp: TextParallel;
let JsonReader: Reader["JsonReader"];
beforeAll(async () => {
  tp = await dist<TextParallel>("text-parallel.js");
  const reader = await dist<Reader>("formats/json/reader.js");
  JsonReader = reader.JsonReader;
  reader.setSplitJudged(false);
  tp.setPatience(60_000);
});

/** xorshift32 (helpers.ts), in [0, 1). */
const rng = (seed: number): (() => number) => xorshift32(seed).r;

function rows(seed: number, n: number, width: number): string[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => `[${Array.from({ length: width }, () => (r() < 0.05 ? "null" : ((r() - 0.5) * 1000).toPrecision(1 + Math.floor(r() * 17)))).join(", ")}]`);
}

/** Reads `input` as readJsonArray does: every line's shape must be the first's (else a JSON_SHAPE error at reader.lineNumber). */
function readMatrix(input: Buffer, threads: number, wasm: boolean): { lines: number; error: unknown } {
  tp.setTextThreads(threads);
  let first: string | null = null;
  let lines = 0;
  try {
    const reader: InstanceType<Reader["JsonReader"]> = new JsonReader({
      lines: true,
      file: "x.jsonl",
      wasm,
      onBatch() {},
      onDocument(shape) {
        const s = shape.join(",");
        if (first === null) first = s;
        else if (s !== first) throw Object.assign(new Error("shape"), { code: "JSON_SHAPE", line: reader.lineNumber });
        lines++;
      },
    });
    reader.push(input);
    reader.end();
    return { lines, error: null };
  } catch (e) {
    const err = e as { code?: string; line?: number; position?: unknown };
    if (err.code === undefined) throw e;
    return { lines, error: { code: err.code, line: err.line ?? err.position } };
  } finally {
    tp.setTextThreads(1);
  }
}

describe("JSON Lines in parts: an onDocument that throws (a line of another shape)", () => {
  it.each([3_001, 17_777, 29_999, 30_000])("the line of another shape at %i of 30000: one thread's line, after the same lines", (at) => {
    const ls = rows(at, 30_000, 5);
    ls[at - 1] = "[1, 2, 3, 4, 5, 6]";
    const input = Buffer.from(ls.join("\n") + "\n");
    const want = readMatrix(input, 1, false);
    expect(want.error).toEqual({ code: "JSON_SHAPE", line: at });
    expect(want.lines).toBe(at - 1);
    const helped = tp.helped.jsonlLines;
    for (const threads of [1, 2, 4]) expect(readMatrix(input, threads, true), `${threads} threads`).toEqual(want);
    expect(tp.helped.jsonlLines - helped).toBeGreaterThan(1_000);
    // The helpers are idle again: a read after the error uses them.
    const after = tp.helped.jsonlLines;
    expect(readMatrix(Buffer.from(rows(1, 20_000, 5).join("\n") + "\n"), 2, true)).toEqual({ lines: 20_000, error: null });
    expect(tp.helped.jsonlLines - after).toBeGreaterThan(1_000);
  });
});

describe("JSON Lines in parts end to end: --to npy and --grad-output's G", () => {
  const n = 30_000;
  const x = rows(5, n, 4);
  const g = rows(6, n, 4);
  const ones = Array.from({ length: n }, () => "[1, 2, 3, 4]");
  const env = { ...userEnv(), DACT_TEXT_SPLIT_BYTES: "4096" };

  /** The .npy's float64 payload (after its header). */
  function payload(npy: Buffer): Float64Array {
    const header = npy.readUInt16LE(8);
    const body = npy.subarray(10 + header);
    return new Float64Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.length));
  }

  /** JSON.parse's values (null: NaN), row-major. */
  function parsed(ls: string[]): Float64Array {
    return Float64Array.from(ls.flatMap((l) => (JSON.parse(l) as (number | null)[]).map((v) => (v === null ? NaN : v))));
  }

  it("--to npy: 1, 2 and 4 threads the same bytes; relu'(x) (0/1, NaN) of JSON.parse's x", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.jsonl"), x.join("\n") + "\n");
    const runs = [1, 2, 4].map((t) => dact(["relu", "x.jsonl", "--to", "npy", "-o", "-", "--threads", String(t)], { cwd: d, env }));
    for (const r of runs) {
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.equals(runs[0]!.stdout)).toBe(true);
    }
    const want = parsed(x).map((v) => (v !== v ? NaN : v > 0 ? 1 : 0));
    expect(Buffer.from(payload(runs[0]!.stdout).buffer).equals(Buffer.from(want.buffer))).toBe(true);
  });

  it("--grad-output G.jsonl (x > 0: G ⊙ 1 is G): JSON.parse's G, bit for bit, with 1, 2 and 4 threads", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.jsonl"), ones.join("\n") + "\n");
    writeFileSync(path.join(d, "g.jsonl"), g.join("\r\n") + "\r\n");
    const runs = [1, 2, 4].map((t) => dact(["relu", "x.jsonl", "--grad-output", "g.jsonl", "--to", "npy", "-o", "-", "--threads", String(t)], { cwd: d, env }));
    for (const r of runs) {
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.equals(runs[0]!.stdout)).toBe(true);
    }
    const got = payload(runs[0]!.stdout);
    const want = parsed(g);
    expect(got.length).toBe(want.length);
    expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
  });

  it("a G line of another shape deep in the file: the same error (line) with 1, 2 and 4 threads, nothing written", () => {
    const d = workdir();
    const bad = g.slice();
    bad[23_456] = "[1, 2, 3]";
    writeFileSync(path.join(d, "x.jsonl"), ones.join("\n") + "\n");
    writeFileSync(path.join(d, "g.jsonl"), bad.join("\n") + "\n");
    const runs = [1, 2, 4].map((t) => dact(["relu", "x.jsonl", "--grad-output", "g.jsonl", "-o", `out${t}.jsonl`, "--threads", String(t)], { cwd: d, env }));
    for (const r of runs) {
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(runs[0]!.stderr);
    }
    expect(runs[0]!.stderr).toMatch(/g\.jsonl:23457\b/);
    for (const t of [1, 2, 4]) expect(() => readFileSync(path.join(d, `out${t}.jsonl`))).toThrow();
  });
});
