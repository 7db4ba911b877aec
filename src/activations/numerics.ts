/**
 * Small numerical building blocks for the smooth derivatives. Each keeps
 * full relative accuracy where the textbook formula does not: sigmoid and
 * sech² in the tails (no 1 - s), exp of an argument that is itself a
 * rounded product (double-double), and every derivative near its zeros
 * (Taylor expansions from fixtures/make_taylor.py).
 */
import type { Activation, Params } from "./types.js";
import type { RootExpansion } from "./roots.generated.js";

/** σ(x) = 1/(1+e^-x), without overflow and with full relative accuracy for x < 0. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** σ'(x) = σ(x)σ(-x) = t/(1+t)² with t = e^-|x|: no cancellation in the tails. */
export function sigmoidPrime(x: number): number {
  const t = Math.exp(-Math.abs(x));
  const d = 1 + t;
  return t / (d * d);
}

/** sech²(x) = 1 - tanh²(x) = 4t/(1+t)² with t = e^-2|x|: no cancellation in the tails. */
export function sech2(x: number): number {
  const t = Math.exp(-2 * Math.abs(x));
  const d = 1 + t;
  return (4 * t) / (d * d);
}

const SPLIT = 134217729; // 2^27 + 1, Dekker's splitter

/**
 * The error of the product p = a*b: p + productError(a, b, p) = a*b exactly
 * (Dekker's TwoProduct; JS has no fma). Callers compute p themselves and
 * keep both in locals: results in module-level variables, as this used to
 * return them, are boxed by V8 (tanh-gelu ran 2.4x slower that way).
 */
export function productError(a: number, b: number, p: number): number {
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** The error of the sum s = a+b: s + sumError(a, b, s) = a+b exactly (Knuth's TwoSum). */
export function sumError(a: number, b: number, s: number): number {
  const bb = s - a;
  return a - (s - bb) + (b - bb);
}

/** e^(hi+lo) for |lo| <= ulp(hi): exp(hi)·(1+lo), rounding once more at most. */
export function expDD(hi: number, lo: number): number {
  const e = Math.exp(hi);
  return e + e * lo;
}

/** f'(x) near its zero from the Taylor expansion: t = x - x0 computed to ~1e-32. */
export function nearRoot(r: RootExpansion, x: number): number {
  const t = x - r.hi - r.lo; // x - hi is exact here (Sterbenz)
  const c = r.c;
  let p = c[c.length - 1]!;
  for (let k = c.length - 2; k >= 1; k--) p = p * t + c[k]!;
  return p * t;
}

/** Loops a scalar derivative over arrays: the kernel shape every smooth activation shares. */
export function loop(f: (x: number) => number) {
  return (src: ArrayLike<number>, dst: { [i: number]: number }, n: number): void => {
    for (let i = 0; i < n; i++) dst[i] = f(src[i]!);
  };
}

/** An activation whose kernel is its scalar derivative in a loop (all but relu's hand-tuned one). */
export function fromScalar(a: Omit<Activation, "kernel">): Activation {
  return { ...a, kernel: (p) => loop(a.scalar(p)) };
}

/** A numeric parameter (resolveParams has checked it). */
export function num(p: Params, key: string): number {
  return p[key] as number;
}
