/**
 * A text G (--grad-output g.csv) is read with the run's text options: the
 * same producer wrote X and G, so G has X's decimal comma, delimiter,
 * header, comment lines and NA tokens. Before, G was read with the defaults,
 * and a G exported with pandas' decimal="," failed ("pass --decimal") while
 * --decimal was on the command line.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { dact, workdir } from "./workdir.js";

function run(x: string, g: string, options: string[]): ReturnType<typeof dact> {
  const d = workdir();
  writeFileSync(path.join(d, "x.csv"), x);
  writeFileSync(path.join(d, "g.csv"), g);
  return dact(["relu", "x.csv", "--grad-output", "g.csv", ...options], { cwd: d });
}

describe("--grad-output with a text G takes the run's text options", () => {
  it.each([
    ["--decimal , (cells split by ;)", "a;b\n1,5;-2,5\n0;3\n", "a;b\n2,5;7\n4;0,25\n", ["--decimal", ","], "a;b\n2,5;0,0\n0,0;0,25\n"],
    ["--delimiter |", "1|-2\n3|4\n", "5|6\n7|8\n", ["--delimiter", "|"], "5.0|0.0\n7.0|8.0\n"],
    ["--comment %", "% x\n1,-2\n", "% g\n3,4\n", ["--comment", "%"], "% x\n3.0,0.0\n"],
    ["--na-values missing", "1,-2\n", "missing,4\n", ["--na-values", "missing"], "NaN,0.0\n"],
    ["--no-header (a first row of words is data: an error in G too)", "1,2\n", "3,4\n", ["--no-header"], "3.0,4.0\n"],
  ])("%s", (_what, x, g, options, expected) => {
    const r = run(x, g, options);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe(expected);
  });

  it("--no-header reads G's first row as data too: a G whose first row is words is an error, not a header dropped", () => {
    const r = run("1,2\n3,4\n", "p,q\n3,4\n", ["--no-header"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dact: g\.csv:1:1: "p" is not a number/);
    expect(r.stdout.length).toBe(0);
  });

  it("without the options G keeps the defaults: a decimal-comma G is still refused by a run without --decimal", () => {
    const r = run("1;-2\n", "2,5;7\n", ["--delimiter", ";"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dact: g\.csv:1:1: "2,5" is not a number/);
  });
});

describe("--grad-output on a last row without its line ending", () => {
  it.each([
    ["x.csv", "1,-1", "2.0,0.0"],
    ["x.jsonl", "[1,-1]", "[2.0,0.0]"],
    ["x.csv", "a\n5", "a\n2.0"],
  ])("%s %j: the result, not an internal error", (name, text, expected) => {
    const d = workdir();
    writeFileSync(path.join(d, name), text);
    const r = dact(["relu", name, "--grad-output", "2"], { cwd: d });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    // The missing line ending stays missing, as without G.
    expect(r.stdout.toString()).toBe(expected);
    const s = dact(["relu", "--grad-output", "2", "--format", name.endsWith("csv") ? "csv" : "jsonl"], { cwd: d, input: text });
    expect([s.status, s.stdout.toString().trimEnd()]).toEqual([0, expected]);
  });
});
