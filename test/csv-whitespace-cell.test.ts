/**
 * A cell of only whitespace ("  " between delimiters, quoted or not) is
 * not a missing value: pandas' read_csv (default settings) reads it as
 * text, so its column is object dtype. dact reads it as pandas does: in
 * the first data row it makes a text (label) column; later in a numeric
 * column it is an error naming line, column and cell. An empty cell is
 * still missing, a line's CR is not a cell, and whitespace-separated input
 * (where whitespace is the delimiter) is unaffected. pandas' results for
 * these inputs (pandas 3.0.6):
 *
 *   "a,b\n1,2\n  ,3\n4,5\n"   a: str ['1', '  ', '4']    (skipinitialspace=True: float [1, nan, 4])
 *   "a,b\n  ,2\n1,3\n"        a: str ['  ', '1']
 *   "a,b\n1,2\n\"  \",3\n"    a: str                      (skipinitialspace=True too)
 *   "a,b\n1,2\n\t,3\n"        a: str                      (skipinitialspace=True too)
 *   "a,b\n1,2\n   \n4,5\n"    a whitespace-only line is skipped: int [[1, 2], [4, 5]]
 *   "a,b\n1,2\n  ,3\n", na_values=["  "]: a float [1, nan]
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { dact, workdir } from "./workdir.js";

const relu = (text: string, ...args: string[]) => dact(["relu", ...args, "-"], { input: text });

describe("a whitespace-only cell is text, as pandas reads it", () => {
  it.each([
    ["spaces, later in a numeric column", "a,b\n1,2\n  ,3\n4,5\n", "<stdin>:3:1: "],
    ["quoted spaces", 'a,b\n1,2\n"  ",3\n', "<stdin>:3:1: "],
    ["a tab between commas", "a,b\n1,2\n\t,3\n", "<stdin>:3:1: "],
    ["the last cell, before CRLF", "a,b\r\n1,2\r\n3,  \r\n", "<stdin>:3:2: "],
    ["TSV: a space between tabs", "a\tb\n1\t2\n \t3\n", "<stdin>:3:1: "],
    ["semicolons", "a;b\n1;2\n  ;3\n", "<stdin>:3:1: "],
    ["no header", "1,2\n  ,3\n", "<stdin>:2:1: "],
  ])("%s: an error naming line, column and cell (exit 2, nothing written)", (_name, text, where) => {
    const r = relu(text);
    expect(r.status).toBe(2);
    expect(r.stdout.toString()).toBe("");
    expect(r.stderr).toMatch(new RegExp(`^dact: ${where.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"(\\s+|\\\\t)" is not a number \\(only whitespace`));
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("in the first data row: a text column, passed through with the notice", () => {
    const r = relu("a,b\n  ,2\n1,-3\n");
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe("a,b\n  ,1.0\n1,0.0\n");
    expect(r.stderr).toContain('column "a" (first value "  ") is text');
  });

  it("--na-values listing the cell as written reads it as missing, copied back as written (pandas' na_values)", () => {
    const later = relu("a,b\n1,2\n  ,3\n", "--na-values", "  ,NA");
    expect([later.status, later.stdout.toString()]).toEqual([0, "a,b\n1.0,1.0\n  ,1.0\n"]);
    const first = relu("a,b\n  ,2\n-1,3\n", "--na-values", "  ");
    expect([first.status, first.stdout.toString()]).toEqual([0, "a,b\n  ,1.0\n0.0,1.0\n"]);
    expect(first.stderr).not.toContain("is text");
    // Another run of whitespace is not that token.
    expect(relu("a,b\n1,2\n   ,3\n", "--na-values", "  ").status).toBe(2);
  });

  it("an empty cell is still missing, in LF and CRLF files, quoted or not", () => {
    expect(relu("a,b\n1,2\n,3\n").stdout.toString()).toBe("a,b\n1.0,1.0\n,1.0\n");
    expect(relu("a,b\r\n1,2\r\n3,\r\n").stdout.toString()).toBe("a,b\r\n1.0,1.0\r\n1.0,\r\n");
    expect(relu('a,b\n1,2\n"",3\n').stdout.toString()).toBe("a,b\n1.0,1.0\n,1.0\n");
  });

  it("a whitespace-only line is skipped (pandas' skip_blank_lines)", () => {
    const r = relu("a,b\n1,2\n   \n4,-5\n");
    expect([r.status, r.stdout.toString()]).toEqual([0, "a,b\n1.0,1.0\n1.0,0.0\n"]);
  });

  it("whitespace-separated input, sniffed or --delimiter whitespace, is unaffected", () => {
    const d = workdir();
    writeFileSync(path.join(d, "m.txt"), "a b\n1   2\n  3\t-4  \n");
    for (const args of [[], ["--delimiter", "whitespace"]]) {
      const r = dact(["relu", ...args, "m.txt"], { cwd: d });
      expect([r.status, r.stdout.toString()]).toEqual([0, "a b\n1.0 1.0\n1.0 0.0\n"]);
    }
  });

  it("spaces around a number are still the number (Python's float(), pandas too)", () => {
    const r = relu("a,b\n 1 ,2\n  -3,  4\n");
    expect([r.status, r.stdout.toString()]).toEqual([0, "a,b\n1.0,1.0\n0.0,1.0\n"]);
  });
});
