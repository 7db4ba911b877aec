/**
 * dact as a library, for test suites that check golden files without
 * spawning a process:
 *
 *   import { derivative, readMatrix, writeMatrix, compare } from "dact";
 *   const x = await readMatrix("fixtures/x.npy");
 *   const g = derivative("relu", x, { "at-zero": 0.5 });
 *   const c = await compare(g, "fixtures/golden.npy");   // c.equal, c.report
 */
import { resolveParams } from "./activations/registry.js";
import { compareMatrices, formatComparison, toleranceFor, type Comparison, type Tolerance, type TolerancePolicy } from "./compare.js";
import { DactError } from "./errors.js";
import { detectFormat, formatFromPath } from "./formats/index.js";
import type { Format, HeaderMode } from "./types.js";
import { commitOrAbort, openSink, openSource } from "./run/sources.js";
import { parseDelimiter } from "./formats/csv/delimiter.js";
import { parseFloatFormat } from "./formats/text/printf.js";
import { checkActivation, checkDtype, checkFormat, checkKeys, checkMatrix, checkParams, checkShape, checkTolerance, flattenNested } from "./validate.js";
import { deriveMatrix, readMatrix as readFrom, writeMatrix as writeTo } from "./matrix.js";
import { roundTo } from "./formats/round.js";
import type { FloatDType, IntDType, Matrix } from "./types.js";
import { gradResultDtype, storedDtypeOf } from "./grad.js";
import type { Activation, Params } from "./activations/types.js";

export type { Matrix, FloatDType, IntDType, Format, Comparison, Tolerance };
export { DactError } from "./errors.js";
export { ACTIVATIONS } from "./activations/registry.js";

/** Typed arrays of numbers: a 1-D array of their values, read as float64 (BigInt arrays are not numbers here). */
export type NumberArray = Float64Array | Float32Array | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array;

/** Nested arrays of numbers (null for missing), as JSON would hold them; a typed array is a row. */
export type Nested = number | null | NumberArray | Nested[];

/** A Matrix from nested arrays (rectangular) or a flat array with a shape. */
export function matrix(values: Nested | Float64Array | number[], shape?: number[]): Matrix {
  if (shape !== undefined) {
    const dims = checkShape(shape);
    if (!Array.isArray(values) && !(values instanceof Float64Array)) throw new DactError("USAGE", "values: expected a flat array of numbers or a Float64Array with a shape");
    const data = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v !== "number") throw new DactError("USAGE", `element [${i}]: found ${v === null ? "null" : typeof v}; expected a number`);
      data[i] = v;
    }
    const n = dims.reduce((p, q) => p * q, 1);
    if (data.length !== n) throw new DactError("SHAPE", `found ${data.length} values for shape (${dims.join(", ")}); expected ${n}`);
    return { shape: [...dims], data, missing: null, dtype: "f8", header: null };
  }
  return { ...flattenNested(values), dtype: "f8", header: null };
}

/** f'(x) for every element: a new Matrix, in NumPy's result dtype (f2/f4 kept, else f8). */
export function derivative(activation: string, x: Matrix | Nested, options: Record<string, unknown> = {}): Matrix {
  const act = checkActivation(activation);
  const o = options !== null && typeof options === "object" && !Array.isArray(options) ? { ...(options as Record<string, unknown>) } : options;
  let grad: unknown = undefined;
  if (o !== null && typeof o === "object" && !Array.isArray(o)) {
    if ("gradOutput" in o && "grad-output" in o) throw new DactError("USAGE", 'options: found both gradOutput and "grad-output"; expected one');
    for (const k of ["gradOutput", "grad-output"]) {
      if (k in o) {
        grad = (o as Record<string, unknown>)[k];
        delete (o as Record<string, unknown>)[k];
      }
    }
  }
  const params = resolveParams(act, checkParams(act, o));
  if (grad !== undefined) return gradient(act, params, x, grad);
  const given = isMatrixLike(x);
  const m = given ? checkMatrix(x, "x") : matrix(x as Nested);
  // A caller's Matrix is never changed: the result is a copy, of floats (f8 for a bool or integer x).
  const { sourceDtype: _int, ...floats } = m;
  const copy = { ...floats, shape: [...m.shape], data: given ? m.data.slice() : m.data, missing: m.missing?.slice() ?? null };
  return deriveMatrix(copy, act, params);
}

/** G ⊙ f'(x): f' in float64, times G in float64, rounded once to NumPy's promotion of the two dtypes. */
function gradient(act: Activation, params: Params, x: Matrix | Nested, g: unknown): Matrix {
  const mx = isMatrixLike(x) ? checkMatrix(x, "x") : matrix(x as Nested);
  if (g === null || g === undefined) throw new DactError("USAGE", `gradOutput: found ${g}; expected a number, a Matrix or nested arrays`);
  const scalar = typeof g === "number";
  if (scalar && !Number.isFinite(g) && !Number.isNaN(g) && Math.abs(g) !== Infinity) throw new DactError("USAGE", "gradOutput: expected a number, a Matrix or nested arrays");
  const mg = scalar ? null : isMatrixLike(g) ? checkMatrix(g, "gradOutput") : matrix(g as Nested);
  const data = new Float64Array(mx.data.length);
  act.kernel(params)(mx.data, data, data.length);
  // The one rule (grad.ts): NumPy's promotion of f'(x)'s dtype and G's (bool and integer ones by their own dtype); a number keeps X's.
  const dtype = gradResultDtype(mx.dtype, mg === null ? null : storedDtypeOf(mg));
  if (mg === null) for (let i = 0; i < data.length; i++) data[i] = data[i]! * (g as number);
  else if (mg.shape.length === 0) for (let i = 0; i < data.length; i++) data[i] = data[i]! * mg.data[0]!;
  else {
    if (mg.shape.join(",") !== mx.shape.join(",")) throw new DactError("SHAPE", `gradOutput has shape (${mg.shape.join(", ")}) and x has (${mx.shape.join(", ")}); expected the same shape, or a scalar`);
    for (let i = 0; i < data.length; i++) data[i] = data[i]! * mg.data[i]!;
  }
  roundTo(data, data.length, dtype);
  return { shape: [...mx.shape], data, missing: mx.missing?.slice() ?? null, dtype, header: null };
}

/** A Matrix object, as opposed to nested values (arrays, typed arrays, numbers). */
function isMatrixLike(x: unknown): boolean {
  return typeof x === "object" && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x);
}

export interface ReadOptions {
  format?: Format;
  delimiter?: string;
  header?: HeaderMode;
  /** .npz/.safetensors: the array to read (needed when there are several). */
  key?: string;
}

function readOptions(options: unknown): ReadOptions {
  const o = checkKeys("readMatrix options", options, ["format", "delimiter", "header", "key"]);
  const r: ReadOptions = {};
  if (o["format"] !== undefined) r.format = checkFormat(o["format"]);
  if (o["delimiter"] !== undefined) {
    if (typeof o["delimiter"] !== "string") throw new DactError("USAGE", "options.delimiter: expected one character");
    r.delimiter = parseDelimiter(o["delimiter"]);
  }
  if (o["header"] !== undefined) {
    if (o["header"] !== "auto" && o["header"] !== "yes" && o["header"] !== "no") throw new DactError("USAGE", `options.header: found ${JSON.stringify(o["header"])}; expected "auto", "yes" or "no"`);
    r.header = o["header"];
  }
  if (o["key"] !== undefined) {
    if (typeof o["key"] !== "string") throw new DactError("USAGE", "options.key: expected the array's name in the container");
    r.key = o["key"];
  }
  return r;
}

function checkPath(p: unknown, what: string): string {
  if (typeof p !== "string" || p === "") throw new DactError("USAGE", `${what}: expected a file path (a non-empty string)`);
  return p;
}

/** Reads a .npy, CSV/TSV, JSON or JSON Lines file (format from the extension, then the content). */
export async function readMatrix(path: string, options: ReadOptions = {}): Promise<Matrix> {
  const opts = readOptions(options);
  const input = await openSource(checkPath(path, "readMatrix path"));
  try {
    const format = await detectFormat(input, opts.format);
    // Options the format has no use for are errors, as on the command line, never ignored.
    if (opts.key !== undefined && !CONTAINERS.includes(format)) throw new DactError("USAGE", `options.key: ${input.name} is ${format}, one array without names; expected key only with .npz or .safetensors`);
    for (const k of ["delimiter", "header"] as const) if (opts[k] !== undefined && !TEXT_TABLES.includes(format)) throw new DactError("USAGE", `options.${k}: ${input.name} is ${format}; expected ${k} only with CSV or TSV`);
    return await readFrom(input, format, opts);
  } finally {
    await input.close();
  }
}

function roundedTo(data: Float64Array, dtype: FloatDType): Float64Array {
  const copy = data.slice();
  roundTo(copy, copy.length, dtype);
  return copy;
}

const CONTAINERS: readonly Format[] = ["npz", "safetensors"];
const TEXT_TABLES: readonly Format[] = ["csv", "tsv"];
/** Formats that store a dtype (options.dtype), as the CLI's --dtype. */
const DTYPED: readonly Format[] = ["npy", "npz", "safetensors", "parquet", "arrow", "arrows"];

export interface WriteOptions {
  format?: Format;
  dtype?: FloatDType;
  delimiter?: string;
  /** .npz/.safetensors: the array's name (default arr_0). */
  key?: string;
  /** CSV/TSV/JSON: "shortest" (default: Python's repr) or a printf conversion such as "%.6g" (docs/formats.md). */
  floatFormat?: string;
  /** false: skip the fsync before the rename, for scratch files (still atomic, not durable across a crash). Default true. */
  fsync?: boolean;
}

/** Writes a Matrix atomically; the format comes from the extension unless given. Everything is checked before the file is touched. */
export async function writeMatrix(path: string, m: Matrix, options: WriteOptions = {}): Promise<void> {
  const target = checkPath(path, "writeMatrix path");
  const o = checkKeys("writeMatrix options", options, ["format", "dtype", "delimiter", "key", "floatFormat", "fsync"]);
  if (o["fsync"] !== undefined && typeof o["fsync"] !== "boolean") throw new DactError("USAGE", "options.fsync: expected true or false");
  if (o["key"] !== undefined && (typeof o["key"] !== "string" || o["key"] === "")) throw new DactError("USAGE", "options.key: expected the array's name in the container (a non-empty string)");
  const format = o["format"] !== undefined ? checkFormat(o["format"]) : formatFromPath(target);
  if (!format) throw new DactError("USAGE", `cannot tell the format of ${target} from its extension; expected options.format`);
  const dtype = o["dtype"] !== undefined ? checkDtype(o["dtype"]) : undefined;
  if (o["delimiter"] !== undefined && typeof o["delimiter"] !== "string") throw new DactError("USAGE", "options.delimiter: expected one character");
  const delimiter = o["delimiter"] !== undefined ? parseDelimiter(o["delimiter"] as string) : undefined;
  if (o["floatFormat"] !== undefined && typeof o["floatFormat"] !== "string") throw new DactError("USAGE", 'options.floatFormat: expected "shortest" or a printf conversion such as "%.6g"');
  const floatFormat = o["floatFormat"] !== undefined ? parseFloatFormat(o["floatFormat"] as string, "options.floatFormat") : null;
  if (floatFormat && !["csv", "tsv", "json", "jsonl"].includes(format)) throw new DactError("USAGE", `options.floatFormat: ${format} holds binary numbers; expected it with CSV, TSV or JSON`);
  if (dtype !== undefined && !DTYPED.includes(format)) throw new DactError("USAGE", `options.dtype: ${format} has no dtype; expected dtype only with .npy, .npz, .safetensors, Parquet or Arrow`);
  if (dtype === "bf16" && (format === "parquet" || format === "arrow" || format === "arrows")) throw new DactError("USAGE", `options.dtype: ${format} has no bfloat16 type; expected f2, f4 or f8`);
  if (delimiter !== undefined && !TEXT_TABLES.includes(format)) throw new DactError("USAGE", `options.delimiter: ${format} has no delimiter; expected delimiter only with CSV or TSV`);
  if (o["key"] !== undefined && !CONTAINERS.includes(format)) throw new DactError("USAGE", `options.key: ${format} holds one array without a name; expected key only with .npz or .safetensors`);
  const checked = checkMatrix(m, "m");
  // Values not of the matrix's dtype (0.1 in an f2 matrix) are stored as that dtype stores them, rounded once, in every format (as numpy's astype); the caller's data is not changed.
  const mat = checked.dtype === "f8" ? checked : { ...checked, data: roundedTo(checked.data, checked.dtype) };
  if ((format === "csv" || format === "tsv") && mat.shape.length > 2) {
    throw new DactError("USAGE", `found a ${mat.shape.length}-D array of shape (${mat.shape.join(", ")}); expected at most 2 dimensions for ${format}`);
  }
  const out = await openSink(target, { fsync: o["fsync"] as boolean | undefined });
  await commitOrAbort(out, () => writeTo(mat, out, format, { dtype, delimiter, floatFormat, key: o["key"] as string | undefined }));
}

/**
 * compare()'s tolerance, the same as `dact compare`'s and `--check`'s
 * options: `tolerance` picks the table (numpy: rtol 1e-7, atol 0, as
 * numpy.testing.assert_allclose; torch: torch.testing.assert_close's by the
 * less precise dtype); `rtol` and `atol` override the table's; `ulp` also
 * passes an element within that many units in the last place of the
 * expected side's dtype (alone: the only rule). See docs/golden.md.
 */
export interface CompareOptions {
  tolerance?: "numpy" | "torch";
  rtol?: number;
  atol?: number;
  ulp?: number;
}

/** numpy.testing.assert_allclose's rule by default (CompareOptions); `report` is empty when equal. Differing shapes are a difference (`shapes` says which). */
export async function compare(actual: Matrix | string, expected: Matrix | string, tolerance: CompareOptions = {}): Promise<Comparison & { report: string }> {
  const t = checkKeys("compare tolerance", tolerance, ["tolerance", "rtol", "atol", "ulp"]);
  if (t["tolerance"] !== undefined && t["tolerance"] !== "numpy" && t["tolerance"] !== "torch") throw new DactError("USAGE", `tolerance.tolerance: found ${JSON.stringify(t["tolerance"])}; expected "numpy" or "torch"`);
  const number = (k: string) => (t[k] === undefined ? undefined : checkTolerance(t[k], `tolerance.${k}`));
  const policy: TolerancePolicy = { mode: (t["tolerance"] as "numpy" | "torch" | undefined) ?? "numpy", rtol: number("rtol"), atol: number("atol"), ulp: number("ulp") };
  const side = async (v: unknown, what: string) => (typeof v === "string" ? readMatrix(v) : checkMatrix(v, what));
  const a = await side(actual, "actual");
  const e = await side(expected, "expected");
  const c = compareMatrices(a, e, toleranceFor(policy, a.dtype, e.dtype));
  return { ...c, report: formatComparison(c, c.tolerance, { actual: typeof actual === "string" ? actual : "actual", expected: typeof expected === "string" ? expected : "expected" }) };
}
