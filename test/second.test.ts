/**
 * Issue 27: --order 2, the second derivative f″, elementwise. Held to
 * mpmath (fixtures/make_second.py: kinks, zeros of f″, tails, subnormals,
 * random points, every option) and to PyTorch's double backward at its
 * kinks (fixtures/make_second_torch.py, committed output).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ACTIVATIONS, findActivation, resolveParams } from "../src/activations/registry.js";
import { DactError } from "../src/errors.js";
import { float64Kernel } from "../src/wasm/index.js";
import { derivative, matrix, readMatrix, writeMatrix } from "../src/index.js";
import { FIXTURES } from "./helpers.js";
import { dact, workdir } from "./workdir.js";

const DIR = path.join(FIXTURES, "second");
const num = (s: string) => (s === "inf" ? Infinity : s === "-inf" ? -Infinity : s === "nan" ? NaN : Number(s));

interface Reference {
  name: string;
  params: Record<string, number | string>;
  piecewise: boolean;
  roots: string[];
  x: string[];
  exact: string[];
}
const refs = readdirSync(DIR)
  .filter((f) => f !== "torch.json")
  .map((f) => ({ file: f, ref: JSON.parse(readFileSync(path.join(DIR, f), "utf8")) as Reference }));

function second(name: string, params: Record<string, number | string>) {
  const act = findActivation(name)!;
  return { act, params: resolveParams(act, { ...params, order: 2 }) };
}

describe("f″ against mpmath (fixtures/second, fixtures/make_second.py)", () => {
  it("covers every activation, each with a second derivative in its registry entry", () => {
    const names = new Set(refs.map((r) => r.ref.name));
    for (const a of ACTIVATIONS) {
      expect(names.has(a.name), a.name).toBe(true);
      expect(typeof a.second, a.name).toBe("function");
    }
  });

  for (const { file, ref } of refs) {
    it(`${file}: ${ref.piecewise ? "exact" : "relative error <= 1e-13 wherever |f″| > 1e-300, zeros of f″ included"}`, () => {
      const { act, params } = second(ref.name, ref.params);
      const xs = Float64Array.from(ref.x.map(num));
      const got = new Float64Array(xs.length);
      act.kernel(params)(xs, got, xs.length);
      const f = act.scalar(params);
      for (let i = 0; i < xs.length; i++) {
        const x = xs[i]!;
        const e = num(ref.exact[i]!);
        const g = got[i]!;
        const where = `${ref.name} ${JSON.stringify(ref.params)} f″(${x}): got ${g}, exact ${e}`;
        expect(Object.is(f(x), g), `scalar and kernel at ${x}`).toBe(true);
        if (Number.isNaN(e) || !Number.isFinite(e) || ref.piecewise) expect(g === e || Object.is(g, e), where).toBe(true);
        else if (Math.abs(e) > 1e-300) expect(Math.abs(g - e) / Math.abs(e), where).toBeLessThanOrEqual(1e-13);
        else expect(Math.abs(g - e), where).toBeLessThanOrEqual(1e-300);
      }
    });
  }
});

describe("f″ in float32: the float64 value rounded once (within 1 ulp of exact)", () => {
  for (const { file, ref } of refs.filter((r) => !r.ref.piecewise)) {
    it(file, () => {
      const { act, params } = second(ref.name, ref.params);
      const k = act.kernel(params);
      const xs = Float32Array.from(ref.x.map(num).filter((x) => Object.is(Math.fround(x), x)));
      const d32 = new Float32Array(xs.length);
      const d64 = new Float64Array(xs.length);
      k(xs, d32, xs.length);
      k(xs, d64, xs.length);
      for (let i = 0; i < xs.length; i++) expect(Object.is(d32[i], Math.fround(d64[i]!)), `${ref.name} at ${xs[i]}`).toBe(true);
    });
  }
});

describe("conventions at kinks: PyTorch's double backward (fixtures/second/torch.json)", () => {
  const cases = JSON.parse(readFileSync(path.join(DIR, "torch.json"), "utf8")) as { name: string; params: Record<string, number | string>; x: string[]; torch: string[] | null }[];
  const exponential = new Set(["elu", "selu", "celu"]);
  for (const c of cases) {
    it(`${c.name} ${JSON.stringify(c.params)}`, () => {
      const { act, params } = second(c.name, c.params);
      const f = act.scalar(params);
      const piecewise = refs.find((r) => r.ref.name === c.name)!.ref.piecewise;
      c.x.forEach((s, i) => {
        const x = num(s);
        const g = f(x);
        if (c.torch === null) {
          // PyTorch has no double backward (hardsigmoid): f″ of a piecewise-linear function
          expect(g === 0 || Number.isNaN(x)).toBe(true);
          return;
        }
        const t = num(c.torch[i]!);
        const where = `${c.name} f″(${x}): dact ${g}, torch ${t}`;
        if (Number.isNaN(x)) return expect(g, where).toBeNaN(); // on purpose: NaN in, NaN out (torch: 0 for the piecewise ones)
        if (exponential.has(c.name) && x === 0) {
          // on purpose: the exponential side at 0, as f′ (torch: 0)
          expect(t, where).toBe(0);
          expect(g, where).toBe(f(-Number.MIN_VALUE));
          return;
        }
        if (Number.isNaN(t)) {
          // on purpose: torch's inf·0 (gelu, silu, mish, softsign at ±inf; mish past
          // x ≈ 710, where its exp overflows) is NaN; dact gives the limit, 0
          expect(!Number.isFinite(x) || Math.abs(x) >= 700, where).toBe(true);
          return expect(g === 0, where).toBe(true); // ±0: the side the limit is approached from
        }
        if (t === 0 && g !== 0 && !piecewise) {
          // on purpose: in the tails torch's formulas cancel (1 − 2σ, 1 − tanh², x·(1 − σ))
          // or underflow to 0; dact's is the tiny value itself (held to mpmath above)
          expect(Math.abs(x), where).toBeGreaterThanOrEqual(40);
          return expect(Math.abs(g), where).toBeLessThan(1e-15);
        }
        // Which side of a kink, exactly; elsewhere torch's own float64 rounding
        // (up to 4e-8 relative next to softplus's threshold) is all that differs:
        // the accuracy is held to mpmath above.
        if (piecewise || t === 0) expect(g === t, where).toBe(true); // ±0 alike
        else if (Math.abs(g) < 1e-15) expect(Math.abs(g - t), where).toBeLessThanOrEqual(2e-16); // gelu″ at ±√2: torch is off by an ulp of 2
        else expect(Math.abs(g - t) / Math.abs(t), where).toBeLessThanOrEqual(1e-7);
      });
    });
  }
});

describe("f″'s float64 SIMD kernels (src/wasm/kernels.wat) against the JavaScript f″ (`second`)", () => {
  const CASES: [string, Record<string, number | string>][] = [
    ["sigmoid", {}], ["logsigmoid", {}], ["gelu", {}], ["silu", {}], ["softplus", {}], ["softplus", { beta: 2.5, threshold: 5 }],
    ["elu", {}], ["elu", { alpha: 0.5 }], ["selu", {}], ["celu", {}], ["celu", { alpha: 2.5 }], ["tanh", {}], ["tanhshrink", {}], ["mish", {}], ["gelu", { approximate: "tanh" }],
  ];
  // Random bit patterns, the usual range densely, the tails past every underflow, zeros of f″, specials.
  const xs = new Float64Array(1 << 17);
  const words = new Uint32Array(xs.buffer);
  let s = 12345;
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < xs.length; i++) {
    if (i % 4 === 0) {
      words[2 * i] = next();
      words[2 * i + 1] = next();
    } else if (i % 4 === 1) xs[i] = ((next() / 2 ** 32) * 2 - 1) * 820;
    else xs[i] = ((next() / 2 ** 32) * 2 - 1) * 10 ** ((i % 7) - 3);
  }
  xs.set([0, -0, NaN, Infinity, -Infinity, 5e-324, -5e-324, 1, -1, 40, -40, 40.00000000000001, 800, -800, 1e308, -1e308, Math.SQRT2, -Math.SQRT2, 2.3993572805154675, -2.3993572805154675, 2.4618, -2.337, 20, 19.999999999999996, -2.256376396360793, 1.4905711794854284, -2.19, 1.553, 1.42, 1.4185040087908283, -1.4185040087908283, 1.35, -1.49, 30, -30, 30.000000000000004]);

  it("has a SIMD f″ for each of these and none for the others", () => {
    for (const [name, p] of CASES) expect(float64Kernel(findActivation(name)!, resolveParams(findActivation(name)!, { ...p, order: 2 })), name).not.toBeNull();
    expect(float64Kernel(findActivation("celu")!, resolveParams(findActivation("celu")!, { alpha: -1.5, order: 2 }))).toBeNull();
    for (const name of ["softsign", "relu", "hardswish"]) expect(float64Kernel(findActivation(name)!, resolveParams(findActivation(name)!, { order: 2 })), name).toBeNull();
  });

  it.each(CASES)("%s %j: within 1e-13 relative (zeros, infinities and NaN exactly), scalar = kernel in every array type", (name, p) => {
    const act = findActivation(name)!;
    const params = resolveParams(act, { ...p, order: 2 });
    const ref = act.second!(params);
    const got = new Float64Array(xs.length);
    act.kernel(params)(xs, got, xs.length);
    const scalar = act.scalar(params);
    const f32 = new Float32Array(xs.length);
    act.kernel(params)(xs, f32, xs.length);
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i]!;
      const want = ref(x);
      const g = got[i]!;
      const where = `${name} f″(${x}): ${g}, the reference ${want}`;
      if (i < 3000) expect(Object.is(scalar(x), g), where).toBe(true);
      if (!Object.is(f32[i], Math.fround(g))) expect.fail(`float32 ${where}`);
      if (Object.is(g, want)) continue;
      if (want === 0 || !Number.isFinite(want)) expect.fail(where);
      const tol = Math.abs(want) > 1e-300 ? 1e-13 * Math.abs(want) : 1e-300;
      if (!(Math.abs(g - want) <= tol)) expect.fail(where);
    }
  });
});

describe("--order through the CLI and the library", () => {
  const dir = workdir();
  const X = [-3, -1.5, -0.5, 0, 0.5, 1.5, 3, 25];

  it("rejects anything but 1 or 2 (exit 2, one line)", () => {
    writeFileSync(path.join(dir, "x.csv"), "1\n");
    for (const bad of ["0", "3", "1.5", "two", ""]) {
      const r = dact(["gelu", "x.csv", "--order", bad], { cwd: dir });
      expect(r.status).toBe(2);
      expect(r.stdout.length).toBe(0);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain("--order");
    }
    expect(() => derivative("gelu", [1], { order: 3 })).toThrow(DactError);
    expect(() => derivative("gelu", [1], { order: 3 })).toThrow(expect.objectContaining({ code: "USAGE" }));
  });

  it("--order 1 is the default, byte for byte", () => {
    writeFileSync(path.join(dir, "a.csv"), X.join("\n") + "\n");
    const a = dact(["silu", "a.csv"], { cwd: dir });
    const b = dact(["silu", "a.csv", "--order", "1"], { cwd: dir });
    expect(a.status).toBe(0);
    expect(b.stdout.equals(a.stdout)).toBe(true);
  });

  it.each(ACTIVATIONS.map((a) => a.name))("%s: CSV, .npy f8 and f4, and the library give the registry's f″", async (name) => {
    const act = findActivation(name)!;
    const f = act.scalar(resolveParams(act, { order: 2 }));
    writeFileSync(path.join(dir, `${name}.csv`), X.join("\n") + "\n");
    const csv = dact([name, `${name}.csv`, "--order", "2"], { cwd: dir });
    expect(csv.status, csv.stderr).toBe(0);
    expect(csv.stdout.toString().trim().split("\n").map(Number)).toEqual(X.map(f));
    await writeMatrix(path.join(dir, `${name}.npy`), matrix(X));
    await writeMatrix(path.join(dir, `${name}4.npy`), { ...matrix(X), dtype: "f4" });
    for (const [src, round] of [[`${name}.npy`, (v: number) => v], [`${name}4.npy`, Math.fround]] as const) {
      const r = dact([name, src, "--order", "2", "-o", `o-${src}`], { cwd: dir });
      expect(r.status, r.stderr).toBe(0);
      expect(Array.from((await readMatrix(path.join(dir, `o-${src}`))).data)).toEqual(X.map((x) => round(f(x)))); // every x is a float32
    }
    expect(Array.from(derivative(name, X, { order: 2 }).data)).toEqual(X.map(f));
  });

  it("--grad-output: G ⊙ f″(X), rounded once; the library alike", async () => {
    const act = findActivation("gelu")!;
    const f = act.scalar(resolveParams(act, { order: 2 }));
    const G = X.map((_, i) => 0.1 * (i + 1));
    await writeMatrix(path.join(dir, "gx.npy"), { ...matrix(X), dtype: "f4" });
    await writeMatrix(path.join(dir, "g.npy"), { ...matrix(G), dtype: "f4" });
    const r = dact(["gelu", "gx.npy", "--order", "2", "--grad-output", "g.npy", "-o", "gy.npy"], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    const want = X.map((x, i) => Math.fround(f(x) * Math.fround(G[i]!)));
    expect(Array.from((await readMatrix(path.join(dir, "gy.npy"))).data)).toEqual(want);
    expect(Array.from(derivative("gelu", X, { order: 2, gradOutput: G }).data)).toEqual(X.map((x, i) => f(x) * G[i]!));
  });

  it("containers (.npz), batch mode and --check", async () => {
    const act = findActivation("mish")!;
    const f = act.scalar(resolveParams(act, { order: 2 }));
    await writeMatrix(path.join(dir, "c.npz"), matrix(X), { key: "w" });
    const r = dact(["mish", "c.npz", "--order", "2", "-o", "c-out.npz"], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(Array.from((await readMatrix(path.join(dir, "c-out.npz"))).data)).toEqual(X.map(f));

    mkdirSync(path.join(dir, "in"), { recursive: true });
    await writeMatrix(path.join(dir, "in", "a.npy"), matrix(X));
    const b = dact(["mish", "in", "--order", "2", "--out-dir", "out", "-q"], { cwd: dir });
    expect(b.status, b.stderr).toBe(0);
    expect(Array.from((await readMatrix(path.join(dir, "out", "a.npy"))).data)).toEqual(X.map(f));

    const same = dact(["mish", "in/a.npy", "--order", "2", "--check", "out/a.npy"], { cwd: dir });
    expect(same.status, same.stderr).toBe(0);
    const first = dact(["mish", "in/a.npy", "--check", "out/a.npy"], { cwd: dir });
    expect(first.status).toBe(1); // f′ is not f″
  });
});
