/**
 * Content detection of tab-separated text (stdin, or a file with no known
 * extension): a tab among spaces is not TSV, so stdin reads what the same
 * content in a .txt file reads (it failed with "not a number" before).
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { detectFormat } from "../src/formats/index.js";
import { memoryInput } from "../src/io.js";
import { dact, workdir } from "./workdir.js";

const detect = (text: string) => detectFormat(memoryInput(Buffer.from(text), "<stdin>"));

describe("content that looks tab-separated", () => {
  it.each([
    ["a tab among spaces", "1 2 3\n4\t5 6\n-1 0 2\n", "csv"],
    ["a tab in one line of space-separated columns", "1 2\n3 4\n5\t6\n", "csv"],
    ["a first line with a comma", "a,b\tc\n1,2\t3\n", "csv"],
    ["rows of different tab counts", "1\t2\t3\n4\t5\n", "csv"],
    ["plain TSV", "a\tb\n1\t-2\n", "tsv"],
    ["pandas to_csv(sep='\\t') with its index", "\ta\tb\n0\t1.5\t-2.0\n1\t3.0\t4.0\n", "tsv"],
    ["R write.table(sep='\\t'): the header one cell fewer", '"a"\t"b"\n"1"\t1.5\t-2\n"2"\t3\t4\n', "tsv"],
    ["CRLF, comments and blank lines", "# made by hand\r\n1\t2\r\n\r\n3\t4\r\n", "tsv"],
    ["text cells with spaces", "name x\tvalue\nrow one\t1\n", "tsv"],
    // One tab a line, numbers on both sides of the spaces: aligned columns, not two TSV columns of "1.5  -2".
    ["one tab a line among space-separated numbers", "1.5  -2\t3\n0 4.25\t-1\n-0.5\t 2 7\n", "csv"],
    ["a tab-separated text cell with a number and a word", "1 a\t2\n3 b\t4\n", "tsv"],
    ["every row starts with #N/A (rows, not comments)", "#N/A\t1\n#N/A\t-2\n", "tsv"],
    ["R's quoted header and row names, a tab among spaces", '"a" "b"\n"Mazda RX4"\t1 -2\n"V" -1\t3\n', "csv"],
  ])("%s", async (_, text, want) => {
    expect(await detect(text)).toBe(want);
  });

  it("a head cut mid-line (a large input) is judged on its whole lines", async () => {
    const row = "0.123456789\t-0.5\t0.25\n";
    const text = row.repeat(Math.ceil(10_000 / row.length));
    expect(await detect(text)).toBe("tsv");
    // A tab among spaces far into the head: still not TSV.
    const spaced = "1 2 3\n".repeat(300) + "4\t5 6\n" + "7 8 9\n".repeat(700);
    expect(await detect(spaced)).toBe("csv");
  });

  it.each([
    ["a tab among spaces", "1 2 3\n4\t5 6\n-1 0 2\n"],
    ["one tab in every line", "1.5  -2\t3\n0 4.25\t-1\n-0.5\t 2 7\n"],
    ["R's quoted row names, a tab among spaces", '"a" "b"\n"Mazda RX4"\t1 -2\n"V" -1\t3\n'],
  ])("stdin gives the bytes a .txt file of the same content gives: %s", (_, text) => {
    const dir = workdir();
    writeFileSync(path.join(dir, "m.txt"), text);
    const file = dact(["relu", "m.txt"], { cwd: dir });
    const piped = dact(["relu"], { cwd: dir, input: text });
    expect(file.status).toBe(0);
    expect(piped.status, piped.stderr).toBe(0);
    expect(piped.stdout.equals(file.stdout)).toBe(true);
    expect(String(file.stdout).split("\n").length).toBe(4);
  });
});
