/**
 * An option that takes a value, given twice, or a flag with its negation,
 * is a usage error (exit 2, one line, nothing written): commander keeps the
 * last one silently, so `-o a.csv -o b.csv` wrote only b.csv with exit 0
 * (red team). Repeatable options collect; a flag given twice the same way
 * is fine.
 */
import { readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { dact, workdir } from "./workdir.js";

describe("options given twice", () => {
  it.each([
    [["-o", "a.csv", "-o", "b.csv"], /^dact: option -o\/--output: found it twice/],
    [["--output", "a.csv", "-o", "b.csv"], /^dact: option -o\/--output: found it twice/],
    [["--order", "1", "--order", "2"], /^dact: option --order: found it twice/],
    [["--grad-output", "2", "--grad-output", "3"], /^dact: option --grad-output: found it twice/],
    [["--header", "--no-header"], /^dact: options --header and --no-header: found both/],
    [["--format", "csv", "--format", "json"], /^dact: option --format: found it twice/],
  ])("%j: exit 2, one line, nothing written", (extra, message) => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "1,-2\n3,4\n");
    const r = dact(["relu", "x.csv", ...extra], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stdout.length).toBe(0);
    expect(readdirSync(d)).toEqual(["x.csv"]);
  });

  it("repeatable options collect, and a flag given twice the same way is fine", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "id,a,b\nr1,1,-2\nr2,3,4\n");
    const r = dact(["relu", "x.csv", "--columns", "a", "--columns", "b", "-q", "-q"], { cwd: d });
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe("id,a,b\nr1,1.0,0.0\nr2,1.0,1.0\n");
  });

  it("compare: --rtol twice is refused too", () => {
    const d = workdir();
    writeFileSync(path.join(d, "a.csv"), "1\n");
    const r = dact(["compare", "a.csv", "a.csv", "--rtol", "1e-3", "--rtol", "1e-9"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dact: option --rtol: found it twice/);
  });
});
