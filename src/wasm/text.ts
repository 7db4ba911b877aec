/**
 * The text readers' WebAssembly number parser (text.wat): JSON Lines rows
 * of numbers to doubles, for JsonReader's hot path. Compiled on first use
 * (a JSON Lines input), so nothing else pays for it at start-up.
 */
import { TEXT_WASM } from "./text.generated.js";

interface TextExports {
  memory: WebAssembly.Memory;
  number(p: number, point: number, json: number): number;
  end(): number;
  jsonl(p: number, end: number, vals: number, ops: number, ends: number, width: number): number;
  csv(p: number, end: number, cols: number, delim: number, point: number, vals: number, ends: number): number;
  repr(x: number, out: number, point: number): number;
  jsonOps(ops: number, n: number, vals: number, nv: number, ends: number, out: number, depth: number, first: number, doc: number): number;
  cells(vals: number, miss: number, n: number, out: number, cols: number, col: number, ends: number, delim: number, point: number): number;
}

/** Where the caller's bytes go; below it, the table and the results. */
const IN = 32768;
const RESULT = 10496;

let exported: TextExports | null = null;

/** Bytes of input copied into the wasm memory by jsonlRows and csvRows so far (for the tests: the readers' slices stay near what the parser takes). */
export let bytesCopiedIn = 0;

function text(): TextExports {
  if (!exported) exported = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(TEXT_WASM, "base64"))).exports as unknown as TextExports;
  return exported;
}

/** Grows the memory to hold `bytes` from 0. */
function room(m: TextExports, bytes: number): void {
  const have = m.memory.buffer.byteLength;
  if (bytes > have) m.memory.grow(Math.ceil((bytes - have) / 65536));
}

/**
 * The wasm parser's value of one number (the whole of `s`): by JSON's
 * grammar, or by the CSV reader's with `point` as its decimal point. NaN
 * where it leaves the number to the reference parser. For the tests.
 */
export function wasmNumber(s: string, json: boolean, point = 46): number {
  const m = text();
  room(m, IN + s.length + 16);
  const mem = new Uint8Array(m.memory.buffer);
  mem.fill(0, IN, IN + s.length + 16);
  mem.set(Buffer.from(s, "latin1"), IN);
  const v = m.number(IN, point, json ? 1 : 0);
  return m.end() === IN + s.length ? v : NaN;
}

/** wasmNumber by JSON's grammar. */
export function wasmJsonNumber(s: string): number {
  return wasmNumber(s, true);
}

/** What jsonlRows took: lines, values and ops, written to the batch's arrays from `at`. */
export interface RowsTaken {
  /** The position in the input after the last line taken. */
  end: number;
  lines: number;
  values: number;
  ops: number;
  /** The lines' width (elements a line), -1 when none was taken and none given. */
  width: number;
}

/**
 * Whole lines of `[x, y, ...]` from buf[from .. to), `to` just after a line
 * break: copied in, parsed there, and the values, ops and endings copied
 * out to the given arrays at the given offsets (which must have room for
 * to - from values, ops and endings). Stops at the first line the wasm
 * parser leaves to the reader. width: the lines' width, or -1.
 */
export function jsonlRows(buf: Uint8Array, from: number, to: number, width: number, values: Float64Array, v0: number, ops: Uint8Array, o0: number, endings: Uint8Array, e0: number): RowsTaken {
  const m = text();
  const n = to - from;
  // input, then values (8-aligned, at most n / 2 of them), ops, endings
  const vals = (IN + n + 8) & ~7;
  const opsAt = vals + 4 * n + 8;
  const endsAt = opsAt + n + 8;
  room(m, endsAt + n + 8);
  const mem = new Uint8Array(m.memory.buffer);
  mem.set(buf.subarray(from, to), IN);
  bytesCopiedIn += n;
  const stop = m.jsonl(IN, IN + n, vals, opsAt, endsAt, width);
  const r = new Int32Array(m.memory.buffer, RESULT, 4);
  const lines = r[0]!;
  const nv = r[1]!;
  const no = r[2]!;
  if (nv > 0) values.set(new Float64Array(m.memory.buffer, vals, nv), v0);
  if (no > 0) ops.set(mem.subarray(opsAt, opsAt + no), o0);
  if (lines > 0) endings.set(mem.subarray(endsAt, endsAt + lines), e0);
  return { end: from + (stop - IN), lines, values: nv, ops: no, width: r[3]! };
}

/**
 * Whether csvRows may parse rows with this delimiter and decimal point:
 * one that cannot be part of a number (a digit, a letter, a sign, a
 * point) or of the space around one, other than a tab. The wasm parser
 * reads a sign before it looks for a delimiter, where parseNumberBytes
 * ends an (empty) cell at the delimiter first: with --delimiter + the row
 * `7++8` is 3 cells there (an error) and [7, 8] here.
 */
export function wasmDelimiter(delim: number, point: number): boolean {
  return delim !== point && (delim === 9 || (delim > 32 && delim < 127 && !/[0-9A-Za-z+\-.]/.test(String.fromCharCode(delim))));
}

/**
 * Whole CSV/TSV rows of `cols` numbers from buf[from .. to) (`to` just
 * after an LF, no quote byte between), as parsePlainRows takes them:
 * values and endings copied out to the given arrays at v0 and e0 (room for
 * (to - from) / 2 values and (to - from) / 2 endings). Returns the rows
 * taken and where it stopped (the start of the first line it leaves to the
 * reader).
 */
export function csvRows(buf: Uint8Array, from: number, to: number, cols: number, delim: number, point: number, values: Float64Array, v0: number, endings: Uint8Array, e0: number): { rows: number; end: number } {
  const m = text();
  const n = to - from;
  const vals = (IN + n + 8) & ~7;
  const endsAt = vals + 4 * n + 8;
  room(m, endsAt + n + 8);
  new Uint8Array(m.memory.buffer).set(buf.subarray(from, to), IN);
  bytesCopiedIn += n;
  const stop = m.csv(IN, IN + n, cols, delim, point, vals, endsAt);
  const r = new Int32Array(m.memory.buffer, RESULT, 2);
  const rows = r[0]!;
  const nv = r[1]!;
  if (nv > 0) values.set(new Float64Array(m.memory.buffer, vals, nv), v0);
  if (rows > 0) endings.set(new Uint8Array(m.memory.buffer, endsAt, rows), e0);
  return { rows, end: from + (stop - IN) };
}

/** Cells a call of cellsInto takes at most: their doubles in, up to 28 bytes each out. */
export const CELLS = 8192;

/** A wasm formatter run shorter than this (cells or ops) before a declined one: its callers write the next JS_RUN in JavaScript. */
export const SHORT_RUN = 32;
export const JS_RUN = 256;

/** Calls of the wasm formatter so far (cellsInto and jsonOpsInto; for the tests: a few a block, not one a cell). */
export let formatCalls = 0;

/** Set by cellsInto and jsonOpsInto: the index of the first cell or op it did not write. */
export let cellsDone = 0;

/**
 * formatPlainCells through the wasm formatter (text.wat's "cells",
 * writeShortest's arithmetic): cells [from, to) of `values` (with their
 * missing codes, or null) into out at p; moves `cur` as formatPlainCells
 * does. Stops at a missing cell, or one the formatter declines (zero's
 * sign, a power of two, an extreme, a near-halfway case), which the caller
 * writes: its index is cellsDone. Returns the end.
 */
export function cellsInto(values: Float64Array, missing: Uint8Array | null, from: number, to: number, out: Uint8Array, p: number, cols: number, cur: { col: number; row: number }, endings: Uint8Array | null, delim: number, point: number, slice = CELLS): number {
  const m = text();
  const ends = IN;
  const miss = IN + ((CELLS / cols + 2 + 7) & ~7) + 8;
  const vals = miss + CELLS;
  const outAt = vals + CELLS * 8;
  room(m, outAt + CELLS * 28 + 64);
  let k = from;
  // slice: the first copy's size. A caller that has seen short runs (missing cells) asks for less: no copy of 8192 cells for a few.
  while (k < to) {
    const n = Math.min(slice, to - k);
    const mem = m.memory.buffer;
    new Float64Array(mem, vals, n).set(values.subarray(k, k + n));
    if (missing !== null) new Uint8Array(mem, miss, n).set(missing.subarray(k, k + n));
    const rows = Math.ceil((cur.col + n) / cols);
    if (endings !== null) new Uint8Array(mem, ends, rows).set(endings.subarray(cur.row, cur.row + rows));
    formatCalls++;
    const end = m.cells(vals, missing === null ? 0 : miss, n, outAt, cols, cur.col, endings === null ? 0 : ends, delim, point);
    const r = new Int32Array(mem, RESULT, 3);
    const done = r[0]!;
    out.set(new Uint8Array(mem, outAt, end - outAt), p);
    p += end - outAt;
    k += done;
    cur.col = r[1]!;
    cur.row += r[2]!;
    if (done < n) break;
    slice = CELLS;
  }
  cellsDone = k;
  return p;
}

/** The wasm formatter's text for one double (Python's repr layout, `point` as the separator), or null where it declines. For the tests. */
export function wasmRepr(x: number, point = 46): string | null {
  const m = text();
  room(m, IN + 64);
  const end = m.repr(x, IN, point);
  return end < 0 ? null : Buffer.from(m.memory.buffer, IN, end - IN).toString("latin1");
}

/**
 * formatJsonOps through the wasm formatter (text.wat's "jsonOps"): ops
 * [from, to) with their values and endings from st.v and st.e, into out at
 * p; moves st as formatJsonOps does. Stops at a number the formatter
 * declines (-0, NaN, ±inf, a power of two, an extreme...), which the caller
 * writes: its index is cellsDone. slice: the first copy's size in ops.
 * Returns the end.
 */
export function jsonOpsInto(ops: Uint8Array, from: number, to: number, values: Float64Array, endings: Uint8Array, out: Uint8Array, p: number, st: { depth: number; first: boolean; v: number; e: number }, document: boolean, slice = CELLS): number {
  const m = text();
  const opsAt = IN;
  const endsAt = opsAt + CELLS;
  const vals = endsAt + CELLS;
  const outAt = vals + CELLS * 8;
  room(m, outAt + CELLS * 29 + 64);
  let k = from;
  while (k < to) {
    const n = Math.min(slice, to - k);
    const mem = m.memory.buffer;
    new Uint8Array(mem, opsAt, n).set(ops.subarray(k, k + n));
    const nv = Math.max(0, Math.min(n, values.length - st.v));
    new Float64Array(mem, vals, nv).set(values.subarray(st.v, st.v + nv));
    const ne = Math.max(0, Math.min(n, endings.length - st.e));
    new Uint8Array(mem, endsAt, ne).set(endings.subarray(st.e, st.e + ne));
    formatCalls++;
    const end = m.jsonOps(opsAt, n, vals, nv, endsAt, outAt, st.depth, st.first ? 1 : 0, document ? 1 : 0);
    const r = new Int32Array(mem, RESULT, 5);
    const done = r[0]!;
    out.set(new Uint8Array(mem, outAt, end - outAt), p);
    p += end - outAt;
    k += done;
    st.v += r[1]!;
    st.e += r[2]!;
    st.depth = r[3]!;
    st.first = r[4] === 1;
    if (done < n) break;
    slice = CELLS;
  }
  cellsDone = k;
  return p;
}
