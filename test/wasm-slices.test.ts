/**
 * The readers' wasm row parsers copy their input into the wasm memory a
 * slice at a time (CsvReader.wasmRows, JsonReader.fastLines). After a line
 * the parser leaves to the reader's own scanner, the next slice is sized
 * by the run just taken: a file with an NA cell (or a 21-digit number)
 * every tenth row copied a whole 64 KiB slice for every ten rows before,
 * and read 1.5-2x slower than the previous release (0a84027). The copies
 * are counted (bytesCopiedIn); the values must be the scanner's alone.
 */
import { describe, expect, it } from "vitest";
import { CsvReader } from "../src/formats/csv/reader.js";
import { JsonReader } from "../src/formats/json/reader.js";
import * as wasmText from "../src/wasm/text.js";

const copied = () => wasmText.bytesCopiedIn;

function readCsv(text: Buffer, wasm: boolean): { values: number[]; missing: number[]; rows: number; taken: number } {
  const got = { values: [] as number[], missing: [] as number[], rows: 0, taken: 0 };
  const reader = new CsvReader({
    delimiter: ",",
    header: "no",
    wasm,
    onBatch: (b) => {
      for (let k = 0; k < b.n; k++) {
        got.values.push(b.values[k]!);
        got.missing.push(b.missing[k]!);
      }
      got.rows += b.rows;
    },
  });
  for (let p = 0; p < text.length; p += 1 << 20) reader.push(text.subarray(p, p + (1 << 20)));
  reader.end();
  got.taken = reader.wasmRowsTaken;
  return got;
}

function readJsonl(text: Buffer, wasm: boolean): { values: number[]; ops: number; taken: number } {
  const got = { values: [] as number[], ops: 0, taken: 0 };
  const reader = new JsonReader({
    lines: true,
    wasm,
    onBatch: (b) => {
      for (let k = 0; k < b.nValues; k++) got.values.push(b.values[k]!);
      got.ops += b.nOps;
    },
  });
  for (let p = 0; p < text.length; p += 1 << 20) reader.push(text.subarray(p, p + (1 << 20)));
  reader.end();
  got.taken = reader.wasmLines;
  return got;
}

const ROWS = 300_000;

describe("the wasm row parsers' slices after a declined line", () => {
  it("CSV: an NA cell every tenth row copies a few bytes a row, not 64 KiB every ten", () => {
    const text = Buffer.from(Array.from({ length: ROWS }, (_, k) => (k % 10 === 9 ? "1,NA" : `1,${k % 7}`)).join("\n") + "\n");
    const before = copied();
    const fast = readCsv(text, true);
    const bytes = copied() - before;
    const slow = readCsv(text, false);
    expect(fast.rows).toBe(ROWS);
    expect(fast.values.length).toBe(slow.values.length);
    expect(Buffer.from(Float64Array.from(fast.values).buffer).equals(Buffer.from(Float64Array.from(slow.values).buffer))).toBe(true);
    expect(fast.missing).toEqual(slow.missing);
    // The wasm parser still takes the nine rows of numbers between NA rows
    expect(fast.taken).toBeGreaterThan(0.85 * ROWS);
    // 64 KiB a declined row: ~1600x the file; the adaptive slice: under 16x
    expect(bytes).toBeLessThan(16 * text.length);
  });

  it("JSON Lines: a 21-digit number every tenth line likewise", () => {
    const text = Buffer.from(Array.from({ length: ROWS }, (_, k) => (k % 10 === 9 ? "[1,123456789012345678901]" : `[1,${k % 7}]`)).join("\n") + "\n");
    const before = copied();
    const fast = readJsonl(text, true);
    const bytes = copied() - before;
    const slow = readJsonl(text, false);
    expect(fast.ops).toBe(slow.ops);
    expect(Buffer.from(Float64Array.from(fast.values).buffer).equals(Buffer.from(Float64Array.from(slow.values).buffer))).toBe(true);
    expect(fast.taken).toBeGreaterThan(0.85 * ROWS);
    expect(bytes).toBeLessThan(16 * text.length);
  });

  it("CSV and JSON Lines without declined lines: every byte copied at most once", () => {
    const csv = Buffer.from(Array.from({ length: ROWS }, (_, k) => `${k},${-k / 8}`).join("\n") + "\n");
    let before = copied();
    // The first row (it decides the columns) is the reader's own.
    expect(readCsv(csv, true).taken).toBe(ROWS - 1);
    expect(copied() - before).toBe(csv.length - "0,0\n".length);
    const jsonl = Buffer.from(Array.from({ length: ROWS }, (_, k) => `[${k}, ${-k / 8}]`).join("\n") + "\n");
    before = copied();
    // Lines cut by the 1 MiB chunks are the scanner's.
    expect(readJsonl(jsonl, true).taken).toBeGreaterThan(ROWS - 10);
    expect(copied() - before).toBeLessThanOrEqual(jsonl.length);
  });
});
