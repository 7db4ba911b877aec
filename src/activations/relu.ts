import type { Activation } from "./types.js";

/**
 * ReLU's derivative is np.heaviside(x, h0): 1 for x > 0 (and +inf), 0 for
 * x < 0 (and -inf), h0 at +0 and -0, NaN for NaN. NaN comes out as the
 * canonical quiet NaN, as numpy's npy_heaviside returns NPY_NAN rather than
 * the input's payload.
 */
export const relu: Activation = {
  name: "relu",
  summary: "rectified linear unit, max(0, x)",
  formula: "x>0 -> 1, x<0 -> 0",
  kinks: "the --at-zero value at 0 and -0",
  params: [
    {
      flag: "at-zero",
      description: "the derivative's value at x == 0: 0 (PyTorch, TensorFlow, JAX), 1, or 0.5 (np.heaviside's half step)",
      default: 0,
    },
  ],
  scalar(p) {
    const h0 = p["at-zero"]!;
    return (x) => (x > 0 ? 1 : x < 0 ? 0 : x === 0 ? h0 : NaN);
  },
  kernel(p) {
    const h0 = p["at-zero"]!;
    return (src, dst, n) => {
      for (let i = 0; i < n; i++) {
        const x = src[i]!;
        dst[i] = x > 0 ? 1 : x < 0 ? 0 : x === 0 ? h0 : NaN;
      }
    };
  },
};
