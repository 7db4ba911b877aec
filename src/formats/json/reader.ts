import { DactError, shown } from "../../errors.js";
import { eightDigits, groupsToDouble, POW10_8 } from "../text/decimal.js";
import { bomLength, Ending, maybeBomPrefix } from "../text/ending.js";
import { TextGuard } from "../binary.js";
import { grow } from "../../grow.js";
import { jsonlRows } from "../../wasm/text.js";
import { Ctl, finish, helped, HELPER_BYTES, HELPER_CELLS, Job, offer, textHelpers, type TextHelper } from "../../text-parallel.js";

export { Ending } from "../text/ending.js";

/** Structure events, in input order; numbers go to `values` in the same order. */
export const enum Op {
  Open = 1, // [
  Close = 2, // ]
  Value = 3, // a number: the next entry of `values`
  Null = 4, // null: a missing value
  LineEnd = 5, // JSON Lines: the end of a line; `endings` says how it ended
}

export interface JsonBatch {
  ops: Uint8Array;
  nOps: number;
  values: Float64Array;
  nValues: number;
  /** One per LineEnd op. */
  endings: Uint8Array;
  nEndings: number;
}

export interface JsonReaderOptions {
  /** JSON Lines: one document per line. */
  lines: boolean;
  /** Called with each batch; the batch is reused once it returns. */
  onBatch(b: JsonBatch): void;
  /** For messages. */
  file?: string | undefined;
  /** The kernel looks only at signs (Activation.signOnly). */
  signOnly?: boolean | undefined;
  /** Called with each document's shape when it ends (each line, for JSON Lines). */
  onDocument?: ((shape: number[]) => void) | undefined;
  /** JSON Lines: whole lines of numbers through the wasm parser (default true; false: this scanner alone, for the tests' comparisons). */
  wasm?: boolean | undefined;
}

/** What the parser accepts next. */
const enum Expect {
  TopValue, // the start of a document (or of a JSON Lines line)
  ValueOrClose, // just after "["
  Value, // just after ","
  CommaOrClose, // after an element
  End, // after the top-level value: only whitespace (and, in JSON Lines, a line break)
}

/** numpy arrays have at most 64 dimensions (NPY_MAXDIMS), so deeper nesting cannot be a matrix. */
export const MAX_DEPTH = 64;
/** Bytes of whole lines a call of the wasm row parser takes: a copy of them goes in (see fastLines). */
const FAST_SLICE = 64 << 10;
/** The least a call copies in after a call that stopped early (see fastSlice). */
const FAST_SLICE_MIN = 256;

/**
 * Whole lines of at least this many bytes ahead in a chunk are parsed in
 * parts on helper threads (with --threads above 1; splitLines): as the CSV
 * reader's threshold. A 1 MiB chunk (a file's) is split; a pipe's 64 KiB
 * chunks are not: a part of 32 KiB is parsed in about the time its handoff
 * and copies cost.
 */
const SPLIT_BYTES = Number(process.env.DACT_TEXT_SPLIT_BYTES) || 256 << 10;

/** The least and most a helper's part is, in lengths of this thread's part (splitLines). */
const SHARE_MIN = 0.1;
const SHARE_MAX = 2;
/** After a round of splitLines that took longer than this thread alone would have: no split for this many bytes of input, doubling up to SPLIT_PAUSE_MAX. */
const SPLIT_PAUSE = 1 << 20;
const SPLIT_PAUSE_MAX = 64 << 20;

/**
 * Whether splitLines stops splitting for a while after a round that did
 * not pay (true, the default); the tests turn it off so that every chunk
 * is split however long the handoffs take.
 */
let judged = true;
export function setSplitJudged(on: boolean): void {
  judged = on;
}

/** A number token longer than this is refused rather than buffered without bound. */
const MAX_TOKEN = 1 << 16;

const EXPECTED: Record<Expect, string> = {
  [Expect.TopValue]: 'a number, null or "["',
  [Expect.ValueOrClose]: 'a number, null, "[" or "]"',
  [Expect.Value]: 'a number, null or "["',
  [Expect.CommaOrClose]: '"," or "]"',
  [Expect.End]: "the end of the input",
};

/** NaN, Infinity or -Infinity as Python's json module writes them, or null for anything else. */
function pythonSpecial(buf: Buffer, s: number, e: number): number | null {
  const w = buf.toString("latin1", s, e);
  return w === "NaN" ? NaN : w === "Infinity" ? Infinity : w === "-Infinity" ? -Infinity : null;
}

/** 1 for the bytes that can continue a number or a literal: digits, sign, point, exponent, letters. */
const TOKEN_BYTE = new Uint8Array(256);
for (let c = 0; c < 256; c++) TOKEN_BYTE[c] = +((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46 || (c >= 65 && c <= 90) || (c >= 97 && c <= 122));

function isTokenByte(c: number): boolean {
  // One load where six comparisons a byte were a fifth of the tokenizer's time.
  return TOKEN_BYTE[c] === 1;
}

/**
 * A push parser for the numeric subset of JSON (RFC 8259): numbers, null
 * and arrays, nested to any depth up to 64, rectangular. It is written by
 * hand because JSON.parse holds the whole document (540 MB RSS on 126 MB)
 * and has no positions in its errors, and stream-json runs at ~17 MB/s
 * (issue 4). It never recurses, so deep nesting cannot overflow the stack.
 */
export class JsonReader {
  private expect = Expect.TopValue;
  private depth = 0;
  /** Elements so far in the open array at each depth. */
  private count: number[] = [];
  /** Length of every array opened at each depth, once the first one closed; -1 before. */
  private shape: number[] = [];
  /** What stands at each depth: 0 unknown, 1 arrays, 2 numbers/null. */
  private kind: number[] = [];
  private line = 1;
  private lineStart = 0; // absolute offset of the current line's first byte
  private offset = 0; // absolute offset of buf[0] during scan
  private carry: Buffer | null = null;
  private carryOffset = 0;
  private pendingCR = false;
  private started = false;
  private batch: JsonBatch;
  /**
   * JSON Lines: whole lines of numbers go to the wasm row parser
   * (fastLines) until it leaves too many to this scanner (fastMissed).
   */
  private fast: boolean;
  private fastTaken = 0;
  private fastMissed = 0;
  /** Bytes the next call copies in: after a call that stopped early, twice its run (as CsvReader's fastSlice). */
  private fastSlice = FAST_SLICE;
  /** Bytes and ops the wasm row parser took (sizes the helpers' parts: their ops must fit HELPER_CELLS). */
  private fastBytes = 0;
  private fastOps = 0;
  /** A helper's part, in lengths of this thread's (splitLines: balanced by how long this thread waited for the helpers). */
  private share = 1;
  /** No split before this absolute offset (a round that did not pay), and the pause after the next one that does not. */
  private splitFrom = 0;
  private splitPause = 0;
  /** In splitLines: the parts this thread scans are not split again. */
  private splitting = false;

  private readonly lines: boolean;
  private readonly onBatch: (b: JsonBatch) => void;
  private readonly file: string | undefined;
  private readonly signOnly: boolean;
  private readonly onDocument: ((shape: number[]) => void) | undefined;
  private readonly guard: TextGuard;

  constructor(opts: JsonReaderOptions) {
    this.lines = opts.lines;
    this.fast = opts.lines && opts.wasm !== false;
    this.onBatch = opts.onBatch;
    this.file = opts.file;
    this.signOnly = opts.signOnly ?? false;
    this.onDocument = opts.onDocument;
    this.guard = new TextGuard(opts.lines ? "JSON Lines" : "JSON", opts.file);
    this.batch = { ops: new Uint8Array(1 << 16), nOps: 0, values: new Float64Array(1 << 16), nValues: 0, endings: new Uint8Array(1 << 10), nEndings: 0 };
  }

  push(input: Buffer): void {
    this.guard.feed(input, (text) => this.pushText(text));
  }

  private pushText(chunk: Buffer): void {
    let start = 0;
    if (!this.started) {
      // A UTF-8 BOM is not JSON, but editors write one: skip it. Wait for
      // three bytes before deciding, however the input is cut.
      if (this.carry !== null) {
        chunk = Buffer.concat([this.carry, chunk]);
        this.offset = this.carryOffset;
        this.carry = null;
      }
      if (maybeBomPrefix(chunk)) {
        this.carry = Buffer.from(chunk);
        this.carryOffset = this.offset;
        this.offset += chunk.length;
        return;
      }
      this.started = true;
      if (bomLength(chunk) > 0) {
        start = 3;
        this.lineStart = this.offset + 3;
      }
    } else if (this.carry !== null) {
      // Finish the token cut by the chunk boundary on its own.
      let j = 0;
      while (j < chunk.length && isTokenByte(chunk[j]!)) j++;
      const token = Buffer.concat([this.carry, chunk.subarray(0, j)]);
      if (j === chunk.length) {
        this.tooLong(token.length);
        this.carry = token;
        this.offset += chunk.length;
        return;
      }
      const chunkOffset = this.offset;
      this.offset = this.carryOffset;
      this.carry = null;
      this.scan(token, 0, true);
      this.offset = chunkOffset;
      start = j;
    }
    this.scan(chunk, start, false);
    this.offset += chunk.length;
    this.emit();
  }

  end(): void {
    this.guard.end();
    if (this.carry !== null) {
      const token = this.carry;
      this.carry = null;
      if (!this.started) {
        this.started = true;
        // Only (part of) a BOM.
      } else {
        this.offset = this.carryOffset;
        this.scan(token, 0, true);
        this.offset += token.length;
      }
    }
    if (this.lines) {
      if (this.expect === Expect.End) this.lineEnd(Ending.None);
      else if (this.expect !== Expect.TopValue || this.depth > 0) this.fail(this.offset, "the end of the input");
    } else if (this.expect === Expect.End) {
      this.onDocument?.(this.shape.slice());
    } else {
      if (this.expect === Expect.TopValue) {
        throw new DactError("JSON_SYNTAX", `empty input; expected a JSON number, null or array`, this.file, { line: this.line, column: this.offset - this.lineStart + 1 });
      }
      this.fail(this.offset, "the end of the input");
    }
    this.emit();
  }

  /**
   * A single JSON document's shape but for its first dimension, once known:
   * when the first element of the top-level array is complete. Null before
   * that, and for a top-level number.
   */
  /** Lines the wasm row parser took (for the tests: that it is in use). */
  get wasmLines(): number {
    return this.fastTaken;
  }

  /** The line being read (1-based): in onDocument, the document's line. */
  get lineNumber(): number {
    return this.line;
  }

  rowShape(): number[] | null {
    if (this.kind[0] !== 1) return null;
    if (this.kind[1] === 2) return [];
    return this.shape[1] === undefined ? null : this.shape.slice(1);
  }

  private tooLong(n: number): void {
    if (n > MAX_TOKEN) {
      throw new DactError("JSON_SYNTAX", `found a number of over ${MAX_TOKEN} characters; expected a shorter number`, this.file, this.pos(this.carryOffset));
    }
  }

  private pos(abs: number) {
    return { line: this.line, column: abs - this.lineStart + 1 };
  }

  private fail(abs: number, found: string, expected?: string): never {
    throw new DactError("JSON_SYNTAX", `found ${found}; expected ${expected ?? EXPECTED[this.expect]}`, this.file, this.pos(abs));
  }

  private describe(buf: Buffer, i: number): string {
    const c = buf[i]!;
    switch (c) {
      case 0x22: return "a string";
      case 0x7b: return "an object";
      case 0x2f: return "a comment";
      case 0x27: return "a single-quoted string";
    }
    if (isTokenByte(c)) {
      let j = i;
      while (j < buf.length && j - i < 24 && isTokenByte(buf[j]!)) j++;
      const word = buf.toString("latin1", i, j);
      if (word === "true" || word === "false") return `a boolean (${word})`;
      return shown(word);
    }
    if (c >= 0x80) return `a non-ASCII byte (0x${c.toString(16)})`; // not decoded: a chunk boundary may cut the character
    if (c < 0x20 || c === 0x7f) return `a control character (0x${c.toString(16).padStart(2, "0")})`;
    return shown(String.fromCharCode(c));
  }

  private roomOps(): void {
    const b = this.batch;
    b.ops = grow(b.ops, b.nOps, b.nOps + 1);
  }

  private pushValue(v: number): void {
    const b = this.batch;
    b.values = grow(b.values, b.nValues, b.nValues + 1);
    b.values[b.nValues++] = v;
  }

  /** Shape bookkeeping for an element (a scalar or an array) at the current depth. */
  private element(abs: number, isArray: boolean): void {
    const d = this.depth;
    const k = isArray ? 1 : 2;
    const seen = this.kind[d] ?? 0;
    if (seen !== 0 && seen !== k) {
      throw new DactError(
        "JSON_SHAPE",
        isArray ? `found an array where the first element at this depth was a number; expected a number (arrays must nest evenly)` : `found a number where the first element at this depth was an array; expected an array (arrays must nest evenly)`,
        this.file,
        this.pos(abs),
      );
    }
    this.kind[d] = k;
    if (d > 0) {
      const n = ++this.count[d - 1]!;
      const want = this.shape[d - 1] ?? -1;
      if (want >= 0 && n > want) {
        throw new DactError("JSON_SHAPE", `found a row longer than the first at this depth; expected ${want} elements (the array is ragged)`, this.file, this.pos(abs));
      }
    }
  }

  private lineEnd(ending: Ending): void {
    if (this.expect === Expect.End) this.onDocument?.(this.shape.slice());
    const b = this.batch;
    this.roomOps();
    b.ops[b.nOps++] = Op.LineEnd;
    b.endings = grow(b.endings, b.nEndings, b.nEndings + 1);
    b.endings[b.nEndings++] = ending;
    this.expect = Expect.TopValue;
    // Each line is its own document, with its own shape.
    this.count.length = 0;
    this.shape.length = 0;
    this.kind.length = 0;
  }

  private scan(buf: Buffer, i: number, isToken: boolean): void {
    if (this.fast && !isToken && this.expect === Expect.TopValue && this.depth === 0 && !this.pendingCR && i < buf.length) i = this.fastLines(buf, i);
    const len = buf.length;
    const b = this.batch;
    const lines = this.lines;
    while (i < len) {
      const c = buf[i]!;
      // whitespace
      if (c === 0x20 || c === 0x09) {
        i++;
        continue;
      }
      if (c === 0x0a || c === 0x0d) {
        if (c === 0x0d) {
          this.pendingCR = true;
          i++;
          continue;
        }
        const ending = this.pendingCR ? Ending.CRLF : Ending.LF;
        this.pendingCR = false;
        if (lines) {
          if (this.expect === Expect.End) this.lineEnd(ending);
          else if (this.expect === Expect.TopValue) this.lineEnd(ending); // a blank line stays a blank line
          else this.fail(this.offset + i, "a line break", `${EXPECTED[this.expect]} (JSON Lines keeps each value on one line)`);
        }
        i++;
        this.line++;
        this.lineStart = this.offset + i;
        if (this.fast && !isToken && this.expect === Expect.TopValue) i = this.fastLines(buf, i);
        continue;
      }
      this.pendingCR = false;
      if (c === 0x5b) {
        // [
        if (this.expect === Expect.CommaOrClose || this.expect === Expect.End) this.fail(this.offset + i, shown("["));
        if (this.depth >= MAX_DEPTH) {
          throw new DactError("JSON_DEPTH", `found nesting deeper than ${MAX_DEPTH} levels; expected at most ${MAX_DEPTH} (numpy's limit on dimensions)`, this.file, this.pos(this.offset + i));
        }
        this.element(this.offset + i, true);
        this.count[this.depth] = 0;
        this.depth++;
        this.roomOps();
        b.ops[b.nOps++] = Op.Open;
        this.expect = Expect.ValueOrClose;
        i++;
        continue;
      }
      if (c === 0x5d) {
        // ]
        if (this.expect !== Expect.ValueOrClose && this.expect !== Expect.CommaOrClose) {
          this.fail(this.offset + i, this.expect === Expect.Value ? '"]" after ","' : shown("]"), this.expect === Expect.Value ? "a number, null or \"[\" (no trailing commas in JSON)" : undefined);
        }
        this.depth--;
        const n = this.count[this.depth]!;
        const want = this.shape[this.depth] ?? -1;
        if (want < 0) this.shape[this.depth] = n;
        else if (n !== want) {
          throw new DactError("JSON_SHAPE", `found a row of ${n} elements; expected ${want}, as the first at this depth (the array is ragged)`, this.file, this.pos(this.offset + i));
        }
        this.roomOps();
        b.ops[b.nOps++] = Op.Close;
        this.expect = this.depth === 0 ? Expect.End : Expect.CommaOrClose;
        i++;
        continue;
      }
      if (c === 0x2c) {
        // ,
        if (this.expect !== Expect.CommaOrClose) this.fail(this.offset + i, shown(","));
        this.expect = Expect.Value;
        i++;
        continue;
      }
      if (isTokenByte(c)) {
        // A number, null, or a word that is an error (true, NaN, ...). Find
        // the token's end first, so that what an error shows does not depend
        // on where a chunk boundary fell; a cut token waits for the next chunk.
        let j = i + 1;
        while (j < len && isTokenByte(buf[j]!)) j++;
        if (j === len && !isToken) {
          this.carry = Buffer.from(buf.subarray(i));
          this.carryOffset = this.offset + i;
          this.tooLong(this.carry.length);
          return;
        }
        if (this.expect === Expect.CommaOrClose || this.expect === Expect.End || !((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x6e || c === 0x4e || c === 0x49)) {
          this.fail(this.offset + i, this.describe(buf, i));
        }
        const special = c === 0x4e || c === 0x49 || (c === 0x2d && buf[i + 1] === 0x49) ? pythonSpecial(buf, i, j) : null;
        if (special !== null) {
          // NaN, Infinity, -Infinity: not RFC 8259, but what Python's
          // json.dumps writes by default (and json.loads reads).
          this.element(this.offset + i, false);
          this.roomOps();
          b.ops[b.nOps++] = Op.Value;
          this.pushValue(special);
        } else if (c === 0x4e || c === 0x49) {
          this.fail(this.offset + i, this.describe(buf, i));
        } else if (c === 0x6e) {
          if (j - i !== 4 || buf[i + 1] !== 0x75 || buf[i + 2] !== 0x6c || buf[i + 3] !== 0x6c) this.fail(this.offset + i, this.describe(buf, i));
          this.element(this.offset + i, false);
          this.roomOps();
          b.ops[b.nOps++] = Op.Null;
        } else {
          const v = this.number(buf, i, j);
          this.element(this.offset + i, false);
          this.roomOps();
          b.ops[b.nOps++] = Op.Value;
          this.pushValue(v);
        }
        this.expect = this.depth === 0 ? Expect.End : Expect.CommaOrClose;
        i = j;
        continue;
      }
      if (c === 0x7b) {
        this.fail(this.offset + i, "an object", `${EXPECTED[this.expect]}; dact reads arrays of numbers, or pandas' tables: objects with the same keys (orient="records", lines or not) or orient="split", starting at the first value`);
      }
      this.fail(this.offset + i, this.describe(buf, i));
    }
  }

  /**
   * JSON Lines at a line's start (i): the whole lines after it in this
   * chunk, in slices of FAST_SLICE bytes, through the wasm row parser
   * (src/wasm/text.wat), which writes the same ops, values and endings
   * this scanner would. It stops at the first line it leaves to this
   * scanner (a width other than the call's first line's, nesting, a blank line, anything
   * malformed, a number beyond 19 digits): that line is scanned here, with
   * this scanner's errors, and the next goes back to the wasm parser.
   * Returns the position after the lines taken.
   */
  private fastLines(buf: Buffer, i: number): number {
    const len = buf.length;
    if (!this.splitting && len - i >= SPLIT_BYTES && this.offset + i >= this.splitFrom) i = this.splitLines(buf, i);
    for (;;) {
      if (i >= len) return i;
      const from = i;
      let to = buf.indexOf(0x0a, Math.min(i + this.fastSlice, len - 1));
      if (to < 0) to = buf.lastIndexOf(0x0a, len - 1);
      if (to < i) return i;
      to++;
      const b = this.batch;
      const n = to - i;
      b.values = grow(b.values, b.nValues, b.nValues + (n >> 1) + 1);
      b.ops = grow(b.ops, b.nOps, b.nOps + n);
      b.endings = grow(b.endings, b.nEndings, b.nEndings + (n >> 2) + 1);
      const r = jsonlRows(buf, i, to, -1, b.values, b.nValues, b.ops, b.nOps, b.endings, b.nEndings);
      this.rowsTaken(r.values, r.ops, r.lines, r.width, r.end - i, r.end);
      i = r.end;
      if (i < to) {
        this.fastSlice = Math.min(FAST_SLICE, Math.max(FAST_SLICE_MIN, 2 * (i - from)));
        // A line for this scanner. Too many of them (nested arrays, 20-digit
        // numbers...): the wasm parser stops trying.
        if (++this.fastMissed > 64 && this.fastMissed * 8 > this.fastTaken) this.fast = false;
        return i;
      }
      this.fastSlice = Math.min(FAST_SLICE, 2 * this.fastSlice);
    }
  }

  /**
   * fastLines with the whole lines ahead (from i, a line's start) cut in
   * parts, the later ones parsed by helper threads (text-parallel.ts,
   * Job.ParseJsonl: the same wasm row parser) while this thread scans the
   * first. Then, in order, each helper's ops, values and endings go after
   * this thread's, its lines are counted (onDocument for each, as
   * fastLines does), and the rest of its part, from a line the wasm parser
   * left (or where the helper's buffers filled), is scanned here with this
   * scanner's errors and line numbers: the batch is the one-thread batch.
   * A part no helper took is scanned here. In rounds while at least
   * SPLIT_BYTES are left, each part at most what a helper's buffers hold
   * (HELPER_CELLS ops: half the bytes per op seen so far, times HELPER_CELLS).
   * The helpers' parts are `share` times as long as this thread's: less
   * after a round where this thread waited for them (on a busy machine a
   * helper gets less of a core), more after one where it did not. A
   * round that took longer than this thread alone would have (at its own
   * pace on its part) pauses the splits for SPLIT_PAUSE bytes of input,
   * twice as long after each such round (a busy machine: the split costs,
   * never gains).
   * Returns the position after the lines done (a line's start).
   */
  private splitLines(buf: Buffer, i: number): number {
    const last = buf.lastIndexOf(0x0a) + 1;
    while (last - i >= SPLIT_BYTES) {
      const start = performance.now();
      const hs = textHelpers();
      if (hs === null) return i;
      const perOp = this.fastOps > 0 ? this.fastBytes / this.fastOps : 1;
      // This thread's part, and a helper's (share times as long, at most what its buffers hold).
      const own = Math.ceil((last - i) / (1 + hs.length * this.share));
      const size = Math.max(1, Math.min(HELPER_BYTES, HELPER_CELLS * Math.max(1, Math.floor(perOp / 2)), Math.ceil(own * this.share)));
      const mine = buf.indexOf(0x0a, i + Math.min(own, Math.ceil(size / this.share)) - 1) + 1;
      // Parts [cuts[2k], cuts[2k + 1]) for the helpers, one after another, each after an LF.
      const cuts: number[] = [];
      const used: TextHelper[] = [];
      let a = mine;
      for (const h of hs) {
        if (a <= 0 || a >= last) break;
        let z = a + size >= last ? last : buf.indexOf(0x0a, a + size - 1) + 1;
        if (z - a > HELPER_BYTES) z = buf.lastIndexOf(0x0a, a + HELPER_BYTES - 1) + 1;
        if (z <= a) break;
        buf.copy(h.bytes, 0, a, z);
        h.ctrl[Ctl.Arg] = z - a;
        offer(h, Job.ParseJsonl);
        cuts.push(a, z);
        used.push(h);
        a = z;
      }
      if (used.length === 0) return i;
      let waited = 0;
      this.splitting = true;
      try {
        const t0 = performance.now();
        this.scan(buf.subarray(0, mine), i, false);
        const ownTime = performance.now() - t0;
        let wait = 0;
        let all = true;
        for (let k = 0; k < used.length; k++) {
          const h = used[k]!;
          a = cuts[2 * k]!;
          const z = cuts[2 * k + 1]!;
          waited = k + 1;
          let pos = a;
          const t1 = performance.now();
          const done = finish(h);
          wait += performance.now() - t1;
          if (done) pos = this.helperLines(h, a);
          else all = false;
          if (pos < z) this.scan(buf.subarray(0, z), pos, false);
        }
        // A helper this thread waited for (it started late, or runs slower: a busy machine) gets less next time, one that was done first more.
        const end = cuts[cuts.length - 1]!;
        if (all && ownTime > 0) {
          this.share = Math.min(SHARE_MAX, Math.max(SHARE_MIN, wait > 0.02 * ownTime ? this.share * (0.5 + (0.5 * ownTime) / (ownTime + wait)) : this.share * 1.05));
          // The round against this thread alone at its own pace: on a machine with no free core the handoffs
          // (a woken helper can take this thread's core) and the copies cost more than the helpers gain.
          if (judged && performance.now() - start > (0.9 * ownTime * (end - i)) / (mine - i)) {
            this.splitPause = Math.min(SPLIT_PAUSE_MAX, Math.max(SPLIT_PAUSE, 2 * this.splitPause));
            this.splitFrom = this.offset + end + this.splitPause;
            i = end;
            break;
          }
          this.splitPause >>= 1;
        }
        i = end;
      } finally {
        this.splitting = false;
        // An error in this thread's part: the helpers' parts are waited for (then dropped), so none is left working.
        for (let k = waited; k < used.length; k++) finish(used[k]!);
      }
    }
    return i;
  }

  /** The lines a helper took from its part at `a`, after this batch's (as fastLines stores its own); returns where it stopped. */
  private helperLines(h: TextHelper, a: number): number {
    const c = h.ctrl;
    const nv = c[Ctl.Arg + 1]!;
    const no = c[Ctl.Arg + 2]!;
    const lines = c[Ctl.Arg + 3]!;
    const end = a + c[Ctl.Arg + 4]!;
    const width = c[Ctl.Arg + 5]!;
    const b = this.batch;
    b.values = grow(b.values, b.nValues, b.nValues + nv);
    b.ops = grow(b.ops, b.nOps, b.nOps + no);
    b.endings = grow(b.endings, b.nEndings, b.nEndings + lines);
    b.values.set(h.f64.subarray(0, nv), b.nValues);
    b.ops.set(h.m8.subarray(0, no), b.nOps);
    b.endings.set(h.e8.subarray(0, lines), b.nEndings);
    helped.jsonlLines += lines;
    this.rowsTaken(nv, no, lines, width, c[Ctl.Arg + 4]!, end);
    return end;
  }

  /**
   * The wasm row parser's rows, stored after the batch's (by fastLines, or
   * copied from a helper's buffers): counts them in, each line a document
   * of `width` values (onDocument), and the bytes and ops that size the
   * helpers' parts. `end`: the buffer position after them.
   */
  private rowsTaken(values: number, ops: number, lines: number, width: number, bytes: number, end: number): void {
    const b = this.batch;
    b.nValues += values;
    b.nOps += ops;
    b.nEndings += lines;
    this.fastBytes += bytes;
    this.fastOps += ops;
    if (lines === 0) return;
    this.fastTaken += lines;
    if (this.onDocument) {
      for (let k = 0; k < lines; k++) {
        this.onDocument([width]);
        this.line++;
      }
    } else this.line += lines;
    this.lineStart = this.offset + end;
  }

  /** A malformed number token buf[s..e) (a method: a closure made in number() was an allocation a number). */
  private badNumber(buf: Buffer, s: number, e: number, expected: string): never {
    return this.fail(this.offset + s, shown(buf.toString("latin1", s, e)), expected);
  }

  /** A number by RFC 8259's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? and nothing else. */
  private number(buf: Buffer, s: number, e: number): number {
    let i = s;
    let negative = false;
    if (buf[i] === 0x2d) {
      negative = true;
      i++;
    }
    // Significant digits in int32 groups of 8, 8 and 3, as the CSV parser
    // keeps them (see decimal.ts); q: the power of ten of the last one kept.
    let g1 = 0;
    let g2 = 0;
    let g3 = 0;
    let sig = 0;
    let q = 0;
    let long = false;
    let v8 = 0;
    if (i >= e || buf[i]! < 0x30 || buf[i]! > 0x39) this.badNumber(buf, s, e, "a digit after the minus sign");
    if (buf[i] === 0x30 && i + 1 < e && buf[i + 1]! >= 0x30 && buf[i + 1]! <= 0x39) this.badNumber(buf, s, e, "a number without leading zeros");
    for (; i < e; i++) {
      const c = buf[i]!;
      if (c < 0x30 || c > 0x39) break;
      if (sig === 0 && c === 0x30) continue;
      if (sig < 8) g1 = g1 * 10 + (c - 0x30);
      else if (sig < 16) g2 = g2 * 10 + (c - 0x30);
      else if (sig < 19) g3 = g3 * 10 + (c - 0x30);
      else {
        q++;
        if (c !== 0x30) long = true;
        continue;
      }
      sig++;
    }
    if (i < e && buf[i] === 0x2e) {
      i++;
      const from = i;
      for (; i < e; i++) {
        const c = buf[i]!;
        if (c < 0x30 || c > 0x39) break;
        if (sig === 0 && c === 0x30) q--;
        else if (sig <= 11 && i + 8 <= e && (v8 = eightDigits(buf, i)) >= 0) {
          // Eight digits at once, as parseNumberBytes takes them.
          const k = sig & 7;
          const a = k === 0 ? v8 : Math.floor(v8 / POW10_8[k]!);
          const rest = v8 - a * POW10_8[k]!;
          if (sig < 8) {
            g1 = g1 * POW10_8[8 - k]! + a;
            g2 = rest;
          } else {
            g2 = g2 * POW10_8[8 - k]! + a;
            g3 = rest;
          }
          sig += 8;
          q -= 8;
          i += 7;
        } else if (sig < 19) {
          if (sig < 8) g1 = g1 * 10 + (c - 0x30);
          else if (sig < 16) g2 = g2 * 10 + (c - 0x30);
          else g3 = g3 * 10 + (c - 0x30);
          sig++;
          q--;
        } else if (c !== 0x30) long = true;
      }
      if (i === from) this.badNumber(buf, s, e, "digits after the decimal point");
    }
    let exp = 0;
    if (i < e && (buf[i] === 0x65 || buf[i] === 0x45)) {
      i++;
      let expNeg = false;
      if (i < e && (buf[i] === 0x2b || buf[i] === 0x2d)) {
        expNeg = buf[i] === 0x2d;
        i++;
      }
      const from = i;
      for (; i < e; i++) {
        const c = buf[i]!;
        if (c < 0x30 || c > 0x39) break;
        if (exp < 100000) exp = exp * 10 + (c - 0x30);
      }
      if (i === from) this.badNumber(buf, s, e, "digits in the exponent");
      if (expNeg) exp = -exp;
    }
    if (i !== e) this.badNumber(buf, s, e, "a JSON number");
    // Sign-only kernels skip the rounding of numbers beyond 15 digits (see parseNumberBytes).
    const v = long || (this.signOnly && sig > 15) ? NaN : groupsToDouble(g1, g2, g3, sig, q + exp);
    if (v === v) return negative ? -v : v;
    // Beyond 19 digits, or undecided: Number() on the text (sign-only kernels need only the sign of a certainly nonzero number).
    if (this.signOnly && sig - 1 + q + exp > -300) return negative ? -1 : 1;
    return Number(buf.toString("latin1", s, e));
  }

  private emit(): void {
    const b = this.batch;
    if (b.nOps === 0) return;
    this.onBatch(b);
    b.nOps = 0;
    b.nValues = 0;
    b.nEndings = 0;
  }
}
