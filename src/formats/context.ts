import type { Kernel } from "../activations/types.js";

/** What every format's streaming transform gets besides its input and output. */
export interface TransformContext {
  kernel: Kernel;
  /**
   * The same derivative for float32 in and float32 out, in WebAssembly SIMD
   * (src/wasm), when the activation has one: results within 1 ulp, the
   * same on any number of threads.
   */
  kernel32?: Kernel | null;
  /** The kernel looks only at sign, zero and NaN (Activation.signOnly): text readers may skip exact parsing of long numbers. */
  signOnly?: boolean;
  /** A one-line notice for stderr (not an error). */
  notice(message: string): void;
}
