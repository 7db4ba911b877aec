/**
 * A whole matrix in memory, in C order, for the features that need one:
 * format conversion, compare, --check and the library API. (Same-format
 * derivatives stream instead; see pipeline.ts.) Readers and writers here
 * reuse the streaming codecs' push parsers and number formatting.
 */
import { getFloat16 } from "@petamoriken/float16";
import type { Activation, Params } from "./activations/types.js";
import { DactError } from "./errors.js";
import type { Format } from "./formats/detect.js";
import { CsvReader, type HeaderMode } from "./formats/csv/reader.js";
import { JsonReader, Op } from "./formats/json/reader.js";
import { NpyDecoder } from "./formats/npy/decoder.js";
import { elementReader, resultBatch } from "./formats/npy/elements.js";
import { encodeHeader } from "./formats/npy/header.js";
import { formatNumber } from "./formats/text/number.js";
import type { Input, Output } from "./io.js";

export type FloatDType = "f2" | "f4" | "f8";

export interface Matrix {
  /** NumPy-style shape; [] for a scalar. */
  shape: number[];
  /** The values in C (row-major) order. Missing values are NaN here and flagged in `missing`. */
  data: Float64Array;
  /** 1 where the input had no value (an empty CSV cell, a JSON null); null when there are none. */
  missing: Uint8Array | null;
  /** The float dtype the values have (from a .npy, or f8 for text); f2/f4 values are exactly representable. */
  dtype: FloatDType;
  /** A CSV header's cells, when there was one. */
  header: string[] | null;
}

export interface ReadOptions {
  delimiter?: string;
  header?: HeaderMode;
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Grows a Float64Array/Uint8Array pair as values arrive. */
class Collector {
  data = new Float64Array(1024);
  missing = new Uint8Array(1024);
  n = 0;
  anyMissing = false;
  push(v: number, miss: boolean): void {
    if (this.n === this.data.length) {
      const d = new Float64Array(this.n * 2);
      d.set(this.data);
      this.data = d;
      const m = new Uint8Array(this.n * 2);
      m.set(this.missing);
      this.missing = m;
    }
    this.data[this.n] = miss ? NaN : v;
    if (miss) {
      this.missing[this.n] = 1;
      this.anyMissing = true;
    }
    this.n++;
  }
  result(): { data: Float64Array; missing: Uint8Array | null } {
    return { data: this.data.slice(0, this.n), missing: this.anyMissing ? this.missing.slice(0, this.n) : null };
  }
}

/** Reads a whole input into a Matrix. */
export async function readMatrix(input: Input, format: Format, opts: ReadOptions = {}): Promise<Matrix> {
  switch (format) {
    case "npy":
      return readNpy(input);
    case "csv":
    case "tsv":
      return readCsv(input, opts.delimiter ?? (format === "tsv" ? "\t" : ","), opts.header ?? "auto");
    case "json":
    case "jsonl":
      return readJson(input, format === "jsonl");
  }
}

async function readNpy(input: Input): Promise<Matrix> {
  // Grown as data arrives, never sized from the header: a header may claim
  // far more elements than the file holds (the decoder reports that).
  let data: Float64Array = new Float64Array(0);
  let k = 0;
  let read: ReturnType<typeof elementReader> | null = null;
  let shape: number[] = [];
  let fortran = false;
  let dtype: FloatDType = "f8";
  const decoder = new NpyDecoder(
    {
      header(h) {
        shape = [...h.shape];
        fortran = h.fortranOrder;
        data = new Float64Array(Math.min(h.count, 1 << 16));
        read = elementReader(h.dtype);
        dtype = h.dtype.kind === "f" ? (`f${h.dtype.size}` as FloatDType) : "f8";
      },
      data(bytes, n) {
        if (k + n > data.length) {
          const grown = new Float64Array(Math.max(k + n, data.length * 2));
          grown.set(data.subarray(0, k));
          data = grown;
        }
        const src = read!(bytes, n);
        for (let i = 0; i < n; i++) data[k++] = src[i]!;
      },
    },
    input.name,
  );
  for await (const chunk of input.chunks()) decoder.push(chunk);
  decoder.end();
  data = data.length === k ? data : data.slice(0, k);
  if (fortran && shape.filter((d) => d !== 1).length > 1) data = fortranToC(data, shape);
  return { shape, data, missing: null, dtype, header: null };
}

/** Reorders Fortran-order data (first index fastest) into C order. */
function fortranToC(src: Float64Array, shape: readonly number[]): Float64Array {
  const n = src.length;
  const nd = shape.length;
  const out = new Float64Array(n);
  const idx = new Array<number>(nd).fill(0);
  // Walk C order; keep the Fortran offset of the current index.
  const fStride = new Array<number>(nd);
  let s = 1;
  for (let d = 0; d < nd; d++) {
    fStride[d] = s;
    s *= shape[d]!;
  }
  let f = 0;
  for (let c = 0; c < n; c++) {
    out[c] = src[f]!;
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]!++;
      f += fStride[d]!;
      if (idx[d]! < shape[d]!) break;
      f -= fStride[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

async function readCsv(input: Input, delimiter: string, header: HeaderMode): Promise<Matrix> {
  const c = new Collector();
  let cols = 0;
  let rows = 0;
  let headerCells: string[] | null = null;
  const reader = new CsvReader(
    delimiter.charCodeAt(0),
    header,
    (b) => {
      if (b.headerCells !== null) headerCells = b.headerCells;
      cols = b.cols; // final once the first row has ended
      for (let i = 0; i < b.n; i++) c.push(b.values[i]!, b.missing[i] !== 0);
      rows += b.rows;
    },
    input.name,
  );
  for await (const chunk of input.chunks()) reader.push(chunk);
  reader.end();
  const { data, missing } = c.result();
  return { shape: rows === 0 && cols === 0 ? [0, 0] : [rows, cols], data, missing, dtype: "f8", header: headerCells };
}

async function readJson(input: Input, lines: boolean): Promise<Matrix> {
  const c = new Collector();
  const shapes: number[][] = [];
  let line = 0;
  const reader = new JsonReader(
    lines,
    (b) => {
      let v = 0;
      for (let k = 0; k < b.nOps; k++) {
        const op = b.ops[k];
        if (op === Op.Value) c.push(b.values[v++]!, false);
        else if (op === Op.Null) c.push(NaN, true);
        else if (op === Op.LineEnd) line++;
      }
    },
    input.name,
    false,
    (shape) => {
      if (lines && shapes.length > 0 && shape.join(",") !== shapes[0]!.join(",")) {
        throw new DactError("JSON_SHAPE", `found a line of shape (${shape.join(", ")}); expected (${shapes[0]!.join(", ")}), as on the first line, to make a matrix`, input.name, { line: line + 1 });
      }
      shapes.push(shape);
    },
  );
  for await (const chunk of input.chunks()) reader.push(chunk);
  reader.end();
  const { data, missing } = c.result();
  const shape = lines ? [shapes.length, ...(shapes[0] ?? [])] : (shapes[0] ?? []);
  return { shape, data, missing, dtype: "f8", header: null };
}

/** numpy-style reshape with at most one -1. */
export function reshape(m: Matrix, to: readonly number[]): Matrix {
  const size = m.data.length;
  const known = to.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const shape = to.map((d) => (d === -1 ? (known === 0 ? 0 : size / known) : d));
  if (sizeOf(shape) !== size || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new DactError("USAGE", `option --reshape: found (${to.join(", ")}) for ${size} elements of shape (${m.shape.join(", ")}); expected sizes whose product is ${size}`);
  }
  return { ...m, shape };
}

export interface WriteOptions {
  /** .npy output dtype; default: the matrix's own. */
  dtype?: FloatDType;
  delimiter?: string;
  /** For messages. */
  source?: string;
  notice?: (message: string) => void;
}

/** Writes a Matrix in any format. CSV/TSV take 0-, 1- and 2-D; a header goes only to CSV/TSV. */
export async function writeMatrix(m: Matrix, output: Output, format: Format, opts: WriteOptions = {}): Promise<void> {
  if (m.header && format !== "csv" && format !== "tsv") {
    opts.notice?.(`dact: ${opts.source ?? output.name}: the CSV header (${m.header.join(", ")}) has no place in ${format}; dropped`);
  }
  const text = (s: string) => output.write(Buffer.from(s, "utf8"));
  switch (format) {
    case "npy":
      return writeNpy(m, output, opts.dtype ?? m.dtype);
    case "csv":
    case "tsv":
      return writeDelimited(m, output, opts.delimiter ?? (format === "tsv" ? "\t" : ","), opts.source ?? output.name);
    case "json":
      await text(jsonText(m, true));
      return;
    case "jsonl":
      await text(jsonLines(m));
      return;
  }
}

async function writeNpy(m: Matrix, output: Output, dtype: FloatDType): Promise<void> {
  await output.write(encodeHeader(`<${dtype}`, false, m.shape));
  const CHUNK = 1 << 17;
  for (let s = 0; s < m.data.length; s += CHUNK) {
    const n = Math.min(CHUNK, m.data.length - s);
    const b = resultBatch(`<${dtype}`, n);
    b.values.set(m.data.subarray(s, s + n));
    await output.write(b.bytes(n));
  }
}

/** A CSV/TSV cell for a number, or empty for a missing value. */
function cell(m: Matrix, k: number): string {
  return m.missing?.[k] ? "" : formatNumber(m.data[k]!);
}

function quoteCell(s: string, delimiter: string): string {
  return s.includes(delimiter) || s.includes('"') || s.includes("\n") || s.includes("\r") ? `"${s.replace(/"/g, '""')}"` : s;
}

async function writeDelimited(m: Matrix, output: Output, delimiter: string, source: string): Promise<void> {
  if (m.shape.length > 2) {
    throw new DactError("USAGE", `${source}: found a ${m.shape.length}-D array of shape (${m.shape.join(", ")}); expected at most 2 dimensions for CSV/TSV (pass --reshape rows,cols, e.g. --reshape -1,${m.shape[m.shape.length - 1]})`);
  }
  // 0-D: one cell; 1-D: one value per line, as np.savetxt writes a vector.
  const cols = m.shape.length === 2 ? m.shape[1]! : 1;
  const rows = m.shape.length === 0 ? 1 : m.shape[0]!;
  let out = "";
  if (m.header && m.header.length === cols) out += m.header.map((h) => quoteCell(h, delimiter)).join(delimiter) + "\n";
  for (let r = 0; r < rows; r++) {
    if (cols === 0) {
      out += "\n";
      continue;
    }
    const cells: string[] = [];
    for (let c = 0; c < cols; c++) cells.push(cell(m, r * cols + c));
    out += (cols === 1 && cells[0] === "" ? '""' : cells.join(delimiter)) + "\n";
    if (out.length > 1 << 20) {
      await output.write(Buffer.from(out, "utf8"));
      out = "";
    }
  }
  if (out) await output.write(Buffer.from(out, "utf8"));
}

function jsonNumber(m: Matrix, k: number): string {
  if (m.missing?.[k]) return "null";
  const x = m.data[k]!;
  return x !== x ? "null" : x === Infinity ? "1e999" : x === -Infinity ? "-1e999" : formatNumber(x);
}

/** The documented JSON layout (see formats/json/codec.ts), from a shape. */
function jsonText(m: Matrix, pretty: boolean): string {
  let k = 0;
  const walk = (d: number): string => {
    if (d === m.shape.length) return jsonNumber(m, k++);
    const n = m.shape[d]!;
    const inner = d === m.shape.length - 1;
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(walk(d + 1));
    const sep = inner || !pretty ? "," : ",\n" + " ".repeat(d + 1);
    if (n === 0) {
      // keep the walk consistent for zero-size inner dimensions
      return "[]";
    }
    return "[" + parts.join(sep) + "]";
  };
  return walk(0) + (pretty ? "\n" : "");
}

function jsonLines(m: Matrix): string {
  if (m.shape.length === 0) return jsonText(m, false) + "\n";
  const rows = m.shape[0]!;
  const rowShape = m.shape.slice(1);
  const rowSize = sizeOf(rowShape);
  let out = "";
  for (let r = 0; r < rows; r++) {
    const sub: Matrix = {
      ...m,
      shape: rowShape,
      data: m.data.subarray(r * rowSize, (r + 1) * rowSize),
      missing: m.missing ? m.missing.subarray(r * rowSize, (r + 1) * rowSize) : null,
    };
    out += jsonText(sub, false) + "\n";
  }
  return out;
}

/** Applies the derivative to a whole matrix, in place, and rounds to NumPy's result dtype. */
export function deriveMatrix(m: Matrix, act: Activation, params: Params): Matrix {
  act.kernel(params)(m.data, m.data, m.data.length);
  roundTo(m, m.dtype);
  return m;
}

/** Rounds every value to the dtype, as storing into that dtype would. */
export function roundTo(m: Matrix, dtype: FloatDType): void {
  if (dtype === "f8") return;
  if (dtype === "f4") {
    for (let i = 0; i < m.data.length; i++) m.data[i] = Math.fround(m.data[i]!);
    return;
  }
  const b = resultBatch("<f2", m.data.length);
  b.values.set(m.data);
  const bytes = b.bytes(m.data.length);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < m.data.length; i++) m.data[i] = getFloat16(dv, i * 2, true);
}
