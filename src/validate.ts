/**
 * The library API's arguments, checked as the CLI checks its options: any
 * bad argument is one DactError with a code, before anything is read or
 * written, and never a process abort or a silent default.
 */
import { camel, findActivation, parseOptionNumber } from "./activations/registry.js";
import type { Activation, Params } from "./activations/types.js";
import { DactError } from "./errors.js";
import { fromTableRows, markTableRows, shapeText } from "./formats/array.js";
import { FORMAT_NAMES, type Format } from "./formats/index.js";
import { INT_DTYPES } from "./formats/round.js";
import type { Matrix } from "./matrix.js";
import { suggestActivations } from "./suggest.js";

/** numpy's limit on dimensions (NPY_MAXDIMS). */
export const MAX_DIMS = 64;

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) return `a ${v.constructor.name} (BigInt values)`;
  if (ArrayBuffer.isView(v)) return "a typed array";
  switch (typeof v) {
    case "string":
      return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
    case "number":
    case "boolean":
    case "bigint":
      return String(v);
    case "undefined":
      return "undefined";
    case "function":
      return "a function";
    default:
      return "an object";
  }
}

function usage(what: string, found: unknown, expected: string): DactError {
  return new DactError("USAGE", `${what}: found ${describe(found)}; expected ${expected}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}


/** An options object whose keys must all be known (kebab-case or camelCase); suggests the closest. */
export function checkKeys(what: string, options: unknown, known: readonly string[]): Record<string, unknown> {
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw usage(what, options, "an options object");
  const accepted = new Set(known.flatMap((k) => [k, camel(k)]));
  for (const k of Object.keys(options)) {
    if (accepted.has(k)) continue;
    const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, "");
    const like = known.filter((n) => norm(n) === norm(k));
    const hint = like.length ? ` (did you mean ${JSON.stringify(like[0])}?)` : "";
    throw new DactError("USAGE", `${what}: found an unknown option ${JSON.stringify(k)}${hint}; expected ${known.length ? known.map((n) => JSON.stringify(n)).join(", ") : "no options"}`);
  }
  return options;
}

export function checkActivation(name: unknown): Activation {
  if (typeof name !== "string") throw usage("activation", name, "an activation name such as \"relu\"");
  const act = findActivation(name);
  if (act) return act;
  const like = suggestActivations(name);
  throw new DactError("USAGE", `unknown activation ${JSON.stringify(name)}${like.length ? ` (did you mean ${like.join(" or ")}?)` : ""}; expected one of ${"the names in ACTIVATIONS (dact list)"}`);
}

/** An activation's options from a library caller: known keys, numbers or numeric strings, choices. */
export function checkParams(act: Activation, options: unknown): Record<string, number | string> {
  const o = checkKeys(`${act.name} options`, options, [...act.params.map((p) => p.flag), "order"]);
  const raw: Record<string, number | string> = {};
  // order: 1 or 2 (f′ or f″), checked by resolveParams.
  if (o["order"] !== undefined) {
    if (typeof o["order"] !== "number" && typeof o["order"] !== "string") throw usage("option order", o["order"], "1 or 2");
    raw["order"] = o["order"];
  }
  for (const p of act.params) {
    // `in`, not ??: an explicit null is a bad value, not a missing one.
    const v = p.flag in o ? o[p.flag] : o[camel(p.flag)];
    if (v === undefined) continue;
    if (p.choices) {
      if (typeof v !== "string" || !p.choices.includes(v)) throw usage(`option ${p.flag}`, v, `one of ${p.choices.map((c) => JSON.stringify(c)).join(", ")}`);
      raw[p.flag] = v;
    } else if (typeof v === "number") {
      if (!Number.isFinite(v)) throw usage(`option ${p.flag}`, v, "a finite number");
      raw[p.flag] = v;
    } else if (typeof v === "string") {
      raw[p.flag] = parseOptionNumber(v, p.flag);
    } else throw usage(`option ${p.flag}`, v, "a finite number");
  }
  return raw;
}

export function checkShape(shape: unknown, what = "shape"): number[] {
  if (!Array.isArray(shape)) throw usage(what, shape, "an array of sizes");
  if (shape.length > MAX_DIMS) throw new DactError("SHAPE", `${what}: found ${shape.length} dimensions; expected at most ${MAX_DIMS} (numpy's limit)`);
  shape.forEach((d, i) => {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) throw usage(`${what}[${i}]`, d, "a whole number >= 0 below 2^53");
  });
  return shape as number[];
}

/** A Matrix from a caller: every field of the right type and size. */
export function checkMatrix(m: unknown, what = "matrix"): Matrix {
  if (typeof m !== "object" || m === null) throw usage(what, m, "a Matrix ({ shape, data, missing, dtype, header })");
  const x = m as Partial<Matrix>;
  const shape = checkShape(x.shape, `${what}.shape`);
  if (!(x.data instanceof Float64Array)) throw usage(`${what}.data`, x.data, "a Float64Array");
  const n = shape.reduce((a, b) => a * b, 1);
  if (x.data.length !== n) throw new DactError("SHAPE", `${what}: found ${x.data.length} values for shape ${shapeText(shape)}; expected ${n}`);
  if (x.missing != null && (!(x.missing instanceof Uint8Array) || x.missing.length !== n)) throw usage(`${what}.missing`, x.missing, `null or a Uint8Array of ${n} flags`);
  if (x.dtype !== undefined && x.dtype !== "f2" && x.dtype !== "f4" && x.dtype !== "f8" && x.dtype !== "bf16") throw usage(`${what}.dtype`, x.dtype, '"f2", "f4", "f8" or "bf16"');
  if (x.header != null && (!Array.isArray(x.header) || !x.header.every((h) => typeof h === "string"))) throw usage(`${what}.header`, x.header, "null or an array of strings");
  const out: Matrix = { shape, data: x.data, missing: x.missing ?? null, dtype: x.dtype ?? "f8", header: x.header ?? null };
  if (x.sourceDtype !== undefined) {
    // A bool or integer array's values are float64 (readMatrix gives them so): its own dtype is for NumPy's promotion only.
    if (!(INT_DTYPES as readonly unknown[]).includes(x.sourceDtype)) throw usage(`${what}.sourceDtype`, x.sourceDtype, `undefined or one of ${INT_DTYPES.map((d) => JSON.stringify(d)).join(", ")}`);
    if (out.dtype !== "f8") throw usage(`${what}.dtype`, x.dtype, `"f8" with sourceDtype ${JSON.stringify(x.sourceDtype)} (a bool or integer array's values are float64)`);
    out.sourceDtype = x.sourceDtype;
  }
  // A matrix read from a table's rows stays one (compare takes its (n, 1) as (n,)).
  if (fromTableRows(x)) markTableRows(out);
  return out;
}

export function checkFormat(v: unknown, what = "options.format"): Format {
  if (typeof v !== "string" || !(FORMAT_NAMES as readonly string[]).includes(v)) throw usage(what, v, `one of ${FORMAT_NAMES.join(", ")}`);
  return v as Format;
}

export function checkDtype(v: unknown): "f2" | "f4" | "f8" | "bf16" {
  if (v !== "f2" && v !== "f4" && v !== "f8" && v !== "bf16") throw usage("options.dtype", v, '"f2", "f4", "f8" or "bf16"');
  return v;
}

export function checkTolerance(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw usage(what, v, "a finite number >= 0");
  return v;
}

/**
 * Nested arrays to flat values, walked with an explicit stack (no recursion,
 * so depth cannot overflow): rectangular, at most 64 deep, no cycles, and
 * every element a number or null; anything else is an error naming its index.
 */
/**
 * What nests in nested values: arrays, and typed arrays of numbers (a
 * Float64Array is a 1-D array, an array of them the rows of a 2-D one), as
 * numpy.asarray takes them. BigInt arrays are not numbers here.
 */
function isRow(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array));
}

export function flattenNested(values: unknown): { shape: number[]; data: Float64Array; missing: Uint8Array | null } {
  const shape: number[] = [];
  const onPath = new Set<unknown>();
  for (let v = values; isRow(v); v = v[0]) {
    if (onPath.has(v)) throw new DactError("SHAPE", "found an array that contains itself; expected nested arrays of numbers");
    onPath.add(v);
    if (shape.length === MAX_DIMS) throw new DactError("SHAPE", `found arrays nested deeper than ${MAX_DIMS}; expected at most ${MAX_DIMS} dimensions (numpy's limit)`);
    shape.push(v.length);
    if (v.length === 0) break;
  }
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  let missing: Uint8Array | null = null;
  let k = 0;
  const at = (path: number[]) => path.map((i) => `[${i}]`).join("");
  const leaf = (v: unknown, path: number[]) => {
    if (typeof v === "number") data[k++] = v;
    else if (v === null) {
      (missing ??= new Uint8Array(n))[k] = 1;
      data[k++] = NaN;
    } else if (isRow(v)) throw new DactError("SHAPE", `element ${at(path)}: found an array where the first row has a number; expected a rectangular array`);
    else throw new DactError("USAGE", `${path.length ? `element ${at(path)}` : "values"}: found ${describe(v)}; expected ${path.length ? "a number or null" : "a number, null, or (nested) arrays of them"}`);
  };
  if (shape.length === 0) {
    leaf(values, []);
    return { shape, data, missing };
  }
  // Iterative walk: a stack of arrays and the index within each.
  const arrays: ArrayLike<unknown>[] = [values as ArrayLike<unknown>];
  const index: number[] = [0];
  const path = new Set<unknown>([values]);
  while (arrays.length) {
    const d = arrays.length - 1;
    const arr = arrays[d]!;
    const i = index[d]!;
    if (i === arr.length) {
      path.delete(arr);
      arrays.pop();
      index.pop();
      if (index.length) index[index.length - 1]!++;
      continue;
    }
    const v = arr[i];
    if (d + 1 < shape.length) {
      if (!isRow(v)) throw new DactError("SHAPE", `element ${at([...index])}: found ${describe(v)} where the first row has an array; expected a rectangular array`);
      if (path.has(v)) throw new DactError("SHAPE", `element ${at([...index])}: found an array that contains itself; expected nested arrays of numbers`);
      if (v.length !== shape[d + 1]) throw new DactError("SHAPE", `element ${at([...index])}: found ${v.length} elements; expected ${shape[d + 1]}, as the first at this depth (the array is ragged)`);
      path.add(v);
      arrays.push(v);
      index.push(0);
    } else {
      leaf(v, [...index]);
      index[d]!++;
    }
  }
  return { shape, data, missing };
}

export type { Params };
