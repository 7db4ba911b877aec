/**
 * Rounding to a float dtype, as storing into it would: the one step every
 * path (kernel stage, gradient, table writers, the library) takes last.
 */
import { bf16round } from "./bfloat16.js";
import type { FloatDType } from "./array.js";
import { float16 } from "./float16.js";

/** Rounds values to the dtype, as storing into that dtype would (once, to nearest even). */
export function roundTo(data: Float64Array, n: number, dtype: FloatDType): void {
  if (dtype === "f4") for (let i = 0; i < n; i++) data[i] = Math.fround(data[i]!);
  else if (dtype === "f2") {
    const { f16round } = float16();
    for (let i = 0; i < n; i++) data[i] = f16round(data[i]!);
  } else if (dtype === "bf16") for (let i = 0; i < n; i++) data[i] = bf16round(data[i]!);
}

const ORDER: FloatDType[] = ["f2", "bf16", "f4", "f8"];

/** NumPy's promotion of two float dtypes (ml_dtypes: bfloat16 with float16 is float32, as x * g gives). */
export function promote(a: FloatDType, b: FloatDType): FloatDType {
  if (a === b) return a;
  if ((a === "f2" && b === "bf16") || (a === "bf16" && b === "f2")) return "f4";
  return ORDER.indexOf(a) > ORDER.indexOf(b) ? a : b;
}
