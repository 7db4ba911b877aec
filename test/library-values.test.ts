/**
 * The library takes typed arrays where it takes nested arrays (a
 * Float64Array is a 1-D array, an array of them the rows of a 2-D one, as
 * numpy.asarray takes them), and refuses what it cannot read in one line
 * with a code: BigInt arrays, a null or doubled gradOutput (found by the
 * new-user and red-team passes: `element : found a typed array`, and
 * `{ gradOutput: null }` gave NaN everywhere).
 */
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { compare, derivative, matrix, readMatrix as readMatrixOf } from "../src/index.js";
import { toMatchGolden } from "../src/vitest.js";
import { DactError } from "../src/errors.js";
import * as path from "node:path";
import { writeMatrix } from "../src/index.js";
import { workdir } from "./workdir.js";

const codeOf = (f: () => unknown): string | null => {
  try {
    f();
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(DactError);
    return (e as DactError).code;
  }
};

describe("typed arrays as values", () => {
  it("matrix(): a typed array is 1-D, an array of them 2-D; the values as float64", () => {
    const m = matrix(new Float32Array([1, -2.5]));
    expect(m.shape).toEqual([2]);
    expect(Array.from(m.data)).toEqual([1, -2.5]);
    const r = matrix([new Int16Array([1, 2]), new Float64Array([3, -4])]);
    expect(r.shape).toEqual([2, 2]);
    expect(Array.from(r.data)).toEqual([1, 2, 3, -4]);
    expect(codeOf(() => matrix([new Float64Array([1, 2]), new Float64Array([1])]))).toBe("SHAPE");
    expect(codeOf(() => matrix(new BigInt64Array(2) as unknown as number[]))).toBe("USAGE");
  });

  it("derivative(): x and gradOutput as typed arrays, as the same values in arrays", () => {
    const x = new Float64Array([-1, 0, 2]);
    expect(Array.from(derivative("relu", x).data)).toEqual([0, 0, 1]);
    const g = derivative("relu", x, { gradOutput: new Float32Array([3, 3, 3]) });
    expect(Array.from(g.data)).toEqual(Array.from(derivative("relu", [-1, 0, 2], { gradOutput: [3, 3, 3] }).data));
  });

  it("gradOutput null, or given under both spellings: a usage error, not NaN or a silent pick", () => {
    expect(codeOf(() => derivative("relu", [1, -1], { gradOutput: null }))).toBe("USAGE");
    expect(codeOf(() => derivative("relu", [1, -1], { gradOutput: 2, "grad-output": 3 }))).toBe("USAGE");
  });

  it("toMatchGolden() and compare() take a typed array as the 1-D array it holds", async () => {
    const d = workdir();
    const golden = path.join(d, "g.npy");
    await writeMatrix(golden, matrix([0, 1, 1]));
    const r = await toMatchGolden.call({}, new Float64Array([0, 1, 1]), golden);
    expect(r.pass).toBe(true);
    expect((await compare(matrix(new Float64Array([0, 1, 1])), golden)).equal).toBe(true);
  });
});

describe("options a format has no use for, and values not of the matrix's dtype: errors with a code", () => {
  it("readMatrix: key on a single array, delimiter or header on a binary file", async () => {
    const d = workdir();
    const p = path.join(d, "x.npy");
    await writeMatrix(p, matrix([1, 2]));
    for (const o of [{ key: "b" }, { delimiter: ";" }, { header: "yes" as const }]) {
      await expect(readMatrixOf(p, o)).rejects.toMatchObject({ code: "USAGE" });
    }
  });

  it("writeMatrix: dtype on CSV or JSON, delimiter on .npy, key on a single array; nothing written", async () => {
    const d = workdir();
    const m = matrix([0.5, 1]);
    for (const [name, o] of [["o.csv", { dtype: "f4" }], ["o.json", { dtype: "f2" }], ["o.npy", { delimiter: ";" }], ["o.npy", { key: "k" }], ["o.parquet", { dtype: "bf16" }]] as const) {
      await expect(writeMatrix(path.join(d, name), m, o as Record<string, string>)).rejects.toMatchObject({ code: "USAGE" });
    }
    expect(readdirSync(d)).toEqual([]);
  });

  it("a matrix whose values are not of its dtype (0.1 as f2) is stored rounded once to it, in every format, without an internal error", async () => {
    const d = workdir();
    const bad = { shape: [1], data: new Float64Array([0.1]), missing: null, dtype: "f2" as const, header: null };
    const f2 = 0.0999755859375; // float16(0.1)
    for (const name of ["a.json", "a.npy", "a.csv"]) await writeMatrix(path.join(d, name), bad);
    const npy = await readMatrixOf(path.join(d, "a.npy"));
    expect([npy.dtype, Array.from(npy.data)]).toEqual(["f2", [f2]]);
    // Text holds the float16's shortest digits, as numpy prints np.float16(0.1): 0.1.
    expect(readFileSync(path.join(d, "a.json"), "utf8")).toBe("[0.1]\n");
    expect(Array.from(bad.data)).toEqual([0.1]);
  });
});
