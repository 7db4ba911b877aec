/**
 * The library's public types, in a module that uses no Node.js types, so a
 * TypeScript project can import dact without @types/node.
 */

/** The dtypes results are stored in: float16, float32, float64, bfloat16. */
export type FloatDType = "f2" | "f4" | "f8" | "bf16";

/** The bool and integer dtypes binary formats store (.npy, .npz, .safetensors), in NumPy's short names: read as float64 values. */
export type IntDType = "b1" | "i1" | "i2" | "i4" | "i8" | "u1" | "u2" | "u4" | "u8";

/** Any dtype an array may be stored in: what NumPy promotes G's dtype by (--grad-output). */
export type NumericDType = FloatDType | IntDType;

/** Every format dact reads and writes. */
export type Format = "csv" | "tsv" | "json" | "jsonl" | "npy" | "npz" | "safetensors" | "parquet" | "arrow" | "arrows";

/** CSV: whether the first row is a header ("auto": only if no cell is a number and one has a letter). */
export type HeaderMode = "auto" | "yes" | "no";

export interface Matrix {
  /** NumPy-style shape; [] for a scalar. */
  shape: number[];
  /** The values in C (row-major) order. Missing values are NaN here and flagged in `missing`. */
  data: Float64Array;
  /** Nonzero where the input had no value (an empty CSV cell, a JSON null); null when there are none. */
  missing: Uint8Array | null;
  /** The float dtype the values have (from a .npy, or f8 for text); f2/f4/bf16 values are exactly representable. */
  dtype: FloatDType;
  /** A bool or integer array's own dtype (from a .npy, .npz or .safetensors file; its values are then f8): a gradient (gradOutput) promotes by it, as NumPy does. */
  sourceDtype?: IntDType | undefined;
  /** A CSV header's cells, when there was one. */
  header: string[] | null;
}

export interface Tolerance {
  rtol: number;
  atol: number;
  /** --ulp: an element also passes within this many units in the last place of the golden's dtype. */
  ulp?: number | undefined;
  /** --report json: collect histograms of the differences. */
  histogram?: boolean | undefined;
}
