/**
 * --grad-output: the vector-Jacobian product grad_input = G ⊙ f'(X), what a
 * backward pass computes for an activation. f'(x) is computed in float64
 * as always, multiplied by G's value in float64, and rounded once to the
 * result dtype: NumPy's promotion of f'(X)'s dtype (X's float dtype, or
 * float64 for a bool or integer X) with G's dtype, bool and integer ones
 * included (a plain number is a weak Python float: it keeps X's dtype).
 *
 * X and G stream in lockstep in bounded memory, whatever their formats and
 * chunkings: G's reader runs as a producer into a bounded queue; X's
 * derivatives for each input chunk wait in a buffer of that chunk's size
 * until G's values for them have arrived.
 */
import type { Kernel } from "./activations/types.js";
import { DactError } from "./errors.js";
import { shapeText, sizeOf, type ArrayHead, type ArraySink, type ArrayWriter, type FloatDType, type RowExtras, type Values } from "./formats/array.js";
import type { ArrayFormat, ReadOptions } from "./formats/index.js";
import type { GradStage } from "./formats/context.js";
import type { Input } from "./io.js";
import { promote, promoteStored, roundTo } from "./formats/round.js";
import type { NumericDType } from "./types.js";
import { grow } from "./grow.js";

/** The gradient: a plain number, or an array to read (a file, or one member of a container). */
export type GradSource =
  | { kind: "number"; value: number }
  | {
      kind: "array";
      name: string;
      /** G's stored dtype when known before reading (a container member's, from its header; bool and integers as such): a writer that plans its dtypes first (.safetensors) asks gradResultDtype. */
      dtype?: NumericDType | undefined;
      read(sink: ArraySink, after: () => Promise<void>): Promise<number[]>;
    };

// NumPy's promotion of two float dtypes lives beside the rounding (formats/round.ts): table codecs use it too.
export { promote };

/**
 * The one rule for the dtype of G ⊙ f'(x), on every path (a single array,
 * each container member, each table column, --check, the library): --dtype
 * when given, else NumPy 2's promotion (NEP 50) of f'(X)'s dtype `x` (X's
 * float dtype; f8 for a bool or integer X, as np.heaviside gives) with G's
 * stored dtype, bool and integers included: `(f'(X) * G).dtype`. A plain
 * number (`null` here) is a weak Python float and keeps X's dtype; a 0-d
 * array is not weak (NumPy 2) and promotes as any array does.
 */
export function gradResultDtype(x: FloatDType, g: NumericDType | null, out?: FloatDType): FloatDType {
  return out ?? (g === null ? x : promoteStored(x, g));
}

/** G's stored dtype as its head tells it: a bool or integer array's own, else its float dtype. */
export function storedDtypeOf(h: { readonly dtype: FloatDType; readonly sourceDtype?: NumericDType | undefined }): NumericDType {
  return h.sourceDtype ?? h.dtype;
}

/** G's dtype as far as it is known before reading: null for a plain number, undefined when only its reader will tell. */
export function gradDtypeOf(grad: GradSource): NumericDType | null | undefined {
  return grad.kind === "number" ? null : grad.dtype;
}

/** G's values, as G's reader produces them, handed out in order. */
class GradQueue {
  private chunks: Float64Array[] = [];
  private offset = 0;
  available = 0;
  head: ArrayHead | null = null;
  shape: number[] | null = null;
  error: unknown = null;
  private waiter: (() => void) | null = null;
  private roomWaiter: (() => void) | null = null;
  /** How many values X's side waits for (0 when it waits for none): G's reader never waits for room while that many are not there. */
  private wanted = 0;
  static readonly LIMIT = 1 << 20; // values held at most before G's reader waits

  wake(): void {
    this.waiter?.();
    this.waiter = null;
  }

  /** X's side failed: G's reader stops at its next chunk. */
  abort(): void {
    this.error ??= new DactError("USAGE", "interrupted: the input failed");
    this.roomWaiter?.();
    this.roomWaiter = null;
  }

  push(values: Values, n: number): void {
    if (this.error !== null) throw this.error;
    const copy = new Float64Array(n);
    for (let i = 0; i < n; i++) copy[i] = values[i]!;
    this.chunks.push(copy);
    this.available += n;
    this.wake();
  }

  /**
   * G's reader waits here while the queue is full, unless X's side waits for
   * more values than are there: neither side can then wait for the other
   * forever, whatever the two readers' chunk sizes.
   */
  async room(): Promise<void> {
    while (this.available > GradQueue.LIMIT && this.available >= this.wanted && this.error === null) await new Promise<void>((r) => (this.roomWaiter = r));
  }

  /** Waits until `n` values are there, or G has ended (then fewer). */
  async want(n: number, ended: () => boolean): Promise<void> {
    this.wanted = n;
    this.roomWaiter?.();
    this.roomWaiter = null;
    try {
      while (this.available < n && !ended() && this.error === null) await new Promise<void>((r) => (this.waiter = r));
    } finally {
      this.wanted = 0;
    }
    if (this.error !== null) throw this.error;
  }

  /** Multiplies dst[0..n) by the next n values of G. */
  take(dst: Float64Array, n: number): void {
    let k = 0;
    while (k < n) {
      const c = this.chunks[0]!;
      const m = Math.min(n - k, c.length - this.offset);
      for (let i = 0; i < m; i++) dst[k + i] = dst[k + i]! * c[this.offset + i]!;
      k += m;
      this.offset += m;
      if (this.offset === c.length) {
        this.chunks.shift();
        this.offset = 0;
      }
    }
    this.available -= n;
    this.roomWaiter?.();
    this.roomWaiter = null;
  }
}

/** The shape but for the first axis, with a one-column table the same as a vector (CSV reads (n, 1)). */
function rowShape(s: readonly number[]): number[] {
  return s.length === 2 && s[1] === 1 ? [] : s.slice(1);
}

/** A count of values, with the whole rows it makes when the input's rows are wider than one value: "4 values (2 rows of 2)". */
function valuesText(n: number, x: ArrayHead): string {
  const width = x.shape.slice(1).reduce((a, b) => a * b, 1);
  return width > 1 && n % width === 0 ? `${n} values (${n / width} row${n / width === 1 ? "" : "s"} of ${width})` : `${n} values`;
}

/** How a growing shape prints: (…, 3), or (…,) for a vector. */
function growingText(s: readonly number[]): string {
  return s.length <= 1 ? "(…,)" : `(…, ${s.slice(1).join(", ")})`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  const canon = (s: readonly number[]) => (s.length === 2 && s[1] === 1 ? [s[0]] : s).join(",");
  return canon(a) === canon(b);
}

/**
 * The sink X's reader pushes into, and the `after` to call after each of
 * X's chunks; `finish(shape)` at X's end checks G's shape and ends the writer.
 * `perColumn`: a table's columns (X's head columnDtypes) are each rounded to
 * their own result dtype (a table transform); else the array has one dtype.
 */
export function gradSink(grad: GradSource, writer: ArrayWriter, kernel: Kernel, source: string, outDtype?: FloatDType, perColumn = false): { sink: ArraySink; after: () => Promise<void>; finish(shape: number[]): Promise<void>; started: Promise<void>; abort(): void } {
  const q = new GradQueue();
  let ended = grad.kind === "number";
  let gShape: number[] | null = grad.kind === "number" ? [] : null;
  let started: Promise<void> = Promise.resolve();
  if (grad.kind === "array") {
    started = grad
      .read(
        {
          // G's label columns and text are the table's own, left aside: nothing to say of them.
          takesTextNote: true,
          quietLabels: true,
          begin(h) {
            q.head = h;
            q.wake();
          },
          data(v, _m, n) {
            q.push(v, n);
          },
        },
        () => q.room(),
      )
      .then(
        (shape) => {
          gShape = shape;
          ended = true;
          q.wake();
        },
        (err) => {
          q.error = err;
          ended = true;
          q.wake();
        },
      );
  }
  let xHead: ArrayHead | null = null;
  let dtype: FloatDType = "f8";
  // A table's columns (X's head columnDtypes): each rounded to its own result dtype.
  let colDtypes: FloatDType[] | null = null;
  let begun = false;
  let scalarG: number | null = grad.kind === "number" ? grad.value : null;
  let pending = new Float64Array(1 << 16);
  let pendingMissing: Uint8Array | null = null;
  let nPending = 0;
  // Label cells (CSV label columns) of the pending rows: they pass through beside G ⊙ f'(x).
  let pendingExtras: RowExtras | null = null;
  let pendingLabels: string[] = [];
  let count = 0;
  const gName = grad.kind === "array" ? grad.name : "the gradient";
  const begin = async () => {
    if (begun) return;
    begun = true;
    const x = xHead!;
    if (grad.kind === "array") {
      await q.want(0, () => q.head !== null || ended);
      while (q.head === null && !ended) await q.want(1, () => q.head !== null || ended);
      if (q.error) throw q.error;
      const g = q.head!;
      if (g.shape.length === 0 && !g.growing) {
        // A 0-d G broadcasts: its one value.
        await q.want(1, () => ended);
        const one = new Float64Array([1]);
        q.take(one, 1);
        scalarG = one[0]!;
      } else if (g.growing || x.growing ? rowShape(g.shape).join(",") !== rowShape(x.shape).join(",") : !sameShape(g.shape, x.shape)) {
        throw new DactError("SHAPE", `the gradient ${gName} has shape ${g.growing ? growingText(g.shape) : shapeText(g.shape)} and the input has ${x.growing ? growingText(x.shape) : shapeText(x.shape)}; expected the same shape, or a scalar`, source);
      }
      // Both sides named (CSV headers, JSON keys, Parquet columns): G's numeric columns must be X's, in order.
      // Tensor columns (no header: their names are not one per matrix column) by each value's column name.
      const named = (h: ArrayHead): string[] | null => (h.header ? h.header.filter((_, i) => !(h.labelCols ?? []).includes(i)) : h.valueNames ? [...h.valueNames] : null);
      const xn = named(x);
      const gn = named(g);
      if (xn && gn && xn.join("\u0000") !== gn.join("\u0000")) {
        const cut = (n: string[]) => (n.length > 8 ? [...n.slice(0, 8), "…"] : n).join(", ");
        throw new DactError("SHAPE", `the gradient ${gName} has the columns (${cut(gn)}) and the input (${cut(xn)}); expected the same names in the same order`, source);
      }
      // --dtype: G ⊙ f'(x) in float64, rounded once to the output dtype (not to the input's first).
      dtype = gradResultDtype(x.dtype, storedDtypeOf(g), outDtype);
      // G's columns, by position (their names, when both have them, are checked above).
      const gCols = scalarG === null && g.columnDtypes?.length === x.columnDtypes?.length ? g.columnDtypes : null;
      // An integer column of G (Parquet/Arrow) by its own dtype, as pandas' x * g promotes it.
      const gInts = gCols ? g.columnSourceDtypes : undefined;
      colDtypes = (perColumn && x.columnDtypes?.map((d, j) => gradResultDtype(d, gInts?.[j] ?? gCols?.[j] ?? storedDtypeOf(g), outDtype))) || null;
    } else {
      dtype = gradResultDtype(x.dtype, null, outDtype);
      colDtypes = (perColumn && x.columnDtypes?.map((d) => gradResultDtype(d, null, outDtype))) || null;
    }
    if (colDtypes && colDtypes.length > 0) {
      if (colDtypes.every((d) => d === colDtypes![0])) {
        dtype = colDtypes[0]!;
        colDtypes = null;
      } else dtype = colDtypes.reduce(promote);
    } else colDtypes = null;
    writer.begin({ ...x, dtype, columnDtypes: colDtypes ?? undefined });
  };
  const drain = async (final: boolean) => {
    if (!begun) {
      // A reader may ask for room before its head (a last row without its
      // line ending is held back): nothing to write before X has begun.
      if (xHead === null) return;
      await begin();
    }
    if (nPending === 0) return;
    if (scalarG !== null) {
      for (let i = 0; i < nPending; i++) pending[i] = pending[i]! * scalarG;
    } else {
      await q.want(nPending, () => ended);
      if (q.available < nPending) {
        if (final || ended) throw new DactError("SHAPE", `the gradient ${gName} ends after ${valuesText(count + q.available, xHead!)}, the input has more; expected the same shape, or a scalar`, source);
      }
      q.take(pending, nPending);
    }
    if (colDtypes) roundColumns(pending, nPending, count, colDtypes);
    else roundTo(pending, nPending, dtype);
    writer.write(pending, pendingMissing, nPending, pendingExtras && { ...pendingExtras, labels: pendingLabels, comments: [] });
    count += nPending;
    nPending = 0;
    pendingMissing = null;
    pendingLabels = [];
    await writer.flush();
  };
  return {
    started,
    abort: () => q.abort(),
    sink: {
      takesTextNote: true, // the writer (noticingWriter) says it
      begin(h) {
        xHead = h;
      },
      data(values: Values, missing: Uint8Array | null, n: number, extras?: RowExtras | null) {
        if (extras && extras.labelCols.length > 0) {
          pendingExtras = extras;
          for (const l of extras.labels) pendingLabels.push(l);
        } else if (extras) pendingExtras = extras;
        pending = grow(pending, nPending, nPending + n);
        // f'(x) in float64, whatever the result dtype: G multiplies it before the one rounding.
        kernel(values, pending.subarray(nPending), n);
        if (missing) {
          // As long as the values: they may have grown since the flags were made.
          const m = grow(pendingMissing ?? new Uint8Array(pending.length), nPending, pending.length);
          m.set(missing.subarray(0, n), nPending);
          pendingMissing = m;
        }
        nPending += n;
      },
    },
    after: () => drain(false),
    async finish(shape: number[]) {
      await drain(true);
      if (grad.kind === "array") {
        if (scalarG === null) {
          // X has ended: G must end here too. One more value of G (its reader
          // may be waiting for room, and would wait forever) is a longer G,
          // found now, before anything is committed.
          await q.want(1, () => ended);
          if (q.available > 0 && !ended) {
            q.abort();
            throw new DactError("SHAPE", `the gradient ${gName} has more values than the input (at least ${count + q.available} against ${count}); expected the same shape, or a scalar`, source);
          }
        }
        await started;
        if (q.error) throw q.error;
        const g = gShape!;
        const broadcast = scalarG !== null;
        if (!broadcast && !sameShape(g, shape)) {
          throw new DactError("SHAPE", `the gradient ${gName} has shape ${shapeText(g)} and the input has ${shapeText(shape)}; expected the same shape, or a scalar`, source);
        }
        if (!broadcast && q.available > 0) throw new DactError("SHAPE", `the gradient ${gName} has more values than the input (${sizeOf(g)} against ${count}); expected the same shape`, source);
      }
      await writer.end(shape);
    },
  };
}

/** Rounds each value to its column's dtype: value k of the array (from `first`) is in column k mod the column count. */
function roundColumns(data: Float64Array, n: number, first: number, dtypes: readonly FloatDType[]): void {
  const cols = dtypes.length;
  for (let j = 0; j < cols; j++) {
    const d = dtypes[j]!;
    if (d === "f8") continue;
    const start = (((j - first) % cols) + cols) % cols;
    const picked = new Float64Array(Math.max(0, Math.ceil((n - start) / cols)));
    for (let i = start, k = 0; i < n; i += cols) picked[k++] = data[i]!;
    roundTo(picked, picked.length, d);
    for (let i = start, k = 0; i < n; i += cols) data[i] = picked[k++]!;
  }
}

/**
 * --grad-output inside a same-format transform (formats/context.ts
 * GradStage): gradSink with a writer that hands each batch of results back
 * to the transform, which writes them in its own layout.
 */
export function gradStage(grad: GradSource, kernel: Kernel, source: string, outDtype?: FloatDType): GradStage & { abort(): void; started: Promise<void> } {
  let head: ArrayHead | null = null;
  let out = new Float64Array(0);
  let got = 0;
  const capture: ArrayWriter = {
    begin(h) {
      head = h;
    },
    write(v, _m, n) {
      out = grow(out, got, got + n);
      for (let i = 0; i < n; i++) out[got + i] = v[i]!;
      got += n;
    },
    flush: async () => {},
    end: async () => {},
  };
  // Per column: the transform writes each column in its own dtype (an array writer has one dtype for all: X's head's).
  const g = gradSink(grad, capture, kernel, source, outDtype, true);
  return {
    async begin(h) {
      g.sink.begin(h);
      await g.after(); // nothing pending: G's head is read and checked against X's
      return { dtype: head!.dtype, columnDtypes: head!.columnDtypes ?? null };
    },
    async apply(values, n) {
      got = 0;
      if (n === 0) return new Float64Array(0);
      g.sink.data(values, null, n);
      await g.after();
      if (got !== n) throw new Error(`unreachable: ${got} results for ${n} values`);
      return out.slice(0, n);
    },
    finish: (shape) => g.finish(shape),
    abort: () => g.abort(),
    started: g.started,
  };
}

/** `work` with a GradStage for a transform; G's reader is stopped if `work` fails, and waited for either way. */
export async function withGradStage(grad: GradSource, kernel: Kernel, source: string, outDtype: FloatDType | undefined, work: (stage: GradStage) => Promise<void>): Promise<void> {
  const stage = gradStage(grad, kernel, source, outDtype);
  try {
    await work(stage);
  } catch (err) {
    stage.abort();
    throw err;
  } finally {
    await stage.started.catch(() => {});
  }
}

/** Reads X (any reader, as `read`) into `writer`, multiplied by G. */
export async function readWithGrad(read: (sink: ArraySink, after: () => Promise<void>) => Promise<number[]>, writer: ArrayWriter, kernel: Kernel, grad: GradSource, source: string, outDtype?: FloatDType): Promise<void> {
  const g = gradSink(grad, writer, kernel, source, outDtype);
  try {
    const shape = await read(g.sink, g.after);
    await g.finish(shape);
  } catch (err) {
    g.abort();
    throw err;
  } finally {
    await g.started.catch(() => {});
  }
}

export async function streamGrad(input: Input, from: ArrayFormat, opts: ReadOptions, writer: ArrayWriter, kernel: Kernel, grad: GradSource, say: (m: string) => void, outDtype?: FloatDType): Promise<void> {
  await readWithGrad((sink, after) => from.read(input, opts, sink, after, say), writer, kernel, grad, input.name, outDtype);
}
