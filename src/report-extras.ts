/**
 * What a JSON report adds per key beyond the text report's facts: where
 * the largest differences are, the largest ulp distance (--ulp), and
 * histograms of the differences (collected when a JSON report is asked
 * for). Absent fields are left out, so reports without them keep their shape.
 */
import type { Comparison } from "./compare.js";

export function jsonExtras(c: Comparison | null | undefined): Record<string, unknown> {
  if (!c) return {};
  const out: Record<string, unknown> = {};
  if (c.maxAbsAt) out["max_abs_index"] = c.maxAbsAt;
  if (c.maxRelAt) out["max_rel_index"] = c.maxRelAt;
  if (c.nanMismatched) out["nan_mismatched"] = c.nanMismatched;
  if (c.maxUlp !== undefined) {
    out["max_ulp"] = c.maxUlp;
    out["max_ulp_index"] = c.maxUlpAt ?? null;
    out["ulp_dtype"] = c.ulpDtype ?? null;
  }
  if (c.histogram) out["histogram"] = c.histogram;
  return out;
}
