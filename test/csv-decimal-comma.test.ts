/**
 * pandas' to_csv(decimal=",") with its default sep=",": every number with a
 * comma is quoted ("0,5"), the others bare (1e-20). read_csv(decimal=",")
 * reads them as numbers, and dact with --decimal , does too (the comma
 * delimiter sniffed from the quoted numbers), writing the result as pandas
 * writes it. Expected files: fixtures/make_decimal_comma.py (pandas'
 * own reading and writing).
 */
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { FIXTURES } from "./helpers.js";
import { dact, workdir } from "./workdir.js";

const D = path.join(FIXTURES, "decimal-comma");
const file = (f: string) => readFileSync(path.join(D, f), "utf8");
const relu = ["relu", "--at-zero", "0.5", "--decimal", ","];

describe("quoted decimal-comma numbers between commas (pandas' to_csv(decimal=\",\"))", () => {
  it.each([["x.csv"], ["x.csv.gz"]])("%s: read as numbers, written as pandas writes the result", (x) => {
    const r = dact([...relu, path.join(D, x)]);
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe(file("relu.csv"));
  });

  it("-o out.csv and stdin give the same bytes", () => {
    const d = workdir();
    expect(dact([...relu, path.join(D, "x.csv"), "-o", path.join(d, "out.csv")]).status).toBe(0);
    expect(readFileSync(path.join(d, "out.csv"), "utf8")).toBe(file("relu.csv"));
    const s = dact([...relu, "-"], { input: readFileSync(path.join(D, "x.csv")) });
    expect(s.stdout.toString()).toBe(file("relu.csv"));
  });

  it("--grad-output G in the same format (G gzipped too), --delimiter ,: pandas' bytes of G * relu'(x)", () => {
    const d = workdir();
    writeFileSync(path.join(d, "g.csv.gz"), gzipSync(readFileSync(path.join(D, "g.csv"))));
    for (const [x, g] of [
      ["x.csv", path.join(D, "g.csv")],
      ["x.csv.gz", path.join(d, "g.csv.gz")],
    ]) {
      const r = dact([...relu, "--delimiter", ",", path.join(D, x!), "--grad-output", g!]);
      expect(r.status).toBe(0);
      expect(r.stdout.toString()).toBe(file("grad.csv"));
    }
  });

  it("--grad-output G, delimiter sniffed: G * relu'(x) as pandas computes and writes it, in .npy and in CSV", () => {
    const d = workdir();
    const n = dact([...relu, path.join(D, "x.csv"), "--grad-output", path.join(D, "g.csv"), "-o", path.join(d, "out.npy")]);
    expect(n.status).toBe(0);
    expect(readFileSync(path.join(d, "out.npy"))).toEqual(readFileSync(path.join(D, "grad.npy")));
    // CSV: pandas' bytes, commas between cells and "0,5" quoted, with no --delimiter (the layout the run without G keeps).
    const r = dact([...relu, path.join(D, "x.csv"), "--grad-output", path.join(D, "g.csv")]);
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe(file("grad.csv"));
  });

  it("an unquoted decimal comma between commas is two cells (pandas too): no quoted number, no comma delimiter", () => {
    const d = workdir();
    writeFileSync(path.join(d, "m.csv"), "a\n0,5\n-1,5\n");
    const r = dact([...relu, "m.csv"], { cwd: d });
    expect([r.status, r.stdout.toString()]).toEqual([0, "a\n1,0\n0,0\n"]);
  });

  it("quoted numbers with a decimal point are numbers too (pandas: read_csv of QUOTE_NONNUMERIC output)", () => {
    const r = dact(["relu", "--at-zero", "0.5", path.join(D, "quoted-dot.csv")]);
    expect(r.status).toBe(0);
    // The header line is copied as it was (quotes kept); the rows are pandas'.
    const [head, ...rows] = r.stdout.toString().split("\n");
    const [, ...want] = file("quoted-dot.relu.csv").split("\n");
    expect(head).toBe('"a","b"');
    expect(rows).toEqual(want);
  });

  it("a label cell with a comma stays quoted; the file round-trips through dact with --decimal ,", () => {
    const d = workdir();
    copyFileSync(path.join(D, "relu.csv"), path.join(d, "r.csv"));
    const r = dact(["relu", "--at-zero", "0.5", "--decimal", ",", "r.csv"], { cwd: d });
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toContain('1,"0,5","0,5","q,r"\n');
  });
});
