/**
 * Issue 31: CSV/TSV text on every core. The writer formats large blocks in
 * parts and the reader parses large quote-free chunks in parts on helper
 * threads (src/text-parallel.ts); the bytes, errors and notices are those
 * of one thread. In-process against the build (dist/: the helpers run
 * dist/text-worker.js), then the CLI with --threads 1, 2 and 4 on
 * multi-MB inputs (the reader reads 1 MiB chunks: every chunk is split).
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, xorshift32 } from "./helpers.js";
import { dact, workdir } from "./workdir.js";

type Writer = typeof import("../src/formats/csv/writer.js");
type Reader = typeof import("../src/formats/csv/reader.js");
type TextParallel = typeof import("../src/text-parallel.js");
type PlainRows = typeof import("../src/formats/csv/plain-rows.js");
const dist = <T>(f: string) => import(path.join(ROOT, "dist", f)) as Promise<T>;
// The helpers' own work is what these tests check: a busy machine must not make this thread take every part back.
beforeAll(async () => (await dist<TextParallel>("text-parallel.js")).setPatience(60_000));

/** A deterministic generator (xorshift32, helpers.ts), so a failure can be replayed. */
const rng = (seed: number): (() => number) => xorshift32(seed).r;

/** Doubles of every kind: random bit patterns (subnormals, huge, tiny), ±0, ±inf, NaN, 0.1-like, powers of two, integers. */
function doubles(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const x = new Float64Array(n);
  const u = new Uint32Array(x.buffer);
  const special = [0, -0, Infinity, -Infinity, NaN, 1, -1, 0.1, 1e-300, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 2 ** 60, 1e16, 123456789012345680, 0.5];
  for (let i = 0; i < n; i++) {
    const k = r();
    if (k < 0.3) {
      u[2 * i] = (r() * 2 ** 32) >>> 0;
      u[2 * i + 1] = (r() * 2 ** 32) >>> 0;
    } else if (k < 0.4) x[i] = special[Math.floor(r() * special.length)]!;
    else if (k < 0.5) x[i] = Math.round((r() - 0.5) * 2000);
    else x[i] = 1 / (1 + Math.exp(-(r() - 0.5) * 16));
  }
  return x;
}

const sink = () => {
  const parts: Buffer[] = [];
  return { out: { name: "<test>", write: (c: Uint8Array) => void parts.push(Buffer.from(c)), commit: async () => {}, abort: async () => {} }, bytes: () => Buffer.concat(parts) };
};

describe("the writer in parts: the bytes of one thread", () => {
  const cases = [
    { cols: 10, delimiter: ",", decimal: "." as const, start: 0, crlf: false, missing: false },
    { cols: 1, delimiter: ",", decimal: "." as const, start: 0, crlf: true, missing: true },
    { cols: 7, delimiter: "\t", decimal: "," as const, start: 3, crlf: true, missing: true },
    { cols: 3, delimiter: ";", decimal: "." as const, start: 2, crlf: false, missing: false },
    { cols: 50_000, delimiter: ",", decimal: "." as const, start: 0, crlf: false, missing: true },
  ];
  it.each(cases)("%o, 2 and 3 threads", async (c) => {
    const { CsvWriter } = await dist<Writer>("formats/csv/writer.js");
    const tp = await dist<TextParallel>("text-parallel.js");
    const n = 300_007;
    const x = doubles(n, 7 + c.cols);
    const r = rng(3);
    const missing = c.missing ? Uint8Array.from({ length: n }, () => (r() < 0.01 ? 1 : 0)) : null;
    if (missing) for (let i = 0; i < n; i++) if (missing[i]) x[i] = NaN;
    const rows = Math.ceil((n + c.start) / c.cols) + 1;
    const endings = c.crlf ? Uint8Array.from({ length: rows }, (_, k) => (k % 3 === 0 ? 2 : 1)) : null;
    const run = async (threads: number, pipeline = false) => {
      tp.setTextThreads(threads);
      const s = sink();
      const w = new CsvWriter(s.out as never, { delimiter: c.delimiter, decimal: c.decimal, pipeline });
      // In batches of uneven sizes, continuing rows across batches as the transform does.
      let col = c.start;
      for (let k = 0, b = 40_001; k < n; k += b, b = b === 40_001 ? 70_003 : 40_001) {
        const m = Math.min(b, n - k);
        const rowsDone = Math.floor((col + 0) / c.cols);
        void rowsDone;
        w.cells(x.subarray(k, k + m), missing && missing.subarray(k, k + m), m, c.cols, col, endings && endings.subarray(Math.floor((k + c.start) / c.cols)), null);
        col = (col + m) % c.cols;
        await w.flush();
      }
      await w.end();
      return s.bytes();
    };
    const want = await run(1);
    const before = tp.helped.format;
    for (const t of [2, 3]) {
      const got = await run(t);
      expect(got.length, `${t} threads`).toBe(want.length);
      expect(got.equals(want), `${t} threads`).toBe(true);
    }
    if (c.cols < 40_000) expect(tp.helped.format).toBeGreaterThan(before);
    // Pipelined (the CSV transform's way): each batch formatted on a helper while the next is given, then end().
    for (const t of [2, 3]) {
      const before2 = tp.helped.format;
      const got = await run(t, true);
      expect(got.equals(want), `${t} threads, pipelined`).toBe(true);
      if (c.cols < 40_000) expect(tp.helped.format, `${t} threads, pipelined`).toBeGreaterThan(before2);
    }
    tp.setTextThreads(1);
  });
});

describe("blocks of 0.0 and 1.0 only (relu's derivatives)", () => {
  it("are formatted on this thread: a copy to a helper costs more than writing them", async () => {
    const { CsvWriter } = await dist<Writer>("formats/csv/writer.js");
    const tp = await dist<TextParallel>("text-parallel.js");
    const r = rng(9);
    const x = Float64Array.from({ length: 200_000 }, () => (r() < 0.5 ? 0 : 1));
    const run = async (threads: number) => {
      tp.setTextThreads(threads);
      const s = sink();
      const w = new CsvWriter(s.out as never, { delimiter: "," });
      w.cells(x, null, x.length, 10, 0, null, null);
      await w.end();
      return s.bytes();
    };
    const want = await run(1);
    const before = tp.helped.format + tp.helped.takenBack;
    expect((await run(2)).equals(want)).toBe(true);
    expect(tp.helped.format + tp.helped.takenBack).toBe(before);
    // One cell in three something else: worth a helper again.
    for (let i = 0; i < x.length; i += 3) x[i] = 0.25;
    const want2 = await run(1);
    expect((await run(2)).equals(want2)).toBe(true);
    expect(tp.helped.format + tp.helped.takenBack).toBeGreaterThan(before);
    tp.setTextThreads(1);
  });
});

describe("the JSON formatter in parts: the bytes of one thread", () => {
  type JsonWriter = typeof import("../src/formats/json/writer.js");
  /** Ops of `rows` rows of `cols` numbers (some null), JSON Lines (LF and CRLF) or one document nested `depth` deep. */
  const batchOf = (rows: number, cols: number, lines: boolean, depth: number, seed: number) => {
    const r = rng(seed);
    const x = doubles(rows * cols, seed);
    const ops: number[] = [];
    const values: number[] = [];
    const endings: number[] = [];
    if (!lines) for (let d = 0; d < depth; d++) ops.push(1);
    for (let i = 0; i < rows; i++) {
      ops.push(1);
      for (let j = 0; j < cols; j++) {
        if (r() < 0.02) ops.push(4);
        else {
          ops.push(3);
          values.push(x[i * cols + j]!);
        }
      }
      ops.push(2);
      if (lines) {
        ops.push(5);
        endings.push(i % 4 === 0 ? 2 : 1);
      }
    }
    if (!lines) for (let d = 0; d < depth; d++) ops.push(2);
    return { ops: Uint8Array.from(ops), nOps: ops.length, values: Float64Array.from(values), nValues: values.length, endings: Uint8Array.from(endings), nEndings: endings.length };
  };
  /** The batch cut into pieces at arbitrary ops (the state carries across write calls). */
  const pieces = (b: ReturnType<typeof batchOf>, cuts: number[]) => {
    const out: ReturnType<typeof batchOf>[] = [];
    let v = 0;
    let e = 0;
    for (let i = 0; i + 1 < cuts.length; i++) {
      const ops = b.ops.subarray(cuts[i]!, cuts[i + 1]!);
      const nv = ops.filter((o) => o === 3).length;
      const ne = ops.filter((o) => o === 5).length;
      out.push({ ops, nOps: ops.length, values: b.values.subarray(v, v + nv), nValues: nv, endings: b.endings.subarray(e, e + ne), nEndings: ne });
      v += nv;
      e += ne;
    }
    return out;
  };
  it.each([
    ["JSON Lines", true, 1],
    ["a JSON document nested 3 deep", false, 3],
  ] as const)("%s, 2 and 3 threads", async (_, lines, depth) => {
    const { JsonFormatter } = await dist<JsonWriter>("formats/json/writer.js");
    const tp = await dist<TextParallel>("text-parallel.js");
    const b = batchOf(30_000, 10, lines, depth, 41);
    const parts = pieces(b, [0, 1, 70_001, 70_002, 200_003, b.nOps]);
    const run = async (threads: number) => {
      tp.setTextThreads(threads);
      const s = sink();
      const f = new JsonFormatter(s.out as never, !lines);
      for (const p of parts) f.write(p as never, p.values);
      await f.out.flush();
      return s.bytes();
    };
    const want = await run(1);
    const before = tp.helped.formatJson;
    for (const t of [2, 3]) expect((await run(t)).equals(want), `${t} threads`).toBe(true);
    expect(tp.helped.formatJson).toBeGreaterThan(before);
    // Pipelined (the JSON transform's way): each piece formatted on a helper while the next is given, then end().
    const small = pieces(b, [0, 1, 70_001, 70_002, 140_003, 200_003, 260_000, 330_000, b.nOps]);
    for (const t of [2, 3]) {
      tp.setTextThreads(t);
      const s = sink();
      const f = new JsonFormatter(s.out as never, !lines, { pipeline: true });
      const before2 = tp.helped.formatJson;
      for (const p of small) {
        f.write(p as never, p.values);
        await f.flush();
      }
      await f.end();
      expect(s.bytes().equals(want), `${t} threads, pipelined`).toBe(true);
      expect(tp.helped.formatJson, `${t} threads, pipelined`).toBeGreaterThan(before2);
    }
    tp.setTextThreads(1);
  });
});

describe("plain rows in a helper: the reader's values, and a stop where the reader must decide", () => {
  const parse = async (text: string, cols: number, opts: { delim?: string; point?: number; signOnly?: boolean } = {}) => {
    const { parsePlainRows } = await dist<PlainRows>("formats/csv/plain-rows.js");
    const buf = Buffer.from(text);
    const values = new Float64Array(buf.length);
    const endings = new Uint8Array(buf.length);
    const r = parsePlainRows(buf, 0, buf.length, cols, (opts.delim ?? ",").charCodeAt(0), opts.point ?? 46, opts.signOnly ?? false, values, endings, values.length);
    return { ...r, values: Array.from(values.subarray(0, r.rows * cols)), endings: Array.from(endings.subarray(0, r.rows)), line: (at: string) => Buffer.from(text).indexOf(at) };
  };

  it("values and endings as the reader reads them", async () => {
    const { CsvReader } = await dist<Reader>("formats/csv/reader.js");
    const x = doubles(3000, 11);
    let text = "";
    // Every row starts with a digit or "-" (else the helper leaves it to the reader: a comment?); infinities in later cells.
    for (let i = 0; i < x.length; i += 3) text += `${[x[i]!, x[i + 1]!, x[i + 2]!].map((v, k) => (Number.isFinite(v) ? String(v) : k === 0 || Number.isNaN(v) ? "1" : v > 0 ? "inf" : "-Infinity")).join(",")}${i % 2 ? "\r\n" : "\n"}`;
    const got = await parse(text, 3);
    expect(got.stop, text.slice(got.stop, got.stop + 80)).toBe(Buffer.byteLength(text));
    const values: number[] = [];
    const endings: number[] = [];
    const reader = new CsvReader({ delimiter: ",", header: "no", onBatch: (b) => (values.push(...b.values.subarray(0, b.n)), endings.push(...b.endings.subarray(0, b.rows))) });
    reader.push(Buffer.from(text));
    reader.end();
    expect(got.values.length).toBe(values.length);
    expect(Buffer.from(Float64Array.from(got.values).buffer).equals(Buffer.from(Float64Array.from(values).buffer))).toBe(true);
    expect(got.endings).toEqual(endings);
  });

  it.each([
    ["a blank line", "1,2\n3,4\n\n5,6\n", "\n5,6"],
    ["a blank line of spaces", "1,2\n3,4\n  \n5,6\n", "  \n"],
    ["a line starting with a letter", "1,2\ninf,4\n", "inf,4"],
    ["a comment line", "1,2\n3,4\n# c\n5,6\n", "# c"],
    ["a line starting with a space", "1,2\n 3,4\n", " 3,4"],
    ["an empty cell", "1,2\n3,\n5,6\n", "3,\n"],
    ["an NA cell", "1,2\nNA,4\n", "NA,4"],
    ["a NaN cell", "1,2\n3,nan\n", "3,nan"],
    ["a bad cell", "1,2\n3,4x\n", "3,4x"],
    ["too many cells", "1,2\n3,4,5\n", "3,4,5"],
    ["too few cells", "1,2\n3\n", "3\n"],
    ["a lone CR", "1,2\n3,4\r5,6\n", "3,4\r"],
    ["a CR inside a cell", "1,2\n3,4\r\r\n", "3,4\r\r"],
  ])("stops at %s", async (_, text, at) => {
    const got = await parse(text, 2);
    expect(got.stop).toBe(got.line(at));
    expect(got.rows).toBe(text.slice(0, got.stop).split("\n").length - 1);
  });

  it("stops when its buffers are full, at a line's start", async () => {
    const { parsePlainRows } = await dist<PlainRows>("formats/csv/plain-rows.js");
    const buf = Buffer.from("1,2\n3,4\n5,6\n");
    const r = parsePlainRows(buf, 0, buf.length, 2, 44, 46, false, new Float64Array(5), new Uint8Array(5), 5);
    expect(r).toEqual({ rows: 2, stop: 8 });
  });
});

describe("the reader in parts: the batches of one thread", () => {
  const read = async (text: string, threads: number, delimiter = ",") => {
    const { CsvReader } = await dist<Reader>("formats/csv/reader.js");
    const tp = await dist<TextParallel>("text-parallel.js");
    tp.setTextThreads(threads);
    const values: number[] = [];
    const missing: number[] = [];
    const endings: number[] = [];
    const comments: string[] = [];
    let rows = 0;
    const notices: string[] = [];
    let error: unknown = null;
    try {
      const reader = new CsvReader({
        delimiter,
        header: "auto",
        file: "x.csv",
        notice: (m) => notices.push(m),
        onBatch: (b) => {
          values.push(...b.values.subarray(0, b.n));
          missing.push(...b.missing.subarray(0, b.n));
          endings.push(...b.endings.subarray(0, b.rows));
          for (const c of b.comments) comments.push(`${rows + c.row}:${c.text}`);
          rows += b.rows;
        },
      });
      const buf = Buffer.from(text);
      for (let k = 0; k < buf.length; k += 1 << 20) reader.push(buf.subarray(k, k + (1 << 20)));
      reader.end();
    } catch (e) {
      error = e;
    }
    tp.setTextThreads(1);
    const err = error as { code?: string; position?: unknown; message?: string } | null;
    return { values: Buffer.from(Float64Array.from(values).buffer), missing, endings, comments, notices, error: err && { code: err.code, position: err.position, message: err.message } };
  };
  it.each([
    ["plain rows", csv(60_000, 6, 21)],
    ["CRLF, comments, NA cells, blank lines, quoted cells with newlines", csv(60_000, 4, 22, { crlf: true, lineAt: (i) => (i % 4001 === 17 ? "# note" : i % 6007 === 5 ? "NA,1.5,,-2" : i % 9001 === 9 ? "" : i % 29_000 === 3 ? '"1.5\n",2,"3",4' : undefined) })],
    ["a bad cell deep in the file", csv(60_000, 6, 23, { lineAt: (i) => (i === 51_234 ? "1,2,3,4,5x,6" : undefined) })],
    ["a long row deep in the file", csv(60_000, 6, 24, { lineAt: (i) => (i === 40_000 ? "1,2,3,4,5,6,7" : undefined) })],
  ])("%s", async (_, text) => {
    const tp = await dist<TextParallel>("text-parallel.js");
    const want = await read(text, 1);
    const before = tp.helped.parsedRows;
    const got = await read(text, 2);
    expect(tp.helped.parsedRows).toBeGreaterThan(before);
    expect(got.error).toEqual(want.error);
    if (_.startsWith("a bad")) expect(want.error).toMatchObject({ code: "CSV_NUMBER", position: { line: 51_235, column: 5 } });
    if (_.startsWith("a long")) expect(want.error).toMatchObject({ code: "CSV_FIELDS", position: { line: 40_001 } });
    expect(got.values.equals(want.values)).toBe(true);
    expect(got.missing).toEqual(want.missing);
    expect(got.endings).toEqual(want.endings);
    expect(got.comments).toEqual(want.comments);
    expect(got.notices).toEqual(want.notices);
  });
});

describe("a helper whose job fails", () => {
  it("reports it, and this thread does the job itself (never waits for good)", async () => {
    const tp = await dist<TextParallel>("text-parallel.js");
    tp.setTextThreads(2);
    const h = tp.textHelpers()![0]!;
    const before = tp.helped.takenBack;
    tp.offer(h, 99 as never); // no such job: the helper says it failed
    expect(tp.finish(h)).toBe(false);
    expect(tp.helped.takenBack).toBe(before + 1);
    // The helper still serves the next job.
    h.f64.set([0.5, 0.25]);
    h.ctrl.set([2, 2, 0, 0, 44, 46], 2);
    tp.chunks(h, 0, 0); // one piece (a pipelined block before may have left its chunk words)
    tp.offer(h, 1);
    expect(tp.finish(h)).toBe(true);
    expect(h.bytes.toString("latin1", 0, h.ctrl[2 + 6])).toBe("0.5,0.25\n");
    tp.setTextThreads(1);
  });
});

describe("a helper that never starts", () => {
  it("the writer and the reader take the parts back and finish, the same bytes", async () => {
    // From the sources, src/text-worker.js does not exist: every helper fails to load.
    const tp = await import("../src/text-parallel.js");
    const { CsvWriter } = await import("../src/formats/csv/writer.js");
    const x = doubles(100_000, 5);
    const run = async (threads: number) => {
      tp.setTextThreads(threads);
      const s = sink();
      const w = new CsvWriter(s.out as never, { delimiter: "," });
      w.cells(x, null, x.length, 4, 0, null, null);
      w.cells(x, null, x.length, 4, 0, null, null); // the helpers are dropped after the first take-back: no second wait
      await w.end();
      return s.bytes();
    };
    const want = await run(1);
    const t0 = Date.now();
    const got = await run(3);
    expect(got.equals(want)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(5_000);
    tp.setTextThreads(1);
  });
});

/** A CSV of `rows` rows of `cols` doubles as %.17g would write them, with `lineAt(i)` replacing row i when it returns a string. */
function csv(rows: number, cols: number, seed: number, opts: { delim?: string; crlf?: boolean; header?: string; lineAt?: (i: number) => string | undefined } = {}): string {
  const x = doubles(rows * cols, seed);
  const d = opts.delim ?? ",";
  const nl = opts.crlf ? "\r\n" : "\n";
  const out: string[] = opts.header ? [opts.header] : [];
  for (let i = 0; i < rows; i++) {
    const special = opts.lineAt?.(i);
    if (special !== undefined) out.push(special);
    else {
      const row: string[] = [];
      for (let j = 0; j < cols; j++) {
        const v = x[i * cols + j]!;
        row.push(Number.isNaN(v) ? "0.25" : Number.isFinite(v) ? v.toPrecision(17) : v > 0 ? "inf" : "-inf");
      }
      out.push(row.join(d));
    }
  }
  return out.join(nl) + nl;
}

describe("--threads 1, 2 and 4, end to end: the same stdout, stderr and exit status", () => {
  const rows = 40_000; // ~3.5 MB at 8 columns
  const inputs: [string, string, string][] = [
    ["plain.csv", "plain rows", csv(rows, 8, 1)],
    ["crlf.csv", "CRLF rows and a header", csv(rows, 8, 2, { crlf: true, header: "a,b,c,d,e,f,g,h" })],
    ["tabs.tsv", "TSV with a header", csv(rows, 8, 3, { delim: "\t", header: "a\tb\tc\td\te\tf\tg\th" })],
    ["mixed.csv", "comments, NA and empty cells, blank lines and quoted cells in the middle", csv(rows, 4, 4, { lineAt: (i) => (i % 5003 === 17 ? "# a comment, 1,2" : i % 7001 === 5 ? "NA,1.5,,-2" : i % 9001 === 9 ? "" : i % 11003 === 3 ? '"1.5",2,"3",4' : i === 25_000 ? '"7\n",1,2,3' : undefined) })],
    ["bad.csv", "a bad cell deep in the file", csv(rows, 8, 5, { lineAt: (i) => (i === 31_234 ? "1,2,3,4,5,6,x7,8" : undefined) })],
    ["count.csv", "a short row deep in the file", csv(rows, 8, 6, { lineAt: (i) => (i === 27_001 ? "1,2,3" : undefined) })],
    ["lonecr.csv", "a lone CR deep in the file", csv(rows, 8, 7, { lineAt: (i) => (i === 20_000 ? "1,2,3,4,5,6,7,8\r1,2,3,4,5,6,7,8" : undefined) })],
  ];
  it.each(inputs)("%s (%s): relu and sigmoid", (file, _, text) => {
    const d = workdir();
    writeFileSync(path.join(d, file), text);
    for (const act of ["relu", "sigmoid"]) {
      const runs = [1, 2, 4].map((t) => dact([act, file, "--threads", String(t)], { cwd: d }));
      for (const r of runs.slice(1)) {
        expect(r.status).toBe(runs[0]!.status);
        expect(r.stderr).toBe(runs[0]!.stderr);
        expect(r.stdout.equals(runs[0]!.stdout), `${act} ${file}`).toBe(true);
      }
      if (file === "bad.csv") expect(runs[0]!.stderr).toMatch(/^dact: bad\.csv:31235:7: /);
      if (file === "count.csv") expect(runs[0]!.stderr).toMatch(/^dact: count\.csv:27002: /);
      if (file === "bad.csv" || file === "count.csv") expect(runs[0]!.status).toBe(2);
      else expect(runs[0]!.status, runs[0]!.stderr).toBe(0);
    }
  });

  it("JSON Lines and JSON: relu and sigmoid, the same bytes with 1, 2 and 4 threads", () => {
    const d = workdir();
    const x = doubles(400_000, 31);
    const row = (i: number) => `[${Array.from(x.subarray(i * 10, i * 10 + 10), (v) => (Number.isFinite(v) ? v.toPrecision(17) : Number.isNaN(v) ? "null" : v > 0 ? "1e999" : "-1e999")).join(",")}]`;
    const rowsN = 40_000;
    writeFileSync(path.join(d, "x.jsonl"), Array.from({ length: rowsN }, (_, i) => row(i) + (i % 3 === 0 ? "\r\n" : "\n")).join(""));
    writeFileSync(path.join(d, "x.json"), `[${Array.from({ length: rowsN }, (_, i) => row(i)).join(",\n")}]\n`);
    for (const file of ["x.jsonl", "x.json"]) {
      for (const act of ["relu", "sigmoid"]) {
        const runs = [1, 2, 4].map((t) => dact([act, file, "--threads", String(t)], { cwd: d }));
        expect(runs[0]!.status, runs[0]!.stderr).toBe(0);
        for (const r of runs.slice(1)) {
          expect(r.status).toBe(0);
          expect(r.stderr).toBe(runs[0]!.stderr);
          expect(r.stdout.equals(runs[0]!.stdout), `${act} ${file}`).toBe(true);
        }
      }
    }
  });

  it("a decimal comma with ';' between cells (--decimal ,): the same bytes with 1, 2 and 4 threads", () => {
    const d = workdir();
    writeFileSync(path.join(d, "eu.csv"), csv(rows, 8, 8, { delim: ";", lineAt: (i) => (i === 33_333 ? "1;2;3;4;5;6;7;8,5" : undefined) }).replace(/(\d)\.(\d)/g, "$1,$2"));
    const runs = [1, 2, 4].map((t) => dact(["sigmoid", "eu.csv", "--decimal", ",", "--threads", String(t)], { cwd: d }));
    expect(runs[0]!.status, runs[0]!.stderr).toBe(0);
    expect(runs[0]!.stdout.includes(Buffer.from(";0,"))).toBe(true);
    for (const r of runs.slice(1)) {
      expect(r.stderr).toBe(runs[0]!.stderr);
      expect(r.stdout.equals(runs[0]!.stdout)).toBe(true);
    }
  });

  it("CSV to .npy and back: the same bytes with 1 and 2 threads", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), csv(rows, 8, 9));
    for (const t of [1, 2]) expect(dact(["tanh", "x.csv", "-o", `o${t}.npy`, "--threads", String(t)], { cwd: d }).status).toBe(0);
    expect(readFileSync(path.join(d, "o2.npy")).equals(readFileSync(path.join(d, "o1.npy")))).toBe(true);
  });
});
