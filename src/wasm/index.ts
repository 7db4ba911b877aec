/**
 * The float32 kernels of kernels.wat (WebAssembly SIMD), as Kernels over
 * Float32Arrays: for float32 in, float32 out (.npy, .npz members,
 * .safetensors F32), where NumPy and XLA compute with SIMD and a JavaScript
 * loop of Math.exp does not keep up. Each computes in float64 and rounds
 * once to float32, like the JavaScript kernels, with a polynomial exp
 * instead of Math.exp (and Mills' ratio for gelu): within 1 ulp of the
 * exact value, and the same float32 as the float64 kernel but at ties
 * (test/wasm.test.ts).
 */
import type { Activation, Kernel, NumDst, NumSrc, Params, SimdCall } from "../activations/types.js";
import { KERNEL_NAMES_64, KERNELS_WASM } from "./kernels.generated.js";

type Exported = (n: number, a: number, b: number) => void;

/** Elements a call takes: 256 KiB of memory (512 KiB as float64), small enough to stay in cache. */
const SLICE = 1 << 16;

let exports: { memory: WebAssembly.Memory } & Record<string, Exported> | null = null;

function module(): { memory: WebAssembly.Memory } & Record<string, Exported> {
  if (!exports) {
    // Buffer decodes base64 natively (0.15 ms; atob and a charCodeAt loop took ~2 ms of start-up).
    const bytes = Buffer.from(KERNELS_WASM, "base64");
    exports = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as typeof exports;
  }
  return exports!;
}

/** What an activation's registry entry says about its SIMD loops (src/activations/types.ts). */
export type SimdSource = Pick<Activation, "simd" | "simd2">;

/** The export and its two parameters for an activation with these parameters, or null (no float32 kernel). */
function plan(act: SimdSource, p: Params): SimdCall | null {
  // f″ (--order 2): the "<name>2" functions, where the entry names one; the rest run in JavaScript.
  const call = p["order"] === 2 ? act.simd2 : act.simd;
  return call?.(p) ?? null;
}

/**
 * A kernel for Float32Array in and out, or null when the activation has
 * none here. Any other array types go to `fallback`.
 */
export function float32Kernel(act: SimdSource, params: Params, fallback: Kernel): Kernel | null {
  const spec = plan(act, params);
  if (!spec) return null;
  const [fn, a, b] = spec;
  return (src, dst, n) => {
    if (!(src instanceof Float32Array) || !(dst instanceof Float32Array)) return fallback(src, dst, n);
    const m = module();
    sliced(new Float32Array(m.memory.buffer, 0, SLICE), 4, m[fn]!, a, b, src, dst, n);
  };
}

/**
 * Runs an exported loop over n elements in slices through `mem` (the
 * module's memory as the loop's element type), each rounded up to a
 * multiple of `lanes`: copies in, runs in place, copies out. Typed arrays
 * copy with set (a memcpy, or one conversion); others element by element.
 */
function sliced(mem: Float32Array | Float64Array, lanes: number, run: Exported, a: number, b: number, src: NumSrc, dst: NumDst, n: number): void {
  const typedSrc = ArrayBuffer.isView(src);
  const typedDst = ArrayBuffer.isView(dst);
  for (let at = 0; at < n; at += SLICE) {
    const k = Math.min(SLICE, n - at);
    if (typedSrc) mem.set((src as Float64Array).subarray(at, at + k));
    else for (let i = 0; i < k; i++) mem[i] = src[at + i]!;
    run((k + lanes - 1) & -lanes, a, b);
    if (typedDst) (dst as Float64Array).set(mem.subarray(0, k), at);
    else for (let i = 0; i < k; i++) dst[at + i] = mem[i]!;
  }
}

/** The activations (by export name) with a float64 kernel here. */
const FLOAT64: ReadonlySet<string> = new Set(KERNEL_NAMES_64);

/**
 * The float64 SIMD kernel of an activation, or null when it has none: any
 * number arrays in and out, through float64 memory (a typed array's copy
 * is a memcpy). The activation's kernel for every array type, so that a
 * value's derivative does not depend on the file format it came in.
 */
export function float64Kernel(act: SimdSource, params: Params): Kernel | null {
  const spec = plan(act, params);
  if (!spec || !FLOAT64.has(spec[0])) return null;
  const [fn, a, b] = spec;
  return (src, dst, n) => {
    const m = module();
    sliced(new Float64Array(m.memory.buffer, 0, SLICE), 2, m[`${fn}64`]!, a, b, src, dst, n);
  };
}

const float32Variants = new WeakMap<Kernel, Kernel>();

/** Records `k32` as the float32 form of `kernel` (for float32 in and out), for float32Of. */
export function withFloat32(kernel: Kernel, k32: Kernel | null): Kernel {
  if (k32) float32Variants.set(kernel, k32);
  return kernel;
}

/**
 * The float32 form of a kernel, or null: to be used only when both arrays
 * are Float32Arrays (its parallel form copies through float32 memory).
 */
export function float32Of(kernel: Kernel): Kernel | null {
  return float32Variants.get(kernel) ?? null;
}
