/**
 * Golden-file comparison with numpy.testing.assert_allclose's rule:
 * |actual - expected| <= atol + rtol·|expected| elementwise, NaN equal to
 * NaN, infinities equal only to the same infinity. Missing values (empty
 * CSV cells, JSON null) compare as NaN. Defaults are numpy's: rtol 1e-7,
 * atol 0; `--tolerance torch` takes torch.testing.assert_close's table by
 * dtype instead.
 *
 * Differing shapes, and for containers names on one side only, are
 * failures (as assert_allclose fails on shapes), not errors.
 */
import { DiffStats } from "./compare-stats.js";
import { fromTableRows } from "./formats/array.js";
import { DTYPE_NAMES } from "./ulp.js";
import type { FloatDType, Matrix, Tolerance } from "./types.js";
import type { Comparison } from "./compare-types.js";

export type { Tolerance };
export type { Comparison, Histograms } from "./compare-types.js";

export const DEFAULT_TOLERANCE: Tolerance = { rtol: 1e-7, atol: 0 };

/** torch.testing.assert_close's default tolerances by dtype (torch/testing/_comparison.py). */
export const TORCH_TOLERANCES: Record<FloatDType, Tolerance> = {
  f8: { rtol: 1e-7, atol: 1e-7 },
  f4: { rtol: 1.3e-6, atol: 1e-5 },
  f2: { rtol: 1e-3, atol: 1e-5 },
  bf16: { rtol: 1.6e-2, atol: 1e-5 },
};

/** How tolerances are chosen: numpy's fixed defaults, or torch's by the less precise dtype; --rtol/--atol override either. */
export interface TolerancePolicy {
  mode: "numpy" | "torch";
  rtol?: number | undefined;
  atol?: number | undefined;
  /** --ulp N: units in the last place of the golden's dtype. */
  ulp?: number | undefined;
  /** --report json: collect histograms of the differences. */
  histogram?: boolean | undefined;
}

const PRECISION: FloatDType[] = ["bf16", "f2", "f4", "f8"];

export function toleranceFor(policy: TolerancePolicy | Tolerance, a: FloatDType, b: FloatDType): Tolerance {
  if (!("mode" in policy)) return policy;
  // --ulp alone is the only rule; with --rtol/--atol an element passes by either (see docs/golden.md).
  const base = policy.ulp !== undefined ? { rtol: 0, atol: 0 } : policy.mode === "torch" ? TORCH_TOLERANCES[PRECISION.indexOf(a) <= PRECISION.indexOf(b) ? a : b] : DEFAULT_TOLERANCE;
  const t: Tolerance = { rtol: policy.rtol ?? base.rtol, atol: policy.atol ?? base.atol };
  if (policy.ulp !== undefined) t.ulp = policy.ulp;
  // Not a tolerance a report shows: kept out of JSON.
  if (policy.histogram) Object.defineProperty(t, "histogram", { value: true, enumerable: false });
  return t;
}

/**
 * A one-column table read from CSV/TSV has shape (n, 1); a 1-D array
 * written as CSV becomes exactly that. They compare as the same shape when
 * a side was read from text rows (`tableRows`); elsewhere, as numpy, (n,)
 * and (n, 1) differ.
 */
export function canonical(shape: readonly number[], tableRows: boolean): string {
  return (tableRows && shape.length === 2 && shape[1] === 1 ? [shape[0]!] : shape).join(",");
}

export function compareMatrices(actual: Matrix, expected: Matrix, tol: Tolerance = DEFAULT_TOLERANCE, maxListed = 10): Comparison {
  const text = fromTableRows(actual) || fromTableRows(expected);
  if (canonical(actual.shape, text) !== canonical(expected.shape, text)) {
    return { equal: false, shapes: { actual: actual.shape, expected: expected.shape }, total: 0, mismatched: 0, maxAbs: 0, maxRel: 0, first: [], map: null, tolerance: tol };
  }
  const shape = expected.shape.length >= actual.shape.length ? expected.shape : actual.shape;
  const stats = new DiffStats(tol, maxListed, expected.dtype);
  stats.setShape(shape, false);
  stats.add(actual.data, 0, expected.data, 0, actual.data.length);
  return stats.result(shape);
}

/**
 * A float64 as Python's repr (and so numpy's print of a float64 scalar)
 * writes it: the shortest round-trip digits, in fixed notation when the
 * exponent is from -4 to 15 (with ".0" for an integer), else d.ddde±XX.
 */
export function pyRepr(x: number): string {
  if (x !== x) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mant, expText] = x.toExponential().split("e") as [string, string];
  const exp = Number(expText);
  const neg = mant.startsWith("-");
  const digits = mant.replace("-", "").replace(".", "");
  let out: string;
  if (exp >= -4 && exp < 16) {
    if (exp < 0) out = `0.${"0".repeat(-exp - 1)}${digits}`;
    else if (digits.length <= exp + 1) out = `${digits}${"0".repeat(exp + 1 - digits.length)}.0`;
    else out = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  } else {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    out = `${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  return neg ? `-${out}` : out;
}

function shapeRepr(s: readonly number[]): string {
  return s.length === 1 ? `(${s[0]},)` : `(${s.join(", ")})`;
}

/** A report in numpy's layout, headed by what was compared. */
export function formatComparison(c: Comparison, tol: Tolerance = c.tolerance, names?: { actual: string; expected: string }): string {
  if (c.equal) return "";
  const lines: string[] = [];
  if (names) lines.push(`${names.actual} vs ${names.expected}:`);
  if (tol.ulp !== undefined) {
    const also = tol.rtol !== 0 || tol.atol !== 0 ? ` or tolerance rtol=${pyRepr(tol.rtol)}, atol=${pyRepr(tol.atol)}` : "";
    lines.push(`Not equal up to ${tol.ulp} ULP (${DTYPE_NAMES[c.ulpDtype ?? "f8"]})${also}`);
  } else lines.push(`Not equal to tolerance rtol=${pyRepr(tol.rtol)}, atol=${pyRepr(tol.atol)}`);
  lines.push("");
  if (c.shapes) {
    lines.push(`(shapes ${shapeRepr(c.shapes.actual)}, ${shapeRepr(c.shapes.expected)} mismatch)`);
    return lines.join("\n") + "\n";
  }
  const pct = (100 * c.mismatched) / c.total;
  lines.push(
    `Mismatched elements: ${c.mismatched} / ${c.total} (${Number(pct.toPrecision(3))}%)`,
  );
  // A NaN against a number has no difference to report (numpy says "nan
  // location mismatch"): the maxima are over the other violations.
  const nan = c.nanMismatched ?? 0;
  if (nan > 0) lines.push(`NaN location mismatch: ${nan === c.mismatched ? "every violation is" : `${nan} of them ${nan === 1 ? "is" : "are"}`} a NaN on one side only`);
  if (nan < c.mismatched) {
    lines.push(
      `Max absolute difference among violations: ${pyRepr(c.maxAbs)}`,
      `Max relative difference among violations: ${pyRepr(c.maxRel)}`,
      ...(c.maxUlp !== undefined ? [`Max ULP difference among violations: ${c.maxUlp < 2 ** 53 ? String(c.maxUlp) : pyRepr(c.maxUlp)}${c.maxUlpAt ? ` at [${c.maxUlpAt.join(", ")}]` : ""}`] : []),
    );
  }
  lines.push(
    `First mismatches (index: actual, expected):`,
    ...c.first.map((m) => `  [${m.index.join(", ")}]: ${pyRepr(m.actual)}, ${pyRepr(m.expected)}`),
  );
  if (c.mismatched > c.first.length) lines.push(`  ... and ${c.mismatched - c.first.length} more`);
  if (c.map) {
    lines.push(`Where (x: a mismatch in that cell; ${c.map.length} x ${c.map[0]!.length} cells over the last two axes):`);
    for (const row of c.map) lines.push(`  ${row}`);
  }
  return lines.join("\n") + "\n";
}

export interface Side {
  container: boolean;
  arrays: [string, Matrix][];
  name: string;
}

export interface NamedComparison {
  equal: boolean;
  text: string;
  /** Per key (a single array: one entry under its name). */
  keys: { key: string; status: "ok" | "differs" | "missing-actual" | "missing-expected"; comparison: Comparison | null }[];
}

/**
 * Array against array, or container against container key by key (a
 * container of one array also compares with a plain array). Names on one
 * side only are differences.
 */
export function compareNamed(actual: Side, expected: Side, policy: TolerancePolicy | Tolerance): NamedComparison {
  const keys: NamedComparison["keys"] = [];
  const parts: string[] = [];
  const one = (key: string, a: Matrix, e: Matrix, label: string) => {
    const c = compareMatrices(a, e, toleranceFor(policy, a.dtype, e.dtype));
    keys.push({ key, status: c.equal ? "ok" : "differs", comparison: c });
    if (!c.equal) parts.push(formatComparison(c, c.tolerance, { actual: label === "" ? actual.name : `${actual.name} [${label}]`, expected: label === "" ? expected.name : `${expected.name} [${label}]` }));
  };
  const single = (s: Side) => !s.container || s.arrays.length === 1;
  if (!(actual.container && expected.container) && single(actual) && single(expected) && actual.arrays.length === 1 && expected.arrays.length === 1) {
    one(expected.arrays[0]![0], actual.arrays[0]![1], expected.arrays[0]![1], "");
  } else {
    const ea = new Map(expected.arrays);
    const aa = new Map(actual.arrays);
    for (const [k, m] of actual.arrays) {
      const e = ea.get(k);
      if (e) one(k, m, e, k);
      else {
        keys.push({ key: k, status: "missing-expected", comparison: null });
        parts.push(`${actual.name} [${k}]: no array of that name in ${expected.name}\n`);
      }
    }
    for (const [k] of expected.arrays) {
      if (!aa.has(k)) {
        keys.push({ key: k, status: "missing-actual", comparison: null });
        parts.push(`${expected.name} [${k}]: no array of that name in ${actual.name}\n`);
      }
    }
  }
  const equal = keys.every((k) => k.status === "ok");
  return { equal, text: parts.join("\n"), keys };
}
