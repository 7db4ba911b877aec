/**
 * Text on every core (src/text-parallel.ts), at its seams: where the
 * reader cuts a chunk for its helpers and the writers cut a block. With a
 * tiny split size (DACT_TEXT_SPLIT_BYTES / _CELLS, read when the module
 * loads) every chunk of a few hundred bytes is split, so the cuts fall
 * everywhere: just before and after a comment, a `#N/A` row, an NA cell,
 * a blank line, a lone CR, a CRLF, a quoted cell with a newline, a row
 * with a cell too many or too few, a BOM, a header, a label column. Each
 * input is read (and written) with 4 threads and with 1; everything the
 * reader hands on (values, missing codes, endings, comments, labels,
 * header, notices, the error with its position) must be the same. Both
 * are also read by the reader's own parser alone (no wasm row parser,
 * src/wasm/text.wat), the reference. In process against the build
 * (dist/), like text-parallel.e2e.test.ts.
 */
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, xorshift32 } from "./helpers.js";

// Before the modules load (each test file runs in a process of its own): split everything.
process.env["DACT_TEXT_SPLIT_BYTES"] = "300";
process.env["DACT_TEXT_SPLIT_CELLS"] = "40";
// Pipelined blocks in chunks of a few rows: many chunks a block, claimed from both ends (PendingText).
process.env["DACT_TEXT_CHUNK_CELLS"] = "30";

type Reader = typeof import("../src/formats/csv/reader.js");
type Writer = typeof import("../src/formats/csv/writer.js");
type JsonWriter = typeof import("../src/formats/json/writer.js");
type TextParallel = typeof import("../src/text-parallel.js");
type Cells = typeof import("../src/formats/csv/cells.js");
type Ops = typeof import("../src/formats/json/ops.js");
const dist = <T>(f: string) => import(path.join(ROOT, "dist", f)) as Promise<T>;

let tp: TextParallel;
/** Rows the wasm row parser took on this thread, over every read. */
let wasmRows = 0;
beforeAll(async () => {
  tp = await dist<TextParallel>("text-parallel.js");
  // The helpers' own work is what is checked: a busy machine must not make this thread take every part back.
  tp.setPatience(60_000);
});

/** xorshift32 (helpers.ts): a failure replays from its seed. */
const rng = xorshift32;

function number(g: ReturnType<typeof rng>): string {
  const k = g.r();
  if (k < 0.5) return String(Math.round((g.r() - 0.5) * 2000) / 100);
  if (k < 0.6) return g.pick(["1e5", "-0", "0", "1E-3", "-1.5e+300", "inf", "-inf", "1e999", "+1", " 1", "1 ", "1.", ".5", "-.5", "007.50", "1_000", "\t2", "2\t", "123456789012345678901234", "-0.0000000000000000000001234567890123456789", "1e-400", "2.2250738585072011e-308", "9007199254740993"]);
  return String(g.r() * 10);
}

interface Shape {
  cols: number;
  delim: string;
  comma: boolean;
  header: boolean;
  label: boolean;
  endings: string;
  bom: boolean;
  bad: boolean;
  /** Larger: fewer unusual lines (longer plain runs for the helpers). */
  rarity: number;
}

/** A text of plain rows with unusual lines among them. */
function text(g: ReturnType<typeof rng>, s: Shape): string {
  const lines: string[] = [];
  const n = 20 + Math.floor(g.r() * 300);
  for (let i = 0; i < n; i++) {
    const r = g.r() * s.rarity;
    let cells = Array.from({ length: s.cols }, () => number(g));
    if (s.comma) cells = cells.map((c) => c.replace(".", ","));
    const at = Math.floor(g.r() * s.cols);
    let line: string;
    if (r < 0.02) line = `# comment ${i}`;
    else if (r < 0.03) line = "";
    else if (r < 0.04) line = ["#N/A", ...cells.slice(1)].join(s.delim);
    else if (r < 0.05) {
      cells[at] = g.pick(["NA", "nan", "", "-999", "NaN", "null", "-nan", "-1.#IND", "1.#QNAN", " ", "x"]);
      line = cells.join(s.delim);
    } else if (r < 0.055) {
      cells[at] = `"${number(g)}${g.r() < 0.5 ? "\n" : ""}"`;
      line = cells.join(s.delim);
    } else if (r < 0.06 && s.bad) line = cells.slice(0, -1).join(s.delim);
    else if (r < 0.065 && s.bad) line = [...cells, "1"].join(s.delim);
    else if (r < 0.07) line = ` ${cells.join(s.delim)}`;
    else line = cells.join(s.delim);
    if (s.label && !(line.startsWith("#") && !line.startsWith("#N/A")) && line !== "") line = `r${i}${s.delim}${line}`;
    const e = g.r();
    lines.push(line + (s.endings === "mixed" ? (e < 0.7 ? "\n" : e < 0.95 ? "\r\n" : "\r") : s.endings));
  }
  let t = lines.join("");
  if (s.header) t = `${Array.from({ length: s.cols + (s.label ? 1 : 0) }, (_, k) => (s.label && k === 0 ? "" : `c${k}`)).join(s.delim)}\n${t}`;
  return s.bom ? `\ufeff${t}` : t;
}

describe("the reader with its chunks split everywhere: what one thread reads", () => {
  const read = async (input: Buffer, threads: number, chunks: number[], opts: Omit<ConstructorParameters<Reader["CsvReader"]>[0], "onBatch">) => {
    const { CsvReader } = await dist<Reader>("formats/csv/reader.js");
    tp.setTextThreads(threads);
    const got = { values: [] as number[], missing: [] as number[], endings: [] as number[], comments: [] as string[], labels: [] as string[], headers: [] as string[], cols: [] as string[], notices: [] as string[], naTokens: [] as string[], rows: 0, error: null as unknown };
    try {
      const reader = new CsvReader({
        ...opts,
        notice: (m) => got.notices.push(m),
        onBatch: (b) => {
          got.values.push(...b.values.subarray(0, b.n));
          got.missing.push(...b.missing.subarray(0, b.n));
          got.endings.push(...b.endings.subarray(0, b.rows));
          for (const c of b.comments) got.comments.push(`${got.rows + c.row}:${c.text}:${c.ending}`);
          got.labels.push(...b.labels);
          if (b.header !== null) got.headers.push(b.header);
          got.cols.push(`${b.cols}:${b.startCell}`);
          got.rows += b.rows;
          got.naTokens = [...b.naTokens];
        },
      });
      let k = 0;
      for (const c of chunks) {
        if (k >= input.length) break;
        reader.push(input.subarray(k, k + c));
        k += c;
      }
      if (k < input.length) reader.push(input.subarray(k));
      reader.end();
      wasmRows += reader.wasmRowsTaken;
    } catch (e) {
      const err = e as { code?: string; position?: unknown; message?: string };
      got.error = { code: err.code, position: err.position, message: err.message };
    } finally {
      tp.setTextThreads(1);
    }
    // A sign-only kernel (relu) needs only a value's sign: beyond 15 digits the reader's own parser keeps just that (±1), the wasm parser the exact value.
    if (opts.signOnly) got.values = got.values.map((x) => (x === 0 || x !== x ? x : Math.sign(x)));
    // Doubles by their bits: -0 and NaN count.
    return { ...got, values: Buffer.from(Float64Array.from(got.values).buffer).toString("hex") };
  };

  it.each([1, 2, 3, 4, 5, 6])("seed %i: 60 inputs, chunks of 1 byte to 3 kB", async (seed) => {
    const g = rng(seed * 7919);
    const before = tp.helped.parse;
    const wasmBefore = wasmRows;
    for (let i = 0; i < 60; i++) {
      const delim = g.pick([",", ",", ";", "\t", "whitespace"]);
      const comma = delim === ";" && g.r() < 0.5;
      const shape: Shape = { cols: 1 + Math.floor(g.r() * 5), delim: delim === "whitespace" ? " " : delim, comma, header: g.r() < 0.3, label: g.r() < 0.15, endings: g.pick(["\n", "\r\n", "mixed"]), bom: g.r() < 0.1, bad: g.r() < 0.2, rarity: g.pick([1, 5, 20]) };
      const input = Buffer.from(text(g, shape));
      const header = shape.header ? g.pick(["auto", "yes"] as const) : g.pick(["auto", "auto", "no", "yes"] as const);
      const opts = { delimiter: delim, header, file: "x.csv", decimal: comma ? ("," as const) : ("." as const), signOnly: g.r() < 0.2, naValues: g.r() < 0.2 ? ["-999", "NA", "nan"] : undefined, comment: g.r() < 0.1 ? "" : "#", labels: g.r() < 0.1 ? [0] : undefined };
      const chunks: number[] = [];
      for (let t = 0; t < input.length + 10; ) {
        const c = 1 + Math.floor(g.r() * (g.r() < 0.5 ? 50 : 3000));
        chunks.push(c);
        t += c;
      }
      const want = await read(input, 1, chunks, { ...opts, wasm: false });
      const one = await read(input, 1, chunks, opts);
      expect(one, `1 thread, seed ${seed}, input ${i}: ${JSON.stringify(shape)} ${JSON.stringify(opts)}`).toEqual(want);
      const got = await read(input, 4, chunks, opts);
      expect(got, `4 threads, seed ${seed}, input ${i}: ${JSON.stringify(shape)} ${JSON.stringify(opts)}`).toEqual(want);
    }
    // The split happened, and the wasm parser took rows (else every comparison above passes for nothing).
    expect(tp.helped.parse - before).toBeGreaterThan(50);
    expect(wasmRows - wasmBefore).toBeGreaterThan(1000);
  });
});

/** Doubles of every kind: random bits, specials, 0.0 and 1.0 (which the writer may keep whole), plain decimals. */
function value(g: ReturnType<typeof rng>): number {
  const k = g.r();
  if (k < 0.1) return g.pick([0, -0, 1, -1, NaN, Infinity, -Infinity, 5e-324, 1e300, 0.1]);
  if (k < 0.2) return g.r() < 0.5 ? 0 : 1;
  if (k < 0.4) {
    const f = new Float64Array(1);
    const u = new Uint32Array(f.buffer);
    u[0] = (g.r() * 2 ** 32) >>> 0;
    u[1] = (g.r() * 2 ** 32) >>> 0;
    return f[0]!;
  }
  return (g.r() - 0.5) * 10;
}

const sink = () => {
  const parts: Buffer[] = [];
  return { out: { name: "<test>", write: (c: Uint8Array) => void parts.push(Buffer.from(c)), commit: async () => {}, abort: async () => {} }, bytes: () => Buffer.concat(parts) };
};

describe("the writers with their blocks split everywhere: the bytes of one thread", () => {
  it.each([1, 2, 3])("CSV/TSV, seed %i: 40 blocks (rows continued across calls, missing cells, CRLF and CR endings, comments)", async (seed) => {
    const { CsvWriter } = await dist<Writer>("formats/csv/writer.js");
    const { setCellsWasm } = await dist<Cells>("formats/csv/cells.js");
    const g = rng(seed * 104_729);
    const before = tp.helped.format;
    const chunksBefore = tp.helped.chunks;
    for (let i = 0; i < 40; i++) {
      const cols = g.pick([1, 1, 2, 3, 7, 13, 100]);
      // Some calls of more than one block (37449 cells): the row count carries from block to block.
      const n = g.r() < 0.2 ? 40_000 + Math.floor(g.r() * 60_000) : Math.floor(g.r() * 5000);
      const x = Float64Array.from({ length: n }, () => value(g));
      const missing = g.r() < 0.4 ? Uint8Array.from({ length: n }, () => (g.r() < 0.05 ? 1 : 0)) : null;
      const start = Math.floor(g.r() * cols);
      const endings = g.r() < 0.5 ? Uint8Array.from({ length: Math.ceil((n + start) / cols) + 2 }, () => g.pick([1, 2, 3])) : null;
      const delimiter = g.pick([",", "\t", ";", " "]);
      const decimal = delimiter === "," ? "." : g.pick([".", ","] as const);
      const mid = Math.floor(n / cols / 2);
      const comments = g.r() < 0.3 ? [{ row: -1, text: "# top", ending: 1 }, { row: 1, text: "# c1", ending: 2 }, { row: 3, text: "# c3", ending: 1 }, ...(mid > 3 ? [{ row: mid, text: "# mid", ending: 2 }] : [])] : null;
      const cuts = [0];
      while (cuts[cuts.length - 1]! < n) cuts.push(Math.min(n, cuts[cuts.length - 1]! + 1 + Math.floor(g.r() * (n > 5000 ? 80_000 : 2000))));
      const run = async (threads: number, pipeline = false) => {
        tp.setTextThreads(threads);
        const s = sink();
        const w = new CsvWriter(s.out as never, { delimiter, decimal: decimal as "." | ",", pipeline });
        let col = start;
        let rows = 0;
        for (let k = 0; k + 1 < cuts.length; k++) {
          const a = cuts[k]!;
          const b = cuts[k + 1]!;
          const extras = comments && k === 0 ? { naTokens: [], labelCols: [], labels: [], comments } : null;
          w.cells(x.subarray(a, b), missing && missing.subarray(a, b), b - a, cols, col, endings && endings.subarray(rows), extras as never);
          rows += Math.floor((col + b - a) / cols);
          col = (col + b - a) % cols;
          await w.flush();
        }
        await w.end();
        tp.setTextThreads(1);
        return s.bytes();
      };
      // The reference: this thread's JavaScript formatter alone (no wasm formatter, src/wasm/text.wat).
      setCellsWasm(false);
      const want = await run(1);
      setCellsWasm(true);
      const one = await run(1);
      expect(one.equals(want), `1 thread, seed ${seed}, block ${i}: ${JSON.stringify({ cols, n, start, delimiter, decimal })}\n${one.toString().slice(0, 200)}\n${want.toString().slice(0, 200)}`).toBe(true);
      const got = await run(4);
      expect(got.equals(want), `4 threads, seed ${seed}, block ${i}: ${JSON.stringify({ cols, n, start, delimiter, decimal })}\n${got.toString().slice(0, 200)}\n${want.toString().slice(0, 200)}`).toBe(true);
      const piped = await run(2, true);
      expect(piped.equals(want), `2 threads pipelined, seed ${seed}, block ${i}: ${JSON.stringify({ cols, n, start, delimiter, decimal })}`).toBe(true);
    }
    expect(tp.helped.format - before).toBeGreaterThan(20);
    // The pipelined runs' helper formatted chunks of its own (not only this thread's stolen ones).
    expect(tp.helped.chunks - chunksBefore).toBeGreaterThan(20);
  });

  it.each([1, 2, 3])("JSON and JSON Lines, seed %i: 40 op streams (nested 1-4 deep, empty arrays, nulls, scalars), cut anywhere", async (seed) => {
    const { JsonFormatter } = await dist<JsonWriter>("formats/json/writer.js");
    const { setOpsWasm } = await dist<Ops>("formats/json/ops.js");
    const g = rng(seed * 15_485_863);
    const before = tp.helped.formatJson;
    const chunksBefore = tp.helped.chunks;
    for (let i = 0; i < 40; i++) {
      const ops: number[] = [];
      const values: number[] = [];
      const ends: number[] = [];
      const lines = g.r() < 0.5;
      const array = (depth: number): void => {
        ops.push(1);
        const m = Math.floor(g.r() * (depth > 2 ? 30 : 6));
        for (let k = 0; k < m; k++) {
          const r = g.r();
          if (depth < 4 && r < 0.2) array(depth + 1);
          else if (r < 0.25) ops.push(4);
          else {
            ops.push(3);
            values.push(value(g));
          }
        }
        ops.push(2);
      };
      const docs = lines ? 1 + Math.floor(g.r() * 400) : 1;
      for (let d = 0; d < docs; d++) {
        if (lines && g.r() < 0.1) {
          ops.push(3);
          values.push(value(g));
        } else array(1);
        if (lines) {
          ops.push(5);
          ends.push(g.pick([1, 2]));
        }
      }
      const cuts = [0];
      while (cuts[cuts.length - 1]! < ops.length) cuts.push(Math.min(ops.length, cuts[cuts.length - 1]! + 1 + Math.floor(g.r() * 3000)));
      const run = async (threads: number, pipeline = false) => {
        tp.setTextThreads(threads);
        const s = sink();
        const f = new JsonFormatter(s.out as never, !lines, { pipeline });
        let v = 0;
        let e = 0;
        for (let k = 0; k + 1 < cuts.length; k++) {
          const o = Uint8Array.from(ops.slice(cuts[k], cuts[k + 1]));
          const nv = o.filter((q) => q === 3).length;
          const ne = o.filter((q) => q === 5).length;
          const vals = Float64Array.from(values.slice(v, v + nv));
          f.write({ ops: o, nOps: o.length, values: vals, nValues: nv, endings: Uint8Array.from(ends.slice(e, e + ne)), nEndings: ne } as never, vals);
          v += nv;
          e += ne;
        }
        if (pipeline) await f.end();
        else await f.out.flush();
        tp.setTextThreads(1);
        return s.bytes();
      };
      // The reference: this thread's JavaScript formatter alone (no wasm formatter, src/wasm/text.wat).
      setOpsWasm(false);
      const want = await run(1);
      setOpsWasm(true);
      const one = await run(1);
      expect(one.equals(want), `1 thread, seed ${seed}, stream ${i}: ${lines ? "JSON Lines" : "JSON"}, ${ops.length} ops`).toBe(true);
      const got = await run(4);
      expect(got.equals(want), `4 threads, seed ${seed}, stream ${i}: ${lines ? "JSON Lines" : "JSON"}, ${ops.length} ops`).toBe(true);
      const piped = await run(2, true);
      expect(piped.equals(want), `2 threads pipelined, seed ${seed}, stream ${i}: ${lines ? "JSON Lines" : "JSON"}, ${ops.length} ops`).toBe(true);
    }
    expect(tp.helped.formatJson - before).toBeGreaterThan(20);
    expect(tp.helped.chunks - chunksBefore).toBeGreaterThan(20);
  });
});

describe("--threads far above 8 (its default is the number of cores)", () => {
  it("starts at most MAX_TEXT_HELPERS (7) text helpers: ~12 MB of RSS each, and no gain cutting a 1 MiB chunk finer", async () => {
    tp.setTextThreads(64);
    try {
      const hs = tp.textHelpers();
      expect(hs).not.toBeNull();
      expect(hs!.length).toBe(7);
      expect(tp.MAX_TEXT_HELPERS).toBe(7);
      // Asked again (a later run, a library caller): none more.
      expect(tp.textHelpers()!.length).toBe(7);
    } finally {
      tp.setTextThreads(1);
    }
  });
});
