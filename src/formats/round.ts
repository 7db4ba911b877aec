/**
 * Rounding to a float dtype, as storing into it would: the one step every
 * path (kernel stage, gradient, table writers, the library) takes last.
 */
import { bf16round } from "./bfloat16.js";
import type { FloatDType } from "./array.js";
import type { IntDType, NumericDType } from "../types.js";
import { float16 } from "./float16.js";

/** Every bool and integer dtype, as ArrayHead.sourceDtype and Matrix.sourceDtype name them. */
export const INT_DTYPES: readonly IntDType[] = ["b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8"];

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

/**
 * NumPy 2's promotion (NEP 50) of a float dtype with any stored dtype, as
 * `(a * b).dtype` gives it: bool and 8-bit integers keep the float dtype,
 * 16-bit integers need float32 at least, 32- and 64-bit integers float64.
 * bfloat16 follows ml_dtypes' multiply loops, as float16 does (bf16 * int8
 * is bfloat16, bf16 * int16 float32); checked by fixtures/make_grad_int.py.
 */
export function promoteStored(a: FloatDType, b: NumericDType): FloatDType {
  switch (b) {
    case "b1":
    case "i1":
    case "u1":
      return a;
    case "i2":
    case "u2":
      return a === "f8" ? "f8" : "f4";
    case "i4":
    case "u4":
    case "i8":
    case "u8":
      return "f8";
    default:
      return promote(a, b);
  }
}
