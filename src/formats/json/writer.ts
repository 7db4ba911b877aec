import { DactError } from "../../errors.js";
import type { Output } from "../../io.js";
import { formatNarrow } from "../text/repr.js";
import { formatJsonOps, skipJsonOps, type OpsState } from "./ops.js";
import { chunkItems, chunks, chunkSize, Ctl, finish, HELPER_BYTES, HELPER_CELLS, Job, offer, PendingText, reserve, textHelpers, textThreads, worth, type TextHelper } from "../../text-parallel.js";
import { formatPrintf, maxPrintfChars, notJsonNumber, writePrintf, type Printf } from "../text/printf.js";
import { OutBuffer, shapeText, sizeOf, type ArrayHead, type ArrayWriter, type Values } from "../array.js";
import { Op, type JsonBatch } from "./reader.js";
import { Ending, writeEnding } from "../text/ending.js";

/** Bytes one op can need at most: a number, a comma and the document's final newline. */
const MAX_OP_BYTES = 25 + 2 + 2;

/** A batch of at least this many ops is formatted in parts on helper threads (with --threads above 1). */
const SPLIT_OPS = Number(process.env.DACT_TEXT_SPLIT_CELLS) || 1 << 14;
/** Ops a helper's part holds at most: its text fits the helper's byte buffer. */
const HELPER_OPS = Math.min(HELPER_CELLS, Math.floor(HELPER_BYTES / MAX_OP_BYTES));
/** Ops in a chunk of a pipelined batch (PendingText; as the CSV writer's CHUNK_CELLS). */
const CHUNK_OPS = chunkItems(process.env.DACT_TEXT_CHUNK_CELLS);

/** How numbers are written: --float-format (null: the default layout), and the array's dtype. */
export interface JsonNumberOptions {
  floatFormat?: Printf | null | undefined;
  source?: string | undefined;
  /**
   * Large batches are formatted on a helper while this thread reads on
   * (as the CSV writer's pipeline): for a caller that ends with end() on
   * success and text-parallel's settle() on failure.
   */
  pipeline?: boolean | undefined;
}

/**
 * The one JSON / JSON Lines formatter. The layout is fixed so golden files
 * diff well:
 * - JSON: the bytes of Python's `json.dumps(r.tolist(), separators=(",", ":"))`
 *   (no whitespace: `[[1.0,0.0],[0.0,1.0]]`) and one final newline, as a
 *   text file ends. The same-format transform writes this layout too, whatever
 *   the input's whitespace.
 * - JSON Lines: each value compact on its own line.
 * Numbers as Python's json.dumps writes a float (its repr: repr.ts), a
 * float32 array's with its own shortest digits, or by --float-format (a
 * format that would not always give a JSON number is refused); NaN is null
 * (JSON has no NaN); ±inf is ±1e999, which every JSON reader reads back as
 * ±inf (json.dumps' NaN and Infinity are not JSON).
 *
 * It formats a stream of ops (Open, Close, Value, Null, LineEnd): the
 * same-format transform passes the reader's ops, and JsonArrayWriter makes
 * ops from a shape.
 */
export class JsonFormatter {
  private depth = 0;
  private first = true;
  readonly out: OutBuffer;
  /** The text of a finite number when not the float64 default layout; null: the byte-writing fast path. */
  private textOf: ((x: number) => string) | null = null;
  private opBytes = MAX_OP_BYTES;
  /** --float-format, for its byte-writing path (writePrintf); null without it. */
  private printf: Printf | null = null;

  /** `document`: one JSON document, which ends in a newline; false for JSON Lines, whose LineEnd ops end lines. */
  constructor(output: Output, private readonly document: boolean, private readonly numbers: JsonNumberOptions = {}) {
    this.out = new OutBuffer(output);
    const f = numbers.floatFormat;
    if (f) {
      const why = notJsonNumber(f);
      if (why !== null) throw new DactError("USAGE", `option --float-format: found ${JSON.stringify(f.text)} for JSON output; expected a format whose output is a JSON number (${why})`, numbers.source);
    }
    this.dtype("f8");
  }

  /** Picks how numbers are written for an array of this dtype. */
  dtype(dtype: string): void {
    const f = this.numbers.floatFormat;
    this.printf = f ?? null;
    if (f) {
      this.textOf = (x) => formatPrintf(x, f);
      this.opBytes = MAX_OP_BYTES - 25 + Math.max(maxPrintfChars(f), 30);
    } else if (dtype === "f4" || dtype === "f2") this.textOf = (x) => formatNarrow(x, dtype);
    else this.textOf = null;
  }

  /** A batch a helper formats while this thread reads and computes the next; null when none. */
  private pending: PendingText | null = null;

  /** Appends the pending batch's text: the helper's, or formatted here from the shared copies if it never took the job. */
  private collect(): void {
    const job = this.pending;
    this.pending = null;
    job?.take(this.out);
  }

  /** The whole batch on a helper while this thread goes on; false when it does not apply. */
  private offerPipelined(b: JsonBatch, values: Values): boolean {
    if (this.numbers.pipeline !== true || this.textOf !== null || b.nOps < SPLIT_OPS || b.nOps > HELPER_OPS || b.nValues > HELPER_CELLS || b.nEndings > HELPER_CELLS || textThreads() <= 1 || !worth(values, 0, b.nValues)) return false;
    const h = reserve();
    if (h === null) return false;
    h.m8.set(b.ops.subarray(0, b.nOps));
    if (ArrayBuffer.isView(values)) h.f64.set((values as Float64Array).subarray(0, b.nValues));
    else for (let k = 0; k < b.nValues; k++) h.f64[k] = values[k]!;
    h.e8.set(b.endings.subarray(0, b.nEndings));
    const start: OpsState = { depth: this.depth, first: this.first, v: 0, e: 0 };
    const n = b.nOps;
    const size = chunkSize(n, 1, CHUNK_OPS);
    // The state at the start of each chunk (this thread may format any of them, PendingText), and after the batch.
    const starts: OpsState[] = [];
    const st: OpsState = { ...start };
    for (let k = 0; k < n; k += size) {
      starts.push({ ...st });
      skipJsonOps(b.ops, k, Math.min(n, k + size), st);
    }
    const c = h.ctrl;
    c[Ctl.Arg] = n;
    c[Ctl.Arg + 1] = start.depth;
    c[Ctl.Arg + 2] = start.first ? 1 : 0;
    c[Ctl.Arg + 3] = this.document ? 1 : 0;
    chunks(h, size, starts.length);
    offer(h, Job.FormatJson);
    const document = this.document;
    this.pending = new PendingText(h, Ctl.Arg + 4, size * this.opBytes, (j, buf, p) => formatJsonOps(h.m8, j * size, Math.min(n, (j + 1) * size), h.f64, h.e8, buf, p, { ...starts[j]! }, document));
    this.depth = st.depth;
    this.first = st.first;
    return true;
  }

  /** Writes what is formatted; a pending batch stays with its helper unless it is done (end() takes it). */
  flush(): Promise<void> {
    if (this.pending?.done) this.collect();
    return this.out.flush();
  }

  async end(): Promise<void> {
    this.collect();
    await this.out.flush();
  }

  /** Appends the text for a batch of ops; `values` holds the numbers for its Value ops. */
  write(b: JsonBatch, values: Values): void {
    this.collect();
    if (this.offerPipelined(b, values)) return;
    this.out.room(b.nOps * this.opBytes);
    if (this.textOf === null) {
      // The float64 default layout: the pure function the helper threads share (ops.ts), in parts when large.
      const st: OpsState = { depth: this.depth, first: this.first, v: 0, e: 0 };
      this.out.len = b.nOps >= SPLIT_OPS ? this.formatSplit(b, values, st) : formatJsonOps(b.ops, 0, b.nOps, values, b.endings, this.out.buf, this.out.len, st, this.document);
      this.depth = st.depth;
      this.first = st.first;
      return;
    }
    const out = this.out.buf;
    const { textOf, printf } = this;
    let p = this.out.len;
    let q = 0;
    const { ops, nOps, endings } = b;
    let v = 0;
    let e = 0;
    let lastValue = NaN;
    let lastText = "null";
    for (let k = 0; k < nOps; k++) {
      switch (ops[k]) {
        case Op.Open:
          if (!this.first) out[p++] = 44; // ,
          out[p++] = 91; // [
          this.depth++;
          this.first = true;
          break;
        case Op.Close:
          out[p++] = 93; // ]
          this.depth--;
          this.first = false;
          if (this.depth === 0 && this.document) out[p++] = 10;
          break;
        case Op.Value:
        case Op.Null: {
          if (!this.first) out[p++] = 44;
          this.first = false;
          const x = ops[k] === Op.Null ? NaN : values[v++]!;
          if (printf !== null && (q = writePrintf(x, printf, out, p, 46)) >= 0) p = q;
          else {
            if (!Object.is(x, lastValue)) {
              lastValue = x;
              lastText = x !== x ? "null" : x === Infinity ? "1e999" : x === -Infinity ? "-1e999" : textOf(x);
            }
            for (let i = 0; i < lastText.length; i++) out[p++] = lastText.charCodeAt(i);
          }
          if (this.depth === 0 && this.document) out[p++] = 10;
          break;
        }
        case Op.LineEnd:
          p = writeEnding(out, p, endings[e++] as Ending);
          this.first = true;
          break;
      }
    }
    this.out.len = p;
  }

  /**
   * formatJsonOps in parts: the helpers (text-parallel.ts) format the later
   * parts from shared copies, each from the state a scan of the ops before
   * it gives, while this thread formats the first; their bytes follow.
   */
  private formatSplit(b: JsonBatch, values: Values, st: OpsState): number {
    const out = this.out.buf;
    const hs = textThreads() > 1 && worth(values, 0, b.nValues) ? textHelpers() : null;
    if (hs === null) return formatJsonOps(b.ops, 0, b.nOps, values, b.endings, out, this.out.len, st, this.document);
    const n = b.nOps;
    const size = Math.ceil(n / (hs.length + 1));
    const at: OpsState = { ...st };
    const parts: { h: TextHelper; from: number; to: number; start: OpsState }[] = [];
    skipJsonOps(b.ops, 0, size, at);
    for (let i = 0, from = size, to = size; i < hs.length && from < n; i++, from = to) {
      to = Math.min(n, from + size, from + HELPER_OPS);
      const start = { ...at };
      skipJsonOps(b.ops, from, to, at);
      const h = hs[i]!;
      h.m8.set(b.ops.subarray(from, to));
      if (ArrayBuffer.isView(values)) h.f64.set((values as Float64Array).subarray(start.v, at.v));
      else for (let k = start.v; k < at.v; k++) h.f64[k - start.v] = values[k]!;
      h.e8.set(b.endings.subarray(start.e, at.e));
      const c = h.ctrl;
      c[Ctl.Arg] = to - from;
      c[Ctl.Arg + 1] = start.depth;
      c[Ctl.Arg + 2] = start.first ? 1 : 0;
      c[Ctl.Arg + 3] = this.document ? 1 : 0;
      chunks(h, 0, 0);
      offer(h, Job.FormatJson);
      parts.push({ h, from, to, start });
    }
    let p = formatJsonOps(b.ops, 0, parts.length > 0 ? parts[0]!.from : n, values, b.endings, out, this.out.len, st, this.document);
    for (const { h, from, to, start } of parts) {
      if (finish(h)) {
        const len = h.ctrl[Ctl.Arg + 4]!;
        out.set(h.bytes.subarray(0, len), p);
        p += len;
        skipJsonOps(b.ops, from, to, st);
      } else p = formatJsonOps(b.ops, from, to, values, b.endings, out, p, Object.assign(st, start), this.document);
    }
    // Ops past the last part (the helpers' buffers were full): this thread's.
    const end = parts.length > 0 ? parts[parts.length - 1]!.to : n;
    if (end < n) p = formatJsonOps(b.ops, end, n, values, b.endings, out, p, st, this.document);
    return p;
  }
}

/** Most ops the structure of an array with no elements may take (`[[],[],…]`): more is refused rather than written for hours. */
const MAX_EMPTY_OPS = 1 << 26;

/**
 * JSON or JSON Lines from an array: the ops are made from the shape. JSON
 * Lines holds one element of the first axis per line (a 0-d array is one
 * line).
 */
export class JsonArrayWriter implements ArrayWriter {
  private readonly f: JsonFormatter;
  /** Sizes of each axis; Infinity for a growing first axis. */
  private dims: number[] = [];
  private idx: number[] = [];
  private count = 0;
  private readonly b: JsonBatch = { ops: new Uint8Array(1 << 12), nOps: 0, values: new Float64Array(0), nValues: 0, endings: new Uint8Array(1 << 12), nEndings: 0 };
  private vals = new Float64Array(1 << 12);
  private nVals = 0;

  constructor(output: Output, private readonly lines: boolean, private readonly source?: string, floatFormat?: Printf | null) {
    this.f = new JsonFormatter(output, !lines, { floatFormat, source });
  }

  begin(head: ArrayHead): void {
    this.f.dtype(head.dtype);
    this.dims = head.shape.map((d, i) => (i === 0 && head.growing ? Infinity : d));
    this.idx = this.dims.map(() => 0);
  }

  private op(o: Op): void {
    const b = this.b;
    if (b.nOps === b.ops.length || b.nEndings === b.endings.length) this.emit();
    b.ops[b.nOps++] = o;
    if (o === Op.LineEnd) b.endings[b.nEndings++] = Ending.LF;
  }

  private emit(): void {
    const b = this.b;
    if (b.nOps === 0) return;
    this.f.write(b, this.vals);
    b.nOps = 0;
    b.nEndings = 0;
    this.nVals = 0;
  }

  /** The first axis that is written as an array: JSON Lines makes axis 0 lines instead. */
  private get top(): number {
    return this.lines ? 1 : 0;
  }

  write(values: Values, missing: Uint8Array | null, n: number): void {
    const nd = this.dims.length;
    const top = this.top;
    const { idx, dims, b } = this;
    const ops = b.ops;
    for (let k = 0; k < n; k++) {
      // Room for this element's ops (at most an open and a close per axis,
      // a value and a line end) and its value.
      if (b.nOps + 2 * nd + 2 > ops.length || this.nVals === this.vals.length) this.emit();
      // Open every array whose first element this is: those at the axes
      // from which on every index is 0. (A growing first axis never wraps,
      // so the top array opens once.)
      let d = nd;
      while (d > top && idx[d - 1] === 0) d--;
      for (let a = d; a < nd; a++) ops[b.nOps++] = Op.Open;
      if (missing !== null && missing[k] !== 0) ops[b.nOps++] = Op.Null;
      else {
        this.vals[this.nVals++] = values[k]!;
        ops[b.nOps++] = Op.Value;
      }
      // Close every array this element ends; a line ends with its element of axis 0.
      let a = nd - 1;
      for (; a >= 0; a--) {
        if (++idx[a]! < dims[a]!) break;
        idx[a] = 0;
        if (a >= top) ops[b.nOps++] = Op.Close;
      }
      if (this.lines && a < 1) {
        ops[b.nOps++] = Op.LineEnd;
        b.endings[b.nEndings++] = Ending.LF;
      }
      this.count++;
    }
  }

  flush(): Promise<void> {
    this.emit();
    return this.f.out.flush();
  }

  async end(shape: readonly number[]): Promise<void> {
    if (this.count !== sizeOf(shape)) {
      throw new DactError("SHAPE", `found ${this.count} values for shape ${shapeText(shape)}; expected ${sizeOf(shape)}`, this.source);
    }
    if (this.count === 0) this.emptyStructure(shape);
    else if (!this.lines && this.dims[0] === Infinity) this.op(Op.Close); // the growing top array
    await this.flush();
  }

  /** `[]`, `[[],[]]`…: an array with no elements still shows its shape, up to the first zero axis. */
  private emptyStructure(shape: readonly number[]): void {
    const zero = shape.indexOf(0);
    const outer = shape.slice(0, zero + 1); // axes down to the first 0
    let ops = 0;
    let prod = 1;
    for (const d of outer) {
      ops += 2 * prod;
      prod *= d;
    }
    const innermost = outer.slice(0, -1).reduce((a, b) => a * b, 1);
    if (ops > MAX_EMPTY_OPS) {
      throw new DactError("USAGE", `an array of shape ${shapeText(shape)} has no elements but ${innermost} empty arrays, which JSON can only write one by one; expected a smaller shape (use .npy, whose header holds any shape)`, this.source);
    }
    const walk = (d: number) => {
      if (d === outer.length) return;
      const line = this.lines && d === 0;
      if (!line) this.op(Op.Open);
      for (let i = 0; i < outer[d]!; i++) {
        if (line) {
          walk(d + 1);
          this.op(Op.LineEnd);
        } else walk(d + 1);
        if (this.b.nOps > 4096) this.emit();
      }
      if (!line) this.op(Op.Close);
    };
    walk(0);
    this.emit();
  }
}
