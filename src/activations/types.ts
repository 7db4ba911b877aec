/** A readable array of numbers: any typed array but the BigInt ones. */
export type NumSrc = ArrayLike<number>;
/** A writable array of numbers; writing into a Float32Array rounds once, to float32. */
export interface NumDst {
  [i: number]: number;
}

/**
 * Applies a derivative elementwise: dst[i] = f'(src[i]) for i < n.
 * Kernels allocate nothing per element and compute in float64.
 */
export type Kernel = (src: NumSrc, dst: NumDst, n: number) => void;

export interface ParamSpec {
  /** Long option name, kebab-case, as in PyTorch's argument name: `at-zero`. */
  readonly flag: string;
  readonly description: string;
  /** A number, or for a choice one of `choices`. */
  readonly default: number | string;
  /** For a string option: the accepted values. */
  readonly choices?: readonly string[];
  /** A message saying what was expected when the value is out of range, else null. */
  readonly check?: (v: number) => string | null;
}

export type Params = Readonly<Record<string, number | string>>;

/**
 * A call of a src/wasm/kernels.wat loop: its export name (the float32 one;
 * the float64 one adds "64") and its two number arguments.
 */
export type SimdCall = readonly [fn: string, a: number, b: number];

export interface Activation {
  readonly name: string;
  readonly summary: string;
  /** The derivative, as a short formula. */
  readonly formula: string;
  /** The value at kinks and boundaries, following PyTorch's autograd. */
  readonly kinks: string;
  readonly params: readonly ParamSpec[];
  /**
   * Other names PyTorch or the literature give it, lower case without
   * punctuation (swish for silu): "did you mean" (src/suggest.ts) offers it for them.
   */
  readonly aliases?: readonly string[];
  /**
   * True when f'(x) depends only on whether x is negative, zero, positive or
   * NaN. Text readers may then skip the exact decimal-to-double conversion
   * for numbers that are certainly nonzero.
   */
  readonly signOnly?: boolean;
  /**
   * True when f′ (and f″) is a few comparisons per element: splitting it
   * over threads costs more in copies than it saves (src/parallel.ts).
   */
  readonly cheap: boolean;
  /**
   * The WebAssembly SIMD loop that computes f′ with these parameters
   * (src/wasm), or null when it takes no such parameters (celu with α < 0).
   * Absent: f′ runs in JavaScript only.
   */
  readonly simd?: (p: Params) => SimdCall | null;
  /** The same for f″ (`--order 2`). */
  readonly simd2?: (p: Params) => SimdCall | null;
  /** Cross-parameter checks, after each parameter's own. */
  readonly checkAll?: (p: Params) => string | null;
  /** The scalar derivative, for tests and one-off values. */
  scalar(p: Params): (x: number) => number;
  /**
   * For an activation whose float64 kernel is WebAssembly SIMD: the
   * JavaScript derivative it stands in for, the reference it is tested
   * against (src/activations/smooth.ts, simd64).
   */
  readonly reference?: (p: Params) => (x: number) => number;
  /** The activation itself, for tests (central differences). */
  forward(p: Params): (x: number) => number;
  kernel(p: Params): Kernel;
  /**
   * The second derivative f″ (`--order 2`), with PyTorch's double-backward
   * conventions at kinks (src/activations/second.ts). `scalar` and `kernel`
   * give it when the parameters hold `order: 2` (resolveParams).
   */
  readonly second?: (p: Params) => (x: number) => number;
}
