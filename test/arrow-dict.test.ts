/**
 * Dictionary-encoded Arrow columns (fixtures/make_arrow_dict.py): a
 * dictionary of numbers is a numeric column of its values, as pyarrow's
 * to_numpy() and Parquet give them (nulls, several record batches, delta
 * dictionaries in files and streams, a replaced dictionary in a stream);
 * a dictionary of text stays a label column; an index outside its
 * dictionary is an error naming the row.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { tableFromIPC, Type } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { readMatrix } from "../src/index.js";
import { runDerivative } from "../src/pipeline.js";
import { FIXTURES } from "./helpers.js";
import { dact, workdir } from "./workdir.js";

const D = path.join(FIXTURES, "arrow-dict");
const CASES = ["dict-f64.arrow", "dict-f32.arrows", "dict-int.arrow"];
const stem = (f: string) => f.slice(0, f.indexOf("."));
const meta = (f: string) => JSON.parse(readFileSync(path.join(D, `${stem(f)}.json`), "utf8")) as { columns: string[]; labels: string[]; rows: number[] };
const quiet = () => {};

/** The data of a .npy file, after its header. */
function npyData(b: Buffer): Buffer {
  const headerLen = b.readUInt16LE(8);
  return b.subarray(10 + headerLen);
}

describe("Arrow dictionary-encoded numbers are numeric columns", () => {
  it("has every fixture", () => expect(readdirSync(D).filter((f) => /\.arrows?$/.test(f)).sort()).toEqual(["bad-index.arrow", "bad-label-index.arrows", "bad-negative.arrows", "dict-f32.arrows", "dict-f64.arrow", "dict-int.arrow"]));

  it.each(CASES)("%s: read as pyarrow decodes it", async (f) => {
    const m = await readMatrix(path.join(D, f));
    const want = await readMatrix(path.join(D, `${stem(f)}.x.npy`));
    expect(m.shape).toEqual(want.shape);
    expect(m.dtype).toBe(want.dtype);
    expect(Buffer.from(new Float64Array(m.data).buffer)).toEqual(Buffer.from(new Float64Array(want.data).buffer));
  });

  it.each(CASES)("%s -o out.npy: np.heaviside(x, 0.5) byte for byte", (f) => {
    const d = workdir();
    const r = dact(["relu", "--at-zero", "0.5", path.join(D, f), "-o", path.join(d, "out.npy")]);
    expect(r.status).toBe(0);
    expect(readFileSync(path.join(d, "out.npy"))).toEqual(readFileSync(path.join(D, `${stem(f)}.relu.npy`)));
    // Only the text dictionary is named as dropped.
    const dropped = meta(f).labels;
    if (dropped.length) expect(r.stderr).toContain(`column ${dropped.join(", ")} (Dictionary<Int32, Utf8>) is not numeric`);
    else expect(r.stderr).not.toContain("not numeric");
  });

  it.each(CASES)("%s to the same format: numeric dictionaries computed into plain floats, text dictionaries and batches kept", async (f) => {
    const d = workdir();
    const out = path.join(d, `out${path.extname(f)}`);
    await runDerivative({ activation: "relu", params: { "at-zero": 0.5 }, input: path.join(D, f), output: out }, quiet);
    const got = tableFromIPC(readFileSync(out));
    const src = tableFromIPC(readFileSync(path.join(D, f)));
    const { columns, labels, rows } = meta(f);
    expect(got.batches.map((b) => b.numRows)).toEqual(rows);
    expect(got.schema.fields.map((x) => x.name)).toEqual(src.schema.fields.map((x) => x.name));
    const want = npyData(readFileSync(path.join(D, `${stem(f)}.relu.npy`)));
    const f4 = f.includes("f32");
    const n = rows.reduce((a, b) => a + b, 0);
    const flat = f4 ? new Float32Array(n * columns.length) : new Float64Array(n * columns.length);
    columns.forEach((name, j) => {
      const col = got.getChild(name)!;
      expect(col.type.typeId).toBe(Type.Float);
      for (let i = 0; i < n; i++) flat[i * columns.length + j] = col.get(i) ?? NaN;
      // A null (an index that was null) is a null again, not a NaN value.
      const nullsIn = src.getChild(name)!.nullCount;
      expect(col.nullCount).toBe(nullsIn);
    });
    expect(Buffer.from(flat.buffer)).toEqual(want);
    for (const name of labels) {
      expect(got.getChild(name)!.type.typeId).toBe(Type.Dictionary);
      expect(got.getChild(name)!.toArray()).toEqual(src.getChild(name)!.toArray());
    }
  });

  it("the same table from Parquet gives the same output", () => {
    const d = workdir();
    const r = dact(["relu", "--at-zero", "0.5", path.join(D, "dict-f64.parquet"), "-o", path.join(d, "out.npy")]);
    expect(r.status).toBe(0);
    expect(readFileSync(path.join(d, "out.npy"))).toEqual(readFileSync(path.join(D, "dict-f64.relu.npy")));
  });

  it("--grad-output 2 on a dictionary column: 2 ⊙ f'(x), float32 kept", () => {
    const d = workdir();
    const r = dact(["relu", "--at-zero", "0.5", path.join(D, "dict-f32.arrows"), "--grad-output", "2", "-o", path.join(d, "out.npy")]);
    expect(r.status).toBe(0);
    const f32 = (b: Buffer) => Array.from(new Float32Array(Uint8Array.from(b).buffer));
    const got = f32(npyData(readFileSync(path.join(d, "out.npy"))));
    const want = f32(npyData(readFileSync(path.join(D, "dict-f32.relu.npy"))));
    expect(readFileSync(path.join(d, "out.npy")).toString("latin1", 0, 60)).toContain("'<f4'");
    expect(got).toEqual(want.map((v) => 2 * v));
  });
});

describe("an index outside its dictionary (numbers or text) is an error naming the row, never a value", () => {
  it.each([
    ["bad-index.arrow", "x", 1, "3", "0 to 2"],
    ["bad-negative.arrows", "x", 5, "-1", "0 to 2"],
    ["bad-label-index.arrows", "s", 3, "2", "0 to 1"],
  ])("%s: column %s, row %i, index %s", async (f, column, row, index, range) => {
    const d = workdir();
    for (const out of ["out.csv", "out.arrow", "out.arrows", "out.parquet"]) {
      const r = dact(["relu", "-q", path.join(D, f), "-o", path.join(d, out)]);
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`dact: ${path.join(D, f)}: column "${column}": row ${row} has dictionary index ${index}; expected ${range} (its dictionary holds ${range === "0 to 2" ? 3 : 2} values)\n`);
      expect(existsSync(path.join(d, out))).toBe(false);
    }
    await expect(readMatrix(path.join(D, f))).rejects.toMatchObject({ code: "FORMAT" });
  });
});
