/**
 * Journey 2: tables from R and Excel. R's write.csv (quoted header with an
 * empty first cell, quoted row names, NA), R's write.table without names
 * whose first row is all NA, and Excel's "CSV UTF-8" in a decimal-comma
 * locale (BOM, ";", "1,5", CRLF): relu' (0.5 at zero) to .npy, byte for
 * byte what np.heaviside and np.save give, and to the same format, cell
 * by cell.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { workdir } from "../workdir.js";
import { cells, copyFixture, dact, fixture, JOURNEY_TIMEOUT, npyF8 } from "./helpers.js";

const RELU = ["relu", "--at-zero", "0.5"];

describe("journey 2: R's write.csv and an Excel CSV -> dact relu -> .npy and the same format", () => {
  it("R's write.csv: row names kept aside, NA as NaN, a (4, 3) result", () => {
    const d = workdir("dact-j2-");
    copyFixture("r", d);
    const r = dact([...RELU, "r/write-csv.csv", "-o", "out.npy"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(path.join(d, "out.npy")).equals(fixture("r/write-csv.relu.npy"))).toBe(true);
    const c = dact([...RELU, "r/write-csv.csv", "-o", "out.csv"], { cwd: d });
    expect(c.status, c.stderr).toBe(0);
    const text = readFileSync(path.join(d, "out.csv"), "utf8");
    const input = cells(fixture("r/write-csv.csv").toString());
    const out = cells(text);
    expect(out[0]).toEqual(input[0]);
    expect(out.slice(1).map((row) => row[0])).toEqual(["1", "2", "3", "4"]);
    const want = npyF8(fixture("r/write-csv.relu.npy"));
    const got = out.slice(1).flatMap((row) => row.slice(1));
    got.forEach((cell, i) => {
      // NA is copied back as written; every other cell is the oracle's double.
      if (Number.isNaN(want[i])) expect(cell, `cell ${i}`).toBe(input.slice(1).flatMap((row) => row.slice(1))[i]);
      else expect(Object.is(Number(cell), want[i]), `cell ${i}: ${cell}, oracle ${want[i]}`).toBe(true);
    });
  }, JOURNEY_TIMEOUT);

  it("R's write.table without names, first row all NA: that row is data", () => {
    const d = workdir("dact-j2-");
    copyFixture("r", d);
    const r = dact([...RELU, "r/na-first.csv", "-o", "out.npy"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(path.join(d, "out.npy")).equals(fixture("r/na-first.relu.npy"))).toBe(true);
  }, JOURNEY_TIMEOUT);

  it("Excel (BOM, ';', decimal comma, CRLF): the same format back, BOM included", () => {
    const d = workdir("dact-j2-");
    copyFixture("r", d);
    const r = dact([...RELU, "--decimal", ",", "r/excel.csv", "-o", "out.npy"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(path.join(d, "out.npy")).equals(fixture("r/excel.relu.npy"))).toBe(true);
    const c = dact([...RELU, "--decimal", ",", "r/excel.csv", "-o", "out.csv"], { cwd: d });
    expect(c.status, c.stderr).toBe(0);
    const out = readFileSync(path.join(d, "out.csv"), "utf8");
    const input = fixture("r/excel.csv").toString("utf8");
    expect(out.startsWith("\ufeff"), "the BOM is kept").toBe(true);
    const lines = out.split("\r\n");
    expect(lines.pop()).toBe(""); // every line ends in CRLF, the last too
    expect(lines.some((l) => l.includes("\n"))).toBe(false);
    expect(lines[0]).toBe(input.split("\r\n")[0]); // the header, BOM included
    const want = npyF8(fixture("r/excel.relu.npy"));
    const got = lines.slice(1).flatMap((l) => l.split(";")).map((cell) => Number(cell.replace(",", ".")));
    expect(got.length).toBe(want.length);
    got.forEach((v, i) => expect(Object.is(v, want[i]), `cell ${i}: ${v}, oracle ${want[i]}`).toBe(true));
  }, JOURNEY_TIMEOUT);
});
