import { readdirSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Activation } from "../src/activations/types.js";
import { DactError } from "../src/errors.js";
import { transformCsv } from "../src/formats/csv/codec.js";
import { memoryInput, MemoryOutput } from "../src/io.js";
import { formatNumber, parseNumberText, cellStatus, CellStatus } from "../src/formats/text/number.js";
import { chunkings, derive, fixture, FIXTURES, IDENTITY } from "./helpers.js";

const VALID = path.join(FIXTURES, "csv", "valid");
const inputs = readdirSync(VALID);

describe("csv: the same output as Python's csv + float() + np.heaviside", () => {
  for (const file of inputs) {
    const ext = path.extname(file);
    const stem = file.slice(0, -ext.length);
    const input = fixture("csv", "valid", file);
    for (const h0 of ["0", "0.5", "1", "1e-7"]) {
      const want = fixture("csv", "expected", `${stem}.h0=${h0}${ext}`).toString("utf8");
      it(`${file} at-zero=${h0}, every chunking`, async () => {
        for (const c of chunkings(file.length + h0.length, input.length)) {
          const { bytes } = await derive(input, "relu", { "at-zero": h0 }, c.sizes, ext === ".tsv" ? "tsv" : "csv");
          expect(bytes.toString("utf8"), `chunking ${c.name}`).toBe(want);
        }
      });
    }
  }
});

async function runCsv(text: string | Buffer, opts: { sizes?: number[]; header?: "auto" | "yes" | "no"; delimiter?: string; activation?: Activation } = {}) {
  const out = new MemoryOutput();
  const data = typeof text === "string" ? Buffer.from(text) : text;
  await transformCsv(memoryInput(data, "data.csv", opts.sizes), out, {
    kernel: (opts.activation ?? IDENTITY).kernel({}),
    notice: () => {},
  }, { delimiter: opts.delimiter ?? ",", header: opts.header ?? "auto" });
  return out.bytes().toString("utf8");
}


async function csvError(text: string, opts: Parameters<typeof runCsv>[1] = {}): Promise<DactError> {
  try {
    await runCsv(text, opts);
  } catch (e) {
    if (e instanceof DactError) return e;
    throw e;
  }
  throw new Error("expected an error");
}

describe("csv: errors name the line and cell", () => {
  it.each([
    ["1,2\n3,4\n5,abc\n", "CSV_NUMBER", 'dact: data.csv:3:2: "abc" is not a number'],
    ["1,2\n3,4,5\n", "CSV_FIELDS", "dact: data.csv:2: found 3 cells; expected 2, as in line 1"],
    ["1,2\n3\n", "CSV_FIELDS", "dact: data.csv:2: found 1 cell; expected 2, as in line 1"],
    ["a,b\n1,2\n\n3,0x10\n", "CSV_NUMBER", 'dact: data.csv:4:2: "0x10" is not a number, in column "b" (pass --index-col b to keep the column aside as labels)'],
    ["1,2\n\"3,4\n", "CSV_QUOTE", 'dact: data.csv:2:1: unclosed quote; expected a closing " before the end of the input'],
    ["1,2\n3,12abc\n", "CSV_NUMBER", 'dact: data.csv:2:2: "12abc" is not a number'],
    ["1,2\n3,1__0\n", "CSV_NUMBER", 'dact: data.csv:2:2: "1__0" is not a number'],
    ["1,2\n\"x\"y,1\n", "CSV_NUMBER", null],
    ["1,2\n\"4\",\"abc\"\n", "CSV_NUMBER", 'dact: data.csv:2:2: "abc" is not a number'],
  ])("%j -> %s", async (text, code, message) => {
    for (const sizes of [[1], [3], [1 << 20]]) {
      const e = await csvError(text, { sizes });
      expect(e.code).toBe(code);
      if (message) expect(e.message).toBe(message);
      expect(e.message).toMatch(/^dact: data\.csv:\d+/);
    }
  });

  it("--no-header makes a text first row an error", async () => {
    const e = await csvError("a,b\n1,2\n", { header: "no" });
    expect(e.message).toBe('dact: data.csv:1:1: "a" is not a number');
  });

  it("--header keeps a numeric first row as it is", async () => {
    expect(await runCsv("1,2\n-1,3\n", { header: "yes" })).toBe("1,2\n-1.0,3.0\n");
  });
});

describe("csv: numbers follow Python's float()", () => {
  it.each([
    ["1", 1], ["-1.5", -1.5], ["+2", 2], ["  3  ", 3], [".5", 0.5], ["5.", 5], ["1e-5", 1e-5], ["2.5E+3", 2500],
    ["nan", NaN], ["-NaN", NaN], ["inf", Infinity], ["-Infinity", -Infinity], ["iNF", Infinity], ["+inf", Infinity],
    ["1_000", 1000], ["1_0.2_5", 10.25], ["1e1_0", 1e10], ["1e-400", 0], ["-1e-400", -0], ["1e400", Infinity],
    ["0.1", 0.1], ["123456789012345678901234567890", 1.2345678901234568e29], ["4.9406564584124654e-324", 5e-324],
    ["2.2250738585072011e-308", 2.225073858507201e-308], ["9007199254740993", 9007199254740992], ["0.30000000000000004", 0.30000000000000004],
  ])("%s -> %d", (text, want) => {
    const v = parseNumberText(text);
    expect(cellStatus).toBe(CellStatus.Number);
    expect(Object.is(v, want)).toBe(true);
  });

  it.each(["", "  "])("%j is a missing value", (text) => {
    parseNumberText(text);
    expect(cellStatus).toBe(CellStatus.Missing);
  });

  it.each(["abc", "0x10", "12abc", "1__0", "_1", "1_", "1_.5", "1._5", "1e", "e5", ".", "+", "-", "1 2", "infinit", "nanx", "1e+", "--1", "0b1", "1,5", "\u22121", "1\u00a0\u00a02x", "\u0661\u0041"])("%j is not a number", (text) => {
    parseNumberText(text);
    expect(cellStatus).toBe(CellStatus.Invalid);
  });

  // Python's float() takes Unicode whitespace around a number and decimal digits of any script.
  it.each([
    ["\u0661", 1],
    ["\u00a01.5\u00a0", 1.5],
    ["\u2003-2e3\u0085", -2000],
    ["\uff11\uff12.5", 12.5],
    ["\u0663.\u0661\u0664", 3.14],
    ["\u{1d7cf}\u{1d7ce}", 10],
  ])("%j is %d, as float() reads it", (text, value) => {
    expect(parseNumberText(text)).toBe(value);
    expect(cellStatus).toBe(CellStatus.Number);
  });

  it("any double survives format then parse, bit for bit", () => {
    fc.assert(
      fc.property(fc.double(), (x) => {
        const back = parseNumberText(formatNumber(x));
        return Object.is(back, x) || (Number.isNaN(x) && Number.isNaN(back));
      }),
      { numRuns: 20000, seed: 42 },
    );
  });

  it("parses any decimal text to what Number() gives, on the fast path and off it", () => {
    const decimal = fc
      .tuple(fc.constantFrom("", "-", "+"), fc.stringMatching(/^[0-9]{1,25}$/), fc.option(fc.stringMatching(/^[0-9]{0,25}$/)), fc.option(fc.integer({ min: -400, max: 400 })))
      .map(([s, i, f, e]) => `${s}${i}${f === null ? "" : "." + f}${e === null ? "" : "e" + e}`);
    fc.assert(
      fc.property(decimal, (t) => Object.is(parseNumberText(t), Number(t))),
      { numRuns: 20000, seed: 7 },
    );
  });
});

/** A random numeric matrix as CSV text, with every class of value. */
const cellValue = fc.oneof(
  fc.double(),
  fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 5e-324, 1e-310, 1, -1),
  fc.integer({ min: -1000, max: 1000 }),
);
const matrix = fc.integer({ min: 1, max: 6 }).chain((cols) => fc.array(fc.array(fc.option(cellValue, { freq: 8 }), { minLength: cols, maxLength: cols }), { minLength: 1, maxLength: 30 }));

function toCsv(m: (number | null)[][], quote: (r: number, c: number) => boolean, crlf: boolean[], finalNewline: boolean): string {
  return m
    .map((row, r) => {
      const line = row.map((v, c) => {
        const t = v === null ? "" : formatNumber(v);
        return quote(r, c) ? `"${t}"` : t;
      });
      // A row of one empty cell would be a blank line; give it a space-free empty quoted cell instead.
      const text = row.length === 1 && row[0] === null ? '""' : line.join(",");
      const end = r === m.length - 1 && !finalNewline ? "" : crlf[r % crlf.length] ? "\r\n" : "\n";
      return text + end;
    })
    .join("");
}

describe("csv properties (fast-check)", () => {
  it("the fast path and the csv-parse path give identical output, for every chunking", async () => {
    await fc.assert(
      fc.asyncProperty(matrix, fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), fc.array(fc.boolean(), { minLength: 1 }), fc.boolean(), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 10 }), async (m, qmask, crlf, fin, sizes) => {
        const plain = toCsv(m, () => false, crlf, fin);
        const quoted = toCsv(m, (r, c) => qmask[(r * 7 + c) % qmask.length]!, crlf, fin);
        const a = await runCsv(plain, { header: "no" });
        const b = await runCsv(quoted, { header: "no", sizes });
        const c = await runCsv(plain, { header: "no", sizes });
        expect(b).toBe(a);
        expect(c).toBe(a);
      }),
      { numRuns: 300, seed: 3 },
    );
  });

  it("round trip: with an identity kernel, read(write(m)) == m", async () => {
    await fc.assert(
      fc.asyncProperty(matrix, async (m) => {
        const text = toCsv(m, () => false, [false], true);
        const out = await runCsv(text, { header: "no" });
        const back = out.trimEnd().split("\n").map((line) => line.split(","));
        expect(back.length).toBe(m.length);
        m.forEach((row, r) => {
          if (row.length === 1 && row[0] === null) return;
          row.forEach((v, c) => {
            const cell = back[r]![c]!;
            if (v === null) expect(cell).toBe(row.length === 1 ? '""' : "");
            else expect(Object.is(parseNumberText(cell), v) || (Number.isNaN(v) && cell === "NaN")).toBe(true);
          });
        });
      }),
      { numRuns: 200, seed: 11 },
    );
  });

  it("output shape equals input shape, and relu maps each value as np.heaviside", async () => {
    await fc.assert(
      fc.asyncProperty(matrix, fc.constantFrom(0, 0.5, 1), async (m, h0) => {
        fc.pre(m[0]!.some((v) => v !== null)); // else auto-detection takes the first row for a header
        // An empty first cell over increasing column numbers is pandas' index header (`,0,1,2`).
        const [first, ...rest] = m[0]!;
        fc.pre(!(first === null && rest.length > 0 && rest.every((v, k) => v !== null && Number.isInteger(v) && !Object.is(v, -0) && v >= 0 && (k === 0 || v > rest[k - 1]!))));
        const text = toCsv(m, () => false, [true], true);
        const { bytes } = await derive(Buffer.from(text), "relu", { "at-zero": h0 }, [17], "csv");
        const lines = bytes.toString().split("\r\n");
        expect(lines.pop()).toBe("");
        expect(lines.length).toBe(m.length);
        m.forEach((row, r) => {
          const cells = lines[r]!.split(",");
          expect(cells.length).toBe(row.length === 1 && row[0] === null ? 1 : row.length);
          row.forEach((v, c) => {
            const want = v === null ? (row.length === 1 ? '""' : "") : v > 0 ? "1.0" : v < 0 ? "0.0" : v === 0 ? formatNumber(h0) : "NaN";
            expect(cells[c] ?? "").toBe(want);
          });
        });
      }),
      { numRuns: 200, seed: 5 },
    );
  });
});

describe("csv: chunk boundaries in awkward places", () => {
  const text = "\ufeffa,b\r\n1.25,-3e-2\r\n\"4\",-0\r\n";
  const bytes = Buffer.from(text);
  it("splits inside the BOM, a CRLF, a number and a quoted cell", async () => {
    const whole = await runCsv(bytes);
    expect(whole).toBe("\ufeffa,b\r\n1.25,-0.03\r\n4.0,-0.0\r\n"); // the BOM kept: an Excel file stays one
    for (let cut = 1; cut < bytes.length; cut++) {
      for (const second of [1, 2, 7]) {
        const sizes = [cut, second, 1 << 20];
        expect(await runCsv(bytes, { sizes }), `cut at ${cut}, then ${second}`).toBe(whole);
      }
    }
  });

  it("a BOM alone, whitespace alone and nothing at all give empty output", async () => {
    for (const t of ["", "\ufeff", "  \n\n \r\n"]) expect(await runCsv(t, { sizes: [1] })).toBe("");
  });
});

describe("csv: options", () => {
  it("--delimiter sets the cell separator, in and out", async () => {
    expect(await runCsv("1;-2\n0;3\n", { delimiter: ";" })).toBe("1.0;-2.0\n0.0;3.0\n");
  });
});
