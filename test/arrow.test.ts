/**
 * Issue 29: Arrow IPC, the file format (Feather v2) and the stream format,
 * as pyarrow writes them (fixtures/make_parquet.py), read against NumPy's
 * values and dact's output read back (apache-arrow here; pyarrow and polars
 * in `python fixtures/make_parquet.py check`).
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { compressionRegistry, CompressionType, tableFromIPC } from "apache-arrow";
import { decompress as zstdDecompress } from "fzstd";
import { lz4FrameDecode } from "../src/formats/arrow/lz4.js";
import { describe, expect, it } from "vitest";
import { matrix, readMatrix, writeMatrix } from "../src/index.js";
import { runDerivative } from "../src/pipeline.js";
import { FIXTURES, pandasAfter } from "./helpers.js";
import { dact, workdir } from "./workdir.js";

const T = path.join(FIXTURES, "tables");
const EXP = path.join(T, "expected");
const ARROW = readdirSync(T).filter((f) => /\.arrows?$/.test(f)).sort();
const stem = (f: string) => f.slice(0, f.lastIndexOf("."));
const quiet = () => {};

function sameValues(got: Float64Array, want: Float64Array): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i]!)) expect(got[i], `element ${i}`).toBeNaN();
    else expect(got[i], `element ${i}`).toBe(want[i]);
  }
}

// This file's own apache-arrow (not the one dact loads) reads the compressed fixtures back too.
compressionRegistry.set(CompressionType.LZ4_FRAME, { decode: (b) => lz4FrameDecode(b).slice() });
compressionRegistry.set(CompressionType.ZSTD, { decode: (b) => zstdDecompress(b).slice() });

const relu = (input: string, output: string, extra: Record<string, unknown> = {}) => runDerivative({ activation: "relu", params: { "at-zero": 0.5 }, input, output, ...extra }, quiet);

describe("reading Arrow IPC: the numeric columns (a tensor column gives its width), as NumPy reads them", () => {
  it("has every fixture", () => expect(ARROW).toEqual(["embeddings-pandas.arrow", "pandas-default.arrow", "pandas-index.arrow", "table-lz4.arrow", "table-zstd.arrow", "table-zstd.arrows", "table.arrow", "table.arrows", "tensor.arrow"]));
  it.each(ARROW)("%s", async (f) => {
    const m = await readMatrix(path.join(T, f));
    const want = await readMatrix(path.join(EXP, `${stem(f)}.x.npy`));
    expect(m.shape).toEqual(want.shape);
    sameValues(m.data, want.data);
  });
  it("a table of one FixedSizeList<float64, 3> column is one (rows, 3) array", async () => {
    const m = await readMatrix(path.join(T, "tensor.arrow"));
    expect(m.shape).toEqual([6, 3]);
    expect(m.dtype).toBe("f8");
  });
});

describe("Arrow to Arrow: computed columns, labels, batches and metadata kept", () => {
  it.each(ARROW)("%s (relu, at-zero 0.5)", async (f) => {
    const d = workdir();
    const out = path.join(d, `out${path.extname(f)}`);
    await relu(path.join(T, f), out);
    const got = await readMatrix(out);
    sameValues(got.data, (await readMatrix(path.join(EXP, `${stem(f)}.relu.npy`))).data);
    const a = tableFromIPC(readFileSync(path.join(T, f)));
    const b = tableFromIPC(readFileSync(out));
    expect(b.batches.map((x) => x.numRows)).toEqual(a.batches.map((x) => x.numRows));
    expect(b.schema.fields.map((x) => x.name)).toEqual(a.schema.fields.map((x) => x.name));
    expect([...b.schema.metadata].map(([k, v]) => [k, k === "pandas" ? JSON.parse(v) : v])).toEqual([...a.schema.metadata].map(([k, v]) => [k, k === "pandas" ? pandasAfter(v, new Set(b.schema.fields.filter((x) => /^Float/.test(String(x.type))).map((x) => x.name))) : v]));
    for (const field of a.schema.fields) {
      const x = a.getChild(field.name)!;
      const y = b.getChild(field.name)!;
      expect(y.nullCount, field.name).toBe(x.nullCount);
      if (!/Float|Int|FixedSizeList/.test(String(field.type)) || field.name === "key") expect(y.toArray(), field.name).toEqual(x.toArray());
    }
  });

  it("float32, float16 and tensor columns keep their types; integers become float64", async () => {
    const d = workdir();
    const out = path.join(d, "o.arrow");
    await relu(path.join(T, "table.arrow"), out);
    const t = tableFromIPC(readFileSync(out));
    expect(Object.fromEntries(t.schema.fields.map((f) => [f.name, String(f.type)]))).toEqual({
      id: "Float64", a: "Float64", label: "Utf8", n: "Float64", day: "Date32<DAY>", flag: "Bool", v: "FixedSizeList[2]<Float32>",
    });
  });

  it("the same bytes on every run; file and stream outputs from either input", async () => {
    const d = workdir();
    for (const [i, o] of [["table.arrow", "a.arrow"], ["table.arrow", "b.arrow"], ["table.arrows", "a.arrows"], ["table.arrows", "b.arrows"]] as const) await relu(path.join(T, i), path.join(d, o));
    expect(readFileSync(path.join(d, "a.arrow")).equals(readFileSync(path.join(d, "b.arrow")))).toBe(true);
    expect(readFileSync(path.join(d, "a.arrows")).equals(readFileSync(path.join(d, "b.arrows")))).toBe(true);
    // The file format is the stream format framed by "ARROW1" and a footer.
    expect(readFileSync(path.join(d, "a.arrow")).subarray(0, 6).toString()).toBe("ARROW1");
    expect(readFileSync(path.join(d, "a.arrows")).readUInt32LE(0)).toBe(0xffffffff);
    // Its stream part has the schema message too (apache-arrow's own file writer leaves it out): readable as a stream.
    expect(tableFromIPC(readFileSync(path.join(d, "a.arrow")).subarray(8)).numRows).toBe(23);
  });

  it("--dtype f2 stores float16 columns", async () => {
    const d = workdir();
    await relu(path.join(T, "table.arrows"), path.join(d, "o.arrows"), { dtype: "f2" });
    const t = tableFromIPC(readFileSync(path.join(d, "o.arrows")));
    expect(String(t.schema.fields.find((f) => f.name === "a")!.type)).toBe("Float16");
    sameValues((await readMatrix(path.join(d, "o.arrows"))).data, (await readMatrix(path.join(EXP, "table.relu.npy"))).data);
  });
});

describe("Arrow from the command line", () => {
  it("streams a stream through a pipe, and detects both formats by content", () => {
    const d = workdir();
    const r = dact(["relu", "--at-zero", "0.5"], { input: readFileSync(path.join(T, "table.arrows")) });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.readUInt32LE(0)).toBe(0xffffffff);
    writeFileSync(path.join(d, "x.bin"), readFileSync(path.join(T, "table.arrow")));
    const f = dact(["relu", "--at-zero", "0.5", path.join(d, "x.bin"), "--to", "arrow", "-o", path.join(d, "o.feather")]);
    expect(f.status, f.stderr).toBe(0);
    expect(tableFromIPC(readFileSync(path.join(d, "o.feather"))).numRows).toBe(23);
  });

  it("converts Arrow to Parquet and .npy (labels dropped with a notice) and the library writes Arrow", async () => {
    const d = workdir();
    const r = dact(["relu", "--at-zero", "0.5", path.join(T, "table.arrow"), "-o", path.join(d, "o.npy")]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/label \(Utf8\).*dropped/);
    sameValues((await readMatrix(path.join(d, "o.npy"))).data, (await readMatrix(path.join(EXP, "table.relu.npy"))).data);
    const p = dact(["relu", "--at-zero", "0.5", path.join(T, "table.arrows"), "-o", path.join(d, "o.parquet")]);
    expect(p.status, p.stderr).toBe(0);
    sameValues((await readMatrix(path.join(d, "o.parquet"))).data, (await readMatrix(path.join(EXP, "table.relu.npy"))).data);
    await writeMatrix(path.join(d, "m.arrow"), matrix([[1, null], [-1, 2]]));
    const t = tableFromIPC(readFileSync(path.join(d, "m.arrow")));
    expect(t.getChild("1")!.toArray()[1]).toBe(2);
    expect(t.getChild("1")!.nullCount).toBe(1);
  });

  it("refuses a decimal128 column in one line naming it", () => {
    const d = workdir();
    const r = dact(["relu", path.join(T, "bad", "decimal.arrow"), "-o", path.join(d, "o.arrow")]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain('column "d" is decimal128(10, 2)');
  });

  it.each(["table.arrows", "table.arrow"])("a truncated %s is one error, nothing written", (f) => {
    const d = workdir();
    const b = readFileSync(path.join(T, f));
    const cut = `cut${path.extname(f)}`;
    writeFileSync(path.join(d, cut), b.subarray(0, b.length - 200));
    const r = dact(["relu", path.join(d, cut), "-o", path.join(d, `o${path.extname(f)}`)]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(readdirSync(d)).toEqual([cut]);
  });

  it.each([6, 100, 0.5, 0.9])("an Arrow file cut at %s (bytes, or a fraction of it) says so, without the library's internals", (at) => {
    const d = workdir();
    const b = readFileSync(path.join(T, "table.arrow"));
    const n = at < 1 ? Math.floor(b.length * at) : at;
    writeFileSync(path.join(d, "cut.arrow"), b.subarray(0, n));
    const r = dact(["relu", "cut.arrow", "-o", "o.npy"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`dact: cut.arrow: byte ${n}: found the end of the file without the Arrow footer (no "ARROW1" at its end: cut short?); expected a whole Arrow IPC file\n`);
    expect(readdirSync(d)).toEqual(["cut.arrow"]);
  });
});

describe("compressed record batches (LZ4_FRAME, pandas' to_feather() default, and ZSTD)", () => {
  it("pandas' default Feather is lz4-compressed and reads as NumPy's values", async () => {
    const b = readFileSync(path.join(T, "pandas-default.arrow"));
    expect(b.includes(Buffer.from([0x04, 0x22, 0x4d, 0x18]))).toBe(true); // an LZ4 frame inside
    const m = await readMatrix(path.join(T, "pandas-default.arrow"));
    expect(m.shape).toEqual([23, 3]);
    sameValues(m.data, (await readMatrix(path.join(EXP, "pandas-default.x.npy"))).data);
  });

  it("lz4 and zstd give the uncompressed file's results byte for byte", async () => {
    const d = workdir();
    await relu(path.join(T, "table.arrow"), path.join(d, "plain.arrow"));
    for (const f of ["table-lz4.arrow", "table-zstd.arrow"]) {
      await relu(path.join(T, f), path.join(d, "o.arrow"));
      expect(readFileSync(path.join(d, "o.arrow")).equals(readFileSync(path.join(d, "plain.arrow"))), f).toBe(true);
    }
  });

  it("a corrupted LZ4 body is one FORMAT error, nothing written", () => {
    const d = workdir();
    const b = Buffer.from(readFileSync(path.join(T, "table-lz4.arrow")));
    const at = b.indexOf(Buffer.from([0x04, 0x22, 0x4d, 0x18]));
    b[at + 4] = 0xff; // the frame descriptor's version bits
    writeFileSync(path.join(d, "bad.arrow"), b);
    const r = dact(["relu", path.join(d, "bad.arrow"), "-o", path.join(d, "o.arrow")]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/LZ4 frame/);
    expect(readdirSync(d)).toEqual(["bad.arrow"]);
  });
});

describe("a List of numbers of one length per row (pandas' column of NumPy arrays) is a tensor column", () => {
  it("reads as a (rows, n) block and is written back as the same list type", async () => {
    const m = await readMatrix(path.join(T, "embeddings-pandas.arrow"));
    expect(m.shape).toEqual([23, 8]);
    const d = workdir();
    await relu(path.join(T, "embeddings-pandas.arrow"), path.join(d, "o.arrow"));
    const t = tableFromIPC(readFileSync(path.join(d, "o.arrow")));
    expect(String(t.schema.fields.find((f) => f.name === "embedding")!.type)).toBe("List<Float64>");
    sameValues((await readMatrix(path.join(d, "o.arrow"))).data, (await readMatrix(path.join(EXP, "embeddings-pandas.relu.npy"))).data);
  });

  it("a ragged list is one FORMAT error naming the column and the row; nothing written", () => {
    const d = workdir();
    const r = dact(["relu", path.join(T, "bad", "ragged.arrow"), "-o", path.join(d, "o.arrow")]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/column "v": row 2 is a list of 1 values; expected 2, as row 0/);
    expect(readdirSync(d)).toEqual([]);
  });
});

