/**
 * Issues 24 §1 and 28 (mixed columns): tables as pandas, R and numpy write
 * them. The inputs and the expected numbers come from pandas' own reading
 * of each file (select_dtypes("number")) and np.heaviside, by
 * fixtures/make_tables.py; .npy output must equal np.save's bytes, and
 * same-format output must keep the header and every label cell in place.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { DactError } from "../src/errors.js";
import { transformCsv } from "../src/formats/csv/codec.js";
import { memoryInput, MemoryOutput } from "../src/io.js";
import { columnsOption } from "../src/options.js";
import { FIXTURES, IDENTITY } from "./helpers.js";
import { dact, workdir } from "./workdir.js";

const TABLES = path.join(FIXTURES, "tables");

interface Expected {
  input: string;
  cli: string[];
  shape: number[];
  values: (number | null)[];
  columns: string[];
  labelCols: number[];
  labels?: string[][];
  grad?: string;
}

const cases = readdirSync(TABLES)
  .filter((f) => f.endsWith(".expected.json"))
  .map((f) => f.replace(".expected.json", ""));

function load(name: string): Expected {
  return JSON.parse(readFileSync(path.join(TABLES, `${name}.expected.json`), "utf8")) as Expected;
}

/** A folder with the case's input (and G), so outputs never land in fixtures/. */
function setUp(want: Expected): string {
  const d = workdir();
  copyFileSync(path.join(TABLES, want.input), path.join(d, want.input));
  if (want.grad) copyFileSync(path.join(TABLES, want.grad), path.join(d, want.grad));
  return d;
}

/** Splits a CSV line at `sep` outside double quotes, unquoting cells. */
function cellsOf(line: string, sep: string): string[] {
  if (sep === " ") return line.trim().split(/ +/);
  const out: string[] = [];
  let cur = "";
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (q) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') q = false;
      else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === sep) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

const NA = new Set(["", "NA", "NULL", "None", "N/A", "nan", "NaN"]);

/** A numeric cell of dact's output as the double it means (null: missing), whatever the number layout. */
function valueOf(cell: string, decimalComma: boolean): number | null {
  const t = decimalComma ? cell.replace(",", ".") : cell;
  if (NA.has(t)) return null;
  const v = t === "inf" ? Infinity : t === "-inf" ? -Infinity : Number(t);
  expect(Number.isNaN(v), `cell ${JSON.stringify(cell)}`).toBe(false);
  return v;
}

describe("tables from pandas, R and numpy: pandas' numbers, np.save's bytes", () => {
  it.each(cases)("%s to .npy", (name) => {
    const want = load(name);
    const d = setUp(want);
    const r = dact(["relu", "--at-zero", "0.5", want.input, ...want.cli, "-o", "out.npy"], { cwd: d });
    expect(r.status).toBe(0);
    expect(readFileSync(path.join(d, "out.npy")).equals(readFileSync(path.join(TABLES, `${name}.expected.npy`)))).toBe(true);
    // Whatever has no place in .npy is named in one notice: every label column at once.
    const drops = r.stderr.split("\n").filter((l) => l.includes("no place in npy"));
    expect(drops.length).toBeLessThanOrEqual(1);
    if (want.labelCols.length > 0) {
      expect(drops).toHaveLength(1);
      expect(drops[0]).toContain(`label column${want.labelCols.length > 1 ? "s" : ""} `);
      const listed = /label columns? (.*) ha(?:ve|s) no place/.exec(drops[0]!)![1]!.split(", ");
      expect(listed).toHaveLength(want.labelCols.length);
    }
  });

  const textCases = cases.filter((c) => /\.(csv|tsv|txt)$/.test(load(c).input));
  it.each(textCases)("%s, same format: the header and label cells in place, pandas' numbers", (name) => {
    const want = load(name);
    const d = setUp(want);
    const r = dact(["relu", "--at-zero", "0.5", want.input, ...want.cli], { cwd: d });
    expect(r.status).toBe(0);
    const input = readFileSync(path.join(d, want.input), "utf8");
    const out = r.stdout.toString("utf8");
    const bom = input.startsWith("\ufeff");
    expect(out.startsWith("\ufeff")).toBe(bom);
    const crlf = input.includes("\r\n");
    const inLines = (bom ? input.slice(1) : input).split(crlf ? "\r\n" : "\n");
    const outLines = (bom ? out.slice(1) : out).split(crlf ? "\r\n" : "\n");
    expect(outLines.length).toBe(inLines.length);
    const sep = want.input.endsWith(".tsv") ? "\t" : want.input.endsWith(".txt") ? " " : want.cli.includes("--decimal") ? ";" : ",";
    const rows = want.shape[0]!;
    const headerRows = outLines.length - 1 - rows; // the last line is empty (a final newline)
    expect(headerRows === 0 || headerRows === 1).toBe(true);
    if (headerRows === 1) expect(outLines[0]).toBe(inLines[0]);
    const cols = want.shape[1]!;
    const got: (number | null)[] = [];
    for (let i = 0; i < rows; i++) {
      const cells = cellsOf(outLines[headerRows + i]!, sep);
      expect(cells.length).toBe(cols + want.labelCols.length);
      const labels = want.labelCols.map((c) => cells[c]);
      expect(labels).toEqual(want.labels![i]);
      cells.forEach((c, k) => want.labelCols.includes(k) || got.push(valueOf(c, want.cli.includes("--decimal"))));
    }
    expect(got).toEqual(want.values);
  });

  const jsonCases = cases.filter((c) => /\.jsonl?$/.test(load(c).input));
  it.each(jsonCases)("%s, same format: the same records, the same keys, pandas' numbers", (name) => {
    const want = load(name);
    const d = setUp(want);
    const r = dact(["relu", "--at-zero", "0.5", want.input, ...want.cli], { cwd: d });
    expect(r.status).toBe(0);
    const input = readFileSync(path.join(d, want.input), "utf8");
    const out = r.stdout.toString("utf8");
    const parse = (t: string): unknown[][] => {
      if (want.input.endsWith(".jsonl")) return t.split("\n").filter((l) => l.trim()).map((l) => Object.entries(JSON.parse(l) as object));
      const doc = JSON.parse(t) as unknown;
      if (Array.isArray(doc)) return doc.map((o) => Object.entries(o as object));
      const split = doc as { columns: unknown[]; data: unknown[][] };
      return split.data.map((row) => row.map((v, k) => [String(split.columns[k]), v]));
    };
    const a = parse(input) as [string, unknown][][];
    const b = parse(out) as [string, unknown][][];
    expect(b.length).toBe(a.length);
    const got: (number | null)[] = [];
    b.forEach((rec, i) => {
      expect(rec.map(([k]) => k)).toEqual(a[i]!.map(([k]) => k));
      rec.forEach(([, v], k) => {
        if (want.labelCols.includes(k)) expect(v).toEqual(a[i]![k]![1]);
        else got.push(v as number | null);
      });
    });
    expect(got).toEqual(want.values);
    if (want.input.endsWith(".json") && !input.startsWith("[")) {
      // split: the other members ("columns", "index") as they were.
      const o = JSON.parse(out) as Record<string, unknown>;
      const i = JSON.parse(input) as Record<string, unknown>;
      expect(Object.keys(o)).toEqual(Object.keys(i));
      expect(o["index"]).toEqual(i["index"]);
      expect(o["columns"]).toEqual(i["columns"]);
    }
  });
});

describe("an index column under an empty header cell is never differentiated silently", () => {
  it("pandas' ,0,1,2,3 header: (5, 4) with a notice, CSV or TSV, and as G", () => {
    const want = load("pandas-default");
    const d = setUp(want);
    const r = dact(["relu", want.input, "-o", "x.npy"], { cwd: d });
    expect(r.stderr).toMatch(/the header's first cell is empty \(a pandas or R index\): the first column passes through as labels/);
  });

  it("an empty header cell among others, with --index-col naming another column: kept aside, with a notice", () => {
    const d = workdir();
    writeFileSync(path.join(d, "m.csv"), "id,,x\n7,0,-1\n8,1,2\n");
    const r = dact(["relu", "m.csv", "--index-col", "id"], { cwd: d });
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe("id,,x\n7,0,0.0\n8,1,1.0\n");
    // Counted from 0, as --index-col and --columns count (the --columns run below names it as 1).
    expect(r.stderr).toMatch(/header's cell 1 \(counted from 0\) is empty .*that column passes through as labels/);
    // --columns may choose it explicitly: then it is differentiated, with no notice.
    const c = dact(["relu", "m.csv", "--columns", "1,2"], { cwd: d });
    expect(c.stdout.toString()).toBe("id,,x\n7,0.0,0.0\n8,1.0,1.0\n");
    expect(c.stderr).toBe("");
  });

  it("--index-col none differentiates the empty-header column", () => {
    const want = load("pandas-default");
    const d = setUp(want);
    const r = dact(["relu", want.input, "--index-col", "none", "-o", "x.npy"], { cwd: d });
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/passes through/);
  });

  it("a headerless row with a missing first value is still data", () => {
    const d = workdir();
    writeFileSync(path.join(d, "m.csv"), ",1.5,2\n3,4,5\n");
    expect(dact(["relu", "m.csv"], { cwd: d }).stdout.toString()).toBe(",1.0,1.0\n1.0,1.0,1.0\n");
    writeFileSync(path.join(d, "n.csv"), ",3,2\n3,4,5\n"); // not increasing: not column numbers
    expect(dact(["relu", "n.csv"], { cwd: d }).stdout.toString()).toBe(",1.0,1.0\n1.0,1.0,1.0\n");
  });
});

describe("a named RangeIndex gets a notice", () => {
  it("names the column and both flags; --index-col step keeps it aside, --index-col none silences", () => {
    const want = load("pandas-named-index");
    const d = setUp(want);
    const r = dact(["relu", want.input], { cwd: d });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^dact: pandas-named-index\.csv: column "step" holds 0, 1, …, 4 \(pandas' default index\?\) and was differentiated; pass --index-col step to keep it aside, or --index-col none to silence this notice\n$/);
    expect(dact(["relu", want.input, "--index-col", "step"], { cwd: d }).stderr).toBe("");
    expect(dact(["relu", want.input, "--index-col", "none"], { cwd: d }).stderr).toBe("");
  });

  it("no notice when the first column is not exactly 0, 1, 2, …, or there is no header", () => {
    const d = workdir();
    writeFileSync(path.join(d, "a.csv"), "step,x\n0,1\n1,2\n3,3\n");
    expect(dact(["relu", "a.csv"], { cwd: d }).stderr).toBe("");
    writeFileSync(path.join(d, "b.csv"), "0,1\n1,2\n2,3\n");
    expect(dact(["relu", "b.csv"], { cwd: d }).stderr).toBe("");
  });
});

describe("a header needs a name: NA tokens are data", () => {
  it.each(["NA,NA", "NULL,NULL", "None,None", "N/A,N/A", "#N/A,NA", "<NA>,null"])("%s is a data row", (first) => {
    const d = workdir();
    writeFileSync(path.join(d, "m.csv"), `${first}\n1,-2\n`);
    const r = dact(["relu", "m.csv", "-o", "m.json"], { cwd: d });
    expect(r.status).toBe(0);
    expect(readFileSync(path.join(d, "m.json"), "utf8")).toBe("[[null,null],[1.0,0.0]]\n");
    expect(r.stderr).toBe("");
  });

  it("a header with one name among NA tokens is a header", () => {
    const d = workdir();
    writeFileSync(path.join(d, "m.csv"), "NA,x\n1,-2\n");
    expect(dact(["relu", "m.csv"], { cwd: d }).stdout.toString()).toBe("NA,x\n1.0,0.0\n");
  });
});

async function runCsv(text: string, opts: { columns?: string; labels?: (number | string)[] | "none"; sizes?: number[] } = {}): Promise<string> {
  const out = new MemoryOutput();
  await transformCsv(memoryInput(Buffer.from(text), "data.csv", opts.sizes), out, { kernel: IDENTITY.kernel({}), notice: () => {} }, { header: "auto", columns: opts.columns ? columnsOption(opts.columns, undefined) : undefined, labels: opts.labels });
  return out.bytes().toString("utf8");
}

async function errorOf(p: Promise<unknown>): Promise<DactError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DactError);
    return e as DactError;
  }
  throw new Error("expected an error");
}

describe("mixed columns: text passes through, a later non-number is an error", () => {
  it("the first data row decides, in every chunking", async () => {
    const text = "id,date,x,y\nu1,2026-01-01,1.5,NA\nu2,2026-01-02,-2,3\n";
    const whole = await runCsv(text);
    expect(whole).toBe("id,date,x,y\nu1,2026-01-01,1.5,NA\nu2,2026-01-02,-2.0,3.0\n");
    for (const k of [1, 2, 3, 7, 13]) expect(await runCsv(text, { sizes: Array(text.length).fill(k) })).toBe(whole);
  });

  it("an NA token or an empty cell first does not make a column text; a later text cell is an error naming line, column and cell", async () => {
    const e = await errorOf(runCsv("id,x,y\nu1,,1\nu2,abc,2\n"));
    expect(e.code).toBe("CSV_NUMBER");
    expect(e.position).toEqual({ line: 3, column: 2 });
    expect(e.detail).toMatch(/^"abc" is not a number, in column "x" \(pass --index-col x /);
    const f = await errorOf(runCsv("id,x\nu1,NA\nu2,2026-01-01\n"));
    expect(f.position).toEqual({ line: 3, column: 2 });
  });

  it("a quoted text column passes through, requoted where it must be", async () => {
    expect(await runCsv('name,x\n"Smith, J",-1\n"O""Neil",2\n')).toBe('name,x\n"Smith, J",-1.0\n"O""Neil",2.0\n');
  });

  it("--index-col none: a text column is an error", async () => {
    const e = await errorOf(runCsv("id,x\nu1,1\n", { labels: "none" }));
    expect(e.code).toBe("CSV_NUMBER");
    expect(e.position).toEqual({ line: 2, column: 1 });
  });

  it("--columns: names, numbers and ranges; the others pass through; combined with --index-col", async () => {
    const text = "a,b,c,d\n1,-2,3,-4\n";
    expect(await runCsv(text, { columns: "b" })).toBe(text.replace("1,-2,3,-4", "1,-2.0,3,-4")); // only b is written by dact
    const d = workdir();
    writeFileSync(path.join(d, "t.csv"), text);
    expect(dact(["relu", "t.csv", "--columns", "b,3"], { cwd: d }).stdout.toString()).toBe("a,b,c,d\n1,0.0,3,0.0\n");
    expect(dact(["relu", "t.csv", "--columns", "1:3"], { cwd: d }).stdout.toString()).toBe("a,b,c,d\n1,0.0,1.0,-4\n");
    expect(dact(["relu", "t.csv", "--columns", "2:"], { cwd: d }).stdout.toString()).toBe("a,b,c,d\n1,-2,1.0,0.0\n");
    expect(dact(["relu", "t.csv", "--columns", "1:", "--index-col", "c"], { cwd: d }).stdout.toString()).toBe("a,b,c,d\n1,0.0,3,0.0\n");
    const j = dact(["relu", "t.csv", "--columns", "b", "-o", "t.npy"], { cwd: d });
    expect(j.stderr).toMatch(/label columns "a", "c", "d" have no place in npy; dropped/);
    writeFileSync(path.join(d, "h.csv"), "1,-2,3\n");
    expect(dact(["relu", "h.csv", "--columns", "0,2"], { cwd: d }).stdout.toString()).toBe("1.0,-2,1.0\n");
  });

  it("--columns with a name not in the header: an error listing the header", async () => {
    const e = await errorOf(runCsv("a,b\n1,2\n", { columns: "z" }));
    expect(e.code).toBe("USAGE");
    expect(e.detail).toMatch(/option --columns: found "z"; expected a column number or one of the header's names \(a, b\)/);
    expect((await errorOf(runCsv("a,b\n1,2\n", { columns: "5" }))).code).toBe("USAGE");
    expect(() => columnsOption("3:1", undefined)).toThrow(DactError);
    expect(() => columnsOption("a,,b", undefined)).toThrow(DactError);
  });
});

describe("labels through --grad-output", () => {
  it("--index-col with --grad-output: the header and every label cell survive, row by row", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "step,a,b\n0,1,-1\n1,-2,3\n");
    writeFileSync(path.join(d, "g.csv"), "2,3\n4,5\n");
    const r = dact(["relu", "x.csv", "--index-col", "step", "--grad-output", "g.csv"], { cwd: d });
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe("step,a,b\n0,2.0,0.0\n1,0.0,5.0\n");
  });

  it("text columns of X pass through; G's label columns are ignored and its numbers must match X's", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "id,a,b\nu1,1,-1\nu2,-2,3\n");
    writeFileSync(path.join(d, "g.csv"), ",a,b\n0,2,3\n1,4,5\n");
    const r = dact(["relu", "x.csv", "--grad-output", "g.csv"], { cwd: d });
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe("id,a,b\nu1,2.0,0.0\nu2,0.0,5.0\n");
    writeFileSync(path.join(d, "g2.csv"), "name,a\nn1,2\nn2,4\n");
    const bad = dact(["relu", "x.csv", "--grad-output", "g2.csv"], { cwd: d });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/the gradient g2\.csv has shape .* and the input has .*; expected the same shape/);
  });

  it("to .npy through --grad-output: one notice for what is dropped", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "id,a,b\nu1,1,-1\nu2,-2,3\n");
    const r = dact(["relu", "x.csv", "--grad-output", "2", "-o", "o.npy"], { cwd: d });
    expect(r.status).toBe(0);
    // One line: the text column found and what is dropped.
    expect(r.stderr.split("\n")).toHaveLength(2);
    expect(r.stderr).toMatch(/^dact: x\.csv: column "id" \(first value "u1"\) is text; the CSV header \(id, a, b\) and label column "id" have no place in npy; dropped\n$/);
  });
});

describe("pandas JSON records", () => {
  it("JSON Lines: a record with other keys is an error naming the line", () => {
    const d = workdir();
    writeFileSync(path.join(d, "r.jsonl"), '{"id":"a","x":1.5}\n{"id":"b","x":-2}\n{"id":"c","y":3}\n');
    const r = dact(["relu", "r.jsonl"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toMatch(/^dact: r\.jsonl:3: found a record with .*"y".*; expected the first record's keys \(id, x\)\n$/);
  });

  it("a string later in a numeric field is an error naming the line and key", () => {
    const d = workdir();
    writeFileSync(path.join(d, "r.jsonl"), '{"id":"a","x":1.5}\n{"id":"b","x":"oops"}\n');
    const r = dact(["relu", "r.jsonl"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dact: r\.jsonl:2: found "oops" under key "x"; expected a number or null.*--index-col x/);
  });

  it("keys in another order are the same record; CRLF and blank lines are kept; --columns chooses", () => {
    const d = workdir();
    writeFileSync(path.join(d, "r.jsonl"), '{"a":1,"b":-1}\r\n\r\n{"b":2,"a":-3}\r\n');
    expect(dact(["relu", "r.jsonl"], { cwd: d }).stdout.toString()).toBe('{"a":1.0,"b":0.0}\r\n\r\n{"a":0.0,"b":1.0}\r\n');
    expect(dact(["relu", "r.jsonl", "--columns", "b"], { cwd: d }).stdout.toString()).toBe('{"a":1,"b":0.0}\r\n\r\n{"a":-3,"b":1.0}\r\n');
    expect(dact(["relu", "r.jsonl", "--to", "csv"], { cwd: d }).stdout.toString()).toBe("a,b\n1.0,0.0\n0.0,1.0\n");
  });

  it("array and split tables: errors point at the record's line and column", () => {
    const d = workdir();
    writeFileSync(path.join(d, "a.json"), '[{"a":1},\n {"b":2}]');
    const r = dact(["relu", "a.json"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dact: a\.json:2:2: found a record with .*"b".*; expected the first record's keys \(a\)\n$/);
    writeFileSync(path.join(d, "s.json"), '{"columns":["a"],"index":[0,1],"data":[[1],[2,3]]}');
    expect(dact(["relu", "s.json"], { cwd: d }).stderr).toMatch(/^dact: s\.json:1:44: found a "data" row of 2 values; expected 1 values/);
    writeFileSync(path.join(d, "p.json"), '[{"a":1},\n{"a":}]');
    expect(dact(["relu", "p.json"], { cwd: d }).stderr).toMatch(/^dact: p\.json:2:\d+: .*; expected JSON\n$/);
  });

  it("JSON Lines records are found by content on stdin", () => {
    const r = dact(["relu"], { input: '{"a":1,"b":-1}\n{"a":-3,"b":2}\n' });
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe('{"a":1.0,"b":0.0}\n{"a":0.0,"b":1.0}\n');
  });
});

describe("*.txt is text", () => {
  it("a folder walk and --include '*.txt' take np.savetxt files; the no-input message lists the registry's extensions", () => {
    const d = workdir();
    mkdirSync(path.join(d, "in"));
    copyFileSync(path.join(TABLES, "savetxt.txt"), path.join(d, "in", "savetxt.txt"));
    writeFileSync(path.join(d, "in", "other.bin"), "x");
    const r = dact(["relu", "in", "--out-dir", "out", "--include", "*.txt", "-q"], { cwd: d });
    expect(r.status).toBe(0);
    const lines = readFileSync(path.join(d, "out", "savetxt.txt"), "utf8").trim().split("\n");
    expect(lines.map((l) => l.split(" ").length)).toEqual([3, 3, 3, 3]);
    const none = dact(["relu", "in", "--out-dir", "out2", "--include", "*.nothing"], { cwd: d });
    expect(none.status).toBe(2);
    for (const ext of [".csv", ".txt", ".tsv", ".json", ".jsonl", ".npy", ".npz", ".safetensors"]) expect(none.stderr).toContain(ext);
  });
});

describe("--skip-existing knows --columns and --index-col", () => {
  it("an output made with other label options is made again", () => {
    const d = workdir();
    mkdirSync(path.join(d, "in"));
    writeFileSync(path.join(d, "in", "t.csv"), "a,b\n1,-2\n");
    expect(dact(["relu", "in", "--out-dir", "out", "--skip-existing", "-q"], { cwd: d }).status).toBe(0);
    expect(readFileSync(path.join(d, "out", "t.csv"), "utf8")).toBe("a,b\n1.0,0.0\n");
    expect(dact(["relu", "in", "--out-dir", "out", "--skip-existing", "--columns", "a", "-q"], { cwd: d }).status).toBe(0);
    expect(readFileSync(path.join(d, "out", "t.csv"), "utf8")).toBe("a,b\n1.0,-2\n");
    expect(dact(["relu", "in", "--out-dir", "out", "--skip-existing", "--index-col", "a", "-q"], { cwd: d }).status).toBe(0);
    expect(readFileSync(path.join(d, "out", "t.csv"), "utf8")).toBe("a,b\n1,0.0\n");
  });
});

/** A .npy's shape and float64 values (version 1.0, little-endian, C order). */
function npyOf(b: Buffer): { shape: number[]; values: number[] } {
  const hl = b.readUInt16LE(8);
  const header = b.toString("latin1", 10, 10 + hl);
  const shape = /'shape': \(([^)]*)\)/.exec(header)![1]!.split(",").map((t) => t.trim()).filter((t) => t !== "").map(Number);
  const data = b.subarray(10 + hl);
  const values: number[] = [];
  for (let i = 0; i + 8 <= data.length; i += 8) values.push(data.readDoubleLE(i));
  return { shape, values };
}

describe("a new user's exit-0-silently-wrong cases (issue 28 follow-up)", () => {
  it("no numeric column is an error (exit 2, nothing written), never rows dropped", () => {
    const d = workdir();
    for (const [name, text] of [
      ["t.csv", "id,name\na,b\nc,d\n"],
      ["m.csv", ",a,a\n,x,y\n0,1,2\n1,3,4\n"],
    ] as const) {
      writeFileSync(path.join(d, name), text);
      const r = dact(["relu", name, "-o", "o.npy"], { cwd: d });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`(^|\\n)dact: ${name.replace(".", "\\.")}:2: [^\\n]*--columns[^\\n]*\\n$`));
      expect(r.stderr.split("\n")).toHaveLength(name === "m.csv" ? 3 : 2); // m.csv: the empty-cell index notice first
      expect(readdirSync(d)).not.toContain("o.npy");
    }
    const s = dact(["relu"], { cwd: d, input: "id,name\na,b\n" });
    expect(s.status).toBe(2);
    expect(s.stdout.length).toBe(0);
  });

  it("Excel's sep= line: honoured as the delimiter and kept in same-format output", () => {
    const d = workdir();
    writeFileSync(path.join(d, "e.csv"), "sep=;\r\na;b\r\n0,5;-1\r\n2;0\r\n");
    const r = dact(["relu", "e.csv", "--decimal", ","], { cwd: d });
    expect(r.status).toBe(0);
    expect(r.stdout.toString().split("\r\n").slice(0, 2)).toEqual(["sep=;", "a;b"]);
    expect(r.stdout.toString().split("\r\n").slice(2, 4).map((l) => l.split(";").length)).toEqual([2, 2]);
    const n = dact(["relu", "e.csv", "--decimal", ",", "-o", "o.npy"], { cwd: d });
    expect(n.status).toBe(0);
    expect(npyOf(readFileSync(path.join(d, "o.npy")))).toEqual({ shape: [2, 2], values: [1, 0, 1, 0] });
  });

  it("R's write.table: a header one cell shorter than the rows makes the first column the row names", () => {
    const d = workdir();
    writeFileSync(path.join(d, "r.txt"), '"x" "y"\n"1" 0.5 NA\n"2" -1 2\n');
    const r = dact(["relu", "r.txt", "-o", "o.npy"], { cwd: d });
    expect(r.status).toBe(0);
    const got = npyOf(readFileSync(path.join(d, "o.npy")));
    expect(got.shape).toEqual([2, 2]);
    expect(got.values.map((v) => (Number.isNaN(v) ? null : v))).toEqual([1, null, 0, 1]);
    const same = dact(["relu", "r.txt"], { cwd: d });
    expect(same.status).toBe(0);
    expect(same.stdout.toString().split("\n").map((l) => l.split(" ")[0])).toEqual(['"x"', "1", "2", ""]);
  });

  it("R's write.table(sep = \"\\t\"): a TSV header one cell shorter than the rows makes the first column the row names", () => {
    const d = workdir();
    writeFileSync(path.join(d, "r.tsv"), '"x"\t"y"\n"1"\t0.5\tNA\n"2"\t-1\t2\n');
    const r = dact(["relu", "r.tsv", "-o", "o.npy"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/one cell fewer than line 2/);
    const got = npyOf(readFileSync(path.join(d, "o.npy")));
    expect(got.shape).toEqual([2, 2]);
    expect(got.values.map((v) => (Number.isNaN(v) ? null : v))).toEqual([1, null, 0, 1]);
    const same = dact(["relu", "r.tsv"], { cwd: d });
    expect(same.status).toBe(0);
    expect(same.stdout.toString().split("\n").map((l) => l.split("\t")[0])).toEqual(['"x"', "1", "2", ""]);
    // A trailing tab (an empty last cell) is a malformed row, not row names.
    const t = dact(["relu", "--delimiter", "\t"], { input: "x\ty\n1\t0.5\t\n" });
    expect(t.status).toBe(2);
  });

  it("a comma CSV with a row longer than the header is still an error naming the header's line", () => {
    const r = dact(["relu"], { input: "x,y\n1,0.5,NA\n" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dact: <stdin>:2: .*\b3\b.*\b2\b.* line 1\n$/);
  });

  it.each(["#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"])("%s starting a row is a cell, never a comment", (err) => {
    const first = dact(["relu"], { input: `x,y\n${err},1\n1.5,-2\n` });
    expect(first.status).toBe(0);
    expect(first.stdout.toString()).toBe(`x,y\n${err},1.0\n1.5,0.0\n`); // column x holds text, as pandas reads it
    const later = dact(["relu"], { input: `x,y\n1,2\n${err},-2\n` });
    expect(later.status).toBe(2);
    expect(later.stderr).toMatch(/^dact: <stdin>:3:1: /);
    const na = dact(["relu", "--na-values", `${err},NA`], { input: `x,y\n1,2\n${err},-2\n` });
    expect(na.status).toBe(0);
    expect(na.stdout.toString()).toBe(`x,y\n1.0,1.0\n${err},0.0\n`);
  });

  it.each([["0,1", "-1.0,2.0\n3.0,-4.0\n", [3, 2]], ["0,1", "-1e-05,2\n3,-4\n", [3, 2]]] as const)("a first row %s (pandas' header of a two-column frame?) is data, with a notice; --header takes it as a header; --no-header is silent", (first, rest, shape) => {
    const d = workdir();
    writeFileSync(path.join(d, "s.csv"), `${first}\n${rest}`);
    const r = dact(["relu", "s.csv", "-o", "o.npy"], { cwd: d });
    expect(r.status).toBe(0);
    expect(npyOf(readFileSync(path.join(d, "o.npy"))).shape).toEqual(shape);
    expect(r.stderr).toMatch(/^dact: s\.csv: line 1 \(0,1\) may be pandas' default header .*--header.*--no-header.*\n$/);
    const h = dact(["relu", "s.csv", "--header", "-o", "h.npy"], { cwd: d });
    expect(h.status).toBe(0);
    expect(h.stderr).not.toContain("may be pandas");
    expect(npyOf(readFileSync(path.join(d, "h.npy"))).shape).toEqual([shape[0] - 1, shape[1]]);
    const q = dact(["relu", "s.csv", "--no-header", "-o", "q.npy"], { cwd: d });
    expect([q.status, q.stderr]).toEqual([0, ""]);
    // dact's own ReLU' output (0.0,1.0) is no such row, nor integers below 0,1.
    expect(dact(["relu"], { input: "0.0,1.0\n1.5,0.0\n" }).stderr).toBe("");
    expect(dact(["relu"], { input: "0,1\n" }).stderr).toBe("");
    // A column starting at 0 is data, silently (pandas' one-column header 0 is not told from it).
    expect(dact(["relu"], { input: "0\n1.5\n-2.5\n" }).stderr).toBe("");
    expect(dact(["relu"], { input: "0,1\n1,2\n" }).stderr).toBe("");
  });

  it("pandas' default header 0,1,…,n-1 is a header, with a notice; --no-header reads it as data", () => {
    const d = workdir();
    writeFileSync(path.join(d, "p.csv"), "0,1,2\n1,-2,3\n-4,5,0\n");
    const r = dact(["relu", "p.csv", "-o", "o.npy"], { cwd: d });
    expect(r.status).toBe(0);
    expect(npyOf(readFileSync(path.join(d, "o.npy"))).shape).toEqual([2, 3]);
    expect(r.stderr).toMatch(/^dact: p\.csv: line 1 .*--no-header.*\n/);
    const n = dact(["relu", "p.csv", "--no-header", "-o", "n.npy"], { cwd: d });
    expect(n.status).toBe(0);
    expect(n.stderr).toBe("");
    expect(npyOf(readFileSync(path.join(d, "n.npy"))).shape).toEqual([3, 3]);
    // Not 0,1,…: data as before.
    expect(dact(["relu"], { input: "0,2\n1,2\n" }).stderr).toBe("");
    // 0,1 (two columns) is a row of derivatives as often: data.
    expect(dact(["relu"], { input: "0,1\n1,2\n" }).stdout.toString()).toBe("0.0,1.0\n1.0,1.0\n");
  });

  it("0 1 2 … first in a whitespace-separated file is data, as np.loadtxt reads np.savetxt(fmt=\"%d\"): pandas writes no such file", () => {
    const d = workdir();
    writeFileSync(path.join(d, "ar.txt"), "0 1 2\n3 4 5\n6 7 8\n9 10 11\n");
    const r = dact(["relu", "ar.txt", "-o", "o.npy"], { cwd: d });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    expect(npyOf(readFileSync(path.join(d, "o.npy"))).shape).toEqual([4, 3]);
    // Tabs and commas stay pandas' (to_csv(sep="\t", index=False)): a header, with the notice.
    writeFileSync(path.join(d, "p.tsv"), "0\t1\t2\n1\t-2\t3\n");
    const t = dact(["relu", "p.tsv", "-o", "t.npy"], { cwd: d });
    expect(t.stderr).toMatch(/--no-header/);
    expect(npyOf(readFileSync(path.join(d, "t.npy"))).shape).toEqual([1, 3]);
  });

  it("an automatically found text column gets one notice naming it and its first cell; none when named", () => {
    const r = dact(["relu"], { input: "x,y,z\n?,1,-\n1.5,-2,a\n" });
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe("x,y,z\n?,1.0,-\n1.5,0.0,a\n");
    expect(r.stderr.split("\n")).toHaveLength(2);
    expect(r.stderr).toContain('"x" (first value "?")');
    expect(r.stderr).toContain('"z" (first value "-")');
    expect(r.stderr).toContain("--columns x,z");
    expect(dact(["relu", "--index-col", "x", "--index-col", "z"], { input: "x,y,z\n?,1,-\n1.5,-2,a\n" }).stderr).toBe("");
    expect(dact(["relu", "--columns", "y"], { input: "x,y,z\n?,1,-\n1.5,-2,a\n" }).stderr).toBe("");
  });

  it("years as column names: a name over plain integers is a header when the next row's first cell is text", () => {
    const r = dact(["relu"], { input: "country,2019,2020\nfr,0.5,-0.25\nde,-1,2\n" });
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe("country,2019,2020\nfr,1.0,0.0\nde,0.0,1.0\n");
    // The next row's first cell is a number: line 1 was data with a bad cell, an error at 1:1.
    const bad = dact(["relu"], { input: "x,2019,2020\n1,0.5,-0.25\n" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^dact: <stdin>:1:1: .*--header/);
    // A lone such row: nothing confirms a header, the same error.
    expect(dact(["relu"], { input: "x,1\n" }).stderr).toMatch(/^dact: <stdin>:1:1: .*--header/);
    expect(dact(["relu", "--header"], { input: "x,2019,2020\n1,0.5,-0.25\n" }).stdout.toString()).toBe("x,2019,2020\n1.0,1.0,0.0\n");
    // pandas' named RangeIndex header is unchanged.
    expect(dact(["relu"], { input: "step,0,1\n0,0.5,-0.25\n" }).stdout.toString()).toBe("step,0,1\n0.0,1.0,0.0\n");
  });
});
