import { float64Kernel } from "../wasm/index.js";
import type { Activation, Kernel, Params } from "./types.js";

/**
 * ReLU's derivative is np.heaviside(x, h0): 1 for x > 0 (and +inf), 0 for
 * x < 0 (and -inf), h0 at +0 and -0, NaN for NaN. NaN comes out as the
 * canonical quiet NaN, as numpy's npy_heaviside returns NPY_NAN rather than
 * the input's payload.
 */
export const relu: Activation = {
  name: "relu",
  aliases: ["heaviside", "step"],
  cheap: true,
  summary: "rectified linear unit, max(0, x)",
  formula: "x>0 -> 1, x<0 -> 0",
  kinks: "the --at-zero value at 0 and -0",
  signOnly: true,
  params: [
    {
      flag: "at-zero",
      description: "the derivative's value at x == 0: 0 (PyTorch, TensorFlow, JAX), 1, or 0.5 (np.heaviside's half step)",
      default: 0,
    },
  ],
  scalar(p) {
    const h0 = p["at-zero"] as number;
    return (x) => (x > 0 ? 1 : x < 0 ? 0 : x === 0 ? h0 : NaN);
  },
  forward() {
    return (x) => (x > 0 ? x : 0);
  },
  // WebAssembly SIMD (kernels.wat's $f64x2d_relu) for every array type:
  // two compare-and-selects a pair of doubles, where this loop spends
  // 3-5 ns an element materialising the comparison's boolean.
  simd: (p) => ["relu", p["at-zero"] as number, 0],
  kernel(p) {
    return float64Kernel(relu, p) ?? reluLoop(p);
  },
  reference: (p) => relu.scalar(p),
};

/** The JavaScript loop: the SIMD kernel's reference. */
function reluLoop(p: Params): Kernel {
  const h0 = p["at-zero"] as number;
  // Branch-free on the sign: on random signs, a `x > 0 ? 1 : 0` branch
  // mispredicts half the time and costs 2.4x (measured: 262 vs 107 ms per
  // 256 MB). Zeros and NaNs are rare, so their branches predict well.
  return (src, dst, n) => {
    for (let i = 0; i < n; i++) {
      const x = src[i]!;
      const positive = +(x > 0);
      dst[i] = x === 0 ? h0 : x !== x ? NaN : positive;
    }
  };
}
