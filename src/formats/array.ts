/**
 * The one shape every format reader emits and every format writer takes, so
 * that any reader streams into any writer (conversion, --reshape, the
 * library API, compare):
 *
 *   begin(head) once, then write(values, missing, n) for the elements in C
 *   order, in batches of any size, then end(shape) with the final shape.
 *
 * A reader calls begin as soon as it knows every dimension but the first
 * (`growing`: the row count of a CSV file or a JSON array is known only at
 * the end). Writers that must know the first dimension before writing (the
 * .npy header) reserve room for it or spool; see npy/writer.ts.
 */
import type { Output } from "../io.js";
import { grow } from "../grow.js";

import type { FloatDType, IntDType } from "../types.js";

export type { FloatDType, IntDType };

export interface ArrayHead {
  /** The shape; while `growing`, shape[0] is not known yet (it reads 0 here). */
  readonly shape: readonly number[];
  /** The exact shape when a dimension is 2^53 or more (an empty .npy may have one), for writers that keep it. */
  readonly bigShape?: readonly bigint[] | undefined;
  /** True while the first dimension is still growing; end() tells it. */
  readonly growing: boolean;
  /** The dtype of the values written (the result dtype: f4 input keeps f4, text gives f8). */
  readonly dtype: FloatDType;
  /** A bool or integer array's own dtype (.npy, .npz, .safetensors; `dtype` is then f8): what a gradient's dtype promotes by, as NumPy does (grad.ts gradResultDtype). Text formats have none. */
  readonly sourceDtype?: IntDType | undefined;
  /** A CSV header's cells, for writers that have a place for them. */
  readonly header: readonly string[] | null;
  /** What the header is, in notices: "the CSV header" unless a table's "column names". */
  readonly headerName?: string | undefined;
  /** CSV: the tokens of missing cells (missing[k] = 2 + i for naTokens[i]; 1 is an empty cell). Live: it grows as the input is read. */
  readonly naTokens?: readonly string[] | undefined;
  /** CSV: label columns, by position in the full row; their cells come in RowExtras. */
  readonly labelCols?: readonly number[] | undefined;
  /** Parquet/Arrow: each value's column name along the last axis (a tensor column's name once per value), to match a gradient's columns by name when `header` cannot say (tensor columns). */
  readonly valueNames?: readonly string[] | undefined;
  /** Parquet/Arrow: each column's own dtype along the last axis (a table's columns may differ); `dtype` is then their common one. */
  readonly columnDtypes?: readonly FloatDType[] | undefined;
  /** Parquet/Arrow: each integer column's own dtype along the last axis (undefined for a float column), for a gradient's promotion as `sourceDtype`. */
  readonly columnSourceDtypes?: readonly (IntDType | undefined)[] | undefined;
  /** CSV: the notice naming text columns found on the first data row, for a sink that merges it with what it drops (ArraySink.takesTextNote). */
  readonly textNote?: { full: string; brief: string } | undefined;
  /** A pandas split document's "index" (not the default 0, 1, 2…): only JSON output keeps it, so every other output's sink says it is dropped (stages.ts). */
  readonly indexNote?: { full: string; brief: string } | undefined;
  /** CSV/TSV: read from text rows, where a 1-D array is written as one column: compare takes (n, 1) as (n,). */
  readonly tableRows?: boolean | undefined;
}

/**
 * Matrices read from text rows (ArrayHead.tableRows): compare takes their
 * (n, 1) as (n,), as a 1-D array written as CSV reads back as one column.
 * A set rather than a field, so that the public Matrix keeps its keys.
 */
const FROM_TABLE_ROWS = new WeakSet<object>();

export function markTableRows(m: object): void {
  FROM_TABLE_ROWS.add(m);
}

export function fromTableRows(m: object): boolean {
  return FROM_TABLE_ROWS.has(m);
}

/** What a CSV reader has beside the numbers, for writers that keep it (CSV); others drop it. */
export interface RowExtras {
  readonly naTokens: readonly string[];
  readonly labelCols: readonly number[];
  /** Each whole row's label cells, row-major. */
  readonly labels: readonly string[];
  readonly comments: readonly { row: number; text: string; ending: number }[];
}

/** The values of a batch: any typed array of numbers (not BigInt). */
export type Values = ArrayLike<number>;

export interface ArrayWriter {
  begin(head: ArrayHead): void;
  /** Elements in C order; `missing[k]` is nonzero where the input had no value (the value is then NaN). */
  write(values: Values, missing: Uint8Array | null, n: number, extras?: RowExtras | null): void;
  /** Writes out what the calls so far produced (the pipeline calls this after each input chunk). */
  flush(): Promise<void>;
  /** The final shape: its first dimension completes a growing head. Writes the rest. */
  end(shape: readonly number[]): Promise<void>;
}

/** What a reader pushes into: the head, then batches of source values. */
export interface ArraySink {
  begin(head: ArrayHead): void;
  data(values: Values, missing: Uint8Array | null, n: number, extras?: RowExtras | null): void;
  /** The sink says head.textNote itself (else the reader does, at once). */
  readonly takesTextNote?: boolean;
  /** The sink expects label columns to be left aside (G of --grad-output: the table's own labels): the reader says nothing of them. */
  readonly quietLabels?: boolean;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeText(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/**
 * Output bytes, gathered into large buffers and written on flush(). Writers
 * ask for room first and then fill `buf` from `len` on; a full buffer is
 * queued and a fresh one started, so a huge batch never needs its worst
 * case at once. After flush() the last buffer is reused: each write
 * resolves when the output is done with its bytes.
 */
export class OutBuffer {
  buf: Buffer;
  len = 0;
  private readonly full: Buffer[] = [];
  /** Standard-size buffers already written out, reused rather than left to the GC (external memory piles up before V8 collects it). */
  private readonly spare: Buffer[] = [];

  constructor(private readonly output: Output, private readonly size = 1 << 20) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Makes room for `bytes` more bytes at buf[len]. */
  room(bytes: number): void {
    if (this.len + bytes <= this.buf.length) return;
    if (this.len > 0) this.full.push(this.buf.subarray(0, this.len));
    this.buf = bytes <= this.size && this.spare.length > 0 ? this.spare.pop()! : Buffer.allocUnsafe(Math.max(this.size, bytes));
    this.len = 0;
  }

  /** Appends bytes (copied). */
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** Appends text as UTF-8. */
  text(s: string): void {
    this.room(Buffer.byteLength(s, "utf8"));
    this.len += this.buf.write(s, this.len, "utf8");
  }

  async flush(): Promise<void> {
    if (this.len > 0) {
      this.full.push(this.buf.subarray(0, this.len));
      this.len = 0;
    }
    for (const b of this.full) await this.output.write(b);
    // Every write has resolved: the buffers are free again.
    for (const b of this.full) if (b.buffer.byteLength === this.size && b.byteOffset === 0 && b.buffer !== this.buf.buffer) this.spare.push(Buffer.from(b.buffer, 0, this.size));
    this.full.length = 0;
  }
}

/**
 * A writer that keeps everything in memory: for readMatrix, compare and
 * --check, and for the few reshapes that need the whole size first.
 */
export class CollectWriter implements ArrayWriter {
  head: ArrayHead | null = null;
  data = new Float64Array(1024);
  missing: Uint8Array | null = null;
  n = 0;
  shape: number[] = [];

  begin(head: ArrayHead): void {
    this.head = head;
  }

  write(values: Values, missing: Uint8Array | null, n: number): void {
    this.data = grow(this.data, this.n, this.n + n);
    if (this.missing) this.missing = grow(this.missing, this.n, this.data.length);
    const d = this.data;
    const base = this.n;
    for (let i = 0; i < n; i++) d[base + i] = values[i]!;
    if (missing) {
      for (let i = 0; i < n; i++) {
        if (missing[i] !== 0) {
          if (!this.missing) this.missing = new Uint8Array(d.length);
          this.missing[base + i] = 1;
        }
      }
    }
    this.n += n;
  }

  async flush(): Promise<void> {}

  async end(shape: readonly number[]): Promise<void> {
    this.shape = [...shape];
  }

  /** The collected values, trimmed. */
  values(): { data: Float64Array; missing: Uint8Array | null } {
    return { data: this.data.slice(0, this.n), missing: this.missing ? this.missing.slice(0, this.n) : null };
  }
}

/** Values handed to a writer in slices of this many, so its buffers stay small. */
export const WRITE_SLICE = 1 << 16;

/** Drives a writer with a whole array held in memory (the library's writeMatrix, replays). */
export async function writeWhole(w: ArrayWriter, head: ArrayHead, data: Float64Array, missing: Uint8Array | null): Promise<void> {
  w.begin(head);
  for (let s = 0; s < data.length; s += WRITE_SLICE) {
    const e = Math.min(data.length, s + WRITE_SLICE);
    w.write(data.subarray(s, e), missing ? missing.subarray(s, e) : null, e - s);
    await w.flush();
  }
  await w.end(head.shape);
}
