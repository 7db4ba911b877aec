/**
 * --grad-output on CSV/TSV keeps the text layout the plain run keeps: a
 * BOM, Excel's `sep=` line, comment lines, the header line as written
 * (quotes and all), label columns (an index under an empty header cell, a
 * text column), NA tokens, the delimiter (whitespace written as single
 * spaces), a decimal comma, each row's line ending (LF, CRLF, CR) and a
 * missing final newline. Before, G ⊙ f'(x) went through the array path and
 * dropped all of it (docs/formats.md, "Known gap").
 *
 * Properties, over random tables in random layouts fed in random chunks:
 * (1) with G all ones the output is byte for byte the plain run's (relu'
 * is 0, 1 or its value at zero: times 1 exact); (2) with a random G the
 * output is the same layout with G * heaviside(X, h) in place of each
 * number (the product of two doubles, as numpy's; the numpy-made fixtures
 * of grad-csv-layout.e2e.test.ts check the same through the binary).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findActivation, resolveParams } from "../src/activations/registry.js";
import { formatSpec, arrayFormat } from "../src/formats/index.js";
import { formatRepr } from "../src/formats/text/repr.js";
import { withGradStage, type GradSource } from "../src/grad.js";
import { memoryInput, MemoryOutput } from "../src/io.js";

type Delim = "," | ";" | "\t" | "|" | "ws";
type End = "\n" | "\r\n" | "\r";

interface Layout {
  delim: Delim;
  decimal: "." | ",";
  bom: boolean;
  sepLine: boolean;
  header: "none" | "plain" | "quoted";
  index: boolean; // an index column under an empty header cell (pandas, R)
  text: boolean; // a text column (ids), passed through as labels
  cols: number;
  rows: number;
  /** Each row's cells: a number, or a missing cell ("" or an NA token). */
  cells: (number | string)[][];
  endings: End[]; // one per line (comments, sep=, header, rows)
  finalNewline: boolean;
  /** Comment lines before row k (k = -1: before the header). */
  comments: number[];
  atZero: number;
}

const NUMBERS = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 0.5, -2.5, 1e-300, -1e300, Infinity, -Infinity, 5e-324),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -5, max: 5 }),
);

const layoutArb: fc.Arbitrary<Layout> = fc
  .record({
    delim: fc.constantFrom<Delim>(",", ";", "\t", "|", "ws"),
    decimalComma: fc.boolean(),
    bom: fc.boolean(),
    sepLine: fc.boolean(),
    header: fc.constantFrom<Layout["header"]>("none", "plain", "quoted"),
    index: fc.boolean(),
    text: fc.boolean(),
    cols: fc.integer({ min: 1, max: 4 }),
    rows: fc.integer({ min: 1, max: 6 }),
    seed: fc.array(fc.oneof({ weight: 6, arbitrary: NUMBERS }, { weight: 1, arbitrary: fc.constantFrom("", "NA", "nan", "#N/A", "NULL") }), { minLength: 24, maxLength: 24 }),
    endings: fc.array(fc.constantFrom<End>("\n", "\r\n", "\r"), { minLength: 40, maxLength: 40 }),
    finalNewline: fc.boolean(),
    comments: fc.array(fc.integer({ min: -1, max: 6 }), { maxLength: 3 }),
    atZero: fc.constantFrom(0, 0.5, 1),
  })
  .map((r) => {
    const ws = r.delim === "ws";
    const decimal: "." | "," = r.decimalComma && r.delim !== "," ? "," : ".";
    // The labels need a header to be told apart; an empty header cell has no place between runs of spaces.
    const header = r.header === "quoted" && ws ? "plain" : r.header;
    const index = r.index && header !== "none" && !ws;
    const text = r.text && header !== "none";
    const cells: (number | string)[][] = [];
    for (let i = 0; i < r.rows; i++) {
      const row: (number | string)[] = [];
      for (let j = 0; j < r.cols; j++) {
        let v: number | string = r.seed[(i * r.cols + j) % r.seed.length]!;
        // Whitespace has no empty cell; the first data row decides which columns are text: numbers there.
        if (typeof v === "string" && (i === 0 || (ws && v === ""))) v = i + j - 2;
        // A row of one empty cell would be a blank line, which readers skip: an NA token there.
        // Whitespace mode reads a line starting "#N/A" as a comment (the plain run's reader: WhitespaceRuns).
        if (ws && typeof v === "string" && v.startsWith("#")) v = "NA";
        if (v === "" && r.cols === 1 && !(r.index && r.header !== "none" && !ws) && !(r.text && r.header !== "none")) v = "NA";
        row.push(v);
      }
      // A line of tabs alone is blank to the reader (skipped): a row of empty cells only has an NA token first.
      if (row.every((v): boolean => v === "") && !(r.index && header !== "none" && !ws) && !(r.text && header !== "none")) row[0] = "NA";
      cells.push(row);
    }
    // The sep= hint comes first (before a BOM it would not be the first line).
    const sepLine = r.sepLine && !ws && !r.bom;
    return {
      delim: r.delim,
      decimal,
      bom: r.bom,
      sepLine,
      header,
      index,
      text,
      cols: r.cols,
      rows: r.rows,
      cells,
      endings: r.endings,
      finalNewline: r.finalNewline,
      comments: r.comments.filter((k) => k < r.rows || k === r.rows).filter((k) => header !== "none" || k >= 0),
      atZero: r.atZero,
    };
  });

/** How a number is written: Python's repr, with the decimal separator. */
function num(x: number, decimal: "." | ","): string {
  const s = formatRepr(x);
  return decimal === "," ? s.replace(".", ",") : s;
}

/**
 * The file of a layout with `cell(i, j)` as each numeric cell's text.
 * `out`: as dact writes it back (whitespace as single spaces).
 */
function render(l: Layout, cell: (i: number, j: number) => string, out: boolean): string {
  const d = l.delim === "ws" ? (out ? " " : "  ") : l.delim;
  const lines: string[] = [];
  if (l.sepLine) lines.push(`sep=${l.delim}`);
  const comments = (k: number) => l.comments.filter((c) => c === k).forEach((_, m) => lines.push(`# note ${k} ${m}`));
  comments(-1);
  if (l.header !== "none") {
    const names = [...(l.index ? [""] : []), ...(l.text ? ["id"] : []), ...Array.from({ length: l.cols }, (_, j) => `c${j}`)];
    lines.push(names.map((n) => (l.header === "quoted" ? `"${n}"` : n)).join(d));
  }
  for (let i = 0; i < l.rows; i++) {
    comments(i);
    const row = [...(l.index ? [String(i)] : []), ...(l.text ? [`id${i}`] : []), ...Array.from({ length: l.cols }, (_, j) => cell(i, j))];
    // A row of one empty cell is written "" (not a blank line, which readers skip).
    lines.push(out && row.length === 1 && row[0] === "" ? '""' : row.join(d));
  }
  comments(l.rows);
  const text = lines.map((s, k) => s + (k < lines.length - 1 || l.finalNewline ? l.endings[k % l.endings.length]! : "")).join("");
  return (l.bom ? "\ufeff" : "") + text;
}

const xText = (l: Layout) => render(l, (i, j) => (typeof l.cells[i]![j] === "string" ? (l.cells[i]![j] as string) : num(l.cells[i]![j] as number, l.decimal)), false);

/** numpy's G * np.heaviside(X, h), element by element (NaN where X is missing). */
function expected(l: Layout, g: number[][]): string {
  return render(
    l,
    (i, j) => {
      const x = l.cells[i]![j]!;
      if (typeof x === "string") return x; // a missing cell is copied back as it was
      const h = x > 0 ? 1 : x < 0 ? 0 : l.atZero;
      return num(g[i]![j]! * h, l.decimal);
    },
    true,
  );
}

/** G as JSON (numbers as Python's json.dumps writes them). */
function gJson(g: number[][]): Buffer {
  const t = (v: number) => (Number.isNaN(v) ? "NaN" : v === Infinity ? "Infinity" : v === -Infinity ? "-Infinity" : formatRepr(v));
  return Buffer.from(`[${g.map((r) => `[${r.map(t).join(",")}]`).join(",")}]\n`);
}

/**
 * The run as the pipeline runs a CSV input to CSV output: the same-format
 * transform, with a GradStage for G when given. In memory, in `sizes` chunks.
 */
async function run(l: Layout, data: Buffer, g: Buffer | null, sizes: number[]): Promise<string> {
  const act = findActivation("relu")!;
  const params = resolveParams(act, { "at-zero": l.atZero });
  const kernel = act.kernel(params);
  const opts = { delimiter: l.delim === "ws" ? "whitespace" : l.delim, header: l.header === "none" ? ("no" as const) : ("yes" as const), decimal: l.decimal, notice: () => {} };
  const transform = await arrayFormat("csv").transform(opts);
  const out = new MemoryOutput();
  const input = memoryInput(data, "x.csv", sizes);
  const ctx = { kernel, signOnly: act.signOnly ?? false, notice: () => {} };
  if (!g) await transform(input, out, ctx);
  else {
    const json = arrayFormat("json");
    const grad: GradSource = { kind: "array", name: "g.json", read: (sink, after) => json.read(memoryInput(g, "g.json", [sizes[0]! * 3 + 1]), {}, sink, after, () => {}) };
    await withGradStage(grad, kernel, "x.csv", undefined, (stage) => transform(input, out, { ...ctx, grad: stage }));
  }
  return out.bytes().toString();
}

const CHUNKS = fc.constantFrom<number[]>([1], [2], [7], [1 << 20], [3, 1, 11, 64]);

describe("--grad-output G keeps a CSV's text layout: the same bytes as the plain run, numbers aside", () => {
  it("the layouts render as intended (a check of the test's own generator against the plain run)", async () => {
    await fc.assert(
      fc.asyncProperty(layoutArb, async (l) => {
        const ones = l.cells.map((r) => r.map(() => 1));
        // The plain run writes the expected file for G = 1 (relu' times 1 is exact).
        expect(await run(l, Buffer.from(xText(l)), null, [1 << 20])).toBe(expected(l, ones));
      }),
      { numRuns: Number(process.env.LAYOUT_RUNS) || 150 },
    );
  });

  it("with G all ones, output(X, G) equals output(X) byte for byte, in any chunking", async () => {
    await fc.assert(
      fc.asyncProperty(layoutArb, CHUNKS, async (l, sizes) => {
        const x = Buffer.from(xText(l));
        const ones = gJson(l.cells.map((r) => r.map(() => 1)));
        const plain = await run(l, x, null, sizes);
        expect(await run(l, x, ones, sizes)).toBe(plain);
      }),
      { numRuns: Number(process.env.LAYOUT_RUNS) || 150 },
    );
  });

  it("with a random G, the same layout holds G * heaviside(X, h) in each number's place", async () => {
    const gArb = fc.array(fc.oneof({ weight: 8, arbitrary: fc.double({ noDefaultInfinity: true, noNaN: true }) }, { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, -1) }), { minLength: 24, maxLength: 24 });
    await fc.assert(
      fc.asyncProperty(layoutArb, gArb, CHUNKS, async (l, seed, sizes) => {
        const g = l.cells.map((r, i) => r.map((_, j) => seed[(i * l.cols + j) % seed.length]!));
        expect(await run(l, Buffer.from(xText(l)), gJson(g), sizes)).toBe(expected(l, g));
      }),
      { numRuns: Number(process.env.LAYOUT_RUNS) || 150 },
    );
  });

  it("a first row longer than the streaming threshold waits for its length, then takes G in order", async () => {
    // 4 MiB+ of one row streams cell by cell (CsvReader LONG_LINE) before the column count is known.
    const cols = 300_000;
    const xs = Array.from({ length: cols }, (_, j) => (j % 3) - 1);
    const data = Buffer.from(`${xs.map((v) => num(v * 12.345678901, ".")).join(",")}\n${xs.map(() => "-1").join(",")}\r\n`);
    const l = { delim: ",", decimal: ".", header: "none", atZero: 0 } as Layout;
    const g = [xs.map((_, j) => j + 0.25), xs.map(() => 3)];
    const out = await run(l, data, gJson(g), [1 << 16]);
    const lines = out.split(/\r?\n/);
    expect(lines[0]!.split(",").map(Number)).toEqual(xs.map((v, j) => (v > 0 ? j + 0.25 : 0)));
    expect(out.endsWith("\r\n")).toBe(true);
    expect(lines[1]).toBe(xs.map(() => "0.0").join(","));
    expect(formatSpec("csv").kind).toBe("array");
  });
});

describe("whitespace-separated input after a BOM", () => {
  it.each([[1 << 20], [1], [2]])("a first comment line is copied untouched (chunks of %i): the BOM does not end the line's start", async (size) => {
    const l = { delim: "ws", decimal: ".", header: "none", atZero: 0 } as Layout;
    const x = Buffer.from("\ufeff# a b  c\n1  -2\n");
    expect(await run(l, x, null, [size])).toBe("\ufeff# a b  c\n1.0 0.0\n");
  });
});

describe("--grad-output G keeps a JSON Lines file's line endings (arrays, one row per line)", () => {
  async function runJsonl(data: string, g: number[][] | null, sizes: number[]): Promise<string> {
    const act = findActivation("relu")!;
    const kernel = act.kernel(resolveParams(act, {}));
    const transform = await arrayFormat("jsonl").transform({});
    const out = new MemoryOutput();
    const input = memoryInput(Buffer.from(data), "x.jsonl", sizes);
    const ctx = { kernel, signOnly: true, notice: () => {} };
    if (!g) await transform(input, out, ctx);
    else {
      const json = arrayFormat("json");
      const grad: GradSource = { kind: "array", name: "g.json", read: (sink, after) => json.read(memoryInput(gJson(g), "g.json", [5]), {}, sink, after, () => {}) };
      await withGradStage(grad, kernel, "x.jsonl", undefined, (stage) => transform(input, out, { ...ctx, grad: stage }));
    }
    return out.bytes().toString();
  }
  const X = "[1.5,null,-2]\r\n\r\n[0,3,-0.0]\n[ 4 , 5 , 6 ]";
  it.each([[1], [2], [7], [1 << 20]])("chunks of %i: G of ones gives the plain run's bytes; G gives G * heaviside(X, 0) with nulls kept", async (size) => {
    const plain = await runJsonl(X, null, [size]);
    expect(plain).toBe("[1.0,null,0.0]\r\n\r\n[0.0,1.0,0.0]\n[1.0,1.0,1.0]");
    expect(await runJsonl(X, [[1, 1, 1], [1, 1, 1], [1, 1, 1]], [size])).toBe(plain);
    expect(await runJsonl(X, [[2.5, 7, -1], [-3, 0.25, -4], [1, -0, 1e300]], [size])).toBe("[2.5,null,-0.0]\r\n\r\n[-0.0,0.25,-0.0]\n[1.0,-0.0,1e+300]");
  });
  it("a line of another shape is an error with its line, as the array path gives it", async () => {
    await expect(runJsonl("[1,2]\n[3]\n", [[1, 1], [1, 1]], [4])).rejects.toMatchObject({ code: "JSON_SHAPE", position: { line: 2 } });
  });
});
