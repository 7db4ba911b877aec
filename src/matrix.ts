/**
 * A whole array in memory, in C order, for what needs one: compare,
 * --check and the library API. It is read and written through the format
 * registry's one reader and one writer per format (formats/index.ts), like
 * every other path; nothing here knows a format.
 */
import { f16round } from "@petamoriken/float16";
import type { Activation, Params } from "./activations/types.js";
import { DactError } from "./errors.js";
import { CollectWriter, shapeText, sizeOf, writeWhole, type FloatDType } from "./formats/array.js";
import { formatSpec, type Format, type ReadOptions, type WriteOptions } from "./formats/index.js";
import type { Input, Output } from "./io.js";

export type { FloatDType };

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

/** The Matrix a CollectWriter gathered. */
export function collected(c: CollectWriter): Matrix {
  const { data, missing } = c.values();
  return { shape: c.shape, data, missing, dtype: c.head?.dtype ?? "f8", header: c.head?.header ? [...c.head.header] : null };
}

/** Reads a whole input into a Matrix. */
export async function readMatrix(input: Input, format: Format, opts: ReadOptions = {}, notice: (m: string) => void = () => {}): Promise<Matrix> {
  const c = new CollectWriter();
  const shape = await formatSpec(format).read(input, opts, { begin: (h) => c.begin(h), data: (v, m, n) => c.write(v, m, n) }, async () => {}, notice);
  await c.end(shape);
  return collected(c);
}

/** Writes a Matrix in any format, through that format's one writer. */
export async function writeMatrix(m: Matrix, output: Output, format: Format, opts: WriteOptions = {}): Promise<void> {
  const w = await formatSpec(format).writer(output, opts);
  await writeWhole(w, { shape: m.shape, growing: false, dtype: m.dtype, header: m.header }, m.data, m.missing);
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

/** Applies the derivative to a whole matrix, in place, and rounds to NumPy's result dtype. */
export function deriveMatrix(m: Matrix, act: Activation, params: Params): Matrix {
  act.kernel(params)(m.data, m.data, m.data.length);
  roundTo(m.data, m.data.length, m.dtype);
  return m;
}

/** Rounds values to the dtype, as storing into that dtype would (once, to nearest even). */
export function roundTo(data: Float64Array, n: number, dtype: FloatDType): void {
  if (dtype === "f4") for (let i = 0; i < n; i++) data[i] = Math.fround(data[i]!);
  else if (dtype === "f2") for (let i = 0; i < n; i++) data[i] = f16round(data[i]!);
}
