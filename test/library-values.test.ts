/**
 * The library takes typed arrays where it takes nested arrays (a
 * Float64Array is a 1-D array, an array of them the rows of a 2-D one, as
 * numpy.asarray takes them), and refuses what it cannot read in one line
 * with a code: BigInt arrays, a null or doubled gradOutput (found by the
 * new-user and red-team passes: `element : found a typed array`, and
 * `{ gradOutput: null }` gave NaN everywhere).
 */
import { describe, expect, it } from "vitest";
import { compare, derivative, matrix } from "../src/index.js";
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
