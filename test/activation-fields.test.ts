/**
 * Issue 25: each activation's registry entry carries what the kernels need
 * (cheap or not, its SIMD loops) and its other names, so that nothing
 * outside src/activations lists activations. parallel.ts and src/wasm read
 * the fields; the tables here pin the values the name switches used to give.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ACTIVATIONS, findActivation, resolveParams } from "../src/activations/registry.js";
import type { Activation, Params } from "../src/activations/types.js";
import { parallelKernel } from "../src/parallel.js";
import { suggestActivations } from "../src/suggest.js";
import { KERNEL_NAMES, KERNEL_NAMES_64 } from "../src/wasm/kernels.generated.js";
import { float32Kernel, float64Kernel } from "../src/wasm/index.js";

/** parallel.ts's CHEAP set, before it moved into the entries. */
const CHEAP = ["relu", "leaky-relu", "relu6", "hardtanh", "hardsigmoid", "hardswish", "softshrink", "hardshrink"];

/** wasm/index.ts's plan() switch, before it moved into the entries: [name, options, f′'s call, f″'s call]. */
const SIMD: [string, Record<string, number | string>, unknown, unknown][] = [
  ["sigmoid", {}, ["sigmoid", 0, 0], ["sigmoid2", 0, 0]],
  ["silu", {}, ["silu", 0, 0], ["silu2", 0, 0]],
  ["mish", {}, ["mish", 0, 0], ["mish2", 0, 0]],
  ["tanh", {}, ["tanh", 0, 0], ["tanh2", -2, 0]],
  ["logsigmoid", {}, ["logsigmoid", 0, 0], ["logsigmoid2", 0, 0]],
  ["tanhshrink", {}, ["tanhshrink", 0, 0], ["tanh2", 2, 0]],
  ["elu", {}, ["elu", 1, 1], ["elu", 1, 0]],
  ["elu", { alpha: -0.5 }, ["elu", -0.5, 1], ["elu", -0.5, 0]],
  ["selu", {}, ["elu", 1.7580993408473768, 1.0507009873554805], ["elu", 1.7580993408473768, 0]],
  // α = 1: elu's kernel, the same doubles (x/α = x; test/wasm.test.ts).
  ["celu", {}, ["elu", 1, 1], ["elu", 1, 0]],
  ["celu", { alpha: 1.5 }, ["celu", 1.5, 0], ["celu2", 1.5, 0]],
  ["celu", { alpha: 2.5 }, ["celu", 2.5, 0], ["celu2", 2.5, 0]],
  ["celu", { alpha: -1 }, null, null],
  ["softplus", {}, ["softplus", 1, 20], ["softplus2", 1, 20]],
  ["softplus", { beta: 2.5, threshold: 5 }, ["softplus", 2.5, 5], ["softplus2", 2.5, 5]],
  ["gelu", {}, ["gelu", 0, 0], ["gelu2", 0, 0]],
  ["gelu", { approximate: "tanh" }, ["geluTanh", 0, 0], ["geluTanh2", 0, 0]],
  // relu′ in SIMD (compare and select); its f″ (0, NaN for NaN) stays a loop.
  ["relu", {}, ["relu", 0, 0], null],
  ["relu", { "at-zero": 0.5 }, ["relu", 0.5, 0], null],
  ...["leaky-relu", "relu6", "hardtanh", "hardsigmoid", "hardswish", "softsign", "softshrink", "hardshrink"].map((n): [string, Record<string, number | string>, unknown, unknown] => [n, {}, null, null]),
];

/** src/suggest.ts's ALIASES table, before it moved into the entries. */
const ALIASES: Record<string, string> = { swish: "silu", heaviside: "relu", step: "relu", logistic: "sigmoid", expit: "sigmoid", leaky: "leaky-relu", lrelu: "leaky-relu", hswish: "hardswish", hsigmoid: "hardsigmoid", hardsilu: "hardswish", logsoftplus: "logsigmoid" };

const call = (a: Activation, p: Params) => (p["order"] === 2 ? a.simd2 : a.simd)?.(p) ?? null;

describe("every registry entry carries the kernels' fields", () => {
  it.each(ACTIVATIONS.map((a) => [a.name, a] as const))("%s", (_name, a) => {
    expect(typeof a.cheap).toBe("boolean");
    expect(a.simd === undefined || typeof a.simd === "function").toBe(true);
    expect(a.simd2 === undefined || typeof a.simd2 === "function").toBe(true);
    // A SIMD f′ is what makes the float64 kernel WebAssembly (simd64), and it has a JavaScript reference.
    expect(a.simd !== undefined).toBe(a.reference !== undefined);
  });

  it("cheap: the piecewise-linear ones, as parallel.ts's list had them", () => {
    expect(ACTIVATIONS.filter((a) => a.cheap).map((a) => a.name)).toEqual(CHEAP);
  });

  it("every table entry is checked (all activations, each SIMD one at least once)", () => {
    expect(new Set(SIMD.map((r) => r[0]))).toEqual(new Set(ACTIVATIONS.map((a) => a.name)));
  });

  it.each(SIMD)("%s %j: the same SIMD calls as wasm's switch", (name, p, first, second) => {
    const a = findActivation(name)!;
    expect(call(a, resolveParams(a, p))).toEqual(first);
    expect(call(a, resolveParams(a, { ...p, order: 2 }))).toEqual(second);
  });

  it("every call names a loop kernels.wat exports, as float32 and (but f″'s float32 ones) as float64", () => {
    for (const [name, p] of SIMD) {
      const a = findActivation(name)!;
      for (const order of [1, 2]) {
        const c = call(a, resolveParams(a, { ...p, order }));
        if (!c) continue;
        expect(KERNEL_NAMES as readonly string[], `${name} ${order}`).toContain(c[0]);
        expect(KERNEL_NAMES_64 as readonly string[], `${name} ${order}`).toContain(c[0]);
      }
    }
  });

  it("aliases: the same names as suggest.ts's table, and did-you-mean still maps them", () => {
    const got = Object.fromEntries(ACTIVATIONS.flatMap((a) => (a.aliases ?? []).map((x) => [x, a.name])));
    expect(got).toEqual(ALIASES);
    for (const [alias, name] of Object.entries(ALIASES)) expect(suggestActivations(alias), alias).toEqual([name]);
    expect(suggestActivations("Swish")).toEqual(["silu"]);
  });
});

describe("the kernels read the entry, not the name", () => {
  const gelu = findActivation("gelu")!;
  const params = resolveParams(gelu, {});
  const plain = gelu.kernel(params);

  it("parallel.ts: a cheap entry keeps its one-thread kernel, another is wrapped", () => {
    expect(parallelKernel({ ...gelu, cheap: true }, params, plain, 4)).toBe(plain);
    expect(parallelKernel(gelu, params, plain, 4)).not.toBe(plain);
    const relu = findActivation("relu")!;
    const k = relu.kernel({ "at-zero": 0 });
    expect(parallelKernel(relu, { "at-zero": 0 }, k, 4)).toBe(k);
    expect(parallelKernel({ ...relu, cheap: false }, { "at-zero": 0 }, k, 4)).not.toBe(k);
  });

  it("wasm: the entry's simd and simd2 pick the loop", () => {
    const sigmoid = findActivation("sigmoid")!;
    expect(float64Kernel({ ...sigmoid, simd: undefined }, {})).toBeNull();
    expect(float32Kernel({ ...sigmoid, simd: undefined }, {}, plain)).toBeNull();
    // An entry that names sigmoid's loop gets sigmoid's values, whatever it is called.
    const k = float64Kernel({ simd: () => ["sigmoid", 0, 0] }, {})!;
    const x = Float64Array.of(-3, -0.5, 0, 0.25, 2);
    const got = new Float64Array(x.length);
    const want = new Float64Array(x.length);
    k(x, got, x.length);
    sigmoid.kernel({})(x, want, x.length);
    expect(Array.from(got)).toEqual(Array.from(want));
    expect(float64Kernel({ simd: () => ["sigmoid", 0, 0] }, { order: 2 })).toBeNull();
    expect(float64Kernel({ simd2: () => ["sigmoid2", 0, 0] }, { order: 2 })).not.toBeNull();
  });
});

/** Source files below `dir`, recursively. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

describe("nothing outside src/activations lists activations", () => {
  // kernels.generated.ts lists the exports of kernels.wat (loops, some named after activations), made by scripts/build-wasm.mjs.
  const EXEMPT = new Set([path.join("src", "wasm", "kernels.generated.ts")]);
  const files = sources("src").filter((f) => !f.startsWith(path.join("src", "activations") + path.sep) && !EXEMPT.has(f));

  it.each(files)("%s names at most one activation in its code", (file) => {
    // Comments may show an example ("relu"); code may not hold a table of names.
    const code = readFileSync(file, "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/(^|\s)\/\/.*$/gm, "");
    const named = ACTIVATIONS.map((a) => a.name).filter((n) => code.includes(`"${n}"`) || code.includes(`'${n}'`) || code.includes(`\`${n}\``));
    expect(named.length, named.join(", ")).toBeLessThan(2);
  });
});
