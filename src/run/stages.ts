/**
 * The stream stages between a format reader and a format writer: the kernel
 * (f'(x), rounded once to the result dtype), G ⊙ f'(x) for --grad-output
 * (grad.ts), --reshape, and the notice of what a writer drops. `derive`
 * is the one place that chooses the kernel or the gradient for an array.
 */
import type { Kernel } from "../activations/types.js";
import { DactError } from "../errors.js";
import { CollectWriter, shapeText, sizeOf, WRITE_SLICE, type ArrayHead, type ArraySink, type ArrayWriter, type FloatDType, type RowExtras, type Values } from "../formats/array.js";
import type { Format } from "../formats/index.js";
import { roundTo } from "../formats/round.js";
import { readWithGrad, type GradSource } from "../grad.js";
import { float32Of } from "../wasm/index.js";

/** The table formats: typed columns, a header kept as column names, no place for label columns. */
export const TABLES: readonly Format[] = ["parquet", "arrow", "arrows"];

/** One array as a reader gives it: pushes into `sink`, calls `after` after each input chunk, returns the shape. */
export type ReadArray = (sink: ArraySink, after: () => Promise<void>) => Promise<number[]>;

/** Where an array goes, for the kernel stage and its notices. */
export interface DeriveTarget {
  kernel: Kernel;
  say: (m: string) => void;
  /** The input's name, for notices and errors. */
  source: string;
  /** Whether the writer keeps a CSV header (else it is dropped with a notice). */
  keepsHeader: boolean;
  /** The output format's name, for notices ("memory" for results kept in memory). */
  toName: string;
  /** --dtype: the result dtype (else the input's, or NumPy's promotion with G's). */
  dtype?: FloatDType | undefined;
}

/**
 * One array from `read` into `w`: f'(x) through the kernel, or G ⊙ f'(x)
 * when there is a gradient (grad.ts). Every path (a file, a container
 * member, results in memory, a streamed --check) comes here.
 */
export async function derive(read: ReadArray, w: ArrayWriter, grad: GradSource | null, t: DeriveTarget): Promise<void> {
  if (grad) return readWithGrad(read, noticingWriter(w, t.say, t.source, t.keepsHeader, t.toName), t.kernel, grad, t.source, t.dtype);
  const shape = await read(kernelSink(w, t.kernel, t.say, t.source, t.keepsHeader, t.toName, t.dtype), () => w.flush());
  await w.end(shape);
}

/**
 * The sink between a reader and a writer: each batch of source values
 * goes through the kernel into a reused buffer of the result dtype (f4
 * rounds once on store, f2 and bf16 once by their rounding) and on to the
 * writer. A header or label columns the writer has no place for are
 * dropped with a notice.
 */
export function kernelSink(writer: ArrayWriter, kernel: Kernel, say: (m: string) => void, source: string, keepsHeader: boolean, toName: string, outDtype?: FloatDType): ArraySink {
  let dtype: FloatDType = "f8";
  let dst: Float64Array | Float32Array = new Float64Array(0);
  const k32 = float32Of(kernel);
  return {
    takesTextNote: true,
    begin(h: ArrayHead) {
      // The output dtype (--dtype), else the input's: f'(x) in float64 rounded once to what is written.
      dtype = outDtype ?? h.dtype;
      // Parquet/Arrow keep the header as column names but have no place for CSV label columns.
      sayDropped(h, say, source, keepsHeader, toName);
      writer.begin(h);
    },
    data(values: Values, missing: Uint8Array | null, n: number, extras?: RowExtras | null) {
      if (dst.length < n) dst = dtype === "f4" ? new Float32Array(Math.max(n, WRITE_SLICE)) : new Float64Array(Math.max(n, WRITE_SLICE));
      (values instanceof Float32Array && dst instanceof Float32Array ? (k32 ?? kernel) : kernel)(values, dst, n);
      if (dtype === "f2" || dtype === "bf16") roundTo(dst as Float64Array, n, dtype);
      writer.write(dst, missing, n, extras);
    },
  };
}

/**
 * One notice for what a writer without a place for labels drops: the
 * CSV header and every label column (index, text, --columns' others), by name.
 * A Parquet/Arrow writer keeps the header (as column names) but, from an
 * array reader, not the label columns: those alone are named (headerKept).
 */
/** What a sink says when it begins: what its writer drops (dropNotice), else the text-column and index notes alone. */
function sayDropped(h: ArrayHead, say: (m: string) => void, source: string, keepsHeader: boolean, toName: string): void {
  if (!keepsHeader || (TABLES.includes(toName as Format) && (h.labelCols?.length ?? 0) > 0)) return dropNotice(h, say, source, toName, keepsHeader);
  if (h.textNote) say(h.textNote.full);
  if (h.indexNote && !keepsIndex(toName)) say(h.indexNote.full);
}

/** JSON output keeps a split document's index (its transform); "memory" (--check's computed side) drops nothing it would say. */
function keepsIndex(toName: string): boolean {
  return toName === "json" || toName === "memory";
}

export function dropNotice(h: ArrayHead, say: (m: string) => void, source: string, toName: string, headerKept = false): void {
  const labels = h.labelCols ?? [];
  const parts: string[] = [];
  // One line however wide the table: long lists are cut.
  const cut = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}…` : s);
  if (h.header && !headerKept) parts.push(`${h.headerName ?? "the CSV header"} (${cut(h.header.slice(0, 100).join(", "))})`);
  if (labels.length > 0) {
    // By name, or (unnamed, no header) by number counted from 0, as --index-col and --columns count.
    const names = labels.slice(0, 100).map((c) => (h.header?.[c]?.trim() ? JSON.stringify(h.header[c]) : `${c}`));
    const numbered = labels.some((c) => !h.header?.[c]?.trim());
    parts.push(`label column${labels.length > 1 ? "s" : ""} ${cut(names.join(", "))}${numbered ? " (counted from 0)" : ""}`);
  }
  // Text columns found on the first data row: one line with what is dropped.
  const notes = [h.textNote?.brief, keepsIndex(toName) ? undefined : h.indexNote?.brief].filter((b) => b !== undefined);
  const text = notes.map((b) => `${b}; `).join("");
  if (parts.length === 0 && h.indexNote && !keepsIndex(toName)) say(h.indexNote.full);
  if (parts.length > 0) say(`dact: ${source}: ${text}${parts.join(" and ")} ha${parts.length > 1 || labels.length > 1 ? "ve" : "s"} no place in ${toName}; dropped`);
}

/** A writer that says what it drops (dropNotice) when it begins: for paths without a kernelSink (--grad-output). */
export function noticingWriter(inner: ArrayWriter, say: (m: string) => void, source: string, keepsHeader: boolean, toName: string): ArrayWriter {
  return {
    begin(h) {
      sayDropped(h, say, source, keepsHeader, toName);
      inner.begin(h);
    },
    write: (v, m, n, x) => inner.write(v, m, n, x),
    flush: () => inner.flush(),
    end: (s) => inner.end(s),
  };
}

/**
 * --reshape in front of a writer. When the size is known at the start (a
 * .npy) or the -1 is the growing first axis, the new shape is known at
 * once and the values stream; otherwise (a -1 elsewhere on a CSV or JSON
 * input) they are held until the size is known. The size is checked at the
 * end either way, and a mismatch fails the run before the output is committed.
 */
export function reshapeWriter(inner: ArrayWriter, to: readonly number[] | undefined): ArrayWriter {
  if (!to) return inner;
  let head: ArrayHead | null = null;
  let held: CollectWriter | null = null;
  return {
    begin(h) {
      head = h;
      if (!h.growing) inner.begin({ ...h, shape: reshaped(h.shape.reduce((a, b) => a * b, 1), to, h.shape), growing: false });
      else if (!to.includes(-1)) inner.begin({ ...h, shape: to, growing: false });
      else if (to[0] === -1 && to.indexOf(-1, 1) < 0) inner.begin({ ...h, shape: [0, ...to.slice(1)], growing: true });
      else held = new CollectWriter();
    },
    write(values, missing, n) {
      if (held) held.write(values, missing, n);
      else inner.write(values, missing, n);
    },
    flush() {
      return held ? Promise.resolve() : inner.flush();
    },
    async end(shape) {
      const final = reshaped(shape.reduce((a, b) => a * b, 1), to, shape);
      if (held) {
        const { data, missing } = held.values();
        inner.begin({ ...head!, shape: final, growing: false });
        for (let s = 0; s < data.length; s += WRITE_SLICE) {
          const e = Math.min(data.length, s + WRITE_SLICE);
          inner.write(data.subarray(s, e), missing ? missing.subarray(s, e) : null, e - s);
          await inner.flush();
        }
      }
      await inner.end(final);
    },
  };
}

/** numpy-style reshape with at most one -1: the new shape for `size` elements. */
export function reshaped(size: number, to: readonly number[], from: readonly number[]): number[] {
  const known = to.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const shape = to.map((d) => (d === -1 ? (known === 0 ? 0 : size / known) : d));
  if (sizeOf(shape) !== size || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new DactError("USAGE", `option --reshape: found (${to.join(", ")}) for ${size} elements of shape ${shapeText(from)}; expected sizes whose product is ${size}`);
  }
  return shape;
}
