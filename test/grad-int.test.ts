/**
 * --grad-output with a bool or integer array on one side: the result dtype
 * is NumPy 2's promotion (NEP 50) of f'(X)'s dtype (X's float dtype, f8 for
 * a bool or integer X) with G's own dtype, `(f_prime(X) * G).dtype`;
 * bfloat16 as ml_dtypes' multiply gives it. Expectations from numpy 2 and
 * ml_dtypes (fixtures/make_grad_int.py): every float X with every bool and
 * integer G, and the reverse, as .npy files and as members of .npz and
 * .safetensors files; --order 2 as G * 0.0 (leaky-relu's f''); pandas
 * tables (Parquet, Arrow) with integer G columns.
 */
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { tableFromIPC } from "apache-arrow";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { describe, expect, it } from "vitest";
import { gradResultDtype } from "../src/grad.js";
import { INT_DTYPES, promoteStored } from "../src/formats/round.js";
import { derivative, matrix, readMatrix, type Matrix } from "../src/index.js";
import type { FloatDType, NumericDType } from "../src/types.js";
import { FIXTURES } from "./helpers.js";
import { dact, workdir } from "./workdir.js";

const DIR = path.join(FIXTURES, "grad-int");
const NPY = path.join(DIR, "npy");
const DTYPES = JSON.parse(readFileSync(path.join(DIR, "dtypes.json"), "utf8")) as Record<string, { x: NumericDType; g: NumericDType; result: FloatDType }>;
const KEYS = Object.keys(DTYPES);
const FLOATS: FloatDType[] = ["f2", "bf16", "f4", "f8"];
const ACT = ["leaky-relu", "--negative-slope", "0.1"];

/** The bytes of a Matrix's values (float64, so -0 and every bit count). */
function bits(m: Matrix): Buffer {
  return Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
}

/** Each member of `got` has numpy's dtype and the same bits as `want`'s (expected.* or expected2.*). */
async function expectMembers(got: string, want: string): Promise<void> {
  for (const k of KEYS) {
    const g = await readMatrix(got, { key: k });
    const w = await readMatrix(want, { key: k });
    expect(w.dtype, k).toBe(DTYPES[k]!.result);
    expect(g.dtype, k).toBe(w.dtype);
    expect(bits(g).equals(bits(w)), k).toBe(true);
  }
}

/** The pairs' .npy inputs as xs/<pair>.npy and gs/<pair>.npy, for one batch run over every pair. */
function pairFolders(d: string): void {
  mkdirSync(path.join(d, "xs"));
  mkdirSync(path.join(d, "gs"));
  for (const k of KEYS) {
    copyFileSync(path.join(NPY, `x_${DTYPES[k]!.x}.npy`), path.join(d, "xs", `${k}.npy`));
    copyFileSync(path.join(NPY, `g_${DTYPES[k]!.g}.npy`), path.join(d, "gs", `${k}.npy`));
  }
}

/** Every output in `out` is byte for byte np.save's (`stem` expected or expected2). */
function expectNpyFiles(out: string, stem: string): void {
  expect(readdirSync(out).filter((f) => f.endsWith(".npy")).sort()).toEqual(KEYS.map((k) => `${k}.npy`).sort());
  for (const k of KEYS) expect(readFileSync(path.join(out, `${k}.npy`)).equals(readFileSync(path.join(NPY, `${stem}_${k}.npy`))), k).toBe(true);
}

function setup(ext: string, stems = ["x", "g", "expected", "expected2"]): string {
  const d = workdir();
  for (const s of stems) copyFileSync(path.join(DIR, `${s}${ext}`), path.join(d, `${s}${ext}`));
  return d;
}

describe("the promotion rule", () => {
  it("matches numpy 2 / ml_dtypes for every float and bool/integer pair, both ways", () => {
    expect(KEYS).toHaveLength(2 * FLOATS.length * INT_DTYPES.length);
    for (const k of KEYS) {
      const { x, g, result } = DTYPES[k]!;
      // f'(X)'s dtype: X's float dtype, f8 for a bool or integer X.
      const fx: FloatDType = (FLOATS as string[]).includes(x) ? (x as FloatDType) : "f8";
      expect(promoteStored(fx, g), k).toBe(result);
      expect(gradResultDtype(fx, g), k).toBe(result);
      expect(gradResultDtype(fx, g, "bf16"), k).toBe("bf16");
    }
  });

  it("floats with floats as before", () => {
    for (const a of FLOATS) for (const b of FLOATS) expect(promoteStored(a, b)).toBe(gradResultDtype(a, b));
    expect(promoteStored("f2", "bf16")).toBe("f4");
  });
});

describe("the library", () => {
  it("readMatrix says a bool or integer array's own dtype; floats have none", async () => {
    for (const d of INT_DTYPES) {
      const m = await readMatrix(path.join(NPY, `g_${d}.npy`));
      expect([m.dtype, m.sourceDtype], d).toEqual(["f8", d]);
    }
    for (const d of FLOATS) expect((await readMatrix(path.join(NPY, `g_${d}.npy`))).sourceDtype, d).toBeUndefined();
    expect((await readMatrix(path.join(DIR, "g.safetensors"), { key: "f4_u2" })).sourceDtype).toBe("u2");
    expect((await readMatrix(path.join(DIR, "g.npz"), { key: "f4_i1" })).sourceDtype).toBe("i1");
  });

  it("derivative(..., { gradOutput }) gives numpy's dtype and bits for every pair", async () => {
    for (const k of KEYS) {
      const x = await readMatrix(path.join(DIR, "x.npz"), { key: k });
      const g = await readMatrix(path.join(DIR, "g.npz"), { key: k });
      const w = await readMatrix(path.join(DIR, "expected.npz"), { key: k });
      const r = derivative("leaky-relu", x, { negativeSlope: 0.1, gradOutput: g });
      expect(r.dtype, k).toBe(DTYPES[k]!.result);
      expect(r.sourceDtype, k).toBeUndefined();
      expect(bits(r).equals(bits(w)), k).toBe(true);
      const w2 = await readMatrix(path.join(DIR, "expected2.npz"), { key: k });
      const r2 = derivative("leaky-relu", x, { negativeSlope: 0.1, order: 2, gradOutput: g });
      expect(r2.dtype, k).toBe(w2.dtype);
      expect(bits(r2).equals(bits(w2)), k).toBe(true);
    }
  });

  it("f'(x) of a bool or integer x is a float64 Matrix without sourceDtype", async () => {
    const x = await readMatrix(path.join(NPY, "x_i2.npy"));
    const r = derivative("relu", x);
    expect([r.dtype, r.sourceDtype]).toEqual(["f8", undefined]);
    expect(x.sourceDtype).toBe("i2"); // the caller's Matrix is untouched
  });

  it("a caller's Matrix may say sourceDtype; a wrong one is refused", () => {
    const x = { ...matrix([1.5, -2], [2]), dtype: "f4" as const };
    const g = { ...matrix([3, -1], [2]), sourceDtype: "i2" as const };
    expect(derivative("relu", x, { gradOutput: g }).dtype).toBe("f4");
    expect(derivative("relu", { ...x, dtype: "f2" }, { gradOutput: g }).dtype).toBe("f4");
    expect(derivative("relu", x, { gradOutput: { ...g, sourceDtype: "i4" } }).dtype).toBe("f8");
    const bad = (m: unknown) => {
      try {
        derivative("relu", x, { gradOutput: m });
      } catch (err) {
        return (err as { code?: string }).code;
      }
      return "no error";
    };
    expect(bad({ ...g, sourceDtype: "i3" })).toBe("USAGE");
    expect(bad({ ...g, sourceDtype: "f4" })).toBe("USAGE");
    // Integer values are float64: an f4 Matrix that says it was int16 is not one readMatrix gives.
    expect(bad({ ...g, dtype: "f4" })).toBe("USAGE");
  });
});

describe(".npy with --grad-output", () => {
  it("every pair, in one batch (--grad-output-dir): np.save's bytes", () => {
    const d = workdir();
    pairFolders(d);
    const r = dact([...ACT, "xs", "--grad-output-dir", "gs", "--out-dir", "out"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    expectNpyFiles(path.join(d, "out"), "expected");
  });

  it("--order 2, every pair: G ⊙ f''(x) in the same dtypes", () => {
    const d = workdir();
    pairFolders(d);
    const r = dact([...ACT, "--order", "2", "xs", "--grad-output-dir", "gs", "--out-dir", "out"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    expectNpyFiles(path.join(d, "out"), "expected2");
  });

  it("a 0-d bool or integer G is an array, not a weak number (NumPy 2): float16 X with a 0-d int16 G is float32", () => {
    const d = workdir();
    mkdirSync(path.join(d, "xs"));
    mkdirSync(path.join(d, "gs"));
    const cases = readdirSync(NPY).filter((f) => f.startsWith("expected0_")).map((f) => f.slice("expected0_".length, -".npy".length));
    expect(cases).toHaveLength(2 * INT_DTYPES.length);
    for (const k of cases) {
      const [x, g] = k.split("_") as [string, string];
      copyFileSync(path.join(NPY, `x_${x}.npy`), path.join(d, "xs", `${k}.npy`));
      copyFileSync(path.join(NPY, `g0_${g}.npy`), path.join(d, "gs", `${k}.npy`));
    }
    const r = dact([...ACT, "xs", "--grad-output-dir", "gs", "--out-dir", "out"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    for (const k of cases) expect(readFileSync(path.join(d, "out", `${k}.npy`)).equals(readFileSync(path.join(NPY, `expected0_${k}.npy`))), k).toBe(true);
    expect(readFileSync(path.join(NPY, "expected0_f2_i2.npy")).includes("<f4")).toBe(true);
  });

  it.each(["f4_i1", "f2_i2", "bf16_u2", "f4_i4", "f2_b1", "bf16_i1", "i8_f4", "b1_f2"])("single file %s, and gzip'ed X and G", (k) => {
    const d = workdir();
    const { x, g } = DTYPES[k]!;
    const want = readFileSync(path.join(NPY, `expected_${k}.npy`));
    const r = dact([...ACT, path.join(NPY, `x_${x}.npy`), "--grad-output", path.join(NPY, `g_${g}.npy`), "-o", "out.npy"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(path.join(d, "out.npy")).equals(want)).toBe(true);
    writeFileSync(path.join(d, "x.npy.gz"), gzipSync(readFileSync(path.join(NPY, `x_${x}.npy`))));
    writeFileSync(path.join(d, "g.npy.gz"), gzipSync(readFileSync(path.join(NPY, `g_${g}.npy`))));
    const z = dact([...ACT, "x.npy.gz", "--grad-output", "g.npy.gz"], { cwd: d });
    expect(z.status, z.stderr).toBe(0);
    expect(z.stdout.equals(want)).toBe(true);
  });

  it("batch with one --grad-output for every input: each X's own promotion with G's int16", () => {
    const d = workdir();
    mkdirSync(path.join(d, "xs"));
    for (const x of FLOATS) copyFileSync(path.join(NPY, `x_${x}.npy`), path.join(d, "xs", `${x}.npy`));
    const r = dact([...ACT, "xs", "--grad-output", path.join(NPY, "g_i2.npy"), "--out-dir", "out"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    for (const x of FLOATS) expect(readFileSync(path.join(d, "out", `${x}.npy`)).equals(readFileSync(path.join(NPY, `expected_${x}_i2.npy`))), x).toBe(true);
  });

  it("--check against numpy's result passes; --update writes numpy's file", () => {
    const d = workdir();
    for (const k of ["f4_i2", "f2_u1", "bf16_b1", "u8_f2"]) {
      const { x, g } = DTYPES[k]!;
      const args = [...ACT, path.join(NPY, `x_${x}.npy`), "--grad-output", path.join(NPY, `g_${g}.npy`)];
      const ok = dact([...args, "--check", path.join(NPY, `expected_${k}.npy`), "--rtol", "0", "--atol", "0"], { cwd: d });
      expect(ok.status, `${k}: ${ok.stderr}`).toBe(0);
      const up = dact([...args, "--check", `gold_${k}.npy`, "--update"], { cwd: d });
      expect(up.status, up.stderr).toBe(0);
      expect(readFileSync(path.join(d, `gold_${k}.npy`)).equals(readFileSync(path.join(NPY, `expected_${k}.npy`))), k).toBe(true);
    }
  });

  it("a text G has no dtype: whole numbers in CSV or JSON are float64, so a float32 X gives float64", async () => {
    const d = workdir();
    writeFileSync(path.join(d, "g.csv"), "-128\n127\n3\n-7\n0\n45\n");
    writeFileSync(path.join(d, "g.json"), "[-128, 127, 3, -7, 0, 45]");
    for (const g of ["g.csv", "g.json"]) {
      const r = dact([...ACT, path.join(NPY, "x_f4.npy"), "--grad-output", g, "-o", "out.npy"], { cwd: d });
      expect(r.status, r.stderr).toBe(0);
      const got = await readMatrix(path.join(d, "out.npy"));
      expect(got.dtype, g).toBe("f8");
      // The same values as an int8 G, there rounded to float32: here kept in float64.
      const int8 = await readMatrix(path.join(NPY, "expected_f4_i1.npy"));
      expect(Array.from(got.data, Math.fround), g).toEqual(Array.from(int8.data));
    }
  });

  it("a plain number keeps X's dtype; an integer X gives float64", async () => {
    const d = workdir();
    for (const x of ["f2", "bf16", "i1", "b1"] as const) {
      const r = dact([...ACT, path.join(NPY, `x_${x}.npy`), "--grad-output", "2", "-o", `${x}.npy`], { cwd: d });
      expect(r.status, r.stderr).toBe(0);
      expect((await readMatrix(path.join(d, `${x}.npy`))).dtype, x).toBe(x === "f2" || x === "bf16" ? x : "f8");
    }
  });
});

describe.each([".safetensors", ".npz"])("%s with --grad-output", (ext) => {
  it("each member takes numpy's promotion of its dtype and G's member's", async () => {
    const d = setup(ext);
    const r = dact([...ACT, `x${ext}`, "--grad-output", `g${ext}`, "-o", `out${ext}`], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    await expectMembers(path.join(d, `out${ext}`), path.join(d, `expected${ext}`));
    // safetensors' own writer's bytes (the tensors sorted by dtype, then name).
    if (ext === ".safetensors") expect(readFileSync(path.join(d, `out${ext}`)).equals(readFileSync(path.join(d, `expected${ext}`)))).toBe(true);
  });

  it("gzip'ed X and G, the same", async () => {
    const d = setup(ext);
    for (const f of ["x", "g"]) writeFileSync(path.join(d, `${f}${ext}.gz`), gzipSync(readFileSync(path.join(d, `${f}${ext}`))));
    const r = dact([...ACT, `x${ext}.gz`, "--grad-output", `g${ext}.gz`, "-o", `out${ext}`], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    await expectMembers(path.join(d, `out${ext}`), path.join(d, `expected${ext}`));
  });

  it("--order 2: the same dtypes", async () => {
    const d = setup(ext);
    const r = dact([...ACT, "--order", "2", `x${ext}`, "--grad-output", `g${ext}`, "-o", `out${ext}`], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    await expectMembers(path.join(d, `out${ext}`), path.join(d, `expected2${ext}`));
  });

  it("batch with --grad-output-dir", async () => {
    const d = setup(ext);
    mkdirSync(path.join(d, "xs"));
    mkdirSync(path.join(d, "gs"));
    copyFileSync(path.join(d, `x${ext}`), path.join(d, "xs", `t${ext}`));
    copyFileSync(path.join(d, `g${ext}`), path.join(d, "gs", `t${ext}`));
    const r = dact([...ACT, "xs", "--grad-output-dir", "gs", "--out-dir", "out"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    await expectMembers(path.join(d, "out", `t${ext}`), path.join(d, `expected${ext}`));
  });

  it("--check against numpy's result passes; --update writes numpy's dtypes", async () => {
    const d = setup(ext);
    const ok = dact([...ACT, `x${ext}`, "--grad-output", `g${ext}`, "--check", `expected${ext}`, "--rtol", "0", "--atol", "0"], { cwd: d });
    expect(ok.status, ok.stderr).toBe(0);
    const up = dact([...ACT, `x${ext}`, "--grad-output", `g${ext}`, "--check", `gold${ext}`, "--update"], { cwd: d });
    expect(up.status, up.stderr).toBe(0);
    await expectMembers(path.join(d, `gold${ext}`), path.join(d, `expected${ext}`));
  });
});

describe("Parquet and Arrow: an integer G column promotes by its own width, as pandas' x * g", () => {
  type Col = { dtype: FloatDType; values: string[] };
  const WANT = JSON.parse(readFileSync(path.join(DIR, "table-expected.json"), "utf8")) as Record<string, Col>;
  const PARQUET: Record<string, string> = { f2: "FIXED_LEN_BYTE_ARRAY/FLOAT16", f4: "FLOAT/", f8: "DOUBLE/" };
  const ARROW: Record<string, string> = { f2: "Float16", f4: "Float32", f8: "Float64" };

  it("the fixture holds the cases that differ from float64", () => {
    expect(Object.values(WANT).map((c) => c.dtype)).toEqual(["f2", "f4", "f4", "f4", "f8", "f8"]);
  });

  it("Parquet to Parquet: each column's dtype and values as numpy's", async () => {
    const d = workdir();
    const r = dact([...ACT, path.join(DIR, "xtable.parquet"), "--grad-output", path.join(DIR, "gtable.parquet"), "-o", "out.parquet"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    const buf = readFileSync(path.join(d, "out.parquet"));
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) as ArrayBuffer;
    const md = parquetMetadata(ab);
    const rows = await parquetReadObjects({ file: ab, compressors });
    for (const [c, w] of Object.entries(WANT)) {
      const el = md.schema.find((e) => e.name === c)!;
      expect(`${el.type}/${el.logical_type?.type ?? ""}`, c).toBe(PARQUET[w.dtype]);
      expect(rows.map((row) => row[c]), c).toEqual(w.values.map(Number));
    }
    expect(rows.map((row) => row["id"])).toEqual(["r0", "r1", "r2"]);
  });

  it("Arrow to Arrow: the same", () => {
    const d = workdir();
    const r = dact([...ACT, path.join(DIR, "xtable.arrow"), "--grad-output", path.join(DIR, "gtable.arrow"), "-o", "out.arrow"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    const t = tableFromIPC(readFileSync(path.join(d, "out.arrow")));
    for (const [c, w] of Object.entries(WANT)) {
      expect(String(t.schema.fields.find((f) => f.name === c)!.type), c).toBe(ARROW[w.dtype]);
      expect(Array.from(t.getChild(c)!, Number), c).toEqual(w.values.map(Number));
    }
  });

  it.each(["gsame.parquet", "gsame.arrow"])("a float16 .npy X with %s, whose columns are all int16: float32, np.save's bytes", (g) => {
    const d = workdir();
    const r = dact([...ACT, path.join(DIR, "xsame.npy"), "--grad-output", path.join(DIR, g), "-o", "out.npy"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(path.join(d, "out.npy")).equals(readFileSync(path.join(DIR, "expected-same.npy")))).toBe(true);
  });
});
