/**
 * Rows longer than LONG_LINE (4 MB) stream cell by cell. Whatever the
 * chunking, the output and the errors must be those of the whole input.
 */
import { describe, expect, it } from "vitest";
import { DactError } from "../src/errors.js";
import { LONG_LINE } from "../src/formats/csv/reader.js";
import { derive } from "./helpers.js";

const CHUNKINGS = [[1 << 30], [1 << 20], [65536], [999_983, 3, 1_234_567]];
/**
 * For the error cases: whole, page-aligned and odd boundaries (with a
 * 3-byte chunk). 1 MiB chunks take the same path as 64 KiB ones, and each
 * chunking costs a pass over up to 11 MB.
 */
const ERROR_CHUNKINGS = [[1 << 30], [65536], [999_983, 3, 1_234_567]];

async function outcomes(text: string, chunkings = CHUNKINGS): Promise<string[]> {
  const data = Buffer.from(text);
  const out: string[] = [];
  for (const sizes of chunkings) {
    try {
      const { bytes } = await derive(data, "relu", { "at-zero": 0.5 }, sizes, "csv", "wide.csv");
      out.push(bytes.toString());
    } catch (e) {
      if (!(e instanceof DactError)) throw e;
      out.push(`error: ${e.message}`);
    }
  }
  return out;
}

/** A row of `n` cells cycling through values, the matching relu cells, and the row's byte length. */
function row(n: number, cells: string[], want: string[]): [string, string] {
  const a: string[] = [];
  const b: string[] = [];
  for (let i = 0; i < n; i++) {
    a.push(cells[i % cells.length]!);
    b.push(want[i % want.length]!);
  }
  return [a.join(","), b.join(",")];
}

describe("CSV rows longer than 4 MB", () => {
  const n = 1_500_000; // over 5 MB a row
  const [r1, w1] = row(n, ["-1.5", "2", "", "0", "1e-400", "nan"], ["0.0", "1.0", "", "0.5", "0.5", "nan"]); // nan: a pandas NA token, copied back
  const [r2, w2] = row(n, ["3", "-0", "", "-7", "+inf", "5"], ["1.0", "0.5", "", "0.0", "1.0", "1.0"]);

  it("is long enough to stream", () => {
    expect(r1.length).toBeGreaterThan(LONG_LINE);
  });

  it("data rows: the same output for every chunking, line endings kept", async () => {
    const text = `${r1}\r\n${r2}\n${r1}`;
    const want = `${w1}\r\n${w2}\n${w1}`;
    for (const o of await outcomes(text)) expect(o === want, o.slice(0, 80)).toBe(true);
  });

  it("a long header is copied whole; short rows after it", async () => {
    const [h] = row(n, ["col"], []);
    const [, wh] = [h, h];
    const text = `${h}\n${r2}\n`;
    for (const o of await outcomes(text)) expect(o === `${wh}\n${w2}\n`, o.slice(0, 80)).toBe(true);
  });

  it("errors are the same for every chunking", async () => {
    const cases = [
      `1,2\n${r1}\n`, // too many cells
      `${r1}\n1,2\n`, // too few
      `${r1}\n${r2},x\n`, // one too many, at the end
      `${r1.slice(0, 3_000_000)}abc${r1.slice(3_000_000)}\n`, // not a number, deep in the row
      `${r1}\n${r2.slice(0, 5_000_000)}"4"${r2.slice(5_000_000)}\n`, // a quote in a long row
    ];
    for (const text of cases) {
      const o = await outcomes(text, ERROR_CHUNKINGS);
      expect(o[0]!.startsWith("error: "), o[0]!.slice(0, 120)).toBe(true);
      for (const x of o) expect(x).toBe(o[0]);
    }
  });
});
