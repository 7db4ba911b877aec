/**
 * Issue 18: --grad-output, the backward pass G ⊙ f'(X) in one command.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ACTIVATIONS, findActivation, resolveParams } from "../src/activations/registry.js";
import { promote } from "../src/grad.js";
import { derivative, matrix, readMatrix, writeMatrix } from "../src/index.js";
import { memoryInput, MemoryOutput } from "../src/io.js";
import { arrayFormat } from "../src/formats/index.js";
import { streamGrad } from "../src/grad.js";
import { FIXTURES } from "./helpers.js";
import { dact, workdir } from "./workdir.js";

const DIR = path.join(FIXTURES, "activations");
interface Ref {
  name: string;
  params: Record<string, string | number>;
  x: string[];
  exact: string[];
}
const refs = readdirSync(DIR).map((f) => JSON.parse(readFileSync(path.join(DIR, f), "utf8")) as Ref);

/** A deterministic G: mixed signs and scales, some zeros, and the specials. */
function gFor(n: number): number[] {
  let s = 7;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, (_, i) => (i % 97 === 0 ? 0 : i % 89 === 0 ? -0 : (rand() - 0.5) * 10 ** Math.floor(rand() * 6 - 3)));
}

describe("G ⊙ f'(x): f' in float64, times G in float64, one rounding", () => {
  it.each(refs.map((r) => [`${r.name} ${JSON.stringify(r.params)}`, r] as const))("%s: equals G times dact's f', and G times the exact f' within 1e-13", (_label, ref) => {
    const x = ref.x.map(Number);
    const g = gFor(x.length);
    const act = findActivation(ref.name)!;
    const params = resolveParams(act, ref.params);
    const out = derivative(ref.name, matrix(x, [x.length]), { ...ref.params, gradOutput: matrix(g, [g.length]) });
    const plain = derivative(ref.name, matrix(x, [x.length]), ref.params);
    for (let i = 0; i < x.length; i++) {
      expect(Object.is(out.data[i], plain.data[i]! * g[i]!) || (Number.isNaN(out.data[i]!) && Number.isNaN(plain.data[i]! * g[i]!)), `${ref.name}(${x[i]}) * ${g[i]}`).toBe(true);
      const exact = Number(ref.exact[i]) * g[i]!;
      if (Number.isFinite(exact) && Math.abs(exact) > 1e-300 && !Number.isNaN(out.data[i]!)) expect(Math.abs(out.data[i]! - exact) / Math.abs(exact), `${ref.name}(${x[i]})`).toBeLessThan(1e-13);
    }
    void params;
  });

  it("float32 in both: the product is rounded once, from float64", () => {
    const x = Float64Array.from([-1.5, 0.1, 2.3, 7.7, -0.3].map(Math.fround));
    const g = Float64Array.from([0.7, -1.1, 3.3, 1e-3, 2].map(Math.fround));
    const out = derivative("gelu", { shape: [5], data: x, missing: null, dtype: "f4", header: null }, { gradOutput: { shape: [5], data: g, missing: null, dtype: "f4", header: null } });
    expect(out.dtype).toBe("f4");
    const f = derivative("gelu", { shape: [5], data: x, missing: null, dtype: "f8", header: null });
    for (let i = 0; i < 5; i++) expect(out.data[i]).toBe(Math.fround(f.data[i]! * g[i]!));
  });

  it("special values follow IEEE: 0·inf is NaN, NaN propagates, a zero G gives a signed zero", () => {
    const out = derivative("relu", [1, 1, -1, NaN, 1, 2], { gradOutput: [Infinity, NaN, 0, 1, -0, 0] });
    expect(Array.from(out.data)).toEqual([Infinity, NaN, 0, NaN, -0, 0]);
    const z = derivative("relu", [-1], { gradOutput: [Infinity] }); // f' = 0, times inf
    expect(z.data[0]).toBeNaN();
    expect(Object.is(derivative("sigmoid", [1], { gradOutput: [-0] }).data[0], -0)).toBe(true);
  });

  it.each([
    ["f4", "f4", "f4"],
    ["f4", "f8", "f8"],
    ["f2", "f4", "f4"],
    ["bf16", "bf16", "bf16"],
    ["bf16", "f2", "f4"],
    ["bf16", "f8", "f8"],
  ] as const)("result dtype: %s with %s gives %s (NumPy's promotion)", (a, b, want) => {
    expect(promote(a, b)).toBe(want);
  });
});

describe("end to end", () => {
  it("mixed formats (x.csv with g.npy), a number, a 0-d G", async () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "-1,2,0\n3,-4,5\n");
    await writeMatrix(path.join(d, "g.npy"), matrix([[2, 3, 4], [5, 6, 7]]));
    await writeMatrix(path.join(d, "s.npy"), { shape: [], data: Float64Array.from([3]), missing: null, dtype: "f8", header: null });
    expect(dact(["relu", "x.csv", "--grad-output", "g.npy"], { cwd: d }).stdout.toString()).toBe("0.0,3.0,0.0\n5.0,0.0,7.0\n");
    expect(dact(["relu", "x.csv", "--grad-output", "0.5"], { cwd: d }).stdout.toString()).toBe("0.0,0.5,0.0\n0.5,0.0,0.5\n");
    expect(dact(["relu", "x.csv", "--grad-output", "s.npy"], { cwd: d }).stdout.toString()).toBe("0.0,3.0,0.0\n3.0,0.0,3.0\n");
    expect(dact(["relu", "x.csv", "--grad-output", "g.npy", "-o", "gx.npy"], { cwd: d }).status).toBe(0);
    expect(Array.from((await readMatrix(path.join(d, "gx.npy"))).data)).toEqual([0, 3, 0, 5, 0, 7]);
  });

  it("a shorter streamed G says how many whole rows it held", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "1,2\n3,4\n5,6\n");
    writeFileSync(path.join(d, "g.csv"), "1,2\n3,4\n");
    const r = dact(["relu", "x.csv", "--grad-output", "g.csv", "-o", "out.csv"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("dact: x.csv: the gradient g.csv ends after 4 values (2 rows of 2), the input has more; expected the same shape, or a scalar\n");
    expect(readdirSync(d).sort()).toEqual(["g.csv", "x.csv"]);
  });

  it.each([
    ["2,3\n", "(…, 2)", "(…, 3)"],
    ["2,3,4\n", null, null],
    ["[1,2,3,4,5,6,7]", "(…,)", "(…, 3)"],
  ])("a G of another shape (%j) is one line naming both shapes, nothing written", (g, gs, xs) => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "-1,2,0\n3,-4,5\n");
    writeFileSync(path.join(d, g.startsWith("[") ? "g.json" : "g.csv"), g);
    const r = dact(["relu", "x.csv", "--grad-output", g.startsWith("[") ? "g.json" : "g.csv", "-o", "out.csv"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr.split("\n")).toHaveLength(2);
    if (gs) expect(r.stderr).toContain(`has shape ${gs} and the input has ${xs}; expected the same shape, or a scalar`);
    // A streamed G that ends early says how many rows it held.
    else expect(r.stderr).toMatch(/the gradient g\.csv (has shape \(1, 3\) and the input has \(2, 3\)|ends after 3 values \(1 row of 3\), the input has more)/);
    expect(readdirSync(d).sort()).toEqual(["g.csv", "g.json", "x.csv"].filter((f) => readdirSync(d).includes(f)).sort());
  });

  it.each([[1], [3], [7], [4096]])("chunk boundaries at different places in X and G (G in chunks of %i)", async (size) => {
    const n = 3000;
    const xs = Array.from({ length: n }, (_, i) => Math.sin(i) * 3);
    const gs = Array.from({ length: n }, (_, i) => Math.cos(i * 7) * 2);
    const xText = Buffer.from(xs.map((v) => `${v}`).join("\n") + "\n");
    const gText = Buffer.from(JSON.stringify(gs));
    const out = new MemoryOutput();
    const w = await arrayFormat("json").writer(out, {});
    const act = findActivation("silu")!;
    const g = memoryInput(gText, "g.json", [size, 13]);
    await streamGrad(memoryInput(xText, "x.csv", [5, size]), arrayFormat("csv"), {}, w, act.kernel({}), { kind: "array", name: "g.json", read: (sink, after) => arrayFormat("json").read(g, {}, sink, after, () => {}) }, () => {});
    const got = JSON.parse(out.bytes().toString()) as number[][];
    const plain = derivative("silu", xs);
    expect(got.flat()).toEqual(xs.map((_, i) => plain.data[i]! * gs[i]!));
  });

  it("batch with --grad-output-dir, --check with a gradient, and containers key by key", async () => {
    const d = workdir();
    for (const dir of ["x", "g", "gold"]) writeFileSync(path.join(d, `${dir}.keep`), "");
    const fs = await import("node:fs");
    fs.mkdirSync(path.join(d, "xs"));
    fs.mkdirSync(path.join(d, "gs"));
    writeFileSync(path.join(d, "xs", "a.csv"), "-1,2\n");
    writeFileSync(path.join(d, "gs", "a.csv"), "5,6\n");
    const b = dact(["relu", "xs", "--grad-output-dir", "gs", "--out-dir", "out"], { cwd: d });
    expect(b.status, b.stderr).toBe(0);
    expect(readFileSync(path.join(d, "out", "a.csv"), "utf8")).toBe("0.0,6.0\n");
    writeFileSync(path.join(d, "gold.csv"), "0,6\n");
    expect(dact(["relu", "xs/a.csv", "--grad-output", "gs/a.csv", "--check", "gold.csv"], { cwd: d }).status).toBe(0);
    expect(dact(["relu", "xs/a.csv", "--check", "gold.csv"], { cwd: d }).status).toBe(1);
    // Containers: G's member of the same name for each.
    await writeMatrix(path.join(d, "x.npz"), matrix([[-1, 2]]), { key: "w" });
    const r = dact(["relu", "x.npz", "--grad-output", "x.npz", "-o", "y.npz"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    expect(Array.from((await readMatrix(path.join(d, "y.npz"))).data)).toEqual([-0, 2]); // relu'(-1) = 0 times G = -1: -0, as IEEE
  });
});

describe("--check with --grad-output takes the same stages as --check alone (run/stages.ts derive)", () => {
  it("a CSV text column gets the same one notice with and without G (it was lost with G)", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "name,a,b\nx,1,-2\ny,0,3\n");
    writeFileSync(path.join(d, "g.csv"), "name,a,b\nx,1,1\ny,1,1\n");
    expect(dact(["relu", "x.csv", "-o", "golden.npy"], { cwd: d }).status).toBe(0);
    const plain = dact(["relu", "x.csv", "--check", "golden.npy"], { cwd: d });
    const withG = dact(["relu", "x.csv", "--grad-output", "g.csv", "--check", "golden.npy"], { cwd: d });
    expect([plain.status, withG.status]).toEqual([0, 0]);
    expect(plain.stderr).toMatch(/^dact: x\.csv: column "name" .* is text: passed through unchanged/);
    expect(withG.stderr).toBe(plain.stderr);
  });
});

describe("every activation, through the CLI, against the library", () => {
  it.each(ACTIVATIONS.map((a) => a.name))("%s", async (name) => {
    const d = workdir();
    const xs = [-3, -1, -0.5, 0, 0.5, 1, 3];
    const gs = [1, -2, 0.25, 3, -0, 1e-3, 7];
    writeFileSync(path.join(d, "x.json"), JSON.stringify(xs));
    writeFileSync(path.join(d, "g.json"), `[${gs.map((v) => (Object.is(v, -0) ? "-0" : String(v))).join(",")}]`); // JSON.stringify drops -0's sign
    const r = dact([name, "x.json", "--grad-output", "g.json", "-o", "o.npy"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    const got = await readMatrix(path.join(d, "o.npy"));
    const want = derivative(name, xs, { gradOutput: gs });
    expect(Array.from(got.data)).toEqual(Array.from(want.data));
  });
});

describe("against torch.autograd.grad (fixtures/make_grad.py, torch 2.13)", () => {
  const GRAD = path.join(FIXTURES, "grad");
  interface TorchRef {
    name: string;
    params: Record<string, string | number>;
    x: string[];
    exact: string[];
    g: string[];
    torch: string[];
  }
  const cases = readdirSync(GRAD).map((f) => [f.replace(".json", ""), JSON.parse(readFileSync(path.join(GRAD, f), "utf8")) as TorchRef] as const);
  it.each(cases)("%s: equal to PyTorch, or where not, closer to G times the exact f'", (_f, ref) => {
    const num = (s: string) => Number(s.replace(/^(-?)inf$/, "$1Infinity").replace(/^nan$/, "NaN"));
    const x = ref.x.map(num);
    const g = ref.g.map(num);
    const got = derivative(ref.name, matrix(x, [x.length]), { ...ref.params, gradOutput: matrix(g, [g.length]) });
    let differ = 0;
    for (let i = 0; i < x.length; i++) {
      const d = got.data[i]!;
      const t = num(ref.torch[i]!);
      if (Object.is(d, t) || (Number.isNaN(d) && Number.isNaN(t))) continue;
      differ++;
      const exact = num(ref.exact[i]!) * g[i]!;
      const at = `${ref.name}'(${ref.x[i]}) * ${ref.g[i]}: dact ${d}, torch ${t}, exact ${exact}`;
      if (Number.isNaN(x[i]!)) {
        // PyTorch's NaN handling depends on where the element sits (README): dact gives NaN.
        expect(d, at).toBeNaN();
      } else if (Number.isNaN(t)) {
        // PyTorch's inf·0 at ±inf (gelu, silu, mish, softsign): dact gives the limit.
        expect(Math.abs(d - exact) <= 1e-13 * Math.abs(exact) || Object.is(d, exact), at).toBe(true);
      } else {
        // Both finite: dact's f' is the more accurate one, up to its
        // accuracy bar (README: 1.1e-14 relative at worst, then one rounding
        // of the product); "exact" here is itself G times a rounded f'.
        // Below 1e-300 (subnormal products) the bar is absolute, as the README states.
        expect(Math.abs(d - exact), at).toBeLessThanOrEqual(Math.abs(exact) < 1e-300 ? 1e-300 : Math.abs(t - exact) + 2e-14 * Math.abs(exact));
      }
    }
    expect(differ).toBeLessThan(x.length);
  });
});
