/**
 * Issue 31: JSON Lines on the text helper threads. JsonReader cuts the
 * whole lines ahead in a chunk in parts (splitLines), helper threads run
 * the wasm row parser over the later parts (Job.ParseJsonl) while this
 * thread scans the first, and the parts are joined in order; where a
 * helper stopped (a line the wasm parser leaves to the scanner, or its
 * buffers full) this thread scans on. Everything the reader hands on (ops,
 * values by their bits, endings, each line's shape and number, the error
 * with its position) must be what one thread reads, for every input and
 * chunking, and what the scanner alone reads (no wasm parser). With a tiny
 * split size (DACT_TEXT_SPLIT_BYTES, read when the module loads) every
 * chunk of a few hundred bytes is split. In process against the build
 * (dist/: the helpers run dist/text-worker.js), then the CLI with
 * --threads 1, 2 and 4.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, userEnv, xorshift32 } from "./helpers.js";
import { dact, workdir } from "./workdir.js";

// Before the modules load (each test file runs in a process of its own): split everything.
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
  // Every chunk split, however long the handoffs of these tiny parts take against this thread alone.
  reader.setSplitJudged(false);
  // The helpers' own work is what is checked: a busy machine must not make this thread take every part back.
  tp.setPatience(60_000);
});

/** xorshift32 (helpers.ts): a failure replays from its seed. */
const rng = xorshift32;

function number(g: ReturnType<typeof rng>): string {
  const k = g.r();
  if (k < 0.4) return ((g.r() - 0.5) * 10 ** Math.floor(g.r() * 8)).toPrecision(17);
  if (k < 0.7) return String((g.r() - 0.5) * 4);
  if (k < 0.8) return String(Math.round((g.r() - 0.5) * 2000));
  // Spellings the wasm parser leaves to the scanner (NaN, 20 digits...) and nulls.
  return g.pick(["null", "null", "-0", "0", "1e5", "1E-3", "-1.5e+300", "1e999", "NaN", "Infinity", "-Infinity", "123456789012345678901234", "-0.0000000000000000000001234567890123456789", "1e-400", "2.2250738585072011e-308", "9007199254740993"]);
}

interface Shape {
  width: number;
  /** Larger: fewer unusual lines (longer runs for the helpers). */
  rarity: number;
  endings: "\n" | "\r\n" | "mixed";
  bad: boolean;
  bom: boolean;
  last: boolean;
}

/** JSON Lines rows of one width with unusual lines among them: other widths, nesting, blank lines, scalars, malformed lines. */
function text(g: ReturnType<typeof rng>, s: Shape, n: number): string {
  const lines: string[] = [];
  const row = (w: number) => {
    const sp = () => g.pick(["", "", "", "", " ", "\t"]);
    return `${sp()}[${Array.from({ length: w }, () => sp() + number(g) + sp()).join(",")}]${sp()}`;
  };
  for (let i = 0; i < n; i++) {
    const r = g.r() * s.rarity;
    let line: string;
    if (r < 0.02) line = "";
    else if (r < 0.03) line = row(s.width + 1);
    else if (r < 0.04) line = `[${row(2)}, ${row(2)}]`;
    else if (r < 0.045) line = g.pick(["7", "null", "[]", "  ", "[[]]"]);
    else if (r < 0.05 && s.bad) line = g.pick(["[1, 2,]", "[01, 2]", "[1 2]", "[1, nul]", '[1, "a"]', "[1, 2", '{"a": 1}', "[1.]", "[-]", "[1e]", "[1, .5]", "[true]", "]"]);
    else line = row(s.width);
    const e = g.r();
    lines.push(line + (s.endings === "mixed" ? (e < 0.7 ? "\n" : "\r\n") : s.endings));
  }
  let t = lines.join("");
  if (!s.last) t = t.replace(/\r?\n$/, "");
  return s.bom ? `\ufeff${t}` : t;
}

interface Trace {
  ops: string;
  bits: string;
  endings: string;
  docs: string;
  error: unknown;
}

/** What the reader hands on for `input` cut into `chunks` (cycled), with `threads` text threads. */
function read(input: Buffer, chunks: number[], threads: number, wasm: boolean, signOnly: boolean): Trace {
  tp.setTextThreads(threads);
  const ops: Buffer[] = [];
  const bits: Buffer[] = [];
  const endings: Buffer[] = [];
  const docs: string[] = [];
  let error: unknown = null;
  try {
    const reader: InstanceType<Reader["JsonReader"]> = new JsonReader({
      lines: true,
      file: "x.jsonl",
      wasm,
      signOnly,
      onBatch(b) {
        ops.push(Buffer.from(b.ops.subarray(0, b.nOps)));
        bits.push(Buffer.from(b.values.slice(0, b.nValues).buffer));
        endings.push(Buffer.from(b.endings.subarray(0, b.nEndings)));
      },
      onDocument(shape) {
        docs.push(`${reader.lineNumber}:${shape.join(",")}`);
      },
    });
    let p = 0;
    for (let k = 0; p < input.length; k++) {
      const n = chunks[k % chunks.length]!;
      // A fresh copy each time, as a file reader's reused buffer would be.
      reader.push(Buffer.from(input.subarray(p, p + n)));
      p += n;
    }
    reader.end();
  } catch (e) {
    const err = e as { code?: string; position?: unknown; message?: string };
    if (err.code === undefined) throw e;
    error = { code: err.code, position: err.position, message: err.message };
  } finally {
    tp.setTextThreads(1);
  }
  let values = Buffer.concat(bits);
  // A sign-only kernel (relu) needs only a value's sign: beyond 15 digits the scanner keeps just that (±1), the wasm parser the exact value.
  if (signOnly) {
    const x = new Float64Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.length));
    for (let k = 0; k < x.length; k++) if (x[k] !== 0 && x[k] === x[k]) x[k] = Math.sign(x[k]!);
    values = Buffer.from(x.buffer);
  }
  return { ops: Buffer.concat(ops).toString("hex"), bits: values.toString("hex"), endings: Buffer.concat(endings).toString("hex"), docs: docs.join(" "), error };
}

describe("JSON Lines read in parts on helper threads: what one thread reads", () => {
  it.each([1, 2, 3, 4, 5, 6])("seed %i: 40 inputs, chunks of 1 byte to 20 kB, 2 and 4 threads", (seed) => {
    const g = rng(seed * 7919);
    const parts = tp.helped.parseJsonl;
    const lines = tp.helped.jsonlLines;
    for (let i = 0; i < 40; i++) {
      const shape: Shape = { width: 1 + Math.floor(g.r() * 6), rarity: g.pick([1, 5, 30, 200]), endings: g.pick(["\n", "\r\n", "mixed"] as const), bad: g.r() < 0.3, bom: g.r() < 0.1, last: g.r() < 0.8 };
      const input = Buffer.from(text(g, shape, 20 + Math.floor(g.r() * 600)));
      const signOnly = g.r() < 0.3;
      const chunks: number[] = [];
      for (let t = 0; t < input.length + 10; ) {
        const c = 1 + Math.floor(g.r() * (g.r() < 0.2 ? 50 : 20_000));
        chunks.push(c);
        t += c;
      }
      const want = read(input, chunks, 1, false, signOnly);
      const one = read(input, chunks, 1, true, signOnly);
      const at = `seed ${seed}, input ${i}: ${JSON.stringify(shape)}`;
      expect(one, `1 thread, ${at}`).toEqual(want);
      for (const threads of [2, 4]) expect(read(input, chunks, threads, true, signOnly), `${threads} threads, ${at}`).toEqual(want);
    }
    // The split happened and the helpers' lines were used (else every comparison above passes for nothing).
    expect(tp.helped.parseJsonl - parts).toBeGreaterThan(100);
    expect(tp.helped.jsonlLines - lines).toBeGreaterThan(500);
  });

  it("with the splits judged (paused after a round slower than this thread alone, as the CLI runs): the same", async () => {
    const { setSplitJudged } = await dist<Reader>("formats/json/reader.js");
    setSplitJudged(true);
    try {
      const g = rng(4242);
      for (let i = 0; i < 20; i++) {
        const shape: Shape = { width: 1 + Math.floor(g.r() * 6), rarity: g.pick([5, 200]), endings: "mixed", bad: g.r() < 0.5, bom: false, last: true };
        const input = Buffer.from(text(g, shape, 2000));
        const chunks = [1 + Math.floor(g.r() * 30_000)];
        const want = read(input, chunks, 1, false, false);
        for (const threads of [2, 4]) expect(read(input, chunks, threads, true, false), `${threads} threads, input ${i}`).toEqual(want);
      }
    } finally {
      setSplitJudged(false);
    }
  });

  it("an error in a helper's part: the line and column of one thread, after the lines before it", () => {
    const g = rng(99);
    const rows = Array.from({ length: 30_000 }, () => `[${Array.from({ length: 5 }, () => (g.r() < 0.05 ? "null" : ((g.r() - 0.5) * 100).toPrecision(17))).join(",")}]`);
    rows[25_000] = "[1.5, 2, 3,, 4, 5]";
    const input = Buffer.from(rows.join("\n") + "\n");
    const lines = tp.helped.jsonlLines;
    for (const threads of [1, 2, 4]) {
      const t = read(input, [1 << 20], threads, true, false);
      expect(t.error, `${threads} threads`).toMatchObject({ code: "JSON_SYNTAX", position: { line: 25_001, column: 12 } });
      expect(t.docs.split(" ").length).toBe(25_000);
    }
    expect(tp.helped.jsonlLines - lines).toBeGreaterThan(10_000);
  });

  it("a helper whose buffers fill (short lines after long ones: its part was sized by the long ones): this thread reads on", () => {
    const g = rng(7);
    const long = Array.from({ length: 4000 }, () => `[${Array.from({ length: 10 }, () => ((g.r() - 0.5) * 10).toPrecision(17)).join(",")}]`);
    const short = Array.from({ length: 600_000 }, (_, i) => `[${i % 2}]`);
    const input = Buffer.from([...long, ...short].join("\n") + "\n");
    const want = read(input, [input.length], 1, false, false);
    expect(want.error).toBeNull();
    const lines = tp.helped.jsonlLines;
    for (const threads of [1, 2, 4]) {
      const got = read(input, [input.length], threads, true, false);
      expect(got.ops === want.ops && got.bits === want.bits && got.endings === want.endings && got.docs === want.docs, `${threads} threads`).toBe(true);
    }
    expect(tp.helped.jsonlLines - lines).toBeGreaterThan(100_000);
  });
});

describe("JSON Lines, --threads 1, 2 and 4, end to end: the same stdout, stderr and exit status", () => {
  const g = rng(31);
  const shape: Shape = { width: 10, rarity: 400, endings: "mixed", bad: false, bom: false, last: true };
  const plain = text(g, shape, 40_000); // ~3.5 MB: the reader's 1 MiB chunks are split
  const rows = plain.split("\n");
  rows[31_234] = "[1, 2, 3, 4, 5, 6, x7, 8, 9, 10]";
  const bad = rows.join("\n");
  const cases: [string, Buffer, Record<string, string>][] = [
    ["x.jsonl", Buffer.from(plain), {}],
    ["bad.jsonl", Buffer.from(bad), {}],
    ["x.jsonl.gz", gzipSync(plain), {}],
    ["-", Buffer.from(plain), {}],
    // A pipe's chunks (64 KiB) are below the split size; split them too.
    ["-", Buffer.from(plain), { DACT_TEXT_SPLIT_BYTES: "4096" }],
    ["bad.jsonl", Buffer.from(bad), { DACT_TEXT_SPLIT_BYTES: "4096" }],
  ];
  it.each(cases)("%s %#: relu and sigmoid", (file, bytes, env) => {
    const d = workdir();
    if (file !== "-") writeFileSync(path.join(d, file), bytes);
    for (const act of ["relu", "sigmoid"]) {
      const args = file === "-" ? [act, "--format", "jsonl"] : [act, file];
      const runs = [1, 2, 4].map((t) => dact([...args, "--threads", String(t)], { cwd: d, input: file === "-" ? bytes : undefined, env: { ...userEnv(), ...env } }));
      for (const r of runs.slice(1)) {
        expect(r.status).toBe(runs[0]!.status);
        expect(r.stderr).toBe(runs[0]!.stderr);
        expect(r.stdout.equals(runs[0]!.stdout), `${act} ${file}`).toBe(true);
      }
      if (file === "bad.jsonl") {
        expect(runs[0]!.status).toBe(2);
        expect(runs[0]!.stderr).toMatch(/^dact: bad\.jsonl:31235:20: /);
      } else {
        expect(runs[0]!.status, runs[0]!.stderr).toBe(0);
        expect(runs[0]!.stdout.toString().split("\n").length).toBe(40_001);
      }
    }
  });
});
