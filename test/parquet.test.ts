/**
 * Issue 29: Parquet files as pyarrow (every codec, data page v1 and v2,
 * dictionary and plain, row groups of 5 and 23), pandas, polars and DuckDB
 * write them (fixtures/make_parquet.py), read against NumPy's values, and
 * dact's output read back. `python fixtures/make_parquet.py check` reads
 * the same outputs with pyarrow, polars and DuckDB.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { describe, expect, it } from "vitest";
import { compare, readMatrix, writeMatrix, matrix } from "../src/index.js";
import { runDerivative } from "../src/pipeline.js";
import { FIXTURES, pandasAfter } from "./helpers.js";
import { dact, workdir } from "./workdir.js";

const T = path.join(FIXTURES, "tables");
const EXP = path.join(T, "expected");
const PARQUET = readdirSync(T).filter((f) => f.endsWith(".parquet")).sort();
const stem = (f: string) => f.slice(0, f.lastIndexOf("."));
const quiet = () => {};

/** Same values, NaN where NaN (the expected files are float64). */
function sameValues(got: Float64Array, want: Float64Array): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i]!)) expect(got[i], `element ${i}`).toBeNaN();
    else expect(Object.is(got[i], want[i]) || got[i] === want[i], `element ${i}: ${got[i]} vs ${want[i]}`).toBe(true);
  }
}

function arrayBufferOf(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer;
}

/** A Parquet file's rows, by hyparquet directly (not dact's reader). */
async function rowsOf(file: string): Promise<Record<string, unknown>[]> {
  return parquetReadObjects({ file: arrayBufferOf(readFileSync(file)), compressors });
}

describe("reading Parquet: the numeric columns, as NumPy reads them", () => {
  it("has every fixture", () => expect(PARQUET.length).toBeGreaterThanOrEqual(52));
  it.each(PARQUET)("%s", async (f) => {
    const m = await readMatrix(path.join(T, f));
    const want = await readMatrix(path.join(EXP, `${stem(f)}.x.npy`));
    expect(m.shape).toEqual(want.shape);
    sameValues(m.data, want.data);
    // Nulls are missing (and NaN); there is no other NaN in the fixtures.
    for (let i = 0; i < want.data.length; i++) expect(m.missing?.[i] ?? 0).toBe(Number.isNaN(want.data[i]!) ? 1 : 0);
  });
  it("float32 and float16 columns keep their dtype; integers and mixed tables give float64", async () => {
    expect((await readMatrix(path.join(T, "float32.parquet"))).dtype).toBe("f4");
    expect((await readMatrix(path.join(T, "float16.parquet"))).dtype).toBe("f2");
    expect((await readMatrix(path.join(T, "polars.parquet"))).dtype).toBe("f8");
    expect((await readMatrix(path.join(T, "duckdb.parquet"))).dtype).toBe("f8");
  });
  it("column names are the header; pandas' index column is not data", async () => {
    expect((await readMatrix(path.join(T, "pandas-index.parquet"))).header).toEqual(["a", "b"]);
    expect((await readMatrix(path.join(T, "pyarrow-snappy-v1-dict-rg5.parquet"))).header).toEqual(["id", "a", "n"]);
  });
});

describe("Parquet to Parquet: computed columns, labels and row groups kept", () => {
  it.each(PARQUET)("%s (relu, at-zero 0.5)", async (f) => {
    const d = workdir();
    const out = path.join(d, "out.parquet");
    await runDerivative({ activation: "relu", params: { "at-zero": 0.5 }, input: path.join(T, f), output: out }, quiet);
    const got = await readMatrix(out);
    const want = await readMatrix(path.join(EXP, `${stem(f)}.relu.npy`));
    expect(got.shape).toEqual(want.shape);
    sameValues(got.data, want.data);
    // Nulls are written back as nulls, label columns are the input's values, row groups keep their sizes.
    const inMeta = parquetMetadata(arrayBufferOf(readFileSync(path.join(T, f))));
    const outMeta = parquetMetadata(arrayBufferOf(readFileSync(out)));
    expect(outMeta.row_groups.map((g) => g.num_rows)).toEqual(inMeta.row_groups.map((g) => g.num_rows));
    expect(outMeta.schema.map((s) => s.name)).toEqual(inMeta.schema.map((s) => s.name));
    const inRows = await rowsOf(path.join(T, f));
    const outRows = await rowsOf(out);
    // The computed columns: the header's names, or (a tensor column: no header) those holding numbers or lists of them.
    const isNum = (v: unknown): boolean => v === null || v === undefined || typeof v === "number" || typeof v === "bigint" || (Array.isArray(v) && v.every(isNum));
    const numeric = new Set(got.header ?? Object.keys(inRows[0] ?? {}).filter((k) => inRows.every((row) => isNum(row[k]))));
    for (let r = 0; r < inRows.length; r++) {
      for (const [k, v] of Object.entries(inRows[r]!)) {
        // (hyparquet reads a list column's null row as undefined; dact writes it back as a list of nulls: see "tensor columns".)
        if (numeric.has(k)) expect(outRows[r]![k] === null, `${k} row ${r}`).toBe(v === null);
        else expect(outRows[r]![k], `${k} row ${r}`).toEqual(v);
      }
    }
    // The pandas key is kept.
    const pandas = inMeta.key_value_metadata?.find((k) => k.key === "pandas");
    // The pandas key is kept, each computed integer column described as float64 (pandas reads the fractions back).
    if (pandas) expect(JSON.parse(outMeta.key_value_metadata!.find((k) => k.key === "pandas")!.value!)).toEqual(pandasAfter(pandas.value!, numeric));
  });

  it("float32 and float16 columns stay float32 and float16; integers become double", async () => {
    const d = workdir();
    for (const [f, type] of [["float32", "FLOAT"], ["float16", "FIXED_LEN_BYTE_ARRAY"], ["duckdb", "DOUBLE"]] as const) {
      const out = path.join(d, `${f}.parquet`);
      await runDerivative({ activation: "relu", params: { "at-zero": 0.5 }, input: path.join(T, `${f}.parquet`), output: out }, quiet);
      const md = parquetMetadata(arrayBufferOf(readFileSync(out)));
      expect(md.schema[1]!.type, f).toBe(type);
    }
  });

  it("writes the same bytes on every run, and the bytes pyarrow, polars and DuckDB read back (make_parquet.py check)", async () => {
    const d = workdir();
    const a = path.join(d, "a.parquet");
    const b = path.join(d, "b.parquet");
    await runDerivative({ activation: "relu", params: { "at-zero": 0.5 }, input: path.join(T, "pandas.parquet"), output: a }, quiet);
    await runDerivative({ activation: "relu", params: { "at-zero": 0.5 }, input: path.join(T, "pandas.parquet"), output: b }, quiet);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    // The bytes that `make_parquet.py check` read back with pyarrow, polars and DuckDB (update both together).
    expect(createHash("sha256").update(readFileSync(a)).digest("hex")).toBe(readFileSync(path.join(EXP, "pandas.relu.parquet.sha256"), "utf8").trim());
  });

  it("--dtype f4 stores float columns; bf16 is refused", async () => {
    const d = workdir();
    const out = path.join(d, "o.parquet");
    await runDerivative({ activation: "relu", params: { "at-zero": 0.5 }, input: path.join(T, "pandas.parquet"), output: out, dtype: "f4" }, quiet);
    const md = parquetMetadata(arrayBufferOf(readFileSync(out)));
    expect(md.schema.slice(1).map((s) => s.type)).toEqual(["FLOAT", "FLOAT", "BYTE_ARRAY"]);
    const r = dact(["relu", path.join(T, "pandas.parquet"), "--dtype", "bf16", "-o", path.join(d, "x.parquet")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--dtype/);
  });
});

describe("Parquet from the command line", () => {
  it("detects Parquet by its magic, from stdin too (spooled), and writes it to stdout", () => {
    const d = workdir();
    const src = readFileSync(path.join(T, "duckdb.parquet"));
    writeFileSync(path.join(d, "noext.bin"), src);
    const byFile = dact(["relu", path.join(T, "duckdb.parquet"), "-o", path.join(d, "a.parquet")]);
    expect(byFile.status, byFile.stderr).toBe(0);
    const bySniff = dact(["relu", path.join(d, "noext.bin"), "--to", "parquet"]);
    expect(bySniff.status, bySniff.stderr).toBe(0);
    const byStdin = dact(["relu", "--to", "parquet"], { input: src });
    expect(byStdin.status, byStdin.stderr).toBe(0);
    expect(bySniff.stdout.equals(readFileSync(path.join(d, "a.parquet")))).toBe(true);
    expect(byStdin.stdout.equals(bySniff.stdout)).toBe(true);
  });

  it("converts to .npy (labels dropped with one notice) and from CSV with a header", async () => {
    const d = workdir();
    const r = dact(["relu", "--at-zero", "0.5", path.join(T, "pyarrow-zstd-v2-dict-rg5.parquet"), "-o", path.join(d, "o.npy")]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/label .*day .*flag.*dropped/);
    const got = await readMatrix(path.join(d, "o.npy"));
    sameValues(got.data, (await readMatrix(path.join(EXP, "pyarrow-zstd-v2-dict-rg5.relu.npy"))).data);
    writeFileSync(path.join(d, "x.csv"), "p,q\n1,-2\n0,3\n");
    const c = dact(["relu", path.join(d, "x.csv"), "-o", path.join(d, "x.parquet")]);
    expect(c.status, c.stderr).toBe(0);
    expect(await rowsOf(path.join(d, "x.parquet"))).toEqual([{ p: 1, q: 0 }, { p: 0, q: 1 }]);
  });

  it("the library writes and reads it; compare and --check take it", async () => {
    const d = workdir();
    const m = matrix([[1, -2, null], [0.5, 0, 3]]);
    await writeMatrix(path.join(d, "m.parquet"), m);
    const back = await readMatrix(path.join(d, "m.parquet"));
    expect(back.shape).toEqual([2, 3]);
    expect([...back.data].slice(0, 2)).toEqual([1, -2]);
    expect(back.missing?.[2]).toBe(1);
    expect((await rowsOf(path.join(d, "m.parquet")))[0]).toEqual({ "0": 1, "1": -2, "2": null });
    const out = path.join(d, "g.parquet");
    await runDerivative({ activation: "relu", params: { "at-zero": 0.5 }, input: path.join(T, "duckdb.parquet"), output: out }, quiet);
    expect((await compare(out, path.join(EXP, "duckdb.relu.npy"))).equal).toBe(true);
    const chk = dact(["relu", "--at-zero", "0.5", path.join(T, "duckdb.parquet"), "--check", path.join(EXP, "duckdb.relu.npy")]);
    expect(chk.status, chk.stderr).toBe(0);
  });

  it("a 3-D array is a SHAPE error that names --reshape; nothing written", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.json"), "[[[1, 2], [3, 4]]]");
    const r = dact(["relu", path.join(d, "x.json"), "-o", path.join(d, "o.parquet")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/3-D array of shape \(…, 2, 2\).*1-D or 2-D.*--reshape -1,4/);
    expect(readdirSync(d)).toEqual(["x.json"]);
  });

  it("batch mode names outputs .parquet", () => {
    const d = workdir();
    const r = dact(["relu", T, "--include", "duckdb.parquet", "--out-dir", path.join(d, "o"), "-q"]);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(path.join(d, "o"))).toEqual(["duckdb.parquet"]);
  });

  it.each([
    ["struct", "s", /struct/],
    ["map", "m", /map/],
    ["decimal", "d", /decimal\(10, 2\)/],
  ])("refuses a %s column in one line naming it", (name, col, type) => {
    const d = workdir();
    const r = dact(["relu", path.join(T, "bad", `${name}.parquet`), "-o", path.join(d, "o.parquet")]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(`column "${col}"`);
    expect(r.stderr).toMatch(type);
    expect(readdirSync(d)).toEqual([]);
  });

  it("a truncated file is one error, nothing written", () => {
    const d = workdir();
    const b = readFileSync(path.join(T, "duckdb.parquet"));
    writeFileSync(path.join(d, "cut.parquet"), b.subarray(0, b.length - 100));
    const r = dact(["relu", path.join(d, "cut.parquet"), "-o", path.join(d, "o.parquet")]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(readdirSync(d)).toEqual(["cut.parquet"]);
  });
});

describe("tensor columns: a LIST of one length per row (pyarrow's FixedSizeList, an array column from pandas)", () => {
  it("is a (rows, n) block of the matrix, nulls inside as NaN; no header", async () => {
    const m = await readMatrix(path.join(T, "tensor-f32.parquet"));
    expect(m.shape).toEqual([23, 6]); // id, emb (4), a
    expect(m.header ?? null).toBe(null);
    const want = await readMatrix(path.join(EXP, "tensor-f32.x.npy"));
    sameValues(m.data, want.data);
    expect(m.missing?.[3 * 6 + 2]).toBe(1); // row 3's second element is null
    const e = await readMatrix(path.join(T, "embeddings-pandas.parquet"));
    expect(e.shape).toEqual([23, 8]);
    expect(e.dtype).toBe("f8");
    const only = await readMatrix(path.join(T, "tensor-only.parquet"));
    expect(only.dtype).toBe("f4");
  });

  it("is written back as the same list; ARROW:schema kept when no column changed type", async () => {
    const d = workdir();
    const out = path.join(d, "o.parquet");
    await runDerivative({ activation: "relu", params: { "at-zero": 0.5 }, input: path.join(T, "tensor-only.parquet"), output: out }, quiet);
    const md = parquetMetadata(arrayBufferOf(readFileSync(out)));
    const inMd = parquetMetadata(arrayBufferOf(readFileSync(path.join(T, "tensor-only.parquet"))));
    expect(md.schema.map((s) => [s.name, s.type, s.repetition_type, s.converted_type])).toEqual(inMd.schema.map((s) => [s.name, s.type, s.repetition_type, s.converted_type]));
    expect(md.key_value_metadata?.find((k) => k.key === "ARROW:schema")?.value).toBe(inMd.key_value_metadata?.find((k) => k.key === "ARROW:schema")?.value);
    const rows = await rowsOf(out);
    // Row 3: a null element stays null (not NaN) in a list of 4.
    const emb3 = rows[3]!.emb as (number | null)[];
    expect(emb3).toHaveLength(4);
    expect(emb3[1]).toBe(null);
    sameValues((await readMatrix(out)).data, (await readMatrix(path.join(EXP, "tensor-only.relu.npy"))).data);
    // An integer column became double: ARROW:schema (which says int64) is dropped, the list stays a list.
    const out2 = path.join(d, "p.parquet");
    await runDerivative({ activation: "relu", params: { "at-zero": 0.5 }, input: path.join(T, "tensor-f32.parquet"), output: out2 }, quiet);
    const md2 = parquetMetadata(arrayBufferOf(readFileSync(out2)));
    expect(md2.key_value_metadata?.some((k) => k.key === "ARROW:schema") ?? false).toBe(false);
    expect(md2.schema.find((s) => s.name === "emb")?.converted_type).toBe("LIST");
  });

  it("a null row reads as n nulls and is written back as a list of n nulls; an integer list gives float64", async () => {
    const m = await readMatrix(path.join(T, "tensor-nullrow.parquet"));
    expect(m.shape).toEqual([23, 3]);
    expect([...m.missing!.subarray(12, 15)]).toEqual([1, 1, 1]);
    const d = workdir();
    const out = path.join(d, "o.parquet");
    await runDerivative({ activation: "relu", params: { "at-zero": 0.5 }, input: path.join(T, "tensor-nullrow.parquet"), output: out }, quiet);
    const rows = await rowsOf(out);
    expect(rows[4]!.v).toEqual([null, null, null]);
    expect((rows[7]!.v as unknown[])[2]).toBe(null);
    const k = await readMatrix(path.join(T, "tensor-int-legacy.parquet"));
    expect([k.shape, k.dtype]).toEqual([[23, 2], "f8"]);
    await runDerivative({ activation: "relu", params: { "at-zero": 0.5 }, input: path.join(T, "tensor-int-legacy.parquet"), output: path.join(d, "k.parquet") }, quiet);
    const md = parquetMetadata(arrayBufferOf(readFileSync(path.join(d, "k.parquet"))));
    expect(md.schema.map((s) => [s.name, s.type])).toEqual([["schema", undefined], ["k", undefined], ["list", undefined], ["item", "DOUBLE"]]);
  });

  it("a ragged list is one FORMAT error naming the column and the row; nothing written", () => {
    const d = workdir();
    const r = dact(["relu", path.join(T, "bad", "ragged.parquet"), "-o", path.join(d, "o.npy")]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/column "v": row 2 is a list of 1 values; expected 2, as row 0/);
    expect(readdirSync(d)).toEqual([]);
  });

  it("a list of strings is refused in one line naming it", () => {
    const d = workdir();
    const r = dact(["relu", path.join(T, "bad", "list-of-strings.parquet"), "-o", path.join(d, "o.parquet")]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/column "v" is a list of BYTE_ARRAY/);
  });
});

describe("--compression: Parquet output's page codec", () => {
  it.each([
    [undefined, "SNAPPY"],
    ["snappy", "SNAPPY"],
    ["gzip", "GZIP"],
    ["none", "UNCOMPRESSED"],
  ] as const)("%s writes %s pages, the same bytes every run, read back by dact", async (name, codec) => {
    const d = workdir();
    for (const [src, array] of [["tensor-f32.parquet", false], ["tensor-f32.x.npy", true]] as const) {
      const input = array ? path.join(EXP, src) : path.join(T, src);
      const outs = ["a", "b"].map((x) => path.join(d, `${x}.parquet`));
      for (const o of outs) await runDerivative({ activation: "relu", params: { "at-zero": 0.5 }, input, output: o, compression: name }, quiet);
      expect(readFileSync(outs[0]!).equals(readFileSync(outs[1]!))).toBe(true);
      const md = parquetMetadata(arrayBufferOf(readFileSync(outs[0]!)));
      for (const g of md.row_groups) for (const c of g.columns) if (c.meta_data!.path_in_schema[0] !== "label") expect(c.meta_data!.codec).toBe(codec);
      sameValues((await readMatrix(outs[0]!)).data, (await readMatrix(path.join(EXP, "tensor-f32.relu.npy"))).data);
    }
  });

  it("an unknown codec is a usage error (exit 2), nothing written", () => {
    const d = workdir();
    const r = dact(["relu", "--compression", "lzo", path.join(T, "duckdb.parquet"), "-o", path.join(d, "o.parquet")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--compression/);
    expect(readdirSync(d)).toEqual([]);
  });
});
