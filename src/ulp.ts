/**
 * Distances in units in the last place, as numpy.testing.nulp_diff counts
 * them: the difference of the values' integer representations, with
 * negative values mirrored (so -0 and +0 are 0 apart, and the distance
 * across zero is the sum of the magnitudes), every NaN taken as the
 * canonical quiet NaN (so NaN is 0 ulps from NaN), and infinity one ulp
 * past the largest finite value. The dtype is the golden's: the actual
 * value is first rounded to it, as storing it there would.
 */
import { bf16round } from "./formats/bfloat16.js";
import { float16 } from "./formats/float16.js";
import type { FloatDType } from "./types.js";

const f64 = new Float64Array(1);
const w32 = new Uint32Array(f64.buffer);
const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = LITTLE ? 1 : 0;
const LO = LITTLE ? 0 : 1;

function ulp64(x: number, y: number): number {
  let hx: number, lx: number, hy: number, ly: number;
  if (x !== x) [hx, lx] = [0x7ff80000, 0];
  else {
    f64[0] = x;
    hx = w32[HI]!;
    lx = w32[LO]!;
  }
  if (y !== y) [hy, ly] = [0x7ff80000, 0];
  else {
    f64[0] = y;
    hy = w32[HI]!;
    ly = w32[LO]!;
  }
  const mx = hx & 0x7fffffff;
  const my = hy & 0x7fffffff;
  // Each part is exact; the sum is exact below 2^53 ulps.
  if (hx >>> 31 === hy >>> 31) return Math.abs((mx - my) * 4294967296 + (lx - ly));
  return (mx + my) * 4294967296 + lx + ly;
}

function ord32(x: number): number {
  if (x !== x) return 0x7fc00000;
  f32[0] = x;
  const b = i32[0]!;
  return b < 0 ? -(b & 0x7fffffff) : b;
}

/** The ordinal of a value of a small float format: p mantissa bits, smallest normal exponent emin. */
function ordSmall(v: number, p: number, emin: number, emax: number): number {
  const inf = (emax - emin + 2) * 2 ** p;
  if (v !== v) return inf + 2 ** (p - 1);
  const neg = v < 0 || Object.is(v, -0);
  const a = Math.abs(v);
  let o: number;
  if (a === Infinity) o = inf;
  else if (a === 0) o = 0;
  else {
    let e = Math.floor(Math.log2(a));
    if (2 ** e > a) e--;
    else if (2 ** (e + 1) <= a) e++;
    o = e < emin ? a / 2 ** (emin - p) : (e - emin + 1) * 2 ** p + (a / 2 ** (e - p) - 2 ** p);
  }
  return neg ? -o : o;
}

/** How many ulps of `dtype` the actual `x` (rounded to dtype) is from the expected `y`. */
export function ulpDistance(x: number, y: number, dtype: FloatDType): number {
  switch (dtype) {
    case "f8":
      return ulp64(x, y);
    case "f4":
      return Math.abs(ord32(Math.fround(x)) - ord32(y));
    case "f2": {
      const r = float16().f16round;
      return Math.abs(ordSmall(r(x), 10, -14, 15) - ordSmall(r(y), 10, -14, 15));
    }
    case "bf16":
      return Math.abs(ordSmall(bf16round(x), 7, -126, 127) - ordSmall(bf16round(y), 7, -126, 127));
  }
}

export const DTYPE_NAMES: Record<FloatDType, string> = { f8: "float64", f4: "float32", f2: "float16", bf16: "bfloat16" };
