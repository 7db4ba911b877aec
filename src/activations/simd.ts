import { float64Kernel } from "../wasm/index.js";
import { loop } from "./numerics.js";
import type { Activation, Kernel, Params } from "./types.js";

/**
 * An activation whose float64 kernel is WebAssembly SIMD
 * (src/wasm/kernels.wat; 3-4x faster than a loop of its JavaScript
 * derivative; the JavaScript loop where the kernel takes no such
 * parameters, as celu with α < 0): `reference`, that JavaScript derivative, is what the kernel
 * computes step for step but for the exp, and what test/wasm.test.ts
 * holds it to. `scalar` runs one element through the kernel, so a value's
 * derivative is the same in every format and on every thread.
 */
export function simd64(a: Omit<Activation, "kernel" | "reference">): Activation {
  const kernel = (p: Params): Kernel => float64Kernel(a, p) ?? loop(a.scalar(p));
  return {
    ...a,
    reference: a.scalar,
    scalar(p) {
      const k = kernel(p);
      const one = new Float64Array(1);
      return (x) => {
        one[0] = x;
        k(one, one, 1);
        return one[0]!;
      };
    },
    kernel,
  };
}
