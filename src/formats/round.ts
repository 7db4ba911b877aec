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
