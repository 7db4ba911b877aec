import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DactError } from "../src/errors.js";
import { ACTIVATIONS, findActivation, resolveParams } from "../src/activations/registry.js";
import { buildProgram, listActivations } from "../src/cli.js";
import { FIXTURES } from "./helpers.js";

const DIR = path.join(FIXTURES, "activations");
const num = (s: string) => (s === "inf" ? Infinity : s === "-inf" ? -Infinity : s === "nan" ? NaN : Number(s));

interface Reference {
  name: string;
  params: Record<string, number | string>;
  piecewise: boolean;
  roots: string[];
  x: string[];
  exact: string[];
}

const refs = readdirSync(DIR).map((f) => ({ file: f, ref: JSON.parse(readFileSync(path.join(DIR, f), "utf8")) as Reference }));

function run(ref: Reference, dst: Float64Array | Float32Array) {
  const act = findActivation(ref.name)!;
  const params = resolveParams(act, ref.params);
  const xs = Float64Array.from(ref.x.map(num));
  act.kernel(params)(xs, dst, xs.length);
  return xs;
}

describe("accuracy against mpmath (fixtures/make_activations.py)", () => {
  it("covers every activation", () => {
    const names = new Set(refs.map((r) => r.ref.name));
    for (const a of ACTIVATIONS) expect(names.has(a.name), a.name).toBe(true);
  });

  for (const { file, ref } of refs) {
    it(`${file}: ${ref.piecewise ? "exact, kinks included" : "relative error <= 1e-13, absolute <= 1e-16 near zeros"}`, () => {
      const got = new Float64Array(ref.x.length);
      const xs = run(ref, got);
      const roots = ref.roots.map(num);
      for (let i = 0; i < xs.length; i++) {
        const x = xs[i]!;
        const e = num(ref.exact[i]!);
        const g = got[i]!;
        const where = `${ref.name} at x=${x}: got ${g}, exact ${e}`;
        if (Number.isNaN(e) || !Number.isFinite(e) || ref.piecewise) {
          expect(Object.is(g, e) || g === e, where).toBe(true);
          continue;
        }
        if (roots.some((r) => Math.abs(x - r) <= 1e-12)) {
          expect(Math.abs(g - e), where).toBeLessThanOrEqual(1e-16);
        } else if (Math.abs(e) > 1e-300) {
          expect(Math.abs(g - e) / Math.abs(e), where).toBeLessThanOrEqual(1e-13);
        } else {
          expect(Math.abs(g - e), where).toBeLessThanOrEqual(1e-300);
        }
      }
    });
  }
});

describe("float32 output: computed in float64, rounded once, within 1 ulp", () => {
  const ulp32 = (v: number) => {
    const a = Math.abs(Math.fround(v));
    if (a === 0) return 2 ** -149;
    const e = Math.floor(Math.log2(a));
    return 2 ** Math.max(e - 23, -149);
  };
  for (const { file, ref } of refs.filter((r) => !r.ref.piecewise)) {
    it(file, () => {
      // float32 inputs: only x values that are float32 already.
      const keep = ref.x.map((s, i) => [num(s), num(ref.exact[i]!)] as const).filter(([x]) => Object.is(Math.fround(x), x) && Math.abs(x) < 100);
      const act = findActivation(ref.name)!;
      const f = act.kernel(resolveParams(act, ref.params));
      const src = Float32Array.from(keep.map(([x]) => x));
      const dst = new Float32Array(src.length);
      f(src, dst, src.length);
      keep.forEach(([x, e], i) => {
        if (Number.isNaN(e)) return expect(dst[i]).toBeNaN();
        if (!Number.isFinite(Math.fround(e))) return expect(dst[i]).toBe(Math.fround(e));
        expect(Math.abs(dst[i]! - e), `${ref.name} at ${x}`).toBeLessThanOrEqual(ulp32(e));
      });
    });
  }
});

describe("softplus with β != 1: βx's rounding error is carried (e^(βx) would magnify it by |βx|)", () => {
  // σ(βx) with βx exact, mpmath at 50 digits.
  it.each([
    [2.5, -229.839387138505, 2.8513865999090914612e-250],
    [2.5, -270.123456789, 5.2141462664212602883e-294],
    [2.5, -150.5, 3.9509468182947607752e-164],
    [2.5, -100.3, 1.2608361807252877083e-109],
    [2.5, 3.7, 0.99990389758450052609],
    [2.5, -0.7522389890721809, 0.13232026167115963464],
    [7.3, -0.7522389890721809, 0.0041053739485392215591],
  ])("β = %d at x = %d", (beta, x, exact) => {
    const a = findActivation("softplus")!;
    const params = resolveParams(a, { beta, threshold: 1000 });
    for (const f of [a.scalar(params), a.reference!(params)]) {
      expect(Math.abs(f(x) - exact) / exact).toBeLessThan(1e-15);
    }
  });
});

describe("kink conventions (PyTorch autograd)", () => {
  const d = (name: string, x: number, p: Record<string, number | string> = {}) => {
    const a = findActivation(name)!;
    return a.scalar(resolveParams(a, p))(x);
  };
  const below = (v: number) => v - Math.max(Math.abs(v) * Number.EPSILON, Number.MIN_VALUE);
  it.each([
    ["relu", 0, {}, 0], ["relu", -0, { "at-zero": 0.5 }, 0.5], ["relu", 0, { "at-zero": 1 }, 1],
    ["leaky-relu", 0, {}, 0.01], ["leaky-relu", -0, { "negative-slope": 0.3 }, 0.3],
    ["relu6", 0, {}, 0], ["relu6", 6, {}, 0], ["relu6", 3, {}, 1],
    ["hardtanh", -1, {}, 0], ["hardtanh", 1, {}, 0], ["hardtanh", 0, {}, 1], ["hardtanh", 0.5, { "min-val": -2, "max-val": 0.5 }, 0],
    ["elu", 0, {}, 1], ["elu", 0, { alpha: 0.5 }, 0.5], ["elu", -0, { alpha: 2 }, 2],
    ["selu", 0, {}, 1.7580993408473768], // scale·α correctly rounded (mpmath), one ulp above the float64 product
    ["celu", 0, {}, 1], ["celu", 0, { alpha: 3 }, 1], ["celu", -0, { alpha: 49 }, 1],
    ["softplus", 20, {}, 1 / (1 + Math.exp(-20))], ["softplus", 20.000000000000004, {}, 1], ["softplus", 10, { beta: 2 }, 1 / (1 + Math.exp(-20))],
    ["hardsigmoid", -3, {}, 0], ["hardsigmoid", 3, {}, 0], ["hardsigmoid", 0, {}, 1 / 6],
    ["hardswish", -3, {}, 0], ["hardswish", 3, {}, 1], ["hardswish", 0, {}, 0.5], ["hardswish", -1.5, {}, 0],
    ["softshrink", 0.5, {}, 0], ["softshrink", -0.5, {}, 0], ["hardshrink", 0.5, {}, 0], ["hardshrink", 0.5000000000000001, {}, 1],
    ["gelu", Infinity, {}, 1], ["gelu", -Infinity, {}, 0], ["silu", -Infinity, {}, 0], ["silu", Infinity, {}, 1],
    ["softsign", Infinity, {}, 0], ["softsign", -Infinity, {}, 0], ["mish", Infinity, {}, 1], ["mish", -Infinity, {}, 0],
    ["gelu", Infinity, { approximate: "tanh" }, 1], ["gelu", -Infinity, { approximate: "tanh" }, 0],
    ["tanhshrink", -Infinity, {}, 1], ["logsigmoid", -Infinity, {}, 1], ["sigmoid", Infinity, {}, 0], ["tanh", -Infinity, {}, 0],
  ] as [string, number, Record<string, number | string>, number][])("%s'(%d) with %j is %d", (name, x, p, want) => {
    expect(d(name, x, p)).toBe(want);
  });

  it("NaN in, NaN out, for every activation and option set", () => {
    for (const { ref } of refs) expect(d(ref.name, NaN, ref.params), ref.name).toBeNaN();
  });

  it("±1 ulp around each kink stays on its side", () => {
    expect(d("relu6", below(6))).toBe(1);
    expect(d("relu6", 6 + 6 * Number.EPSILON)).toBe(0);
    expect(d("hardsigmoid", below(3))).toBe(1 / 6);
    expect(d("hardswish", below(3))).toBe(1.4999999999999998); // (3 - ulp + 1.5)/3, correctly rounded
    expect(d("hardswish", 3 + 4 * Number.EPSILON)).toBe(1);
    expect(d("hardswish", -3)).toBe(0);
    expect(d("hardswish", -3 + 4 * Number.EPSILON)).toBe(-0.4999999999999997); // (x + 1.5)/3 just above the kink
    expect(d("hardtanh", below(1))).toBe(1);
    expect(d("softshrink", below(-0.5))).toBe(1);
  });
});

describe("derivatives agree with central differences of the forward function", () => {
  for (const a of ACTIVATIONS) {
    it(a.name, () => {
      const p = resolveParams(a, {});
      const f = a.forward(p);
      const df = a.scalar(p);
      fc.assert(
        fc.property(fc.double({ min: -30, max: 30, noNaN: true }), (x) => {
          const h = 1e-5 * Math.max(1, Math.abs(x));
          // Away from kinks: skip points within 2h of one.
          const kinks = [0, 6, -1, 1, -3, 3, -0.5, 0.5, 20];
          if (kinks.some((k) => Math.abs(x - k) < 2 * h)) return true;
          const numeric = (f(x + h) - f(x - h)) / (2 * h);
          const tol = 1e-6 * Math.max(1, Math.abs(numeric));
          return Math.abs(numeric - df(x)) <= tol;
        }),
        { numRuns: 2000, seed: 17 },
      );
    });
  }
});

describe("dact list and --help come from the registry", () => {
  it("lists every activation with its formula, options and kinks", () => {
    const text = listActivations();
    for (const a of ACTIVATIONS) {
      expect(text).toContain(`${a.name} - ${a.summary}`);
      expect(text).toContain(a.formula);
      expect(text).toContain(a.kinks);
      for (const p of a.params) expect(text).toContain(`--${p.flag} (${p.default})`);
    }
  });
});

describe("--help agrees with the registry", () => {
  it("names every activation with its summary, and each one's options with defaults", () => {
    const program = buildProgram();
    const help = program.helpInformation();
    for (const a of ACTIVATIONS) {
      expect(help).toMatch(new RegExp(`\\n  ${a.name} \\[options\\]`));
      // commander wraps long lines: compare with white space folded
      const sub = program.commands.find((c) => c.name() === a.name)!.helpInformation().replace(/\s+/g, " ");
      expect(sub).toContain(a.formula.replace(/\s+/g, " "));
      expect(sub).toContain(a.kinks.replace(/\s+/g, " "));
      for (const p of a.params) expect(sub).toContain(`--${p.flag}`);
    }
  });
});

describe("option validation", () => {
  it.each([
    ["celu", { alpha: "0" }],
    ["softshrink", { lambd: "-1" }],
    ["hardshrink", { lambd: "-0.1" }],
    ["hardtanh", { "min-val": "1", "max-val": "1" }],
    ["softplus", { beta: "0" }],
    ["softplus", { beta: "-1" }],
    ["elu", { alpha: "inf" }],
    ["softplus", { threshold: "nan" }],
    ["gelu", { approximate: "fast" }],
  ])("%s %j is a usage error", (name, p) => {
    const a = findActivation(name)!;
    // The code, not the wording (errors.ts: tests assert the code).
    let err: unknown = null;
    try {
      resolveParams(a, p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DactError);
    expect((err as DactError).code).toBe("USAGE");
  });
});

describe("erfc (activations/erfc.ts): @stdlib's algorithm on Math.exp", () => {
  it("equals @stdlib/math-base-special-erfc (the reference, a dev dependency) to the ulp", async () => {
    const { erfc } = await import("../src/activations/erfc.js");
    const ref = (await import("@stdlib/math-base-special-erfc")).default as (x: number) => number;
    const f = new Float64Array(2);
    const b = new BigInt64Array(f.buffer);
    let s = 1;
    const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const xs = [0, -0, 1e-300, 0.84375, 1.25, 2.857142857142857, 6, -6, 27.99, 28, -28, 40, -40, Infinity, -Infinity, NaN];
    for (let i = 0; i < 200_000; i++) xs.push((rand() - 0.5) * 60 * rand() ** 3);
    for (const x of xs) {
      f[0] = erfc(x);
      f[1] = ref(x);
      const ulps = Number(b[0]! > b[1]! ? b[0]! - b[1]! : b[1]! - b[0]!);
      expect(Number.isNaN(f[0]) ? Number.isNaN(f[1]) : ulps <= 1, `erfc(${x}): ${f[0]} vs ${f[1]}`).toBe(true);
    }
  });
});
