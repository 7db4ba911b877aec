/**
 * bfloat16: float32's sign and 8-bit exponent with 7 mantissa bits (the
 * high half of a float32). Decoding is exact. Encoding rounds a float64
 * once, to nearest even, straight to bfloat16: ml_dtypes casts float64 to
 * bfloat16 through float32, which rounds twice and differs in rare
 * near-midpoint cases (test/containers.test.ts shows one).
 */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The value of bfloat16 bits. */
export function bf16ToNumber(bits: number): number {
  u32[0] = bits << 16;
  return f32[0]!;
}

/** (2 - 2^-8) * 2^127: the midpoint between bfloat16's largest finite value and 2^128; it and beyond round to infinity. */
const OVERFLOW = (2 - 2 ** -8) * 2 ** 127;

/** Bits of the bfloat16 nearest to x (ties to even); NaN is the canonical quiet NaN, as ml_dtypes writes it. */
export function numberToBf16(x: number): number {
  if (x !== x) return 0x7fc0;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= OVERFLOW) return sign | 0x7f80;
  if (a === 0) return sign;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  // The spacing of bfloat16 values at this magnitude (subnormals below 2^-126).
  const q = 2 ** (Math.max(e, -126) - 7);
  const r = a / q; // exact: a power-of-two scaling
  let n = Math.floor(r);
  const d = r - n;
  if (d > 0.5 || (d === 0.5 && n % 2 === 1)) n++;
  f32[0] = n * q; // a bfloat16 value, so exactly a float32
  return sign | (u32[0]! >>> 16);
}

/** Rounds a number to the nearest bfloat16 value, as a number. */
export function bf16round(x: number): number {
  return bf16ToNumber(numberToBf16(x));
}
