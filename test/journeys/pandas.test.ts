/**
 * Journey 1: a pandas user. df.to_csv() with its defaults (the header
 * ",0,1,2,3" and the RangeIndex), through the installed dact: gelu' to
 * .npy and to CSV, the two agreeing, and the backward pass with G exported
 * by pandas the same way. The oracle (fixtures/make_journeys.py) is the exact
 * value (mpmath) rounded to float64, checked there against torch.autograd;
 * dact is held to its accuracy bar (docs/activations.md: 1.1e-14 relative).
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { workdir } from "../workdir.js";
import { cells, copyFixture, dact, expectClose, fixture, JOURNEY_TIMEOUT, npyF8, npyParts } from "./helpers.js";

const REL = 2e-14;

describe("journey 1: pandas to_csv() -> dact gelu -> .npy and CSV, and --grad-output", () => {
  it("the index is kept aside as a label column: a (6, 4) result, the exact gelu'", () => {
    const d = workdir("dact-j1-");
    copyFixture("pandas", d);
    const want = fixture("pandas/gelu.npy");
    const r = dact(["gelu", "pandas/x.csv", "-o", "y.npy"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    const y = readFileSync(path.join(d, "y.npy"));
    // The header np.save writes for a (6, 4) float64 array, byte for byte.
    expect(npyParts(y).shape).toEqual([6, 4]);
    expect(npyParts(y).header).toBe(npyParts(want).header);
    expect(y.length).toBe(want.length);
    expectClose(npyF8(y), npyF8(want), REL, "gelu'(x.csv)");
    // sep="\t": the same array.
    const t = dact(["gelu", "pandas/x.tsv", "-o", "t.npy"], { cwd: d });
    expect(t.status, t.stderr).toBe(0);
    expect(readFileSync(path.join(d, "t.npy")).equals(y)).toBe(true);
  }, JOURNEY_TIMEOUT);

  it("same-format output keeps pandas' header and index, and holds the .npy's values exactly", () => {
    const d = workdir("dact-j1-");
    copyFixture("pandas", d);
    const a = dact(["gelu", "pandas/x.csv", "-o", "y.npy"], { cwd: d });
    expect(a.status, a.stderr).toBe(0);
    const r = dact(["gelu", "pandas/x.csv", "-o", "y.csv"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    const input = cells(fixture("pandas/x.csv").toString());
    const out = cells(readFileSync(path.join(d, "y.csv"), "utf8"));
    expect(out.length).toBe(7);
    expect(out[0]).toEqual(input[0]); // ",0,1,2,3"
    expect(out.slice(1).map((row) => row[0])).toEqual(input.slice(1).map((row) => row[0])); // the index 0..5
    const values = Float64Array.from(out.slice(1).flatMap((row) => row.slice(1).map(Number)));
    const npy = npyF8(readFileSync(path.join(d, "y.npy")));
    expect(values.length).toBe(npy.length);
    npy.forEach((v, i) => expect(Object.is(values[i], v), `cell ${i}: ${values[i]} in CSV, ${v} in .npy`).toBe(true));
    // And back: the CSV result and the .npy result compare equal.
    const c = dact(["compare", "y.csv", "y.npy"], { cwd: d });
    expect(c.status, c.stdout.toString()).toBe(0);
  }, JOURNEY_TIMEOUT);

  it("--grad-output with G from pandas: G * gelu'(x), the exact value", () => {
    const d = workdir("dact-j1-");
    copyFixture("pandas", d);
    const want = fixture("pandas/grad.npy");
    const r = dact(["gelu", "pandas/x.csv", "--grad-output", "pandas/g.csv", "-o", "gx.npy"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    const gx = readFileSync(path.join(d, "gx.npy"));
    expect(npyParts(gx).shape).toEqual([6, 4]);
    expect(npyParts(gx).header).toBe(npyParts(want).header);
    expectClose(npyF8(gx), npyF8(want), REL, "G * gelu'(x)");
    // To CSV, the index column comes from x.csv.
    const c = dact(["gelu", "pandas/x.csv", "--grad-output", "pandas/g.csv", "-o", "gx.csv"], { cwd: d });
    expect(c.status, c.stderr).toBe(0);
    const out = cells(readFileSync(path.join(d, "gx.csv"), "utf8"));
    expect(out.map((row) => row.length)).toEqual(new Array(7).fill(5));
    expectClose(out.slice(1).flatMap((row) => row.slice(1).map(Number)), npyF8(want), REL, "G * gelu'(x) as CSV");
  }, JOURNEY_TIMEOUT);
});
