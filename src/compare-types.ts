/**
 * What a comparison reports. Apart from compare.ts, so that the
 * accumulator that fills it in (compare-stats.ts) and compare.ts, which
 * runs the accumulator, do not import each other.
 */
import type { FloatDType, Tolerance } from "./types.js";

export interface Comparison {
  equal: boolean;
  /** Shapes that cannot be compared (then nothing else is filled in). */
  shapes: { actual: number[]; expected: number[] } | null;
  total: number;
  mismatched: number;
  maxAbs: number;
  maxRel: number;
  /** Violations with a NaN on one side only (numpy's "nan location mismatch"); maxAbs and maxRel are over the others. Absent when none. */
  nanMismatched?: number | undefined;
  /** The first few mismatches, by C-order flat index. */
  first: { index: number[]; actual: number; expected: number }[];
  /** For 2-D (or the last two axes): where mismatches are, binned (see mismatchMap). */
  map: string[] | null;
  tolerance: Tolerance;
  /** The shape the indices refer to (absent when the shapes differ). */
  shape?: number[] | undefined;
  /** Indices of the largest absolute and relative differences among violations (absent when none). */
  maxAbsAt?: number[] | undefined;
  maxRelAt?: number[] | undefined;
  /** --ulp: the largest distance among violations in ulps of `ulpDtype` (the golden's), and its index. */
  maxUlp?: number | undefined;
  maxUlpAt?: number[] | undefined;
  ulpDtype?: FloatDType | undefined;
  /** --report json: counts of |actual - expected| over every element by decade, and of ulp distances by power of two. */
  histogram?: Histograms | undefined;
}

export interface Histograms {
  /** Bins: "0", "<1e-16", "1e-16".."1e-1" (the decade [10^k, 10^(k+1))), ">=1", "nan" (a NaN on one side only, or differing infinities). */
  abs: Record<string, number>;
  /** --ulp: bins "0", "1", "2", "3-4", "5-8", ..., "NaN". */
  ulp?: Record<string, number> | undefined;
}
