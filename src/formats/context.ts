import type { Kernel } from "../activations/types.js";
import type { Printf } from "./text/printf.js";
import type { FloatDType } from "../types.js";

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
  /** Parquet output: --compression, the page codec (default snappy). */
  compression?: "snappy" | "gzip" | "none" | undefined;
}
