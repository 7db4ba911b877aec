/**
 * Issue 10: one codec per format, any reader streaming into any writer.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ACTIVATIONS } from "../src/activations/registry.js";
import { writeWhole, type ArrayHead } from "../src/formats/array.js";
import { arrayFormat, detectFormat, FORMAT_NAMES, formatSpec, type Format } from "../src/formats/index.js";
import { matrix, readMatrix, writeMatrix } from "../src/index.js";
import { memoryInput, MemoryOutput, type Output } from "../src/io.js";
import { runDerivative } from "../src/pipeline.js";
import { npyBytes } from "./helpers.js";
import { dact, dactAsync, dactMeasured, workdir } from "./workdir.js";

const EXT: Record<Format, string> = { csv: ".csv", tsv: ".tsv", json: ".json", jsonl: ".jsonl", npy: ".npy", npz: ".npz", safetensors: ".safetensors", parquet: ".parquet", arrow: ".arrow", arrows: ".arrows" };

/** Values at every kink any activation has, the specials, and a spread. */
const X = [-700, -20, -6, -3, -1.5, -1, -0.5, -1e-300, -0, 0, 1e-300, 0.25, 0.5, 1, 3, 6, 20, 700, Infinity, -Infinity, NaN, 0.1, -0.1, 1.5];

describe("every ordered pair of formats, every activation: the same values as the same-format run", () => {
  const dir = workdir();
  const input = matrix(X, [4, 6]);
  for (const from of FORMAT_NAMES) writeFileSync(path.join(dir, `x${EXT[from]}`), "");
  it.each(ACTIVATIONS.map((a) => a.name))("%s", async (name) => {
    for (const from of FORMAT_NAMES) {
      const src = path.join(dir, `x-${name}${EXT[from]}`);
      await writeMatrix(src, input);
      const same = path.join(dir, `same-${name}-${from}${EXT[from]}`);
      await runDerivative({ activation: name, params: {}, input: src, output: same }, () => {});
      const want = await readMatrix(same);
      for (const to of FORMAT_NAMES) {
        const out = path.join(dir, `out-${name}-${from}-${to}${EXT[to]}`);
        await runDerivative({ activation: name, params: {}, input: src, output: out }, () => {});
        const got = await readMatrix(out);
        expect(got.shape, `${from} -> ${to}`).toEqual([4, 6]);
        for (let k = 0; k < X.length; k++) {
          const a = got.data[k]!;
          const b = want.data[k]!;
          // JSON writes NaN as null, which reads back as missing (NaN).
          expect(Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)), `${from} -> ${to} at ${k}: ${a} vs ${b}`).toBe(true);
        }
      }
    }
  });
});

describe("-o's extension picks the output format", () => {
  const dir = workdir();
  it.each(FORMAT_NAMES)("-o out%s", async (to) => {
    const src = path.join(dir, "in.npy");
    await writeMatrix(src, matrix([[-1, 2], [0, 3]]));
    const out = path.join(dir, `out-${to}${EXT[to]}`);
    const r = dact(["relu", src, "-o", out]);
    expect(r.status, r.stderr).toBe(0);
    // The content, not only the name, is the format's.
    const detected = await detectFormat(memoryInput(readFileSync(out), "<content>"));
    expect(to === "tsv" || to === "jsonl" ? [to, "csv", "json"] : [to]).toContain(detected);
    expect(Array.from((await readMatrix(out)).data)).toEqual([0, 1, 0, 1]);
  });

  it("a CSV input with -o out.npy writes .npy, not CSV text (the issue's silent case)", () => {
    const dir2 = workdir();
    writeFileSync(path.join(dir2, "a.csv"), "-1,2\n3,0\n");
    expect(dact(["relu", "a.csv", "-o", "out.npy"], { cwd: dir2 }).status).toBe(0);
    expect(readFileSync(path.join(dir2, "out.npy")).subarray(0, 6).toString("latin1")).toBe("\x93NUMPY");
    writeFileSync(path.join(dir2, "b.npy"), readFileSync(path.join(dir2, "out.npy")));
    expect(dact(["relu", "b.npy", "-o", "out.csv"], { cwd: dir2 }).status).toBe(0);
    expect(readFileSync(path.join(dir2, "out.csv"), "utf8")).toBe("0.0,1.0\n1.0,0.0\n");
  });

  it("--to that contradicts the -o extension is a usage error, and nothing is written", () => {
    const dir2 = workdir();
    writeFileSync(path.join(dir2, "a.csv"), "1\n");
    const r = dact(["relu", "a.csv", "--to", "json", "-o", "out.npy"], { cwd: dir2 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dact: options --to json and -o out\.npy: found two different output formats/);
    expect(existsSync(path.join(dir2, "out.npy"))).toBe(false);
    // --to that agrees, or -o without a known extension, is fine
    expect(dact(["relu", "a.csv", "--to", "npy", "-o", "out.npy"], { cwd: dir2 }).status).toBe(0);
    expect(dact(["relu", "a.csv", "--to", "json", "-o", "out.dat"], { cwd: dir2 }).stdout.length).toBe(0);
    expect(readFileSync(path.join(dir2, "out.dat"), "utf8")).toBe("[[1.0]]\n");
  });
});

/** A random array for the writer property: shape, values (with specials) and missing flags. */
const arrays = fc
  .array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 4 })
  .chain((shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return fc.record({
      shape: fc.constant(shape),
      values: fc.array(fc.oneof(fc.double(), fc.constantFrom(0, -0, 1, NaN, Infinity, -Infinity)), { minLength: n, maxLength: n }),
      missing: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
      cuts: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 8 }),
    });
  });

/** An Output without patch(): a pipe, as far as a writer can tell. */
function pipeLike(): MemoryOutput & Output {
  const m = new MemoryOutput();
  (m as { patch?: unknown }).patch = undefined;
  return m;
}

/** The bytes a format's writer gives for an array, in one batch (cuts null) or in batches cut as given, ending with `shape`. */
async function written(format: Format, head: ArrayHead, shape: readonly number[], data: Float64Array, missing: Uint8Array | null, cuts: number[] | null, out: MemoryOutput): Promise<Buffer> {
  const w = await arrayFormat(format).writer(out, {});
  if (!cuts) {
    await writeWhole(w, head, data, missing);
    return out.bytes();
  }
  w.begin(head);
  for (let s = 0, k = 0; s < data.length; k++) {
    const e = Math.min(data.length, s + cuts[k % cuts.length]!);
    w.write(data.subarray(s, e), missing ? missing.subarray(s, e) : null, e - s);
    await w.flush();
    s = e;
  }
  await w.end(shape);
  return out.bytes();
}

describe("the streaming writer and the one-batch path give identical bytes", () => {
  it.each(FORMAT_NAMES.filter((f) => formatSpec(f).kind === "array"))("%s: random shapes, batches, growing or known first axis, seekable or pipe", async (format) => {
    await fc.assert(
      fc.asyncProperty(arrays, async ({ shape, values, missing, cuts }) => {
        if ((format === "csv" || format === "tsv") && shape.length > 2) return;
        // A table holds a 1-D or 2-D array (others are a SHAPE error, test/parquet.test.ts).
        if (["parquet", "arrow", "arrows"].includes(format) && (shape.length === 0 || shape.length > 2)) return;
        const data = Float64Array.from(values);
        const miss = format === "npy" ? null : Uint8Array.from(missing, (b) => (b ? 1 : 0));
        if (miss) miss.forEach((m, k) => m && (data[k] = NaN));
        const head: ArrayHead = { shape, growing: false, dtype: "f8", header: null };
        const whole = await written(format, head, shape, data, miss, null, new MemoryOutput());
        const streamed = await written(format, head, shape, data, miss, cuts, new MemoryOutput());
        expect(streamed.equals(whole)).toBe(true);
        if (shape.length > 0) {
          const growing: ArrayHead = { ...head, growing: true, shape: [0, ...shape.slice(1)] };
          // end() gets the real first axis
          const seek = await written(format, growing, shape, data, miss, cuts, new MemoryOutput());
          const pipe = await written(format, growing, shape, data, miss, cuts, pipeLike());
          expect(seek.equals(whole), "growing, seekable").toBe(true);
          expect(pipe.equals(whole), "growing, pipe (spooled)").toBe(true);
        }
      }),
      { seed: 10, numRuns: 150 },
    );
  });
});

describe("conversion at the edges, end to end", () => {
  /** A .npy of any shape with no data, as np.save writes it. */
  const emptyNpy = (shape: string) => npyBytes("<f8", shape);

  it("(10**12, 0) and (0, 10**12) convert at once, in little memory", () => {
    const dir = workdir();
    writeFileSync(path.join(dir, "wide.npy"), emptyNpy("(0, 1000000000000)"));
    writeFileSync(path.join(dir, "tall.npy"), emptyNpy("(1000000000000, 0)"));
    const want: Record<string, Record<string, string>> = {
      wide: { csv: "", tsv: "", json: "[]\n", jsonl: "" },
      tall: { csv: "", tsv: "" },
    };
    for (const f of ["wide", "tall"]) {
      for (const to of ["csv", "tsv", "json", "jsonl", "npy"]) {
        const r = dact(["relu", `${f}.npy`, "--to", to], { cwd: dir, timeout: 10_000 });
        const w = want[f]![to];
        if (to === "npy") {
          expect(r.status, r.stderr).toBe(0);
          expect(r.stdout.equals(emptyNpy(f === "wide" ? "(0, 1000000000000)" : "(1000000000000, 0)"))).toBe(true);
        } else if (w !== undefined) {
          expect(r.status, r.stderr).toBe(0);
          expect(r.stdout.toString()).toBe(w);
        } else {
          // 10**12 empty rows cannot be said in JSON in less than terabytes: a clear error, at once.
          expect(r.status).toBe(2);
          expect(r.stderr).toMatch(/has no elements but 1000000000000 empty arrays, .*use \.npy/);
        }
      }
    }
  });

  it("conversion streams: 10 million elements npy -> csv and csv -> npy under 150 MB peak RSS", () => {
    const dir = workdir();
    const n = 10_000_000;
    const data = new Float64Array(n);
    for (let i = 0; i < n; i++) data[i] = (i % 7) - 3.5;
    writeFileSync(path.join(dir, "big.npy"), npyBytes("<f8", `(${n / 10}, 10)`, data));
    const a = dactMeasured(["relu", "big.npy", "-o", "big.csv"], { cwd: dir });
    expect(a.status, a.stderr).toBe(0);
    expect(a.maxRssMB).toBeLessThan(150);
    const b = dactMeasured(["relu", "big.csv", "-o", "back.npy"], { cwd: dir });
    expect(b.status, b.stderr).toBe(0);
    expect(b.maxRssMB).toBeLessThan(150);
    const back = readFileSync(path.join(dir, "back.npy"));
    expect(back.length).toBe(128 + n * 8);
    const got = new Float64Array(back.buffer, back.byteOffset + 128, 16);
    expect(Array.from(got)).toEqual(Array.from(data.subarray(0, 16), (x) => (x > 0 ? 1 : 0)));
  });

  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("%s during a conversion: exit %i within a second, target untouched, no temporary file", async (signal, code) => {
    // The input comes through a pipe that stays open, so the conversion is
    // certainly in progress when the signal arrives (a file would be done
    // before a fixed delay on a fast machine).
    const dir = workdir();
    const n = 1_000_000;
    const data = new Float64Array(n).map((_, i) => Math.sin(i));
    const bytes = npyBytes("<f8", `(${2 * n},)`, data); // the header promises twice the data sent
    writeFileSync(path.join(dir, "out.json"), "precious\n");
    const child = dactAsync(["gelu", "-", "--format", "npy", "-o", "out.json"], { cwd: dir });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    child.stdin!.on("error", () => {}); // the child may die before taking all of it: EPIPE is expected
    child.stdin!.write(bytes);
    // Wait until the output is being written: a temporary file beside the target.
    const deadline = Date.now() + 10_000;
    while (readdirSync(dir).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(readdirSync(dir).length, "a temporary output file appeared").toBe(2);
    await new Promise((r) => setTimeout(r, 100));
    const sent = Date.now();
    child.kill(signal);
    const status = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    expect(Date.now() - sent).toBeLessThan(1000);
    expect(status, stderr).toBe(code);
    expect(readFileSync(path.join(dir, "out.json"), "utf8")).toBe("precious\n");
    expect(readdirSync(dir).sort()).toEqual(["out.json"]);
  });
});
