import { describe, expect, it } from "vitest";
import { compareMatrices, formatComparison, DEFAULT_TOLERANCE } from "../src/compare.js";
import { markTableRows } from "../src/formats/array.js";
import { matrix } from "../src/index.js";

describe("compare: numpy.testing.assert_allclose's rule", () => {
  const cmp = (a: number[], e: number[], tol = DEFAULT_TOLERANCE) => compareMatrices(matrix(a, [a.length]), matrix(e, [e.length]), tol);
  it.each([
    [[1, 2, 3], [1, 2, 3], true],
    [[1 + 1e-8], [1], true],
    [[1 + 1e-6], [1], false],
    [[NaN], [NaN], true],
    [[NaN], [1], false],
    [[1], [NaN], false],
    [[Infinity], [Infinity], true],
    [[-Infinity], [Infinity], false],
    [[Infinity], [1e308], false],
    [[0], [1e-300], false],
    [[-0], [0], true],
  ] as [number[], number[], boolean][])("%j vs %j -> equal %s", (a, e, eq) => {
    expect(cmp(a, e).equal).toBe(eq);
  });

  it("uses atol + rtol·|expected|", () => {
    expect(cmp([1.05], [1], { rtol: 0.1, atol: 0 }).equal).toBe(true);
    expect(cmp([1.2], [1], { rtol: 0.1, atol: 0.05 }).equal).toBe(false);
    expect(cmp([1e-9], [0], { rtol: 1e-7, atol: 1e-8 }).equal).toBe(true);
  });

  it("reports counts, largest differences and the first mismatches with indices", () => {
    const a = matrix([[1, 2], [3, 4]]);
    const e = matrix([[1, 2.5], [3, 8]]);
    const c = compareMatrices(a, e);
    expect(c.mismatched).toBe(2);
    const r = formatComparison(c, DEFAULT_TOLERANCE);
    expect(r).toContain("Mismatched elements: 2 / 4 (50%)");
    // Numbers as numpy prints a float64 (Python's repr).
    expect(r).toContain("Max absolute difference among violations: 4.0");
    expect(r).toContain("Max relative difference among violations: 0.5");
    expect(r).toContain("[0, 1]: 2.0, 2.5");
    expect(r).toContain("[1, 1]: 4.0, 8.0");
  });

  it("differing shapes are a failed comparison (as in assert_allclose), naming both shapes", () => {
    const c = compareMatrices(matrix([1, 2, 3], [3]), matrix([1, 2], [2]), DEFAULT_TOLERANCE);
    expect(c.equal).toBe(false);
    expect(c.shapes).toEqual({ actual: [3], expected: [2] });
    expect(formatComparison(c, DEFAULT_TOLERANCE, { actual: "a.npy", expected: "b.csv" })).toBe("a.npy vs b.csv:\nNot equal to tolerance rtol=1e-07, atol=0.0\n\n(shapes (3,), (2,) mismatch)\n");
  });

  it("a one-column table read from text rows matches a vector; two arrays in memory, as numpy, do not", () => {
    const column = matrix([[1], [2]]);
    expect(compareMatrices(column, matrix([1, 2], [2])).equal).toBe(false);
    markTableRows(column);
    expect(compareMatrices(column, matrix([1, 2], [2])).equal).toBe(true);
    expect(compareMatrices(matrix([1, 2], [2]), column).equal).toBe(true);
  });
});

describe("the library's compare() takes the CLI's tolerance options (tolerance numpy|torch, rtol, atol, ulp)", () => {
  const one = (v: number, dtype: "f8" | "f4" = "f8") => ({ ...matrix([v], [1]), dtype });
  it("tolerance torch: torch.testing.assert_close's table by dtype; numpy stays the default", async () => {
    const { compare } = await import("../src/index.js");
    // f8: numpy's atol is 0, torch's 1e-7.
    expect((await compare(one(1e-8), one(0))).equal).toBe(false);
    expect((await compare(one(1e-8), one(0), { tolerance: "numpy" })).equal).toBe(false);
    const t = await compare(one(1e-8), one(0), { tolerance: "torch" });
    expect(t.equal).toBe(true);
    expect(t.tolerance).toMatchObject({ rtol: 1e-7, atol: 1e-7 });
    // f4: rtol 1.3e-6 (by the less precise dtype); rtol overrides the table's.
    expect((await compare(one(1 + 1e-6, "f4"), one(1, "f4"), { tolerance: "torch" })).equal).toBe(true);
    expect((await compare(one(1 + 1e-6, "f4"), one(1, "f4"), { tolerance: "torch", rtol: 1e-7, atol: 0 })).equal).toBe(false);
  });

  it("ulp alone is the only rule, in the expected side's dtype", async () => {
    const { compare } = await import("../src/index.js");
    const eps = 2 ** -52;
    expect((await compare(one(1 + eps), one(1), { ulp: 1 })).equal).toBe(true);
    expect((await compare(one(1 + 2 * eps), one(1), { ulp: 1 })).equal).toBe(false);
  });

  it("a tolerance it does not know is a usage error", async () => {
    const { compare } = await import("../src/index.js");
    for (const bad of [{ tolerance: "jax" }, { ulp: -1 }, { rtol: "1" }, { tol: 1 }]) {
      await expect(compare(one(1), one(1), bad as never)).rejects.toMatchObject({ code: "USAGE" });
    }
  });
});

describe("a NaN on one side only (numpy's nan location mismatch)", () => {
  it("is counted apart: no maximum difference of 0.0 is reported for it", () => {
    const c = compareMatrices(matrix([1, NaN, 3]), matrix([1, 2, 3]));
    expect(c.mismatched).toBe(1);
    expect(c.nanMismatched).toBe(1);
    const text = formatComparison(c);
    expect(text).toMatch(/^NaN location mismatch: every violation is a NaN on one side only$/m);
    expect(text).not.toMatch(/Max absolute difference/);
  });

  it("with other violations: the maxima are theirs, and the NaNs are counted", () => {
    const c = compareMatrices(matrix([NaN, 2, 3.5, 4]), matrix([1, 2, 3, NaN]));
    expect(c.mismatched).toBe(3);
    expect(c.nanMismatched).toBe(2);
    expect(c.maxAbs).toBe(0.5);
    const text = formatComparison(c);
    expect(text).toMatch(/^NaN location mismatch: 2 of them are a NaN on one side only$/m);
    expect(text).toMatch(/^Max absolute difference among violations: 0\.5$/m);
  });

  it("NaN against NaN is equal, and leaves no count", () => {
    const c = compareMatrices(matrix([NaN, 1]), matrix([NaN, 2]));
    expect(c.mismatched).toBe(1);
    expect(c.nanMismatched).toBeUndefined();
  });
});

describe("(n,) against (n, 1): the same only where a side was read from text rows", () => {
  it("two arrays in memory (as .npy gives them): a shape mismatch, as numpy's assert_allclose says", () => {
    const c = compareMatrices(matrix([1, 2, 3]), { ...matrix([[1], [2], [3]]) });
    expect(c.equal).toBe(false);
    expect(c.shapes).toEqual({ actual: [3], expected: [3, 1] });
  });
});
