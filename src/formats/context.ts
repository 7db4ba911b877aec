import type { Kernel } from "../activations/types.js";
import type { Printf } from "./text/printf.js";
import type { FloatDType } from "../types.js";
import type { ArrayHead, Values } from "./array.js";

/**
 * --grad-output inside a same-format transform (grad.ts gradStage): the
 * transform keeps its layout and hands the numbers over in C order, as its
 * array reader would.
 */
export interface GradStage {
  /** X's head, as the format's array reader gives it; the result dtype of each column along the last axis (the one rule, grad.ts gradResultDtype). */
  begin(head: ArrayHead): Promise<{ dtype: FloatDType; columnDtypes: readonly FloatDType[] | null }>;
  /** G ⊙ f'(x) for X's next n values (f'(x) computed here, by the run's kernel), each rounded once to its column's result dtype. */
  apply(values: Values, n: number): Promise<Float64Array>;
  /** X has ended with this shape: G must end too. */
  finish(shape: number[]): Promise<void>;
}

/** What every format's streaming transform gets besides its input and output. */
export interface TransformContext {
  kernel: Kernel;
  /** The kernel looks only at sign, zero and NaN (Activation.signOnly): text readers may skip exact parsing of long numbers. */
  signOnly?: boolean;
  /** Text output: --float-format (null or absent: the default layout). */
  floatFormat?: Printf | null | undefined;
  /** A one-line notice for stderr (not an error). */
  notice(message: string): void;
  /** --dtype: the stored dtype of computed columns (Parquet, Arrow); default: each column's result dtype. */
  dtype?: FloatDType | undefined;
  /** --grad-output: G ⊙ f'(x) instead of the kernel alone (only the transforms whose format says keepsWithGrad get one). */
  grad?: GradStage | undefined;
  /** Parquet output: --compression, the page codec (default snappy). */
  compression?: "snappy" | "gzip" | "none" | undefined;
}
