/**
 * Second derivatives f″(x) (`--order 2`, issue 27), one per activation,
 * computed in float64 with full relative accuracy (target: 1e-13 against
 * mpmath wherever |f″| > 1e-300): the same building blocks as the first
 * derivatives (tails without cancellation, double-double arguments of
 * exponentials), the factor 2 − x² of gelu″ as (√2 − |x|)(√2 + |x|) with √2
 * in double-double, and Taylor expansions about the zeros of silu″, mish″
 * and tanh-gelu″ (fixtures/make_taylor.py).
 *
 * At kinks, PyTorch's double backward (torch.autograd.grad of the first
 * derivative, create_graph=True; fixtures/second/torch.json): 0 everywhere
 * for the piecewise-linear activations; hardswish 1/3 strictly inside
 * (−3, 3); softplus 0 from βx == threshold on; softsign 0 at 0. Where dact
 * differs on purpose (docs/activations.md): NaN in is NaN out (PyTorch's
 * piecewise double backward gives 0), and elu, selu and celu take their
 * exponential side at 0, as their first derivatives do (PyTorch: 0).
 */
import { SELU_SCALE_ALPHA } from "./constants.js";
import { expDD, nearRoot, num, productError, sigmoidPrime } from "./numerics.js";
import type { RootExpansion } from "./roots.generated.js";
import { geluTanh2NegRoot, geluTanh2PosRoot, mish2NegRoot, mish2PosRoot, silu2NegRoot, silu2PosRoot } from "./roots2.generated.js";
import type { Params } from "./types.js";

export type Second = (p: Params) => (x: number) => number;

const INV_SQRT_2PI = 0.3989422804014327;
const SQRT2_LO = -9.667293313452913e-17; // √2 − Math.SQRT2
const GELU_BETA = 0.7978845608028654;
const GELU_KAPPA = 0.044715;

/**
 * s·tanh(x)·sech²(x) (s = −2: tanh″; s = 2: tanhshrink″), tanh|x| as
 * −m/(m + 2), m = expm1(−2|x|) (fdlibm's tanh; the SIMD kernel's too), and
 * sech²x = 4t/(1 + t)², t = e^−2|x|.
 */
function tanh2(x: number, s: number): number {
  if (x === 0) return s * x; // the signed zero of s·tanh(x) (PyTorch's too)
  const ax = Math.abs(x);
  const m = Math.expm1(-2 * ax);
  const t = Math.exp(-2 * ax);
  const d = 1 + t;
  const v = s * (-m / (m + 2)) * ((4 * t) / (d * d));
  return x < 0 ? -v : v;
}

/** 0 for a piecewise-linear activation, NaN for NaN. */
const zero: Second = () => (x) => (x === x ? 0 : NaN);

/** The expansion about whichever of two zeros x is near, or null. */
function near(a: RootExpansion, b: RootExpansion, x: number): number | null {
  if (Math.abs(x - a.hi) < a.radius) return nearRoot(a, x);
  if (Math.abs(x - b.hi) < b.radius) return nearRoot(b, x);
  return null;
}

/** σ″(x) = −σ′(x)·tanh(x/2) = sign(x)·t·expm1(−|x|)/(1 + t)³, t = e^−|x|: exactly 0 at 0, nothing cancels. */
function sigmoid2(x: number): number {
  if (x !== x) return NaN;
  if (x === 0) return 0;
  const ax = Math.abs(x);
  const t = Math.exp(-ax);
  const d = 1 + t;
  const v = (t * Math.expm1(-ax)) / (d * d * d);
  return x < 0 ? -v : v;
}

/** φ(x)(2 − x²), with 2 − x² = (√2 − |x|)(√2 + |x|) above 1 (√2 in double-double) and x² in double-double. */
function geluExact2(x: number): number {
  if (x !== x) return NaN;
  const ax = Math.abs(x);
  if (ax > 40) return 0; // |f″| < 1e-340 (and x² would overflow at 1e154)
  const xx = x * x;
  const pdf = expDD(-0.5 * xx, -0.5 * productError(x, x, xx)) * INV_SQRT_2PI;
  // Below 1, 2 − x² does not cancel (and is exactly 2 at 0: f″(0) = √(2/π) to the ulp).
  const c = ax < 1 ? 2 - xx - productError(x, x, xx) : (Math.SQRT2 - ax + SQRT2_LO) * (Math.SQRT2 + ax);
  return pdf * c;
}

/**
 * PyTorch's tanh form: f″ = sech²(u)·β·(1 + 6κx² − βx·tanh(u)·(1 + 3κx²)²),
 * u = β(x + κx³) in double-double (sech² u = 4E/(1+E)², E = e^−2|u|, which
 * magnifies u's rounding by 2|u|); near the two zeros of the bracket, the
 * Taylor expansions.
 */
function geluTanh2(x: number): number {
  if (x !== x) return NaN;
  if (Math.abs(x) > 30) return 0; // |f″| < 1e-1000
  const r = near(geluTanh2NegRoot, geluTanh2PosRoot, x);
  if (r !== null) return r;
  const x2 = x * x;
  const x2lo = productError(x, x, x2);
  const x3 = x2 * x;
  const x3lo = productError(x2, x, x3) + x2lo * x;
  const k3 = GELU_KAPPA * x3;
  const k3lo = productError(GELU_KAPPA, x3, k3) + GELU_KAPPA * x3lo;
  const s = x + k3;
  const bb = s - x;
  const slo = x - (s - bb) + (k3 - bb) + k3lo;
  const u = GELU_BETA * s;
  const ulo = productError(GELU_BETA, s, u) + GELU_BETA * slo;
  const E = expDD(-2 * Math.abs(u), u >= 0 ? -2 * ulo : 2 * ulo);
  const d = 1 + E;
  const sech2u = (4 * E) / (d * d);
  const m = Math.expm1(-2 * Math.abs(u));
  const th = u >= 0 ? -m / (m + 2) : m / (m + 2); // tanh u, as the SIMD kernel (fdlibm's form)
  const q = 1 + 3 * GELU_KAPPA * x2;
  return sech2u * GELU_BETA * (1 + 6 * GELU_KAPPA * x2 - GELU_BETA * x * th * q * q);
}

/** silu″ = σ′(x)·(2 − x·tanh(x/2)); the two terms cancel only near the zeros at ±2.3994, where the expansions take over. */
function silu2(x: number): number {
  if (x !== x) return NaN;
  if (Math.abs(x) > 800) return 0;
  const r = near(silu2NegRoot, silu2PosRoot, x);
  if (r !== null) return r;
  const ax = Math.abs(x);
  const m = Math.expm1(-ax);
  return sigmoidPrime(x) * (2 - ax * (-m / (m + 2))); // x·tanh(x/2) = |x|·tanh(|x|/2), as the SIMD kernel
}

/**
 * mish″ = σ·sech²(sp)·(2 + x(1 − σ) − 2xσ·tanh(sp)), sp = softplus(x),
 * in u = e^x (x <= 0) or v = e^−x (x > 0) as mish′ is: with w = u(u + 2),
 * σ·sech²(sp) = 4u(1 + u)/(w + 2)², tanh(sp) = w/(w + 2); for x > 0,
 * d = 1 + 2v + 2v², σ·sech²(sp) = 4v²(1 + v)/d², σ·tanh(sp) =
 * (1 + 2v)/((1 + v)d). The bracket cancels only near the zeros at −2.2564
 * and 1.4906 (Taylor expansions there).
 */
function mish2(x: number): number {
  if (x !== x) return NaN;
  if (Math.abs(x) > 800) return 0;
  const r = near(mish2NegRoot, mish2PosRoot, x);
  if (r !== null) return r;
  if (x <= 0) {
    const u = Math.exp(x);
    const w = u * (u + 2);
    const D = w + 2;
    const b = 2 + x / (1 + u) - (2 * x * u * w) / ((1 + u) * D);
    return ((4 * u * (1 + u)) / (D * D)) * b;
  }
  const v = Math.exp(-x);
  const d = 1 + 2 * v + 2 * v * v;
  const b = 2 + (x * v) / (1 + v) - (2 * x * (1 + 2 * v)) / ((1 + v) * d);
  return ((4 * v * v * (1 + v)) / (d * d)) * b;
}

/** softplus″ = β·σ′(βx + lo) below the threshold, βx's rounding error lo carried as in softplus′; 0 from the threshold on. */
const softplus2: Second = (p) => {
  const beta = num(p, "beta");
  const threshold = num(p, "threshold");
  return (x) => {
    const y = x * beta;
    if (y !== y) return NaN;
    if (y >= threshold) return 0;
    let lo = Math.abs(y) < 800 ? productError(x, beta, y) : 0;
    if (lo !== lo) lo = 0;
    const t = y >= 0 ? expDD(-y, -lo) : expDD(y, lo);
    const d = 1 + t;
    return (beta * t) / (d * d);
  };
};

/** celu″ = e^(x/α)/α for x <= 0, the quotient's rounding error carried as in celu′. */
const celu2: Second = (p) => {
  const alpha = num(p, "alpha");
  return (x) => {
    if (x > 0) return 0;
    if (!(x <= 0)) return NaN;
    const q = x / alpha;
    if (!(Math.abs(q) < 800)) return Math.exp(q) / alpha;
    const qa = q * alpha;
    const lo = (x - qa - productError(q, alpha, qa)) / alpha;
    return expDD(q, lo) / alpha;
  };
};

/** Every activation's f″, by name (the registry attaches each to its entry as `second`). */
export const SECOND: Readonly<Record<string, Second>> = {
  relu: zero,
  "leaky-relu": zero,
  relu6: zero,
  hardtanh: zero,
  hardsigmoid: zero,
  softshrink: zero,
  hardshrink: zero,
  hardswish: () => (x) => (x > -3 && x < 3 ? 1 / 3 : x === x ? 0 : NaN),
  elu: (p) => {
    const alpha = num(p, "alpha");
    return (x) => (x > 0 ? 0 : x <= 0 ? alpha * Math.exp(x) : NaN);
  },
  selu: () => (x) => (x > 0 ? 0 : x <= 0 ? SELU_SCALE_ALPHA * Math.exp(x) : NaN),
  celu: celu2,
  gelu: (p) => (p["approximate"] === "tanh" ? geluTanh2 : geluExact2),
  sigmoid: () => sigmoid2,
  tanh: () => (x) => tanh2(x, -2),
  softplus: softplus2,
  silu: () => silu2,
  mish: () => mish2,
  softsign: () => (x) => {
    if (x !== x) return NaN;
    if (x === 0) return 0; // PyTorch: |x|'s derivative at 0 is 0
    const d = 1 + Math.abs(x);
    return (x > 0 ? -2 : 2) / (d * d * d);
  },
  logsigmoid: () => (x) => (x !== x ? NaN : -sigmoidPrime(x)),
  tanhshrink: () => (x) => tanh2(x, 2),
};
