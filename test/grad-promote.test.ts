/**
 * --grad-output's result dtype, one rule for every container and path:
 * G ⊙ f'(x) rounded once to NumPy's promotion of X's and G's dtypes
 * (bfloat16 with float16: float32). Expectations from numpy/ml_dtypes
 * (fixtures/make_grad_promote.py): every pair of f2, bf16, f4, f8 as
 * members of .safetensors and .npz files.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { gradResultDtype, promote } from "../src/grad.js";
import { derivative, readMatrix } from "../src/index.js";
import type { FloatDType } from "../src/formats/array.js";
import { FIXTURES } from "./helpers.js";
import { dact, workdir } from "./workdir.js";

const DIR = path.join(FIXTURES, "grad-promote");
const DTYPES = JSON.parse(readFileSync(path.join(DIR, "dtypes.json"), "utf8")) as Record<string, { x: FloatDType; g: FloatDType; result: string }>;
const KEYS = Object.keys(DTYPES);
const NAME: Record<string, FloatDType> = { float16: "f2", bfloat16: "bf16", float32: "f4", float64: "f8" };
const ACT = ["leaky-relu", "--negative-slope", "0.1"];

function setup(ext: string): string {
  const d = workdir();
  for (const f of [`x${ext}`, `g${ext}`, `expected${ext}`]) copyFileSync(path.join(DIR, f), path.join(d, f));
  return d;
}

/** Every member of `got` has the dtype and the bits numpy gave. */
async function expectAsNumpy(got: string, want: string): Promise<void> {
  for (const k of KEYS) {
    const g = await readMatrix(got, { key: k });
    const w = await readMatrix(want, { key: k });
    expect(g.dtype, k).toBe(NAME[DTYPES[k]!.result]);
    expect(w.dtype, k).toBe(g.dtype);
    expect(Array.from(g.data), k).toEqual(Array.from(w.data));
  }
}

describe("the promotion rule", () => {
  it("matches numpy/ml_dtypes for every pair, and a number keeps X's dtype", () => {
    expect(KEYS).toHaveLength(16);
    for (const k of KEYS) {
      const { x, g, result } = DTYPES[k]!;
      expect(promote(x, g), k).toBe(NAME[result]);
      expect(gradResultDtype(x, g), k).toBe(NAME[result]);
      expect(gradResultDtype(x, null), k).toBe(x);
      expect(gradResultDtype(x, g, "f2"), k).toBe("f2");
    }
  });

  it("the library: derivative(..., {gradOutput}) gives numpy's dtype and bits", async () => {
    for (const k of KEYS) {
      const x = await readMatrix(path.join(DIR, "x.npz"), { key: k });
      const g = await readMatrix(path.join(DIR, "g.npz"), { key: k });
      const w = await readMatrix(path.join(DIR, "expected.npz"), { key: k });
      const r = derivative("leaky-relu", x, { negativeSlope: 0.1, gradOutput: g });
      expect(r.dtype, k).toBe(w.dtype);
      expect(Array.from(r.data), k).toEqual(Array.from(w.data));
    }
  });
});

describe.each([".safetensors", ".npz"])("%s with --grad-output", (ext) => {
  it("each member takes the promotion of its dtype and G's member's (a wider G widens it)", async () => {
    const d = setup(ext);
    const r = dact([...ACT, `x${ext}`, "--grad-output", `g${ext}`, "-o", `out${ext}`], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    await expectAsNumpy(path.join(d, `out${ext}`), path.join(d, `expected${ext}`));
  });

  it("gzip'ed X and G, the same", async () => {
    const d = setup(ext);
    for (const f of ["x", "g"]) writeFileSync(path.join(d, `${f}${ext}.gz`), gzipSync(readFileSync(path.join(d, `${f}${ext}`))));
    const r = dact([...ACT, `x${ext}.gz`, "--grad-output", `g${ext}.gz`, "-o", `out${ext}`], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    await expectAsNumpy(path.join(d, `out${ext}`), path.join(d, `expected${ext}`));
  });

  it("batch with --grad-output-dir", async () => {
    const d = setup(ext);
    mkdirSync(path.join(d, "xs"));
    mkdirSync(path.join(d, "gs"));
    copyFileSync(path.join(d, `x${ext}`), path.join(d, "xs", `t${ext}`));
    copyFileSync(path.join(d, `g${ext}`), path.join(d, "gs", `t${ext}`));
    const r = dact([...ACT, "xs", "--grad-output-dir", "gs", "--out-dir", "out"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    await expectAsNumpy(path.join(d, "out", `t${ext}`), path.join(d, `expected${ext}`));
  });

  it("--check against numpy's result passes; --update writes numpy's dtypes", async () => {
    const d = setup(ext);
    const ok = dact([...ACT, `x${ext}`, "--grad-output", `g${ext}`, "--check", `expected${ext}`], { cwd: d });
    expect(ok.status, ok.stderr).toBe(0);
    const up = dact([...ACT, `x${ext}`, "--grad-output", `g${ext}`, "--check", `gold${ext}`, "--update"], { cwd: d });
    expect(up.status, up.stderr).toBe(0);
    await expectAsNumpy(path.join(d, `gold${ext}`), path.join(d, `expected${ext}`));
  });

  it("--order 2: G ⊙ f''(x) takes the same dtypes", async () => {
    const d = setup(ext);
    const r = dact([...ACT, "--order", "2", `x${ext}`, "--grad-output", `g${ext}`, "-o", `out${ext}`], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    for (const k of KEYS) {
      const got = await readMatrix(path.join(d, `out${ext}`), { key: k });
      const x = await readMatrix(path.join(d, `x${ext}`), { key: k });
      const g = await readMatrix(path.join(d, `g${ext}`), { key: k });
      const want = derivative("leaky-relu", x, { negativeSlope: 0.1, order: 2, gradOutput: g });
      expect(got.dtype, k).toBe(NAME[DTYPES[k]!.result]);
      expect(Array.from(got.data), k).toEqual(Array.from(want.data));
    }
  });

  it("a plain number keeps each member's dtype", async () => {
    const d = setup(ext);
    const r = dact([...ACT, `x${ext}`, "--grad-output", "2", "-o", `out${ext}`], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    for (const k of KEYS) expect((await readMatrix(path.join(d, `out${ext}`), { key: k })).dtype, k).toBe(DTYPES[k]!.x);
  });
});
