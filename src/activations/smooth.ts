/**
 * The smooth activations. Each derivative is computed in float64 with full
 * relative accuracy over the whole line (target: 1e-13 against mpmath):
 * tails use forms without cancellation, arguments of large exponentials are
 * carried in double-double, and near a zero of the derivative a Taylor
 * expansion takes over. Infinite inputs give the mathematical limit (where
 * PyTorch computes inf·0 = NaN). NaN in, NaN out.
 */
import { erfc as portedErfc } from "./erfc.js";
import { expDD, fromScalar, nearRoot, num, productError, sech2, sigmoid, sigmoidPrime, sumError } from "./numerics.js";
import { simd64 } from "./simd.js";
import { geluRoot, geluTanhRoot, mishRoot, siluRoot } from "./roots.generated.js";
import { MP0, MP1, MP2, MP3, MP4, MP5, MP6, MP7, MP8, MP9, MP10, MQ1, MQ2, MQ3, MQ4, MQ5, MQ6, MQ7, MQ8, MQ9, MQ10 } from "../wasm/kernels.generated.js";


/** erfc: @stdlib's algorithm on Math.exp (erfc.ts says why). */
function loadErfc(): (x: number) => number {
  return portedErfc;
}
let erfc: (x: number) => number = (x) => loadErfc()(x);
const INV_SQRT_2PI = 0.3989422804014327; // 1/sqrt(2π)
/** PyTorch's tanh-GELU constants: kBeta = sqrt(2/π), kKappa = 0.044715. */
const GELU_BETA = 0.7978845608028654;
const GELU_KAPPA = 0.044715;
/** Below this |x|, gelu'(x) is 1/2 + x·√(2/π) to within 2^-61 relative. */
const GELU_SMALL = 2 ** -20;


/**
 * Φ(x) + xφ(x), φ with x² exact. Up to |x| = 16 through Mills' ratio
 * M(t) = Q(t)/φ(t), t = |x|: Φ(x) + xφ(x) = φ(t)(M(t) - t) for x < 0, 1
 * minus that for x >= 0, M a rational P10/Q10 (fixtures/make_mills.py,
 * relative error 8e-16; all coefficients positive, so nothing cancels):
 * ~2.5x faster than erfc, which costs ~40 ns. M - t cancels only near the
 * root, where the Taylor expansion takes over; beyond 16, Φ from erfc.
 */
function geluExact(x: number): number {
  if (x !== x) return NaN;
  if (x === Infinity) return 1;
  if (x === -Infinity) return 0;
  // Near 0, 1/2 + x·√(2/π) (next term (2/3)φ(0)x³, below 2^-61 relative):
  // exactly 1/2 at ±0, where 1 - φ(0)M(0) would round to 0.4999999999999999.
  if (Math.abs(x) < GELU_SMALL) return 0.5 + x * GELU_BETA;
  if (Math.abs(x - geluRoot.hi) < geluRoot.radius) return nearRoot(geluRoot, x);
  // Beyond ±40, f' is 1 or below 1e-340 in float64 (and x² would overflow at ±1e154).
  if (Math.abs(x) > 40) return x > 0 ? 1 : 0;
  const xx = x * x;
  const pdf = expDD(-0.5 * xx, -0.5 * productError(x, x, xx)) * INV_SQRT_2PI;
  const t = Math.abs(x);
  if (t <= 16) {
    const g = pdf * (millsRatio(t) - t);
    return x < 0 ? g : 1 - g;
  }
  const cdf = 0.5 * erfc(-x * Math.SQRT1_2);
  return cdf + x * pdf;
}

/** Mills' ratio on [0, 16]: P10(t)/Q10(t), the coefficients of src/wasm/mills.json (fixtures/make_mills.py), as the float32 SIMD kernel uses them. */
function millsRatio(t: number): number {
  const p = MP0 + t * (MP1 + t * (MP2 + t * (MP3 + t * (MP4 + t * (MP5 + t * (MP6 + t * (MP7 + t * (MP8 + t * (MP9 + t * MP10)))))))));
  const q = 1 + t * (MQ1 + t * (MQ2 + t * (MQ3 + t * (MQ4 + t * (MQ5 + t * (MQ6 + t * (MQ7 + t * (MQ8 + t * (MQ9 + t * MQ10)))))))));
  return p / q;
}

/**
 * The derivative of PyTorch's tanh form 0.5x(1 + tanh(u)), u = β(x + κx³):
 * 0.5(1 + tanh u) + 0.5x·sech²(u)·β(1 + 3κx²). With E = e^(-2|u|),
 * 1 + tanh u = 2/(1 + E) or 2E/(1 + E), and sech² u = 4E/(1+E)²; u is
 * carried in double-double because e^(2u) magnifies its rounding by |2u|.
 */
function geluTanh(x: number): number {
  if (x !== x) return NaN;
  if (x === Infinity) return 1;
  if (x === -Infinity) return 0;
  if (Math.abs(x - geluTanhRoot.hi) < geluTanhRoot.radius) return nearRoot(geluTanhRoot, x);
  // Beyond ±30, f' is 1 or below 1e-1000 (and x³ would overflow at ±1e102).
  if (Math.abs(x) > 30) return x > 0 ? 1 : 0;
  // x³ = (x² hi + lo)·x
  const x2 = x * x;
  const x2lo = productError(x, x, x2);
  const x3 = x2 * x;
  const x3lo = productError(x2, x, x3) + x2lo * x;
  // κx³ + x
  const k3 = GELU_KAPPA * x3;
  const k3lo = productError(GELU_KAPPA, x3, k3) + GELU_KAPPA * x3lo;
  const s = x + k3;
  const slo = sumError(x, k3, s) + k3lo;
  // u = β·s
  const u = GELU_BETA * s;
  const ulo = productError(GELU_BETA, s, u) + GELU_BETA * slo;
  const au = Math.abs(u);
  const E = expDD(-2 * au, u >= 0 ? -2 * ulo : 2 * ulo);
  const d = 1 + E;
  const half1pTanh = u >= 0 ? 1 / d : E / d; // 0.5(1 + tanh u)
  const sech2u = (4 * E) / (d * d);
  return half1pTanh + 0.5 * x * sech2u * GELU_BETA * (1 + 3 * GELU_KAPPA * x2);
}

export const gelu = simd64({
  name: "gelu",
  cheap: false,
  simd: (p) => (p["approximate"] === "tanh" ? ["geluTanh", 0, 0] : ["gelu", 0, 0]),
  simd2: (p) => (p["approximate"] === "tanh" ? ["geluTanh2", 0, 0] : ["gelu2", 0, 0]),
  summary: "Gaussian error linear unit: x·Φ(x), or PyTorch's tanh approximation",
  formula: "none: Φ(x) + x·φ(x); tanh: the derivative of 0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))",
  kinks: "none (smooth); limits 1 at +inf and 0 at -inf",
  params: [{ flag: "approximate", description: "none (exact erf form) or tanh (PyTorch's tanh form)", default: "none", choices: ["none", "tanh"] }],
  scalar(p) {
    if (p["approximate"] === "tanh") return geluTanh;
    erfc = loadErfc();
    return geluExact;
  },
  forward(p) {
    erfc = loadErfc();
    if (p["approximate"] === "tanh") return (x) => 0.5 * x * (1 + Math.tanh(GELU_BETA * (x + GELU_KAPPA * x * x * x)));
    return (x) => x * 0.5 * erfc(-x * Math.SQRT1_2);
  },
});

export const sigmoidAct = simd64({
  name: "sigmoid",
  aliases: ["logistic", "expit"],
  cheap: false,
  simd: () => ["sigmoid", 0, 0],
  simd2: () => ["sigmoid2", 0, 0],
  summary: "logistic sigmoid σ(x) = 1/(1 + e^-x)",
  formula: "σ(x)·(1 - σ(x))",
  kinks: "none (smooth); 0 at ±inf",
  params: [],
  scalar() {
    return (x) => (x !== x ? NaN : sigmoidPrime(x));
  },
  forward() {
    return sigmoid;
  },
});

export const tanhAct = simd64({
  name: "tanh",
  cheap: false,
  simd: () => ["tanh", 0, 0],
  simd2: () => ["tanh2", -2, 0], // f″ = -2·t·(1 - t²)
  summary: "hyperbolic tangent",
  formula: "1 - tanh²(x)",
  kinks: "none (smooth); 0 at ±inf",
  params: [],
  scalar() {
    return (x) => (x !== x ? NaN : sech2(x));
  },
  forward() {
    return Math.tanh;
  },
});

export const softplus = simd64({
  name: "softplus",
  cheap: false,
  simd: (p) => ["softplus", num(p, "beta"), num(p, "threshold")],
  simd2: (p) => ["softplus2", num(p, "beta"), num(p, "threshold")],
  summary: "softplus: log(1 + e^(βx))/β, linear above the threshold",
  formula: "x·beta > threshold -> 1, else σ(beta·x)",
  kinks: "the formula (σ) at x·beta == threshold, as in PyTorch",
  params: [
    { flag: "beta", description: "β (> 0)", default: 1, check: (v) => (v > 0 ? null : "a number > 0") },
    { flag: "threshold", description: "above x·β > threshold the function is linear", default: 20 },
  ],
  scalar(p) {
    const beta = num(p, "beta");
    const threshold = num(p, "threshold");
    return (x) => {
      const y = x * beta;
      if (y > threshold) return 1;
      if (y !== y) return NaN;
      // σ of y + lo, lo = βx - y the product's rounding error: e^y
      // magnifies it by |y|, up to 7.7e-14 relative at y = -690 without.
      let lo = Math.abs(y) < 800 ? productError(x, beta, y) : 0;
      if (lo !== lo) lo = 0; // Dekker's split overflows near the largest doubles
      if (y >= 0) return 1 / (1 + expDD(-y, -lo));
      const e = expDD(y, lo);
      return e / (1 + e);
    };
  },
  forward(p) {
    const beta = num(p, "beta");
    const threshold = num(p, "threshold");
    return (x) => (x * beta > threshold ? x : Math.log1p(Math.exp(beta * x)) / beta);
  },
});

/** σ(x)(1 + x(1 - σ(x))) = σ(x) + x·σ'(x). */
function siluPrime(x: number): number {
  if (x !== x) return NaN;
  if (x === Infinity) return 1;
  if (x === -Infinity) return 0;
  if (Math.abs(x - siluRoot.hi) < siluRoot.radius) return nearRoot(siluRoot, x);
  return sigmoid(x) + x * sigmoidPrime(x);
}

export const silu = simd64({
  name: "silu",
  aliases: ["swish"],
  cheap: false,
  simd: () => ["silu", 0, 0],
  simd2: () => ["silu2", 0, 0],
  summary: "sigmoid linear unit (swish): x·σ(x)",
  formula: "σ(x)·(1 + x·(1 - σ(x)))",
  kinks: "none (smooth); limits 1 at +inf and 0 at -inf",
  params: [],
  scalar() {
    return siluPrime;
  },
  forward() {
    return (x) => x * sigmoid(x);
  },
});

/**
 * tanh(sp) + x·σ(x)·sech²(sp), sp = softplus(x), written in u = e^x (or
 * v = e^-x for x > 0) so nothing cancels: with w = u(u + 2),
 * tanh(sp) = w/(w + 2) and σ(x)·sech²(sp) = 4u(1 + u)/(w + 2)².
 */
function mishPrime(x: number): number {
  if (x !== x) return NaN;
  if (x === Infinity) return 1;
  if (x === -Infinity) return 0;
  if (Math.abs(x - mishRoot.hi) < mishRoot.radius) return nearRoot(mishRoot, x);
  if (x > 50) return 1; // 1 - O(x·e^-2x): exactly 1 in float64 (and x·v² would be inf·0 at huge x)
  if (x < -800) return 0; // |f'| < 1e-340 (and x·u would be inf·0 at huge -x)
  if (x <= 0) {
    const u = Math.exp(x);
    const w = u * (u + 2);
    const d = w + 2;
    return w / d + (4 * x * u * (1 + u)) / (d * d);
  }
  const v = Math.exp(-x);
  const d = 1 + 2 * v + 2 * v * v;
  return (1 + 2 * v) / d + (4 * x * v * v * (1 + v)) / (d * d);
}

export const mish = simd64({
  name: "mish",
  cheap: false,
  simd: () => ["mish", 0, 0],
  simd2: () => ["mish2", 0, 0],
  summary: "mish: x·tanh(softplus(x))",
  formula: "tanh(sp) + x·σ(x)·(1 - tanh²(sp)), sp = softplus(x)",
  kinks: "none (smooth); limits 1 at +inf and 0 at -inf",
  params: [],
  scalar() {
    return mishPrime;
  },
  forward() {
    return (x) => x * Math.tanh(x > 30 ? x : Math.log1p(Math.exp(x)));
  },
});

export const softsign = fromScalar({
  name: "softsign",
  cheap: false,
  summary: "softsign: x/(1 + |x|)",
  formula: "1/(1 + |x|)²",
  kinks: "none (smooth); 0 at ±inf",
  params: [],
  scalar() {
    return (x) => {
      const d = 1 + Math.abs(x);
      return 1 / (d * d);
    };
  },
  forward() {
    return (x) => x / (1 + Math.abs(x));
  },
});

export const logsigmoid = simd64({
  name: "logsigmoid",
  aliases: ["logsoftplus"],
  cheap: false,
  simd: () => ["logsigmoid", 0, 0],
  simd2: () => ["logsigmoid2", 0, 0],
  summary: "log σ(x)",
  formula: "σ(-x)",
  kinks: "none (smooth); 1 at -inf, 0 at +inf",
  params: [],
  scalar() {
    return (x) => sigmoid(-x);
  },
  forward() {
    return (x) => (x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x)));
  },
});

export const tanhshrink = simd64({
  name: "tanhshrink",
  cheap: false,
  simd: () => ["tanhshrink", 0, 0],
  simd2: () => ["tanh2", 2, 0], // f″ = 2·t·(1 - t²), tanh's with the sign turned
  summary: "x - tanh(x)",
  formula: "tanh²(x)",
  kinks: "none (smooth); 1 at ±inf",
  params: [],
  scalar() {
    return (x) => {
      const t = Math.tanh(x);
      return t * t;
    };
  },
  forward() {
    return (x) => x - Math.tanh(x);
  },
});

