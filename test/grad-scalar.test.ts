/**
 * --grad-output NUMBER takes every spelling dact reads as a number
 * (Python's float(): inf, -inf, nan, Infinity, 1_000.5, 1e400...), as
 * NumPy computes G * f'(x) with it (fixtures/make_grad_scalar.py, IEEE:
 * inf * 0 is nan); an explicit path (./inf) is a file; a number spelling
 * that is also a file's name is the number, with a notice.
 */
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { optionsKey } from "../src/batch/ledger.js";
import { gradOption } from "../src/grad-scalar.js";
import { FIXTURES } from "./helpers.js";
import { dact, workdir } from "./workdir.js";

const D = path.join(FIXTURES, "grad-scalar");
const CASES = Object.entries(JSON.parse(readFileSync(path.join(D, "cases.json"), "utf8")) as Record<string, string>);

describe("--grad-output: a number in any spelling dact reads, as NumPy multiplies by it", () => {
  it.each(CASES.flatMap(([name, text]) => [[name, text, ""] as const, [name, text, "32"] as const]))("%s (%j), x%s.npy: G * relu'(x) byte for byte", (name, text, bits) => {
    const d = workdir();
    const r = dact(["relu", "--at-zero", "0.5", path.join(D, `x${bits}.npy`), "--grad-output", text, "-o", path.join(d, "out.npy")]);
    expect(r.status).toBe(0);
    expect(readFileSync(path.join(d, "out.npy"))).toEqual(readFileSync(path.join(D, `${name}${bits}.npy`)));
  });

  it.each([
    ["inf", Infinity],
    ["-inf", -Infinity],
    ["+Infinity", Infinity],
    ["NaN", NaN],
    ["-nan", NaN],
    [" 2.5 ", 2.5],
    ["-0", -0],
    ["1_0", 10],
    ["1e400", Infinity],
    ["٣", 3],
  ])("%j is the number %d", (text, value) => expect(gradOption(text)).toBe(value));

  it.each([["./inf"], ["inf.csv"], ["-"], ["1e"], ["0x10"], ["nan2"], [""], ["i nf"]])("%j is a file name", (text) => expect(gradOption(text)).toBe(text));

  it("CSV: inf * 0 is nan, inf * 1 is inf, an NA cell stays as written", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "0.5,-1,0\n2,nan,-0.0\n");
    const r = dact(["relu", "x.csv", "--grad-output", "-inf"], { cwd: d });
    expect([r.status, r.stdout.toString()]).toEqual([0, "-inf,NaN,NaN\n-inf,nan,NaN\n"]);
  });

  it("./inf is the file; a file named inf beside --grad-output inf: the number, with a notice naming ./inf", () => {
    const d = workdir();
    copyFileSync(path.join(D, "x.npy"), path.join(d, "x.npy"));
    writeFileSync(path.join(d, "inf"), "1,2,3\n4,5,6\n7,8,9\n");
    const f = dact(["relu", "--at-zero", "0.5", "x.npy", "--grad-output", "./inf", "--to", "csv"], { cwd: d });
    expect([f.status, f.stdout.toString()]).toEqual([0, "1.0,0.0,1.5\n2.0,NaN,6.0\n7.0,0.0,0.0\n"]);
    const n = dact(["relu", "--at-zero", "0.5", "x.npy", "--grad-output", "inf", "-o", "out.npy"], { cwd: d });
    expect(n.status).toBe(0);
    expect(readFileSync(path.join(d, "out.npy"))).toEqual(readFileSync(path.join(D, "inf.npy")));
    expect(n.stderr).toContain("--grad-output \"inf\" is read as the number inf; a file of that name exists: pass ./inf to read it");
    expect(dact(["relu", "-q", "x.npy", "--grad-output", "inf", "-o", "out2.npy"], { cwd: d }).stderr).toBe("");
  });

  it("a name that is not a number and no file: cannot open (exit 2)", () => {
    const d = workdir();
    copyFileSync(path.join(D, "x.npy"), path.join(d, "x.npy"));
    const r = dact(["relu", "x.npy", "--grad-output", "infinite"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dact: infinite: cannot open/);
  });

  it("a decimal comma (2,5) that is no file: a usage error suggesting 2.5, nothing written; a file of that name is read", () => {
    const d = workdir();
    copyFileSync(path.join(D, "x.npy"), path.join(d, "x.npy"));
    for (const text of ["2,5", "-0,5e-3", ",5"]) {
      const r = dact(["relu", "x.npy", "--grad-output", text, "-o", "out.npy"], { cwd: d });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^dact: option --grad-output: found "[^"]*", a decimal comma/);
      expect(r.stderr).toContain(`(${text.replace(",", ".")})`);
      expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(1);
      expect(existsSync(path.join(d, "out.npy"))).toBe(false);
    }
    copyFileSync(path.join(D, "inf.npy"), path.join(d, "2,5"));
    const f = dact(["relu", "--at-zero", "0.5", "x.npy", "--grad-output", "2,5", "-o", "out.npy"], { cwd: d });
    expect(f.status).toBe(0);
    expect(readFileSync(path.join(d, "out.npy"))).toEqual(dact(["relu", "--at-zero", "0.5", "x.npy", "--grad-output", "./2,5"], { cwd: d }).stdout);
  });

  it("batch ledger: G = inf, -inf, nan, -0 and 0 make different option keys", () => {
    const base = { activation: "relu", params: {} } as never as Parameters<typeof optionsKey>[0];
    const keys = [Infinity, -Infinity, NaN, -0, 0, "inf"].map((g) => optionsKey({ ...base, gradOutput: g }, "1"));
    expect(new Set(keys).size).toBe(6);
  });
});
