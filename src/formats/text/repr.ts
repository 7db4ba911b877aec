/**
 * The default text layout of a number, as numpy and pandas write an array
 * of its dtype (and Python's repr writes a float): the shortest digits that
 * read back as the same value, laid out in fixed notation inside a range
 * of magnitudes and as d.ddde±XX outside it, a whole number ending in ".0".
 *
 * - float64: Python's repr(float(x)): fixed when the decimal exponent of
 *   those digits is in -4..15 (0.0001, 1e-05, 1000000000000000.0, 1e+16).
 * - float32 and float16: the shortest digits that read back as the same
 *   float32 (float16), as numpy's str/repr of such a scalar and pandas'
 *   to_csv write them: fixed when 1e-4 <= |x| < 1e6 (1e3 for float16),
 *   numpy's cutoffs (0.22682086, 1e+06, 1e-45).
 *
 * The float64 hot path writes bytes without a string (decimal.ts's
 * writeShortest with its repr layout); the functions here are its fallback
 * and the narrower dtypes' path.
 */
import type { FloatDType } from "../array.js";
import { toExponentialEven } from "./printf.js";

/**
 * Python's repr of a float64, with "NaN" for NaN (what dact's CSV output
 * has always written, and what pandas and numpy read as NaN), "inf" and
 * "-inf".
 */
export function formatRepr(x: number): string {
  if (x !== x) return "NaN";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return 1 / x < 0 ? "-0.0" : "0.0";
  const s = x.toExponential(); // the shortest round-trip digits, as d.ddde±X
  const at = s.indexOf("e");
  const neg = x < 0;
  const mant = s.slice(neg ? 1 : 0, at);
  const digits = mant.length > 1 ? mant[0] + mant.slice(2) : mant;
  const text = layout(digits, Number(s.slice(at + 1)), (e) => e >= -4 && e < 16);
  return neg ? `-${text}` : text;
}

/** digits (no point, no trailing zeros but one) times 10^(e - digits.length + 1), fixed when `fixed(e)`, else d.ddde±XX. */
function layout(digits: string, e: number, fixed: (e: number) => boolean): string {
  if (fixed(e)) {
    if (e < 0) return `0.${"0".repeat(-e - 1)}${digits}`;
    if (digits.length <= e + 1) return `${digits}${"0".repeat(e + 1 - digits.length)}.0`;
    return `${digits.slice(0, e + 1)}.${digits.slice(e + 1)}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const a = e < 0 ? -e : e;
  return `${m}e${e < 0 ? "-" : "+"}${a < 10 ? "0" : ""}${a}`;
}

/** A binary format narrower than float64: its precision in bits, its least normal exponent, numpy's fixed-notation cutoff, and the most digits it needs. */
interface Narrow {
  bits: number;
  emin: number;
  cutoff: number;
  maxDigits: number;
}
const F32: Narrow = { bits: 24, emin: -126, cutoff: 1e6, maxDigits: 9 };
const F16: Narrow = { bits: 11, emin: -14, cutoff: 1e3, maxDigits: 5 };

const scratch = new Float64Array(1);
const scratchHi = new Uint32Array(scratch.buffer);

/**
 * The shortest digits that read back as the float32 (f4) or float16 (f2)
 * value x (x must be one), in numpy's layout; NaN, inf and -inf as
 * formatRepr writes them.
 */
export function formatNarrow(x: number, dtype: "f4" | "f2"): string {
  if (x !== x || x === Infinity || x === -Infinity) return formatRepr(x);
  if (x === 0) return 1 / x < 0 ? "-0.0" : "0.0";
  const fmt = dtype === "f4" ? F32 : F16;
  const neg = x < 0;
  const ax = neg ? -x : x;
  // The interval of decimals that round to ax: halfway to each neighbour
  // (closer below a power of two), ends included when ax's last bit is 0.
  scratch[0] = ax;
  const e = ((scratchHi[1]! >>> 20) & 0x7ff) - 1023;
  const ulp = 2 ** ((e > fmt.emin ? e : fmt.emin) - fmt.bits + 1);
  if (ax / ulp !== Math.floor(ax / ulp)) throw new Error(`formatNarrow: ${x} is not a ${dtype} value`); // a bug in the caller
  const pow2 = ax === 2 ** e && e > fmt.emin;
  const lo = ax - (pow2 ? ulp / 4 : ulp / 2);
  const hi = ax + ulp / 2;
  const even = (ax / ulp) % 2 === 0;
  const fast = shortestFast(ax, lo, hi, pow2, fmt.maxDigits);
  if (fast !== null) {
    const text = layout(fast, fastExp, () => ax >= 1e-4 && ax < fmt.cutoff);
    return neg ? `-${text}` : text;
  }
  let s = "";
  if (!pow2) {
    // The nearest p-digit decimal (ties to even, as numpy's Dragon4) reads
    // back for every p from the shortest on (the interval is symmetric): a
    // binary search on p.
    let a = 1;
    let b = fmt.maxDigits;
    while (a < b) {
      const m = (a + b) >> 1;
      if (inside(toExponentialEven(ax, m - 1), lo, hi, even)) b = m;
      else a = m + 1;
    }
    s = toExponentialEven(ax, a - 1);
  } else {
    // Below a power of two the gap is half as wide: the nearest decimal may
    // fall short below while the next one up reads back.
    for (let p = 1; p <= fmt.maxDigits; p++) {
      s = toExponentialEven(ax, p - 1);
      if (inside(s, lo, hi, even)) break;
      if (Number(s) < ax) {
        const up = nextUp(s);
        if (inside(up, lo, hi, even)) {
          s = up;
          break;
        }
      }
    }
  }
  const at = s.indexOf("e");
  let digits = s.slice(0, at).replace(".", "");
  let k = digits.length;
  while (k > 1 && digits.charCodeAt(k - 1) === 48) k--;
  digits = digits.slice(0, k);
  const text = layout(digits, Number(s.slice(at + 1)), () => ax >= 1e-4 && ax < fmt.cutoff);
  return neg ? `-${text}` : text;
}

const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
/** Set by shortestFast: the decimal exponent of its first digit. */
let fastExp = 0;

/**
 * The shortest digits in (lo, hi) in plain double arithmetic, or null when
 * unsure. Scaled by an exact power of ten to y in [10^(m-1), 10^m), the
 * values carry an error below 1e-6 while a float32's interval is dozens of
 * units wide there: a candidate within 1e-6 of an end or of halfway (an
 * exact tie, which goes to even) is left to the exact search.
 */
function shortestFast(ax: number, lo: number, hi: number, pow2: boolean, m: number): string | null {
  let e = Math.floor(Math.log10(ax));
  let sc = m - 1 - e;
  if (sc > 22 || sc < -22) return null;
  let y = sc >= 0 ? ax * POW10[sc]! : ax / POW10[-sc]!;
  if (y < POW10[m - 1]!) {
    e--;
    sc++;
  } else if (y >= POW10[m]!) {
    e++;
    sc--;
  }
  if (sc > 22 || sc < -22) return null;
  y = sc >= 0 ? ax * POW10[sc]! : ax / POW10[-sc]!;
  if (y < POW10[m - 1]! || y >= POW10[m]!) return null;
  const ylo = sc >= 0 ? lo * POW10[sc]! : lo / POW10[-sc]!;
  const yhi = sc >= 0 ? hi * POW10[sc]! : hi / POW10[-sc]!;
  const eps = 1e-6;
  for (let k = 1; k <= m; k++) {
    const unit = POW10[m - k]!;
    const q = y / unit;
    let c = Math.floor(q);
    const f = q - c;
    if (Math.abs(f - 0.5) < eps) return null;
    if (f > 0.5) c++;
    for (let tries = 0; tries < (pow2 ? 2 : 1); tries++, c++) {
      const v = c * unit;
      if (Math.abs(v - ylo) < eps || Math.abs(v - yhi) < eps) return null;
      if (v > ylo && v < yhi) {
        if (c === POW10[k]) {
          fastExp = e + 1;
          return "1";
        }
        fastExp = e;
        let t = String(c);
        let z = t.length;
        while (z > 1 && t.charCodeAt(z - 1) === 48) z--;
        if (z < t.length) t = t.slice(0, z);
        return t;
      }
      if (v > y) break; // the next one up is farther still
    }
  }
  return null;
}

/** Whether the decimal s lies in (lo, hi), or on an end when `even`. */
function inside(s: string, lo: number, hi: number, even: boolean): boolean {
  const v = Number(s);
  if (v > lo && v < hi) return true; // Number() rounds monotonically: s is inside too
  if (v < lo || v > hi) return false;
  // Number(s) is an end: s is on it, or just beside it. Exactly, in BigInt.
  const c = compareExact(s, v);
  return c === 0 ? even : v === lo ? c > 0 : c < 0;
}

/** The sign of s - v, exactly (s a decimal "d.ddde±X", v a positive double). */
function compareExact(s: string, v: number): number {
  const at = s.indexOf("e");
  const digits = s.slice(0, at).replace(".", "");
  const e10 = Number(s.slice(at + 1)) - (digits.length - 1);
  // v = m * 2^e2
  scratch[0] = v;
  const hiw = scratchHi[1]!;
  const bexp = (hiw >>> 20) & 0x7ff;
  let m = (BigInt(hiw & 0xfffff) << 32n) | BigInt(scratchHi[0]!);
  if (bexp !== 0) m |= 1n << 52n;
  const e2 = (bexp === 0 ? 1 : bexp) - 1075;
  // digits * 10^e10 vs m * 2^e2, both sides scaled to integers
  let left = BigInt(digits);
  let right = m;
  if (e10 >= 0) left *= 10n ** BigInt(e10);
  else right *= 10n ** BigInt(-e10);
  if (e2 >= 0) right <<= BigInt(e2);
  else left <<= BigInt(-e2);
  return left > right ? 1 : left < right ? -1 : 0;
}

/** The decimal "d.ddde±X" one unit up in its last digit. */
function nextUp(s: string): string {
  const at = s.indexOf("e");
  const mant = s.slice(0, at).replace(".", "");
  let x = Number(s.slice(at + 1));
  let up = (BigInt(mant) + 1n).toString();
  if (up.length > mant.length) {
    up = up.slice(0, -1);
    x++;
  }
  return (up.length > 1 ? `${up[0]}.${up.slice(1)}` : up) + `e${x < 0 ? "" : "+"}${x}`;
}

/** The text of x in the default layout for its dtype (bfloat16 has no numpy layout: its float64 value is written). */
export function formatDefault(x: number, dtype: FloatDType): string {
  return dtype === "f4" || dtype === "f2" ? formatNarrow(x, dtype) : formatRepr(x);
}
