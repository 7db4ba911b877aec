/**
 * --grad-output keeps a table as the plain run does: JSON records (lines,
 * array, split), Parquet and Arrow keep their keys, label columns, pandas
 * metadata and per-column dtypes; each computed column takes the promotion
 * of its dtype and G's column's (fixtures/make_grad_promote.py: pandas'
 * tables, the expected columns from numpy).
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { tableFromIPC } from "apache-arrow";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { describe, expect, it } from "vitest";
import { derivative, readMatrix } from "../src/index.js";
import { FIXTURES } from "./helpers.js";
import { dact, workdir } from "./workdir.js";

const DIR = path.join(FIXTURES, "grad-promote");
type Col = { dtype: "float32" | "float64"; values: string[] };
const EXPECTED = JSON.parse(readFileSync(path.join(DIR, "table-expected.json"), "utf8")) as Record<"gtable" | "gtable64" | "two", { x: Col; y: Col }>;
const ACT = ["leaky-relu", "--negative-slope", "0.1"];

function setup(): string {
  const d = workdir();
  for (const s of ["table", "gtable"]) for (const e of [".jsonl", ".json", "-split.json", ".parquet", ".arrow", ".csv"]) copyFileSync(path.join(DIR, `${s}${e}`), path.join(d, `${s}${e}`));
  copyFileSync(path.join(DIR, "gtable64.parquet"), path.join(d, "gtable64.parquet"));
  return d;
}

function arrayBufferOf(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer;
}

/** A Parquet file as hyparquet reads it: rows, each column's physical type, and the key-value metadata's keys. */
async function parquetOf(file: string): Promise<{ rows: Record<string, unknown>[]; types: Record<string, string | undefined>; keys: string[] }> {
  const buf = arrayBufferOf(readFileSync(file));
  const md = parquetMetadata(buf);
  const types: Record<string, string | undefined> = {};
  for (const el of md.schema.slice(1)) types[el.name] = el.type;
  return { rows: await parquetReadObjects({ file: buf, compressors }), types, keys: (md.key_value_metadata ?? []).map((k) => k.key) };
}

const PHYSICAL = { float32: "FLOAT", float64: "DOUBLE" } as const;

async function expectParquet(file: string, want: { x: Col; y: Col }): Promise<void> {
  const p = await parquetOf(file);
  expect(Object.keys(p.rows[0]!)).toEqual(["id", "x", "y"]);
  expect(p.rows.map((r) => r["id"])).toEqual(["a", "b"]);
  expect(p.types["id"]).toBe("BYTE_ARRAY");
  expect(p.keys).toContain("pandas"); // pandas' metadata (its index, dtypes) is kept
  for (const c of ["x", "y"] as const) {
    expect(p.types[c], c).toBe(PHYSICAL[want[c].dtype]);
    expect(p.rows.map((r) => r[c]), c).toEqual(want[c].values.map(Number));
  }
}

function expectArrow(file: string, want: { x: Col; y: Col }): void {
  const t = tableFromIPC(readFileSync(file));
  expect(t.schema.fields.map((f) => f.name)).toEqual(["id", "x", "y"]);
  expect(t.getChild("id")!.toArray()).toEqual(["a", "b"]);
  expect(t.schema.metadata.has("pandas")).toBe(true);
  for (const c of ["x", "y"] as const) {
    expect(String(t.schema.fields.find((f) => f.name === c)!.type), c).toBe(want[c].dtype === "float32" ? "Float32" : "Float64");
    expect(Array.from(t.getChild(c)!.toArray() as Float64Array), c).toEqual(want[c].values.map(Number));
  }
}

/** JSON numbers are float64: each column as G's float64 values give it (the f4 column of X is exact in f8, text gives f8). */
const JSON_WANT = EXPECTED.gtable64;

function expectRecords(records: Record<string, unknown>[], want: { x: Col; y: Col }): void {
  expect(records.map((r) => Object.keys(r))).toEqual([["id", "x", "y"], ["id", "x", "y"]]);
  expect(records.map((r) => r["id"])).toEqual(["a", "b"]);
  for (const c of ["x", "y"] as const) expect(records.map((r) => r[c]), c).toEqual(want[c].values.map(Number));
}

describe("Parquet and Arrow with --grad-output keep the table", () => {
  it.each([
    ["gtable.parquet", "gtable"],
    ["gtable.arrow", "gtable"],
    ["gtable64.parquet", "gtable64"],
    ["2", "two"],
  ] as const)("G %s: labels, pandas metadata, and each column in numpy's dtype", async (g, key) => {
    const d = setup();
    for (const [x, out] of [["table.parquet", "o.parquet"], ["table.arrow", "o.arrow"]] as const) {
      const r = dact([...ACT, x, "--grad-output", g, "-o", out], { cwd: d });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toBe(""); // nothing dropped, nothing to say
      if (out.endsWith(".parquet")) await expectParquet(path.join(d, out), EXPECTED[key]);
      else expectArrow(path.join(d, out), EXPECTED[key]);
    }
  });

  it("the issue's repro: gelu with --grad-output 2 equals 2·f'(x), each column rounded once to its own dtype", async () => {
    const d = setup();
    const r = dact(["gelu", "table.parquet", "--grad-output", "2", "-o", "o.parquet"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    const p = await parquetOf(path.join(d, "o.parquet"));
    expect(p.types).toMatchObject({ id: "BYTE_ARRAY", x: "DOUBLE", y: "FLOAT" });
    const fx = derivative("gelu", [-1, 2]).data;
    const fy = derivative("gelu", [0.5, -3]).data;
    expect(p.rows.map((row) => row["x"])).toEqual([fx[0]! * 2, fx[1]! * 2]);
    expect(p.rows.map((row) => row["y"])).toEqual([Math.fround(fy[0]! * 2), Math.fround(fy[1]! * 2)]);
  });

  it("another format (the array path, one dtype): the matrix's dtype, as df.to_numpy() gives, no column rounded to its own", async () => {
    const d = setup();
    const plain = dact(["gelu", "table.parquet", "-o", "p.npy"], { cwd: d });
    expect(plain.status, plain.stderr).toBe(0);
    const r = dact(["gelu", "table.parquet", "--grad-output", "2", "-o", "o.npy"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    const p = await readMatrix(path.join(d, "p.npy"));
    const o = await readMatrix(path.join(d, "o.npy"));
    expect(o.dtype).toBe("f8");
    expect(Array.from(o.data)).toEqual(Array.from(p.data).map((v) => v * 2));
  });

  it("--order 2 with a G table keeps it too (G ⊙ f''(x))", async () => {
    const d = setup();
    const r = dact([...ACT, "--order", "2", "table.parquet", "--grad-output", "gtable.parquet", "-o", "o.parquet"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    const p = await parquetOf(path.join(d, "o.parquet"));
    expect(p.rows.map((row) => row["id"])).toEqual(["a", "b"]);
    expect(p.types).toMatchObject({ x: "DOUBLE", y: "FLOAT" });
    const g = await parquetOf(path.join(d, "gtable.parquet"));
    for (const [c, x] of [["x", [-1, 2]], ["y", [0.5, -3]]] as const) {
      const want = derivative("leaky-relu", x as unknown as number[], { negativeSlope: 0.1, order: 2, gradOutput: g.rows.map((row) => row[c] as number) });
      expect(p.rows.map((row) => row[c]), c).toEqual(Array.from(want.data));
    }
  });

  it("G's columns by name: other names, or another row count, are an error (exit 2) and nothing is written", () => {
    const d = setup();
    writeFileSync(path.join(d, "gz.csv"), "x,z\n1,2\n3,4\n");
    writeFileSync(path.join(d, "g3.csv"), "x,y\n1,2\n3,4\n5,6\n");
    for (const g of ["gz.csv", "g3.csv"]) {
      for (const x of ["table.parquet", "table.arrow", "table.jsonl"]) {
        const out = `o${path.extname(x)}`;
        const r = dact([...ACT, x, "--grad-output", g, "-o", out], { cwd: d });
        expect(r.status, `${x} ${g}: ${r.stderr}`).toBe(2);
        expect(r.stderr.trim().split("\n"), r.stderr).toHaveLength(1);
        expect(r.stderr).toMatch(/SHAPE|shape|columns|values/);
        expect(() => readFileSync(path.join(d, out))).toThrow();
      }
    }
  });

  it("--check with --grad-output: the kept table's numbers are the run's", () => {
    const d = setup();
    expect(dact([...ACT, "table.parquet", "--grad-output", "gtable.parquet", "-o", "gold.parquet"], { cwd: d }).status).toBe(0);
    const ok = dact([...ACT, "table.parquet", "--grad-output", "gtable.parquet", "--check", "gold.parquet"], { cwd: d });
    expect(ok.status, ok.stderr).toBe(0);
    expect(dact([...ACT, "table.parquet", "--grad-output", "2", "--check", "gold.parquet"], { cwd: d }).status).toBe(1);
  });

  it("batch with --grad-output-dir keeps each table", async () => {
    const d = setup();
    mkdirSync(path.join(d, "xs"));
    mkdirSync(path.join(d, "gs"));
    for (const [x, g] of [["table.parquet", "gtable.parquet"], ["table.arrow", "gtable.arrow"], ["table.jsonl", "gtable.jsonl"]] as const) {
      copyFileSync(path.join(d, x), path.join(d, "xs", x));
      copyFileSync(path.join(d, g), path.join(d, "gs", x));
    }
    const r = dact([...ACT, "xs", "--grad-output-dir", "gs", "--out-dir", "out"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    await expectParquet(path.join(d, "out", "table.parquet"), EXPECTED.gtable);
    expectArrow(path.join(d, "out", "table.arrow"), EXPECTED.gtable);
    const recs = readFileSync(path.join(d, "out", "table.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(recs.map((r) => Object.keys(r))).toEqual([["id", "x", "y"], ["id", "x", "y"]]);
    expect(recs.map((r) => r["id"])).toEqual(["a", "b"]);
  });
});

describe("JSON records with --grad-output keep their keys and labels", () => {
  it.each(["gtable.parquet", "gtable.jsonl", "gtable.csv", "gtable.arrow"])("lines, array and split, G %s", (g) => {
    const d = setup();
    const lines = dact([...ACT, "table.jsonl", "--grad-output", g], { cwd: d });
    expect(lines.status, lines.stderr).toBe(0);
    expect(lines.stderr).toBe("");
    // G in JSON or CSV text is float64: y's G is the float64 nearest 0.7, not the float32 one.
    const want = g.endsWith(".parquet") || g.endsWith(".arrow") ? JSON_WANT : undefined;
    const recs = lines.stdout.toString().trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    if (want) expectRecords(recs, want);
    else expect(recs.map((r) => Object.keys(r))).toEqual([["id", "x", "y"], ["id", "x", "y"]]);
    const arr = dact([...ACT, "table.json", "--grad-output", g], { cwd: d });
    expect(arr.status, arr.stderr).toBe(0);
    expect(JSON.parse(arr.stdout.toString())).toEqual(recs);
    const split = dact([...ACT, "table-split.json", "--grad-output", g], { cwd: d });
    expect(split.status, split.stderr).toBe(0);
    const doc = JSON.parse(split.stdout.toString()) as { columns: string[]; index: number[]; data: unknown[][] };
    expect(doc.columns).toEqual(["id", "x", "y"]);
    expect(doc.index).toEqual([0, 1]);
    expect(doc.data).toEqual(recs.map((r) => [r["id"], r["x"], r["y"]]));
  });

  it("the issue's repro: tanh with --grad-output 2 keeps the records (2·f'(x))", () => {
    const d = setup();
    const r = dact(["tanh", "table.jsonl", "--grad-output", "2"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    const plain = dact(["tanh", "table.jsonl"], { cwd: d });
    const p = plain.stdout.toString().trim().split("\n").map((l) => JSON.parse(l) as Record<string, number | string>);
    const got = r.stdout.toString().trim().split("\n").map((l) => JSON.parse(l) as Record<string, number | string>);
    expect(got).toEqual(p.map((rec) => ({ id: rec["id"], x: (rec["x"] as number) * 2, y: (rec["y"] as number) * 2 })));
  });

  it("gzip'ed X keeps the records, and a null stays null", () => {
    const d = setup();
    writeFileSync(path.join(d, "t.jsonl.gz"), gzipSync('{"id":"a","x":-1.0,"y":null}\r\n{"id":"b","x":2.0,"y":-3}\r\n'));
    const r = dact([...ACT, "t.jsonl.gz", "--grad-output", "3", "-o", "o.jsonl"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(path.join(d, "o.jsonl"), "utf8")).toBe('{"id":"a","x":0.30000000000000004,"y":null}\r\n{"id":"b","x":3.0,"y":0.30000000000000004}\r\n');
  });
});

describe("CSV, the neighbour: labels kept, G's own labels left aside quietly", () => {
  it.each(["gtable.csv", "gtable.parquet"])("G %s", (g) => {
    const d = setup();
    const r = dact([...ACT, "table.csv", "--grad-output", g], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("gtable");
    expect(r.stdout.toString().split("\n")[0]).toBe("id,x,y");
    expect(r.stdout.toString().split("\n").slice(1, 3).map((l) => l.split(",")[0])).toEqual(["a", "b"]);
  });
});

describe("tensor columns: G's columns by name, as for flat ones", () => {
  it("a G whose names differ (a CSV header, or a table's other columns) is refused; a headerless G is taken by position", () => {
    const d = workdir();
    copyFileSync(path.join(FIXTURES, "tables", "tensor.arrow"), path.join(d, "x.arrow")); // emb: 6 rows of 3
    const rows = (s: string) => Array.from({ length: 6 }, () => s).join("\n") + "\n";
    writeFileSync(path.join(d, "named.csv"), "a,b,c\n" + rows("2.5,2.5,2.5"));
    writeFileSync(path.join(d, "plain.csv"), rows("2.5,2.5,2.5"));
    const bad = dact(["relu", "x.arrow", "--grad-output", "named.csv", "-o", "o.arrow"], { cwd: d });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/has the columns \(a, b, c\) and the input \(emb, emb, emb\); expected the same names in the same order/);
    const ok = dact(["relu", "x.arrow", "--grad-output", "plain.csv", "-o", "o.npy"], { cwd: d });
    expect(ok.status, ok.stderr).toBe(0);
  });
});

describe("pandas' metadata follows the computed columns", () => {
  it("an int64 column computed to float64 is described as float64, so pandas reads the fractions back", async () => {
    const d = workdir();
    copyFileSync(path.join(FIXTURES, "tables", "pandas.parquet"), path.join(d, "x.parquet")); // a float64, b int64, name str
    for (const extra of [[], ["--grad-output", "0.5"]]) {
      const r = dact(["sigmoid", "x.parquet", "-o", "o.parquet", ...extra], { cwd: d });
      expect(r.status, r.stderr).toBe(0);
      const buf = readFileSync(path.join(d, "o.parquet"));
      const md = parquetMetadata(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
      const pandas = JSON.parse(md.key_value_metadata!.find((k) => k.key === "pandas")!.value!) as { columns: { name: string; numpy_type: string; pandas_type: string }[] };
      const types = Object.fromEntries(pandas.columns.map((c) => [c.name, [c.pandas_type, c.numpy_type]]));
      expect(types["a"]).toEqual(["float64", "float64"]);
      expect(types["b"]).toEqual(["float64", "float64"]);
      expect(types["name"]![1]).toBe("str"); // a label column keeps its own
    }
  });
});
