/**
 * --ulp against numpy.testing.assert_array_max_ulp (fixtures/make_ulp.py):
 * the same distance as nulp_diff and the same verdict for maxulp 0 to 3, on
 * values near powers of two, subnormals, signed zeros, infinities and NaN.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { compareMatrices, formatComparison, toleranceFor } from "../src/compare.js";
import { float16 } from "../src/formats/float16.js";
import type { FloatDType, Matrix } from "../src/types.js";
import { ulpDistance } from "../src/ulp.js";
import { FIXTURES } from "./helpers.js";

interface Case {
  dtype: "f8" | "f4" | "f2";
  actual: string;
  expected: string;
  nulp: number;
  pass: Record<string, boolean>;
}
const { cases } = JSON.parse(readFileSync(path.join(FIXTURES, "ulp", "cases.json"), "utf8")) as { cases: Case[] };

function value(hex: string, dtype: FloatDType): number {
  const v = BigInt(`0x${hex}`);
  if (dtype === "f8") return new Float64Array(new BigUint64Array([v]).buffer)[0]!;
  if (dtype === "f4") return new Float32Array(new Uint32Array([Number(v)]).buffer)[0]!;
  const { Float16Array } = float16();
  return new Float16Array(new Uint16Array([Number(v)]).buffer)[0]!;
}

const one = (x: number, dtype: FloatDType): Matrix => ({ shape: [1], data: Float64Array.of(x), missing: null, dtype, header: null });

describe("--ulp as numpy.testing.assert_array_max_ulp", () => {
  it("has cases of every dtype", () => {
    expect(new Set(cases.map((c) => c.dtype))).toEqual(new Set(["f8", "f4", "f2"]));
    expect(cases.length).toBeGreaterThan(200);
  });

  it.each(cases.map((c) => [`${c.dtype} ${c.actual} vs ${c.expected}`, c] as const))("%s", (_name, c) => {
    const a = value(c.actual, c.dtype);
    const e = value(c.expected, c.dtype);
    expect(ulpDistance(a, e, c.dtype)).toBe(c.nulp);
    for (const [maxulp, pass] of Object.entries(c.pass)) {
      const r = compareMatrices(one(a, c.dtype), one(e, c.dtype), toleranceFor({ mode: "numpy", ulp: Number(maxulp) }, c.dtype, c.dtype));
      expect(r.equal, `maxulp ${maxulp}`).toBe(pass);
      if (!pass) expect(r.maxUlp).toBe(c.nulp);
    }
  });

  it("counts ulps of the golden's dtype: a float64 result is rounded to a float32 golden first", () => {
    const e = Math.fround(1.1);
    const next = new Float32Array(new Uint32Array([new Uint32Array(Float32Array.of(e).buffer)[0]! + 2]).buffer)[0]!;
    expect(ulpDistance(1.1, e, "f4")).toBe(0);
    expect(ulpDistance(next, e, "f4")).toBe(2);
    expect(ulpDistance(1.1, e, "f8")).toBeGreaterThan(1e6);
  });

  it("bfloat16: 1 and its neighbours", () => {
    expect(ulpDistance(1 + 2 ** -7, 1, "bf16")).toBe(1);
    expect(ulpDistance(1 - 2 ** -8, 1, "bf16")).toBe(1);
    expect(ulpDistance(-0, 0, "bf16")).toBe(0);
    expect(ulpDistance(NaN, NaN, "bf16")).toBe(0);
  });

  it("with --atol an element passes by either rule; the report names both and the largest ulp distance with its index", () => {
    const a: Matrix = { shape: [2, 2], data: Float64Array.of(1, 2, 1e-300, 4 + 8 * 2 ** -50), missing: null, dtype: "f8", header: null };
    const e: Matrix = { shape: [2, 2], data: Float64Array.of(1 + 2 ** -52, 2, 0, 4), missing: null, dtype: "f8", header: null };
    expect(compareMatrices(a, e, toleranceFor({ mode: "numpy", ulp: 2 }, "f8", "f8")).mismatched).toBe(2);
    const c = compareMatrices(a, e, toleranceFor({ mode: "numpy", ulp: 2, atol: 1e-200 }, "f8", "f8"));
    expect(c.mismatched).toBe(1);
    expect(c.maxUlp).toBe(8);
    expect(c.maxUlpAt).toEqual([1, 1]);
    const text = formatComparison(c);
    expect(text.split("\n")[0]).toBe("Not equal up to 2 ULP (float64) or tolerance rtol=0.0, atol=1e-200");
    expect(text).toContain("Max ULP difference among violations: 8 at [1, 1]\n");
  });
});

describe("dact compare --ulp, streamed", () => {
  it("counts float32 ulps of a float32 expected file; exit 0 within, 1 beyond, with the ulp line", async () => {
    const { writeFileSync } = await import("node:fs");
    const { npyBytes } = await import("./helpers.js");
    const { dact, workdir } = await import("./workdir.js");
    const d = workdir();
    const e = Float32Array.of(1, 2, -0, 1e-40);
    const bits = new Uint32Array(e.buffer.slice(0));
    const a = new Float32Array(new Uint32Array([bits[0]! + 1, bits[1]! + 3, 0, bits[3]! + 2]).buffer);
    writeFileSync(path.join(d, "a.npy"), npyBytes("<f4", "(4,)", a));
    writeFileSync(path.join(d, "e.npy"), npyBytes("<f4", "(4,)", e));
    expect(dact(["compare", "a.npy", "e.npy", "--ulp", "3"], { cwd: d }).status).toBe(0);
    const r = dact(["compare", "a.npy", "e.npy", "--ulp", "2"], { cwd: d });
    expect(r.status).toBe(1);
    expect(r.stdout.toString()).toContain("Not equal up to 2 ULP (float32)\n");
    expect(r.stdout.toString()).toContain("Mismatched elements: 1 / 4 (25%)");
    expect(r.stdout.toString()).toContain("Max ULP difference among violations: 3 at [1]\n");
  });
});
