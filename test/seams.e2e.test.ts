/**
 * Where two features meet (a red team's findings after the round's merge):
 * pandas JSON tables through --grad-output, --columns/--index-col on typed
 * tables, and G's column names against X's.
 */
import { existsSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers.js";
import { dact, workdir } from "./workdir.js";

describe("pandas JSON tables with --grad-output", () => {
  it.each([
    ["records (an array of objects)", '[{"a":1,"b":-2},{"a":-1,"b":2}]', [{ a: 3, b: 0 }, { a: 0, b: 3 }]],
    ["split", '{"columns":["a","b"],"index":[0,1],"data":[[1,-2],[-1,2]]}', { columns: ["a", "b"], index: [0, 1], data: [[3, 0], [0, 3]] }],
  ])("%s: G ⊙ f'(x), no internal error, the table kept as the plain run keeps it", (_name, text, want) => {
    const d = workdir();
    writeFileSync(path.join(d, "x.json"), text);
    const r = dact(["relu", "x.json", "--grad-output", "3"], { cwd: d });
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout.toString())).toEqual(want);
  });
});

describe("Parquet and Arrow: --columns and --index-col are refused, not ignored", () => {
  it.each([["--columns", "x"], ["--index-col", "n"]])("%s %s on a .parquet: exit 2, nothing written", (flag, value) => {
    const d = workdir();
    const src = path.join(ROOT, "fixtures", "tables", "float32.parquet");
    const r = dact(["relu", src, flag, value, "-o", "o.parquet"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`option ${flag}`));
    expect(existsSync(path.join(d, "o.parquet"))).toBe(false);
    expect(dact(["relu", src, "-o", "o.parquet"], { cwd: d }).status).toBe(0);
  });
});

describe("--grad-output: named columns are matched by name", () => {
  it("G's columns in another order: exit 2, nothing written", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "a,b\n1,2\n3,4\n");
    writeFileSync(path.join(d, "g.csv"), "b,a\n100,10\n100,10\n");
    const r = dact(["relu", "x.csv", "--grad-output", "g.csv", "-o", "out.csv"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/x\.csv: the gradient g\.csv has the columns \(b, a\)/);
    expect(existsSync(path.join(d, "out.csv"))).toBe(false);
  });

  it("the same names (and a pandas index on G) pass; a headerless G is taken by position", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "a,b\n1,-2\n3,4\n");
    writeFileSync(path.join(d, "g.csv"), ",a,b\n0,10,100\n1,10,100\n");
    writeFileSync(path.join(d, "h.csv"), "10,100\n10,100\n");
    expect(dact(["relu", "x.csv", "--grad-output", "g.csv"], { cwd: d }).stdout.toString()).toBe("a,b\n10.0,0.0\n10.0,100.0\n");
    expect(dact(["relu", "x.csv", "--grad-output", "h.csv"], { cwd: d }).stdout.toString()).toBe("a,b\n10.0,0.0\n10.0,100.0\n");
  });
});
