/**
 * The ELU family: 1 for x > 0, an exponential below, with PyTorch's value
 * at 0 (the exponential branch: α, scale·α, 1).
 */
import { SELU_ALPHA, SELU_SCALE, SELU_SCALE_ALPHA } from "./constants.js";
import { expDD, num, productError } from "./numerics.js";
import { simd64 } from "./simd.js";


export const elu = simd64({
  name: "elu",
  cheap: false,
  simd: (p) => ["elu", num(p, "alpha"), 1],
  simd2: (p) => ["elu", num(p, "alpha"), 0], // b = 0: f″ is 0 for x > 0
  summary: "exponential linear unit: x for x > 0, α(eˣ - 1) otherwise",
  formula: "x>0 -> 1, else alpha·exp(x)",
  kinks: "alpha at 0",
  params: [{ flag: "alpha", description: "α, the scale of the negative part", default: 1 }],
  scalar(p) {
    const alpha = num(p, "alpha");
    return (x) => (x > 0 ? 1 : x <= 0 ? alpha * Math.exp(x) : NaN);
  },
  forward(p) {
    const alpha = num(p, "alpha");
    return (x) => (x > 0 ? x : alpha * Math.expm1(x));
  },
});

export const selu = simd64({
  name: "selu",
  cheap: false,
  simd: () => ["elu", SELU_SCALE_ALPHA, SELU_SCALE],
  simd2: () => ["elu", SELU_SCALE_ALPHA, 0],
  summary: "scaled ELU with PyTorch's fixed α and scale",
  formula: "scale·(x>0 -> 1, else alpha·exp(x)), alpha=1.6732632423543772, scale=1.0507009873554805",
  kinks: "scale·alpha at 0",
  params: [],
  scalar() {
    return (x) => (x > 0 ? SELU_SCALE : x <= 0 ? SELU_SCALE_ALPHA * Math.exp(x) : NaN);
  },
  forward() {
    return (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x));
  },
});

export const celu = simd64({
  name: "celu",
  cheap: false,
  // e^(x/α) for x <= 0 needs α > 0 (the kernel's exp takes arguments <= 0).
  // With α = 1 (the default) x/α is x and its rounding error 0, so celu is
  // elu with α = 1, double for double (test/wasm.test.ts), and elu's kernel
  // skips the division and the error term: 10 → 7 ns an element.
  simd: (p) => (num(p, "alpha") === 1 ? ["elu", 1, 1] : num(p, "alpha") > 0 ? ["celu", num(p, "alpha"), 0] : null),
  simd2: (p) => (num(p, "alpha") === 1 ? ["elu", 1, 0] : num(p, "alpha") > 0 ? ["celu2", num(p, "alpha"), 0] : null),
  summary: "continuously differentiable ELU: x for x > 0, α(e^(x/α) - 1) otherwise",
  formula: "x>0 -> 1, else exp(x/alpha)",
  kinks: "1 at 0",
  params: [{ flag: "alpha", description: "α (nonzero)", default: 1, check: (v) => (v !== 0 ? null : "a nonzero number") }],
  scalar(p) {
    const alpha = num(p, "alpha");
    return (x) => {
      if (x > 0) return 1;
      if (!(x <= 0)) return NaN;
      // e^(x/α) with the quotient's rounding error carried: |x/α| reaches
      // hundreds, where one rounding would cost ~1e-13 relative.
      const q = x / alpha;
      if (!(Math.abs(q) < 800)) return Math.exp(q); // e^q is 0 or inf anyway; no splitting of huge q
      const qa = q * alpha;
      const lo = (x - qa - productError(q, alpha, qa)) / alpha;
      return expDD(q, lo);
    };
  },
  forward(p) {
    const alpha = num(p, "alpha");
    return (x) => (x > 0 ? x : alpha * Math.expm1(x / alpha));
  },
});
