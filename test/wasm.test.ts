/**
 * The float32 SIMD kernels (src/wasm) against the exact values (mpmath
 * fixtures) and against the float64 JavaScript kernels they stand in for on
 * float32 .npy files; and the float64 SIMD kernels against the
 * JavaScript reference they replace (the mpmath fixtures of
 * activations.test.ts hold them to 1e-13 too).
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ACTIVATIONS, findActivation, resolveParams } from "../src/activations/registry.js";
import type { Params } from "../src/activations/types.js";
import { float32Kernel, float64Kernel } from "../src/wasm/index.js";
import { expectSameDoubles, FIXTURES, npyBytes } from "./helpers.js";
import { dact, workdir } from "./workdir.js";

const DIR = path.join(FIXTURES, "activations");
const num = (s: string) => (s === "inf" ? Infinity : s === "-inf" ? -Infinity : s === "nan" ? NaN : Number(s));

/** The distance between v's float32 and the next float32 away from zero (subnormals included). */
function ulp32(v: number): number {
  const a = Math.abs(Math.fround(v));
  if (a === 0) return 2 ** -149;
  return 2 ** Math.max(Math.floor(Math.log2(a)) - 23, -149);
}

/** Every activation and parameter set the SIMD kernels (float32 and float64) take. */
const CASES: [string, Record<string, number | string>][] = [
  ["relu", {}],
  ["relu", { "at-zero": 1 }],
  ["relu", { "at-zero": 0.5 }],
  ["sigmoid", {}],
  ["tanh", {}],
  ["logsigmoid", {}],
  ["tanhshrink", {}],
  ["silu", {}],
  ["mish", {}],
  ["gelu", {}],
  ["gelu", { approximate: "tanh" }],
  ["elu", {}],
  ["elu", { alpha: -2.5 }],
  ["elu", { alpha: 1e30 }],
  ["selu", {}],
  ["celu", {}],
  ["celu", { alpha: 0.3 }],
  ["celu", { alpha: 250 }],
  ["softplus", {}],
  ["softplus", { beta: 2.5, threshold: 5 }],
  ["softplus", { beta: 1e-3, threshold: -1 }],
];

function kernels(name: string, p: Record<string, number | string>) {
  const act = findActivation(name)!;
  const params: Params = resolveParams(act, p);
  const js = act.kernel(params);
  const simd = float32Kernel(act, params, js);
  if (!simd) throw new Error(`no float32 kernel for ${name}`);
  return { js, simd };
}

/** float32 inputs of every kind: all binades (random bit patterns), the usual range densely, the specials. */
function inputs(): Float32Array {
  const n = 1 << 19;
  const xs = new Float32Array(n);
  const bits = new Uint32Array(xs.buffer);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    if (i % 4 === 0) bits[i] = s;
    else xs[i] = ((s / 2 ** 32) * 2 - 1) * 10 ** ((i % 7) - 3);
  }
  xs.set([0, -0, NaN, Infinity, -Infinity, 2 ** -149, -(2 ** -149), 2 ** -126, 1e-30, -1e-30, 0.0625, -0.0625, Math.fround(0.0625 - 2 ** -28), 5, 20, Math.fround(20.000002), 88.7, -88.7, 103.9, -103.9, 709, -709, -745, -745.1331787109375, -745.1332397460938, -800, 3e38, -3e38]);
  return xs;
}

describe("float32 SIMD kernels: within 1 ulp of exact, and the float64 kernel's float32 but near ties", () => {
  const xs = inputs();
  it.each(CASES)("%s %j", (name, p) => {
    const { js, simd } = kernels(name, p);
    const want = new Float32Array(xs.length);
    const got = new Float32Array(xs.length);
    js(xs, want, xs.length);
    simd(xs, got, xs.length);
    let differ = 0;
    const scalar = findActivation(name)!.scalar(resolveParams(findActivation(name)!, p));
    for (let i = 0; i < xs.length; i++) {
      const a = want[i]!;
      const b = got[i]!;
      if (Object.is(a, b) || (a !== a && b !== b)) continue;
      // A zero whose sign the float64 kernel lost to its own underflow (its
      // float64 value is exactly 0; the exact value is a tiny nonzero).
      if (a === 0 && b === 0 && scalar(xs[i]!) === 0) continue;
      differ++;
      if (!(Math.abs(a - b) <= ulp32(a))) expect.fail(`${name} at x = ${xs[i]}: ${b}, the float64 kernel gives ${a}`);
    }
    // Only near float32 ties may the two roundings differ: a few in a million.
    expect(differ).toBeLessThan(xs.length / 100_000);
  });

  for (const file of readdirSync(DIR)) {
    const ref = JSON.parse(readFileSync(path.join(DIR, file), "utf8")) as { name: string; params: Record<string, number | string>; x: string[]; exact: string[] };
    const params = resolveParams(findActivation(ref.name)!, ref.params);
    if (!float32Kernel(findActivation(ref.name)!, params, () => {})) continue;
    it(`mpmath: ${file}`, () => {
      const keep = ref.x.map((s, i) => [num(s), num(ref.exact[i]!)] as const).filter(([x]) => Object.is(Math.fround(x), x));
      const { simd } = kernels(ref.name, ref.params);
      const src = Float32Array.from(keep.map(([x]) => x));
      const dst = new Float32Array(src.length);
      simd(src, dst, src.length);
      keep.forEach(([x, e], i) => {
        if (Number.isNaN(e)) return expect(dst[i], `${ref.name} at ${x}`).toBeNaN();
        if (!Number.isFinite(Math.fround(e))) return expect(dst[i]).toBe(Math.fround(e));
        if (!(Math.abs(dst[i]! - e) <= ulp32(e))) expect.fail(`${ref.name} at ${x}: ${dst[i]}, exact ${e}`);
      });
    });
  }

  it("every float32 within 3000 ulps of the roots of silu', mish', tanh-gelu' and gelu' (fixtures/float32-roots.json): within 1 ulp of exact", () => {
    const sets = JSON.parse(readFileSync(path.join(FIXTURES, "float32-roots.json"), "utf8")) as { name: string; params: Record<string, string>; x: string[]; exact: string[] }[];
    expect(sets.map((s) => `${s.name}${JSON.stringify(s.params)}`)).toEqual(["silu{}", "mish{}", 'gelu{"approximate":"tanh"}', "gelu{}"]);
    for (const set of sets) {
      const { simd } = kernels(set.name, set.params);
      const src = Float32Array.from(set.x.map(num));
      const dst = new Float32Array(src.length);
      simd(src, dst, src.length);
      set.exact.forEach((s, i) => {
        const e = num(s);
        if (!(Math.abs(dst[i]! - e) <= ulp32(e))) expect.fail(`${set.name} at ${src[i]}: ${dst[i]}, exact ${e}`);
      });
    }
  });

  it("has none for the activations it does not implement, or parameters it cannot take", () => {
    const none = (name: string, p: Record<string, number | string> = {}) => float32Kernel(findActivation(name)!, resolveParams(findActivation(name)!, p), () => {});
    expect(none("hardtanh")).toBeNull();
    expect(none("celu", { alpha: -1 })).toBeNull();
  });

  it("leaves any other array types to the float64 kernel", () => {
    const { js, simd } = kernels("sigmoid", {});
    const x = Float64Array.from([0.1, -3, 7]);
    const a = new Float64Array(3);
    const b = new Float64Array(3);
    js(x, a, 3);
    simd(x, b, 3);
    expectSameDoubles(b, a);
  });
});

describe("float32 .npy and .safetensors use them, whatever --threads says; float64 arrays do not", () => {
  it("f4 in, f4 out: the SIMD kernel's values, the same bytes with 1 and 2 threads", () => {
    const dir = workdir();
    const xs = inputs().subarray(0, 300_001); // past the parallel threshold, and not a multiple of 4
    writeFileSync(path.join(dir, "x.npy"), npyBytes("<f4", `(${xs.length},)`, xs));
    const one = dact(["tanh", "x.npy", "--to", "npy", "--threads", "1"], { cwd: dir });
    const two = dact(["tanh", "x.npy", "--to", "npy", "--threads", "2"], { cwd: dir });
    expect(one.status, one.stderr).toBe(0);
    expect(two.stdout.equals(one.stdout)).toBe(true);
    const { simd } = kernels("tanh", {});
    const want = new Float32Array(xs.length);
    simd(xs, want, xs.length);
    const body = one.stdout.subarray(one.stdout.length - xs.length * 4);
    expect(Buffer.from(want.buffer).equals(body)).toBe(true);
  });

  it(".safetensors F32 tensors too, key by key, the same bytes with 1 and 2 threads", () => {
    const dir = workdir();
    const xs = inputs().subarray(0, 200_000);
    const header = Buffer.from(JSON.stringify({ a: { dtype: "F32", shape: [xs.length], data_offsets: [0, xs.length * 4] }, b: { dtype: "F64", shape: [4], data_offsets: [xs.length * 4, xs.length * 4 + 32] } }));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    const b64 = Float64Array.from([-1, 0, 0.5, 3]);
    writeFileSync(path.join(dir, "m.safetensors"), Buffer.concat([len, header, Buffer.from(xs.buffer, xs.byteOffset, xs.length * 4), Buffer.from(b64.buffer)]));
    const one = dact(["softplus", "m.safetensors", "--to", "safetensors", "--threads", "1"], { cwd: dir });
    const two = dact(["softplus", "m.safetensors", "--to", "safetensors", "--threads", "2"], { cwd: dir });
    expect(one.status, one.stderr).toBe(0);
    expect(two.stdout.equals(one.stdout)).toBe(true);
    const { simd, js } = kernels("softplus", {});
    const want = new Float32Array(xs.length);
    simd(xs, want, xs.length);
    const hlen = Number(one.stdout.readBigUInt64LE(0));
    const out = JSON.parse(one.stdout.subarray(8, 8 + hlen).toString()) as Record<string, { data_offsets: [number, number] }>;
    const bytes = (k: string) => one.stdout.subarray(8 + hlen + out[k]!.data_offsets[0], 8 + hlen + out[k]!.data_offsets[1]);
    expect(Buffer.from(want.buffer).equals(bytes("a"))).toBe(true);
    const want64 = new Float64Array(4);
    js(b64, want64, 4);
    expect(Buffer.from(want64.buffer).equals(bytes("b"))).toBe(true);
  });

  it("f8 in: the float64 kernel, unchanged", () => {
    const dir = workdir();
    const xs = Float64Array.from(inputs().subarray(0, 50_000));
    writeFileSync(path.join(dir, "x.npy"), npyBytes("<f8", `(${xs.length},)`, xs));
    const r = dact(["sigmoid", "x.npy", "--to", "npy"], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    const want = new Float64Array(xs.length);
    findActivation("sigmoid")!.kernel({})(xs, want, xs.length);
    expect(Buffer.from(want.buffer).equals(r.stdout.subarray(r.stdout.length - xs.length * 8))).toBe(true);
  });
});

describe("float64 SIMD kernels: the JavaScript reference's values to a few ulps, in every array type", () => {
  /** float64 inputs: random bit patterns (every binade), the usual range densely, the tails, the edges and specials. */
  function inputs64(): Float64Array {
    const n = 1 << 19;
    const xs = new Float64Array(n);
    const words = new Uint32Array(xs.buffer);
    let s = 987654321;
    const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < n; i++) {
      if (i % 5 === 0) {
        words[2 * i] = next();
        words[2 * i + 1] = next();
      } else if (i % 5 === 1) xs[i] = -(next() / 2 ** 32) * 820; // the negative tail, past every underflow
      else if (i % 5 === 2) xs[i] = -2 + (next() / 2 ** 32) * 2; // around the roots
      else xs[i] = ((next() / 2 ** 32) * 2 - 1) * 10 ** ((i % 9) - 5);
    }
    xs.set([0, -0, NaN, Infinity, -Infinity, 5e-324, -5e-324, 16, -16, 16.000000000000004, -16.000000000000004, 20, 20.000000000000004, 30, -30, 30.000000000000004, -30.000000000000004, 40, -40, 40.00000000000001, -40.00000000000001, 50, 50.00000000000001, -37.7, -38.6, -38.7, -21.2, -0.7517915246935645, -0.7524614220710163, -1.2784645427610737, -1.1924312145154952, -0.6892, -0.8142, -708, -709, -745, -745.2, -746, -800, -800.0000000000001, 1e308, -1e308]);
    return xs;
  }
  const xs = inputs64();

  it("covers every activation with a reference", () => {
    const names = new Set(CASES.map(([n]) => n));
    for (const a of ACTIVATIONS) expect(a.reference !== undefined, a.name).toBe(names.has(a.name));
  });

  it.each(CASES)("%s %j", (name, p) => {
    const act = findActivation(name)!;
    const params = resolveParams(act, p);
    const simd = float64Kernel(act, params)!;
    const ref = act.reference!(params);
    const got = new Float64Array(xs.length);
    simd(xs, got, xs.length);
    // The activation's kernel is this one.
    const viaKernel = new Float64Array(xs.length);
    act.kernel(params)(xs, viaKernel, xs.length);
    expectSameDoubles(viaKernel, got, "the activation's kernel against the SIMD kernel");
    let same = 0;
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i]!;
      const want = ref(x);
      const g = got[i]!;
      if (Object.is(g, want)) {
        same++;
        continue;
      }
      const show = (v: number) => (Object.is(v, -0) ? "-0" : String(v));
      const where = `${name} ${JSON.stringify(p)} at x = ${x}: ${show(g)}, the reference gives ${show(want)}`;
      // Zeros, infinities and NaN exactly as the reference has them.
      if (want === 0 || !Number.isFinite(want)) expect.fail(where);
      // Normal results within 1e-14 relative (the exp differs by an ulp or
      // two, magnified at most ~30x where gelu-tanh's two terms cancel);
      // results below 1e-300 come from a subnormal exp in both.
      const tol = Math.abs(want) > 1e-300 ? 1e-14 * Math.abs(want) : 1e-14 * 1e-300;
      if (!(Math.abs(g - want) <= tol)) expect.fail(where);
    }
    // Most values are the same double: only the exp differs (tanhshrink
    // computes tanh as fdlibm does, not in Math.tanh's steps: about half).
    expect(same / xs.length).toBeGreaterThan(name === "tanhshrink" ? 0.4 : 0.5);
  });

  it.each(CASES)("%s %j: kernel and scalar give the same double for any array types in and out", (name, p) => {
    const act = findActivation(name)!;
    const params = resolveParams(act, p);
    const k = act.kernel(params);
    const src = xs.subarray(0, 70_001); // more than one 64Ki slice, odd length
    const a = new Float64Array(src.length);
    k(src, a, src.length);
    const b: number[] = new Array<number>(src.length).fill(0);
    k(Array.from(src), b, src.length);
    expectSameDoubles(b, a, "number[] out");
    const f32 = new Float32Array(src.length);
    k(src, f32, src.length);
    expectSameDoubles(f32, Float64Array.from(a, Math.fround), "Float32Array out");
    const ints = Int32Array.from([-3, -1, 0, 1, 2, 7]);
    const c = new Float64Array(ints.length);
    k(ints, c, ints.length);
    const scalar = act.scalar(params);
    expectSameDoubles(c, Array.from(ints, scalar), "Int32Array in");
    for (let i = 0; i < 2000; i++) expect(Object.is(scalar(src[i]!), a[i]), `at ${src[i]}`).toBe(true);
    // In place, as the text codecs run it.
    const inPlace = Float64Array.from(src);
    k(inPlace, inPlace, inPlace.length);
    expectSameDoubles(inPlace, a, "in place");
  });

  it("has none for the other activations", () => {
    expect(float64Kernel(findActivation("softsign")!, {})).toBeNull();
    expect(float64Kernel(findActivation("celu")!, resolveParams(findActivation("celu")!, { alpha: -1 }))).toBeNull();
    expect(float64Kernel(findActivation("hardtanh")!, resolveParams(findActivation("hardtanh")!, {}))).toBeNull();
  });

  it.each([1, 2])("celu with α = 1 runs elu's kernel (--order %s): the same doubles as celu's own kernel, which takes the division and its error term", (order) => {
    const celu = findActivation("celu")!;
    const params = resolveParams(celu, { order });
    expect((order === 1 ? celu.simd : celu.simd2)!(params)![0]).toBe("elu");
    const mine = float64Kernel({ simd: () => ["celu", 1, 0], simd2: () => ["celu2", 1, 0] }, params)!;
    const want = new Float64Array(xs.length);
    mine(xs, want, xs.length);
    const got = new Float64Array(xs.length);
    celu.kernel(params)(xs, got, xs.length);
    expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
    // And the float32 loops.
    const src32 = Float32Array.from(xs);
    const want32 = new Float32Array(src32.length);
    float32Kernel({ simd: () => ["celu", 1, 0], simd2: () => ["celu2", 1, 0] }, params, () => {})!(src32, want32, src32.length);
    const got32 = new Float32Array(src32.length);
    float32Kernel(celu, params, () => {})!(src32, got32, src32.length);
    expect(Buffer.from(got32.buffer).equals(Buffer.from(want32.buffer))).toBe(true);
  });

  it.each([0, 1, 0.5])("relu --at-zero %s: the same bytes as its JavaScript reference, NaN the canonical one, in float64 and float32", (h0) => {
    const act = findActivation("relu")!;
    const params = resolveParams(act, { "at-zero": h0 });
    const ref = act.reference!(params);
    // NaNs of every payload and sign, zeros of both signs, subnormals, infinities.
    const src = Float64Array.from(xs);
    const words = new Uint32Array(src.buffer);
    words.set([0x00000001, 0xfff80000, 0x12345678, 0x7ff00000, 0, 0x80000000, 1, 0x80000000], 0);
    const want = Float64Array.from(src, ref);
    const got = new Float64Array(src.length);
    act.kernel(params)(src, got, src.length);
    expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
    const src32 = Float32Array.from(src);
    const got32 = new Float32Array(src32.length);
    float32Kernel(act, params, act.kernel(params))!(src32, got32, src32.length);
    expect(Buffer.from(got32.buffer).equals(Buffer.from(Float32Array.from(src32, ref).buffer))).toBe(true);
  });
});
