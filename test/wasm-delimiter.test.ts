/**
 * The helper threads' CSV row parser (src/text-worker.ts) runs the wasm
 * row parser first. With a delimiter a number can start with (--delimiter
 * + or -), that parser read the sign of `7++8` as the second cell's, where
 * the reader's own parser ends an empty cell at the delimiter: the row is
 * 3 cells and an error there (as in the previous release, 0a84027, and
 * pandas: read_csv(sep="+") splits it in three), but [7, 8] and exit 0
 * when a helper thread parsed that part. The helpers now use the wasm
 * parser only with the delimiters the reader's own thread does
 * (wasmDelimiter). In process against the build (dist/), as
 * text-parallel-seams.test.ts.
 */
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "./helpers.js";

// Before the modules load: every chunk of a few hundred bytes is split among the helpers.
process.env["DACT_TEXT_SPLIT_BYTES"] = "300";

type Reader = typeof import("../src/formats/csv/reader.js");
type TextParallel = typeof import("../src/text-parallel.js");
type Text = typeof import("../src/wasm/text.js");
const dist = <T>(f: string) => import(path.join(ROOT, "dist", f)) as Promise<T>;

let tp: TextParallel;
beforeAll(async () => {
  tp = await dist<TextParallel>("text-parallel.js");
  tp.setPatience(60_000);
});

async function read(input: Buffer, delimiter: string, threads: number, wasm: boolean): Promise<{ values: number[]; error: { code: string; position: unknown } | null }> {
  const { CsvReader } = await dist<Reader>("formats/csv/reader.js");
  tp.setTextThreads(threads);
  const got = { values: [] as number[], error: null as { code: string; position: unknown } | null };
  try {
    const reader = new CsvReader({
      delimiter,
      header: "no",
      file: "x.csv",
      wasm,
      onBatch: (b) => {
        for (let k = 0; k < b.n; k++) got.values.push(b.values[k]!);
      },
    });
    for (let k = 0; k < input.length; k += 4096) reader.push(input.subarray(k, k + 4096));
    reader.end();
  } catch (e) {
    const err = e as { code: string; position: unknown };
    got.error = { code: err.code, position: err.position };
  } finally {
    tp.setTextThreads(1);
  }
  return got;
}

describe("helper threads: the wasm row parser only with delimiters that cannot start a number", () => {
  it("wasmDelimiter: the reader's set (no digit, letter, sign or point; not the decimal point)", async () => {
    const { wasmDelimiter } = await dist<Text>("wasm/text.js");
    for (const c of ",;|:/!#") expect(wasmDelimiter(c.charCodeAt(0), 46), c).toBe(true);
    expect(wasmDelimiter(9, 46)).toBe(true);
    for (const c of "+-.0e5Ez ") expect(wasmDelimiter(c.charCodeAt(0), 46), c).toBe(false);
    expect(wasmDelimiter(44, 44)).toBe(false);
  });

  it.each([
    ["+", "7++8"],
    ["-", "-7-8"],
    ["-", "7--8"],
  ])("--delimiter %s: the row %s is 3 cells, an error at its line, with 4 threads as with 1", async (delimiter, bad) => {
    const rows: string[] = [];
    for (let k = 0; k < 3000; k++) rows.push(k === 2500 ? bad : `${k + 1}${delimiter}${3 * k + 1}`);
    const input = Buffer.from(rows.join("\n") + "\n");
    const want = await read(input, delimiter, 1, false);
    expect(want.error).toEqual({ code: "CSV_FIELDS", position: { line: 2501 } });
    const before = tp.helped.parse;
    const got = await read(input, delimiter, 4, true);
    // The helpers parsed parts (else this passes for nothing)
    expect(tp.helped.parse - before).toBeGreaterThan(10);
    expect(got.error).toEqual(want.error);
  });

  it("--delimiter +: a file without such rows reads the same with 4 threads", async () => {
    const input = Buffer.from(Array.from({ length: 3000 }, (_, k) => `${k + 1}+${-k / 8}`).join("\n") + "\n");
    const want = await read(input, "+", 1, false);
    const got = await read(input, "+", 4, true);
    expect(want.error).toBeNull();
    expect(got.error).toBeNull();
    expect(Buffer.from(Float64Array.from(got.values).buffer).equals(Buffer.from(Float64Array.from(want.values).buffer))).toBe(true);
  });
});
