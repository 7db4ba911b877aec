/**
 * Golden-file comparison with numpy.testing.assert_allclose's rule:
 * |actual - expected| <= atol + rtol·|expected| elementwise, NaN equal to
 * NaN, infinities equal only to the same infinity. Missing values (empty
 * CSV cells, JSON null) compare as NaN. Defaults are numpy's: rtol 1e-7,
 * atol 0.
 */
import { DactError } from "./errors.js";
import { formatNumber } from "./formats/text/number.js";
import type { Matrix } from "./matrix.js";

export interface Tolerance {
  rtol: number;
  atol: number;
}

export const DEFAULT_TOLERANCE: Tolerance = { rtol: 1e-7, atol: 0 };

export interface Comparison {
  equal: boolean;
  total: number;
  mismatched: number;
  maxAbs: number;
  maxRel: number;
  /** The first few mismatches, by C-order flat index. */
  first: { index: number[]; actual: number; expected: number }[];
}

/**
 * A one-column table read from CSV/TSV has shape (n, 1); a 1-D array
 * written as CSV becomes exactly that. They compare as the same shape.
 */
function canonical(shape: readonly number[]): string {
  return (shape.length === 2 && shape[1] === 1 ? [shape[0]!] : shape).join(",");
}

function unravel(k: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = k % shape[d]!;
    k = Math.floor(k / shape[d]!);
  }
  return idx;
}

export function compareMatrices(actual: Matrix, expected: Matrix, tol: Tolerance = DEFAULT_TOLERANCE, names = { actual: "actual", expected: "expected" }, maxListed = 10): Comparison {
  if (canonical(actual.shape) !== canonical(expected.shape)) {
    throw new DactError("SHAPE", `shapes differ: ${names.actual} has (${actual.shape.join(", ")}), ${names.expected} has (${expected.shape.join(", ")}); expected equal shapes`);
  }
  const a = actual.data;
  const e = expected.data;
  let mismatched = 0;
  let maxAbs = 0;
  let maxRel = 0;
  const first: Comparison["first"] = [];
  for (let k = 0; k < a.length; k++) {
    const x = a[k]!;
    const y = e[k]!;
    let bad: boolean;
    if (x !== x || y !== y) bad = !(x !== x && y !== y);
    else if (!Number.isFinite(x) || !Number.isFinite(y)) bad = x !== y;
    else bad = !(Math.abs(x - y) <= tol.atol + tol.rtol * Math.abs(y));
    if (!bad) continue;
    mismatched++;
    const abs = Math.abs(x - y);
    if (abs === abs && abs > maxAbs) maxAbs = abs;
    const rel = abs / Math.abs(y);
    if (rel === rel && rel > maxRel) maxRel = rel;
    if (first.length < maxListed) first.push({ index: unravel(k, expected.shape), actual: x, expected: y });
  }
  return { equal: mismatched === 0, total: a.length, mismatched, maxAbs, maxRel, first };
}

/** A report in the spirit of numpy's assert_allclose message. */
export function formatComparison(c: Comparison, tol: Tolerance): string {
  if (c.equal) return "";
  const pct = (100 * c.mismatched) / c.total;
  const lines = [
    `Not equal to tolerance rtol=${formatNumber(tol.rtol)}, atol=${formatNumber(tol.atol)}`,
    "",
    `Mismatched elements: ${c.mismatched} / ${c.total} (${Number(pct.toPrecision(3))}%)`,
    `Max absolute difference among violations: ${formatNumber(c.maxAbs)}`,
    `Max relative difference among violations: ${formatNumber(c.maxRel)}`,
    `First mismatches (index: actual, expected):`,
    ...c.first.map((m) => `  [${m.index.join(", ")}]: ${formatNumber(m.actual)}, ${formatNumber(m.expected)}`),
  ];
  if (c.mismatched > c.first.length) lines.push(`  ... and ${c.mismatched - c.first.length} more`);
  return lines.join("\n") + "\n";
}
