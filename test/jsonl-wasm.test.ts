/**
 * JSON Lines through the wasm row parser (src/wasm/text.wat, taken by
 * JsonReader.fastLines) against the reader's own scanner alone: the same
 * ops, values (bit for bit), line endings, document shapes and line
 * numbers, and the same error at the same position, for every input and
 * every chunking. The wasm parser takes only whole lines of numbers and
 * nulls and leaves every other line to the scanner; these inputs mix both.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DactError } from "../src/errors.js";
import { JsonReader } from "../src/formats/json/reader.js";

interface Trace {
  ops: number[];
  bits: string[];
  endings: number[];
  docs: string[];
  error: string | null;
  /** Lines the wasm parser took. */
  wasmLines: number;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const bitsOf = (x: number) => {
  f64[0] = x;
  return `${u32[1]!.toString(16)}:${u32[0]!.toString(16)}`;
};

/** What the reader makes of `text` cut into chunks of the given sizes (cycled). */
function read(text: Buffer, chunks: number[], wasm: boolean): Trace {
  const t: Trace = { ops: [], bits: [], endings: [], docs: [], error: null, wasmLines: 0 };
  const reader: JsonReader = new JsonReader({
    lines: true,
    file: "x.jsonl",
    wasm,
    onBatch(b) {
      for (let k = 0; k < b.nOps; k++) t.ops.push(b.ops[k]!);
      for (let k = 0; k < b.nValues; k++) t.bits.push(bitsOf(b.values[k]!));
      for (let k = 0; k < b.nEndings; k++) t.endings.push(b.endings[k]!);
    },
    onDocument(shape) {
      t.docs.push(`${reader.lineNumber}:${shape.join(",")}`);
    },
  });
  try {
    let p = 0;
    for (let k = 0; p < text.length; k++) {
      const n = Math.max(1, chunks[k % chunks.length]!);
      // A fresh copy each time, as a file reader's reused buffer would be.
      reader.push(Buffer.from(text.subarray(p, p + n)));
      p += n;
    }
    reader.end();
  } catch (err) {
    if (!(err instanceof DactError)) throw err;
    t.error = `${err.code} ${err.message}`;
  }
  t.wasmLines = reader.wasmLines;
  return t;
}

function same(text: string | Buffer, chunks: number[]): Trace {
  const b = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  const fast = read(b, chunks, true);
  const slow = read(b, chunks, false);
  expect(fast.error).toBe(slow.error);
  expect(fast.docs).toEqual(slow.docs);
  expect(fast.endings).toEqual(slow.endings);
  expect(fast.ops).toEqual(slow.ops);
  expect(fast.bits).toEqual(slow.bits);
  expect(slow.wasmLines).toBe(0);
  return fast;
}

/** Numbers in the spellings files hold: repr, %.17g, exponents, signs, zeros, long ones for the reference parser. */
const number = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => String(x)),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map((x) => x.toPrecision(17)),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => x.toExponential(16).replace("e+", "e")),
  fc.constantFrom("0", "-0", "0.0", "1E5", "1e+5", "-1e-5", "5e-324", "1e400", "-1e-400", "12345678901234567890123", "0.1234567890123456789012345", "NaN", "Infinity", "-Infinity", "null"),
  fc.integer({ min: -1e9, max: 1e9 }).map(String),
);
const space = fc.constantFrom("", "", "", " ", "\t", "  ");
const row = (width: number) =>
  fc.tuple(fc.array(fc.tuple(space, number, space), { minLength: width, maxLength: width }), space, space).map(([cells, a, b]) => `${a}[${cells.map(([s, x, t]) => s + x + t).join(",")}]${b}`);
/** A line the wasm parser leaves to the scanner (or one that is an error there). */
const odd = fc.constantFrom("", "[]", "[[1, 2], [3, 4]]", "7", "null", "[1, 2,]", "[01, 2]", "[1 2]", "[1, 2]x", "[1, 2] [3]", "[1, nul]", '[1, "a"]', "[1, 2", "{\"a\": 1}", "[1.]", "[-]", "[1e]", "[1, 2]\r", "[NaN, nan]", "[1, .5]");
const ending = fc.constantFrom("\n", "\n", "\n", "\r\n");

describe("JSON Lines: the wasm row parser and the reader's scanner agree", () => {
  it("on files of rows of one width, any chunking", () => {
    let taken = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }).chain((w) => fc.array(fc.tuple(row(w), ending), { minLength: 1, maxLength: 40 })), fc.boolean(), fc.array(fc.integer({ min: 1, max: 2000 }), { minLength: 1, maxLength: 5 }), (lines, last, chunks) => {
        const text = lines.map(([l, e], k) => l + (k === lines.length - 1 && !last ? "" : e)).join("");
        taken += same(text, chunks).wasmLines;
      }),
      { numRuns: 1500 },
    );
    expect(taken).toBeGreaterThan(2000);
  });

  it("with lines of other widths, nesting, blank lines and malformed lines among them: the same error at the same place", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.oneof(row(3), row(3), row(3), row(2), odd), ending), { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 5 }),
        (lines, chunks) => {
          same(lines.map(([l, e]) => l + e).join(""), chunks);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it("on a large file in big chunks (the slices of the wasm parser), and in one", () => {
    const lines: string[] = [];
    let s = 12345;
    const r = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    for (let k = 0; k < 20_000; k++) lines.push(`[${Array.from({ length: 10 }, () => (k % 997 === 0 ? "null" : (r() * 10 ** Math.floor(r() * 8)).toPrecision(17))).join(",")}]`);
    const text = lines.join("\n") + "\n";
    const t = same(text, [1 << 20]);
    same(text, [text.length]);
    same(text, [65536, 7, 100_003]);
    expect(t.docs.length).toBe(20_000);
    expect(t.wasmLines).toBeGreaterThan(19_000);
    expect(t.endings.length).toBe(20_000);
  });

  it("keeps a line's number in errors after lines the wasm parser took", () => {
    const text = "[1, 2]\n[3, 4]\n[5, 6]\n[7, 8,]\n";
    const t = same(text, [1 << 16]);
    expect(t.error).toMatch(/x\.jsonl:4:/);
    expect(t.wasmLines).toBe(3);
  });

  it("reads a BOM, CRLF endings and a last line without a line break", () => {
    const t = same(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("[1.5, -2]\r\n[3, null]\r\n[5, 6]")]), [4096]);
    expect(t.error).toBeNull();
    expect(t.endings).toEqual([2, 2, 0]);
    expect(t.wasmLines).toBe(2);
  });
});
