/**
 * A 1-D array written as a table (CSV, Parquet, Arrow) reads back as one
 * column, (n, 1): compare and --check take it as (n,). Only there: two binary arrays of shapes (n,) and
 * (n, 1) differ, as numpy.testing.assert_allclose says (found by the
 * new-user pass: `dact relu x.npy --check col.npy` passed with a (3, 1) golden).
 */
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { compare, matrix, readMatrix, writeMatrix } from "../src/index.js";
import { dact, workdir } from "./workdir.js";

describe("(n,) and (n, 1)", () => {
  it("--check and compare: .npy against .npy differ; against a CSV column they agree", async () => {
    const d = workdir();
    await writeMatrix(path.join(d, "x.npy"), matrix([1, -2, 3]));
    await writeMatrix(path.join(d, "col.npy"), matrix([[1], [0], [1]]));
    await writeMatrix(path.join(d, "vec.npy"), matrix([1, 0, 1]));
    await writeMatrix(path.join(d, "col.csv"), matrix([1, 0, 1]));
    const strict = dact(["relu", "x.npy", "--check", "col.npy"], { cwd: d });
    expect(strict.status).toBe(1);
    expect(strict.stdout.toString()).toContain("(shapes (3,), (3, 1) mismatch)");
    expect(dact(["compare", "vec.npy", "col.npy"], { cwd: d }).status).toBe(1);
    expect(dact(["relu", "x.npy", "--check", "col.csv"], { cwd: d }).status).toBe(0);
    expect(dact(["compare", "col.csv", "vec.npy"], { cwd: d }).status).toBe(0);
    expect(dact(["compare", "vec.npy", "col.csv"], { cwd: d }).status).toBe(0);
  });

  it.each(["parquet", "arrow", "tsv"])("a 1-D result against a .%s golden written by -o: the same", async (ext) => {
    const d = workdir();
    await writeMatrix(path.join(d, "x.npy"), matrix([1, -2, 3]));
    expect(dact(["relu", "x.npy", "-o", `g.${ext}`], { cwd: d }).status).toBe(0);
    expect(dact(["relu", "x.npy", "--check", `g.${ext}`], { cwd: d }).status).toBe(0);
  });

  it("the library: compare() of paths and of matrices", async () => {
    const d = workdir();
    await writeMatrix(path.join(d, "col.npy"), matrix([[1], [0], [1]]));
    await writeMatrix(path.join(d, "col.csv"), matrix([1, 0, 1]));
    expect((await compare(matrix([1, 0, 1]), path.join(d, "col.npy"))).equal).toBe(false);
    expect((await compare(matrix([1, 0, 1]), path.join(d, "col.csv"))).equal).toBe(true);
    expect((await compare(path.join(d, "col.csv"), path.join(d, "col.npy"))).equal).toBe(true);
    // A Matrix read from a CSV column stays one when handed back to compare().
    expect((await compare(matrix([1, 0, 1]), await readMatrix(path.join(d, "col.csv")))).equal).toBe(true);
  });
});
