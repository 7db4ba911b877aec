/**
 * Whitespace-separated input with quoted cells that hold spaces: R's
 * write.table(mtcars) writes `"Mazda RX4" 21 6 160` under a header one
 * name shorter. pandas' read_csv(sep=r"\s+") reads "Mazda RX4" as one
 * cell (the index). Before, the sniffer split it in two (no consistent
 * column count, so one comma column and an error), and with
 * --delimiter whitespace the space inside the quotes became a TAB: the
 * label came back as `Mazda<TAB>RX4`, unquoted, in a space-separated file.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { CsvReader } from "../src/formats/csv/reader.js";
import { dact, workdir } from "./workdir.js";

const R_TABLE = '"mpg" "cyl" "disp"\n"Mazda RX4" 21 -6 160\n"Datsun 710" -22.8 4 0\n"Valiant" 18.1 6 -225\n';
const RELU = '"mpg" "cyl" "disp"\n"Mazda RX4" 1.0 0.0 1.0\n"Datsun 710" 0.0 1.0 0.0\nValiant 1.0 1.0 0.0\n';

describe("whitespace-separated cells in quotes keep their spaces", () => {
  it.each([
    ["sniffed, from a .txt file", ["relu", "m.txt"]],
    ["sniffed, from stdin", ["relu"]],
    ["--delimiter whitespace", ["relu", "--delimiter", "whitespace", "m.txt"]],
  ])("%s", (_, args) => {
    const dir = workdir();
    writeFileSync(path.join(dir, "m.txt"), R_TABLE);
    const r = dact(args, { cwd: dir, input: R_TABLE });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe(RELU);
  });

  it("a quote inside a cell does not open a quoted span (5\" is text, as before)", () => {
    const r = dact(["relu", "--delimiter", "whitespace"], { input: 'a b\nx 5" 1\ny 3 2\nz -1 4\n' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.toString().split("\n").slice(2)).toEqual(["y 3 1.0", "z -1 1.0", ""]);
  });

  it("converted, the labels are dropped and the numbers are the rows'", () => {
    const r = dact(["relu", "--to", "jsonl"], { input: R_TABLE });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe("[1.0,0.0,1.0]\n[0.0,1.0,0.0]\n[1.0,1.0,0.0]\n");
  });

  it("gives the same cells for the input cut anywhere", () => {
    const read = (cuts: number[]) => {
      const got: string[] = [];
      const reader = new CsvReader({
        delimiter: "whitespace",
        header: "auto",
        onBatch: (b) => {
          for (let k = 0; k < b.n; k++) got.push(String(b.values[k]));
        },
      });
      let at = 0;
      for (const c of [...cuts, R_TABLE.length]) {
        reader.push(Buffer.from(R_TABLE.slice(at, c)));
        at = c;
      }
      reader.end();
      return got;
    };
    const whole = read([]);
    expect(whole).toEqual(["21", "-6", "160", "-22.8", "4", "0", "18.1", "6", "-225"]);
    for (let a = 1; a < R_TABLE.length; a++) expect(read([a]), `cut at ${a}`).toEqual(whole);
  });
});
