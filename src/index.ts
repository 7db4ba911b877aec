/**
 * dact as a library, for test suites that check golden files without
 * spawning a process:
 *
 *   import { derivative, readMatrix, writeMatrix, compare } from "dact";
 *   const x = await readMatrix("fixtures/x.npy");
 *   const g = derivative("relu", x, { "at-zero": 0.5 });
 *   const c = await compare(g, "fixtures/golden.npy");   // c.equal, c.report
 */
import { findActivation, resolveParams } from "./activations/registry.js";
import { compareMatrices, DEFAULT_TOLERANCE, formatComparison, type Comparison, type Tolerance } from "./compare.js";
import { DactError } from "./errors.js";
import { detectFormat, formatFromPath, type Format } from "./formats/index.js";
import type { HeaderMode } from "./formats/csv/reader.js";
import { openInput, openOutput } from "./io.js";
import { commitOrAbort } from "./pipeline.js";
import { deriveMatrix, readMatrix as readFrom, writeMatrix as writeTo, type FloatDType, type Matrix } from "./matrix.js";

export type { Matrix, FloatDType, Format, Comparison, Tolerance };
export { DactError } from "./errors.js";
export { ACTIVATIONS } from "./activations/registry.js";

/** Nested arrays of numbers (null for missing), as JSON would hold them. */
export type Nested = number | null | Nested[];

/** A Matrix from nested arrays (rectangular) or a flat array with a shape. */
export function matrix(values: Nested | Float64Array | number[], shape?: number[]): Matrix {
  if (shape) {
    const data = Float64Array.from(values as ArrayLike<number>);
    if (data.length !== shape.reduce((a, b) => a * b, 1)) throw new DactError("SHAPE", `found ${data.length} values; expected ${shape.join("x")}`);
    return { shape, data, missing: null, dtype: "f8", header: null };
  }
  const dims: number[] = [];
  for (let v: Nested = values as Nested; Array.isArray(v); v = v[0] as Nested) dims.push(v.length);
  const flat: number[] = [];
  const missing: number[] = [];
  const walk = (v: Nested, d: number) => {
    if (d === dims.length) {
      if (Array.isArray(v)) throw new DactError("SHAPE", "found arrays nested unevenly; expected a rectangular array");
      missing.push(v === null ? 1 : 0);
      flat.push(v === null ? NaN : v);
      return;
    }
    if (!Array.isArray(v) || v.length !== dims[d]) throw new DactError("SHAPE", "found a ragged array; expected a rectangular one");
    for (const x of v) walk(x, d + 1);
  };
  walk(values as Nested, 0);
  return { shape: dims, data: Float64Array.from(flat), missing: missing.includes(1) ? Uint8Array.from(missing) : null, dtype: "f8", header: null };
}

/** f'(x) for every element: a new Matrix, in NumPy's result dtype (f2/f4 kept, else f8). */
export function derivative(activation: string, x: Matrix | Nested, options: Record<string, number | string> = {}): Matrix {
  const act = findActivation(activation);
  if (!act) throw new DactError("USAGE", `unknown activation ${JSON.stringify(activation)}`);
  const m = isMatrix(x) ? { ...x, data: x.data.slice(), missing: x.missing?.slice() ?? null } : matrix(x);
  return deriveMatrix(m, act, resolveParams(act, options));
}

function isMatrix(x: unknown): x is Matrix {
  return typeof x === "object" && x !== null && !Array.isArray(x) && (x as Matrix).data instanceof Float64Array;
}

export interface ReadOptions {
  format?: Format;
  delimiter?: string;
  header?: HeaderMode;
}

/** Reads a .npy, CSV/TSV, JSON or JSON Lines file (format from the extension, then the content). */
export async function readMatrix(path: string, options: ReadOptions = {}): Promise<Matrix> {
  const input = await openInput(path);
  try {
    return await readFrom(input, await detectFormat(input, options.format), options);
  } finally {
    input.close();
  }
}

export interface WriteOptions {
  format?: Format;
  dtype?: FloatDType;
  delimiter?: string;
}

/** Writes a Matrix atomically; the format comes from the extension unless given. */
export async function writeMatrix(path: string, m: Matrix, options: WriteOptions = {}): Promise<void> {
  const format = options.format ?? formatFromPath(path);
  if (!format) throw new DactError("USAGE", `cannot tell the format of ${path} from its extension; expected options.format`);
  const out = await openOutput(path);
  await commitOrAbort(out, () => writeTo(m, out, format, { dtype: options.dtype, delimiter: options.delimiter }));
}

/** numpy.testing.assert_allclose's rule; `report` is empty when equal. Shapes that differ throw. */
export async function compare(actual: Matrix | string, expected: Matrix | string, tolerance: Partial<Tolerance> = {}): Promise<Comparison & { report: string }> {
  const tol = { ...DEFAULT_TOLERANCE, ...tolerance };
  const a = typeof actual === "string" ? await readMatrix(actual) : actual;
  const e = typeof expected === "string" ? await readMatrix(expected) : expected;
  const c = compareMatrices(a, e, tol, { actual: typeof actual === "string" ? actual : "actual", expected: typeof expected === "string" ? expected : "expected" });
  return { ...c, report: formatComparison(c, tol) };
}
