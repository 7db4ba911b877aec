/**
 * Decimal <-> double without strings, for the text formats' hot paths.
 *
 * Why this exists: with a smooth activation, a CSV of 17-digit numbers
 * spent most of its time in V8's own conversions, each of which makes a
 * string: Number(text) on numbers beyond Clinger's fast path (~130 ns a
 * cell with the slice) and String(x) (~125 ns). Both are correct, and stay
 * the reference: whenever the arithmetic here cannot prove its answer, the
 * caller falls back to them. test/decimal.test.ts checks both directions
 * against Number() and String() on millions of values, halfway cases and
 * every binade included.
 *
 * The arithmetic is double-double (about 106 bits): 10^q comes from a
 * table of 10^q rounded to two doubles (relative error below 2^-106, made
 * with exact BigInt arithmetic on first use), products are exact by
 * Dekker's splitting, and a result is rounded to a double only when every
 * value within the error bound (2^-96 relative, far above the ~2^-102 the
 * steps can lose) rounds the same way. Otherwise: the fallback.
 */

import { productError } from "../../activations/numerics.js";


/** The table's range: 10^MIN_Q .. 10^MAX_Q, with the low parts still normal doubles and no overflow in the products. */
const MIN_Q = -290;
const MAX_Q = 280;
/** 10^q = P_HI[q - MIN_Q] + P_LO[q - MIN_Q]; NaN until first used (pow10Hi fills it). */
const P_HI = new Float64Array(MAX_Q - MIN_Q + 1).fill(NaN);
const P_LO = new Float64Array(MAX_Q - MIN_Q + 1);

/** 2^e for any e in double range, as a product of steps that stay normal. */
function scaleBy2(v: number, e: number): number {
  while (e > 600) {
    v *= 2 ** 600;
    e -= 600;
  }
  while (e < -600) {
    v *= 2 ** -600;
    e += 600;
  }
  return v * 2 ** e;
}

/**
 * P_HI[i], computing P_HI[i] and P_LO[i] from exact integers on first use
 * (~2 µs each: the whole table at once cost ~1 ms of a small file's run).
 */
function pow10Hi(i: number): number {
  const have = P_HI[i]!;
  if (have === have) return have;
  const q = i + MIN_Q;
  if (q >= 0) {
    const p = 10n ** BigInt(q);
    const h = Number(p); // BigInt -> Number rounds to nearest
    P_HI[i] = h;
    P_LO[i] = Number(p - BigInt(h));
  } else {
    // 10^q = 2^-s * (2^s / 10^-q), the quotient to ~120 bits.
    const d = 10n ** BigInt(-q);
    const s = d.toString(2).length + 120;
    const quo = (1n << BigInt(s)) / d;
    const h = Number(quo);
    P_HI[i] = scaleBy2(h, -s);
    P_LO[i] = scaleBy2(Number(quo - BigInt(h)), -s);
  }
  return P_HI[i]!;
}

/*
 * Products are exact by Dekker's splitting (productError: the low part, in
 * a local; a helper returning it through a module-level variable made V8
 * box that double on every call, measured 4x slower).
 */

/**
 * The double nearest to (mh + ml) * 10^q (mh + ml exact, |ml| <= ulp(mh)),
 * or NaN when that cannot be decided here (q outside the table, a result
 * outside [1e-280, 1e300], or too close to a halfway point).
 */
function roundScaled(mh: number, ml: number, q: number): number {
  if (q < MIN_Q || q > MAX_Q) return NaN;
  const ph = pow10Hi(q - MIN_Q);
  const pl = P_LO[q - MIN_Q]!;
  const a = mh * ph;
  const t = productError(mh, ph, a) + (mh * pl + ml * ph);
  const r = a + t;
  if (!(r >= 1e-280 && r <= 1e300)) return NaN;
  // Every value within the error bound must round to r.
  const bound = r * 2 ** -96;
  if (a + (t + bound) !== r || a + (t - bound) !== r) return NaN;
  return r;
}

/**
 * The double nearest to m * 10^q, where m's `sig` significant digits are
 * the int32 groups g1 (the first 8), g2 (the next 8) and g3 (the last 3 at
 * most); NaN when that cannot be decided here. Up to 15 digits with
 * |q| <= 22 is Clinger's fast path: exact in one rounding.
 */
export function groupsToDouble(g1: number, g2: number, g3: number, sig: number, q: number): number {
  if (sig === 0) return 0;
  if (sig <= 15) {
    const mant = sig <= 8 ? g1 : g1 * POW10_SMALL[sig - 8]! + g2; // < 10^15: exact
    if (q >= 0 && q <= 22) return mant * POW10_22[q]!;
    if (q < 0 && q >= -22) return mant / POW10_22[-q]!;
    return roundScaled(mant, 0, q);
  }
  // m = g1 * 10^(n2 + n3) + (g2 * 10^n3 + g3), both terms exact (g1 < 10^8
  // times at most 10^11 stays below 2^53), summed into two doubles.
  const n3 = sig - 16;
  const a = g1 * POW10_SMALL[8 + n3]!;
  const b = g2 * POW10_SMALL[n3]! + g3;
  const mh = a + b;
  const ml = b - (mh - a);
  return roundScaled(mh, ml, q);
}

/** 10^0 .. 10^8, for splitting eightDigits' value between digit groups. */
export const POW10_8 = [1, 10, 100, 1000, 10000, 1e5, 1e6, 1e7, 1e8];

/**
 * The value of the eight ASCII digits buf[i..i + 8) (i + 8 <= buf.length),
 * or -1 when one of them is not a digit: four bytes at a time in an int32,
 * a digit check on both nibbles at once and two multiply-adds of pairs
 * (SWAR, as fast_float's parse_eight_digits), in place of eight dependent
 * multiply-adds and their branches in the parser's digit loop.
 */
export function eightDigits(buf: Uint8Array, i: number): number {
  const lo = buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
  const hi = buf[i + 4]! | (buf[i + 5]! << 8) | (buf[i + 6]! << 16) | (buf[i + 7]! << 24);
  // A byte b is a digit when its high nibble is 3 and b + 6's is too (a
  // carry out of a byte only comes from b >= 0xfa, whose own check fails).
  if (((lo & 0xf0f0f0f0) | (((lo + 0x06060606) & 0xf0f0f0f0) >>> 4)) !== 0x33333333) return -1;
  if (((hi & 0xf0f0f0f0) | (((hi + 0x06060606) & 0xf0f0f0f0) >>> 4)) !== 0x33333333) return -1;
  return fourDigits(lo - 0x30303030) * 10000 + fourDigits(hi - 0x30303030);
}

/** Four digit values 0..9 in the bytes of d (first digit in the low byte) as one number. */
function fourDigits(d: number): number {
  const pairs = (d * 10 + (d >>> 8)) & 0x00ff00ff; // d0d1 in byte 0, d2d3 in byte 2
  return (pairs & 0xff) * 100 + (pairs >>> 16);
}

const POW10_22 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
const POW10_SMALL = [1, 10, 100, 1000, 10000, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11];

const scratchF = new Float64Array(1);
const scratchU = new Uint32Array(scratchF.buffer);
/** Digits of the number being written, most significant first. */
const digits = new Uint8Array(24);

/**
 * Writes the integer v (< 10^8) as 8 digits into digits[at..], or its
 * last `count` of them. Two chains of 4 digits that the CPU runs side by
 * side: one chain of 8 divisions was a third of the formatter's time.
 * (v * 1e-4) | 0 is floor(v / 10^4) for v < 2^31: the double 1e-4 is a
 * little above 10^-4 and the product's error is far below the gaps.
 */
function putDigits8(v: number, at: number): void {
  const a = (v * 1e-4) | 0;
  let b = v - a * 10000;
  let c = a;
  for (let k = at + 7; k >= at + 4; k--) {
    const qb = (b * 0.1) | 0;
    const qc = (c * 0.1) | 0;
    digits[k] = 48 + b - qb * 10;
    digits[k - 4] = 48 + c - qc * 10;
    b = qb;
    c = qc;
  }
}

/**
 * Writes x as String(x) would (the shortest digits that read back as x,
 * the closest such when there are several, in JS's fixed/exponent layout)
 * into out at p, with `point` as the decimal separator. Returns the index
 * after it, or -1 when it cannot be sure (zero, a non-finite or extreme x,
 * a power of two, near-halfway digits): the caller then uses String(x).
 * With `repr`, the same digits in Python's repr layout instead (reprDirect: fixed
 * notation for decimal exponents -4..15 with ".0" on whole numbers,
 * otherwise d.ddde±XX): the caller's fallback is then formatRepr(x).
 * Needs 25 bytes of room.
 */
export function writeShortest(x: number, out: Uint8Array, p: number, point: number, repr = false): number {
  const ax = x < 0 ? -x : x;
  if (!(ax >= 1e-260 && ax <= 1e290)) return -1;
  // A power of two's rounding interval is lopsided: the nearest candidate
  // is not always the one that reads back.
  scratchF[0] = ax;
  const hiWord = scratchU[1]!;
  if (scratchU[0] === 0 && (hiWord & 0xfffff) === 0) return -1;
  // y = ax * 10^(16 - e10), in [1e16, 1e17): 17 digits before the point.
  // e10 from the binary exponent may be one low; the loop below corrects it.
  // The estimate adds the mantissa's fraction f to the binary exponent
  // (f <= log2(1 + f) <= f + 0.087: at most one low, in 3% of cases rather
  // than the exponent alone's 30%, each of which cost a second product).
  let e10 = Math.floor((((hiWord >>> 20) & 0x7ff) - 1023 + (hiWord & 0xfffff) * 2 ** -20) * 0.30102999566398119);
  let ph = 0;
  let yh = 0;
  let yl = 0;
  for (let attempt = 0; ; attempt++) {
    const j = 16 - e10;
    ph = pow10Hi(j - MIN_Q);
    const a = ax * ph;
    const t = productError(ax, ph, a) + ax * P_LO[j - MIN_Q]!;
    yh = a + t;
    yl = t - (yh - a);
    if (yh < 1e16) e10--;
    else if (yh >= 1e17) e10++;
    else break;
    if (attempt === 1) return -1;
  }
  // y = top * 1e9 + low, top an integer in [1e7, 1e8) (both steps exact;
  // low is within about 1e-7 of its exact value).
  const top = Math.floor(yh / 1e9);
  const low = yh - top * 1e9 + yl;
  // Half the gap between x and its neighbours, in units of y: candidates
  // closer to y than this read back as x (x is no power of two, so the gaps
  // on both sides are equal).
  scratchU[0] = 0;
  scratchU[1] = (((hiWord >>> 20) & 0x7ff) - 52) << 20; // ulp(x) = 2^(e2 - 52)
  const half = scratchF[0]! * ph * 0.5; // ph = 10^(16 - e10)
  // The nearest 15-, 16- and 17-digit decimals; the shortest that reads
  // back wins (and among two of that length, the nearest is JS's choice).
  // All three at once, without divisions: independent work the CPU
  // overlaps (a loop of divisions cost more than the rest together).
  const t15 = Math.floor(low * 0.01 + 0.5);
  const t16 = Math.floor(low * 0.1 + 0.5);
  const t17 = Math.floor(low + 0.5);
  const d15 = Math.abs(low - t15 * 100);
  const d16 = Math.abs(low - t16 * 10);
  const d17 = Math.abs(low - t17);
  // Unsure: near a halfway point between candidates, or at the edge of x's interval.
  if (Math.abs(d17 - 0.5) < 1e-6 || Math.abs(d16 - 5) < 1e-6 || Math.abs(d15 - 50) < 1e-6) return -1;
  if (Math.abs(d15 - half) < 1e-6 || Math.abs(d16 - half) < 1e-6 || Math.abs(d17 - half) < 1e-6) return -1;
  const k = d15 < half ? 15 : d16 < half ? 16 : 17;
  const tail = k === 15 ? t15 : k === 16 ? t16 : t17;
  if (tail < 0 || tail >= (k === 15 ? 1e7 : k === 16 ? 1e8 : 1e9)) return -1; // a carry across the split: rare, let String() do it
  if (repr) {
    if (x < 0) out[p++] = 45;
    return reprDirect(top, tail, k, e10 + 1, out, p, point);
  }
  // The digits: top's 8, then tail's k - 8, trailing zeros dropped.
  putDigits8(top, 0);
  if (k === 17) {
    const t1 = (tail * 0.1) | 0;
    putDigits8(t1, 8);
    digits[16] = 48 + tail - t1 * 10;
  } else if (k === 16) putDigits8(tail, 8);
  else {
    putDigits8(tail, 7); // 7 digits: the 8th written first is a 0 overwritten below
    digits[7] = 48 + top - ((top * 0.1) | 0) * 10;
  }
  let nd = k;
  while (nd > 1 && digits[nd - 1] === 48) nd--;
  const n = e10 + 1; // x = 0.d1d2... * 10^n
  if (x < 0) out[p++] = 45;
  if (nd <= n && n <= 21) {
    for (let i = 0; i < nd; i++) out[p++] = digits[i]!;
    for (let i = nd; i < n; i++) out[p++] = 48;
  } else if (0 < n && n <= 21) {
    for (let i = 0; i < n; i++) out[p++] = digits[i]!;
    out[p++] = point;
    for (let i = n; i < nd; i++) out[p++] = digits[i]!;
  } else if (-6 < n && n <= 0) {
    out[p++] = 48;
    out[p++] = point;
    for (let i = n; i < 0; i++) out[p++] = 48;
    for (let i = 0; i < nd; i++) out[p++] = digits[i]!;
  } else {
    out[p++] = digits[0]!;
    if (nd > 1) {
      out[p++] = point;
      for (let i = 1; i < nd; i++) out[p++] = digits[i]!;
    }
    out[p++] = 101; // e
    let e = n - 1;
    out[p++] = e < 0 ? 45 : 43;
    if (e < 0) e = -e;
    if (e >= 100) out[p++] = 48 + ((e / 100) | 0);
    if (e >= 10) out[p++] = 48 + (((e / 10) | 0) % 10);
    out[p++] = 48 + (e % 10);
  }
  return p;
}

/** putDigits8 into the output buffer (a Buffer, not the Uint8Array `digits`: one element kind per function keeps the stores monomorphic). */
function putDigits8Out(v: number, out: Uint8Array, at: number): void {
  const a = (v * 1e-4) | 0;
  let b = v - a * 10000;
  let c = a;
  for (let k = at + 7; k >= at + 4; k--) {
    const qb = (b * 0.1) | 0;
    const qc = (c * 0.1) | 0;
    out[k] = 48 + b - qb * 10;
    out[k - 4] = 48 + c - qc * 10;
    b = qb;
    c = qc;
  }
}

/** The k (15..17) digits top (8) and tail (k - 8) into out[at..at + k). */
function putDigitsK(top: number, tail: number, k: number, out: Uint8Array, at: number): void {
  putDigits8Out(top, out, at);
  if (k === 17) {
    const t1 = (tail * 0.1) | 0;
    putDigits8Out(t1, out, at + 8);
    out[at + 16] = 48 + tail - t1 * 10;
  } else if (k === 16) putDigits8Out(tail, out, at + 8);
  else {
    const last = out[at + 7]!;
    putDigits8Out(tail, out, at + 7); // 7 digits: the 8th written first is a 0, top's last digit put back below
    out[at + 7] = last;
  }
}

/**
 * reprLayout's bytes for the digits top·tail (k of them, trailing zeros
 * dropped) of x = 0.d1d2... * 10^n, written straight into out at p rather
 * than through `digits`: the digits land one byte right of where the
 * number starts and the first n move left over the point's place (a copy
 * of every digit was a tenth of a smooth activation's CSV run).
 */
function reprDirect(top: number, tail: number, k: number, n: number, out: Uint8Array, p: number, point: number): number {
  if (n <= 0 && n >= -3) {
    out[p++] = 48;
    out[p++] = point;
    for (let i = n; i < 0; i++) out[p++] = 48;
    putDigitsK(top, tail, k, out, p);
    let end = p + k;
    while (out[end - 1] === 48) end--; // the first digit (top's) is nonzero
    return end;
  }
  putDigitsK(top, tail, k, out, p + 1);
  let nd = k;
  while (nd > 1 && out[p + nd] === 48) nd--;
  if (n > 16 || n < -3) {
    out[p] = out[p + 1]!;
    let q = p + 1;
    if (nd > 1) {
      out[q] = point;
      q += nd;
    }
    out[q++] = 101; // e
    let e = n - 1;
    out[q++] = e < 0 ? 45 : 43;
    if (e < 0) e = -e;
    if (e >= 100) out[q++] = 48 + ((e / 100) | 0);
    out[q++] = 48 + (((e / 10) | 0) % 10);
    out[q++] = 48 + (e % 10);
    return q;
  }
  if (nd <= n) {
    for (let i = 0; i < nd; i++) out[p + i] = out[p + i + 1]!;
    for (let i = nd; i < n; i++) out[p + i] = 48;
    out[p + n] = point;
    out[p + n + 1] = 48;
    return p + n + 2;
  }
  for (let i = 0; i < n; i++) out[p + i] = out[p + i + 1]!;
  out[p + n] = point;
  return p + nd + 1;
}

/** Set by roundedDigits: the decimal exponent of its digits' first. */
export let roundedExp = 0;
const POW10_INT = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20];

/**
 * The n + 1 significant digits of ax (finite, > 0) rounded to nearest, as
 * toExponential(n) gives them (n <= 18), and their exponent in roundedExp;
 * or null when it cannot be sure (x too large or small for the table, or
 * within 1e-7 of halfway, exact ties included: the caller then asks the
 * engine). toExponential is slow from 18 digits on (bignum arithmetic:
 * ~600 ns for numpy's %.18e); this is double-double arithmetic as
 * writeShortest's: y = ax * 10^(n - e10) in [10^n, 10^(n+1)) to ~2^-104.
 */
export function roundedDigits(ax: number, n: number): string | null {
  // The same arithmetic as roundedDigitsInto (one copy): its bytes as a string.
  const e = roundedDigitsInto(ax, n);
  if (Number.isNaN(e)) return null;
  roundedExp = e;
  return String.fromCharCode(...rounded.subarray(roundedFrom, 24));
}

/** Set by roundedDigitsInto: where the digits start in `rounded` (they end at 24). */
export let roundedFrom = 0;
/** roundedDigitsInto's digits (ASCII), right-aligned at index 24. */
export const rounded = new Uint8Array(24);

/**
 * roundedDigits without a string: the n + 1 digits into rounded[24 - n - 1
 * .. 24) (roundedFrom), the exponent returned; NaN when unsure (the caller
 * then takes the string path).
 */
export function roundedDigitsInto(ax: number, n: number): number {
  if (n > 18 || !(ax >= 1e-270 && ax <= 1e290)) return NaN;
  const lowY = POW10_INT[n]!;
  const highY = POW10_INT[n + 1]!;
  let e10 = Math.floor(Math.log10(ax));
  let yh = 0;
  let yl = 0;
  for (let attempt = 0; ; attempt++) {
    const j = n - e10;
    if (j < MIN_Q || j > MAX_Q) return NaN;
    const ph = pow10Hi(j - MIN_Q);
    const a = ax * ph;
    const t = productError(ax, ph, a) + ax * P_LO[j - MIN_Q]!;
    yh = a + t;
    yl = t - (yh - a);
    if (yh < lowY) e10--;
    else if (yh >= highY) e10++;
    else break;
    if (attempt === 1) return NaN;
  }
  if (yh === lowY && yl < 0) return NaN;
  // The rounded integer as hi * 1e8 + lo (both < 2^53 and exact).
  let hi: number;
  let lo: number;
  if (yh < 2 ** 53) {
    let fl = Math.floor(yh);
    let fr = yh - fl + yl;
    while (fr < 0) {
      fr += 1;
      fl -= 1;
    }
    while (fr >= 1) {
      fr -= 1;
      fl += 1;
    }
    if (Math.abs(fr - 0.5) < 1e-7) return NaN;
    if (fr > 0.5) fl++;
    hi = Math.floor(fl / 1e8);
    lo = fl - hi * 1e8;
  } else {
    const fl = Math.floor(yl);
    const fr = yl - fl;
    if (Math.abs(fr - 0.5) < 1e-7) return NaN;
    hi = Math.floor(yh / 1e8);
    const p = hi * 1e8;
    lo = yh - p - productError(hi, 1e8, p) + fl + (fr > 0.5 ? 1 : 0);
  }
  while (lo < 0) {
    lo += 1e8;
    hi--;
  }
  while (lo >= 1e8) {
    lo -= 1e8;
    hi++;
  }
  if (hi * 1e8 + lo >= highY) {
    // Rounded up to 10^(n+1): "100...0" one exponent up.
    rounded.fill(48, 23 - n, 24);
    rounded[23 - n] = 49;
    roundedFrom = 23 - n;
    return e10 + 1;
  }
  // hi < 1e11: its top digits, then 8 and 8.
  const top = Math.floor(hi / 1e8);
  putDigits8(lo, 16);
  putDigits8(hi - top * 1e8, 8);
  putDigits8(top, 0);
  rounded.set(digits.subarray(0, 24));
  roundedFrom = 23 - n;
  return e10;
}
