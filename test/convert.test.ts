import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { workdir } from "./workdir.js";
import { FORMAT_NAMES as FORMATS, type Format } from "../src/formats/index.js";
import { compare, derivative, matrix, readMatrix, writeMatrix } from "../src/index.js";
import { runDerivative } from "../src/pipeline.js";
import { resolveParams, findActivation } from "../src/activations/registry.js";

const EXT: Record<Format, string> = { csv: ".csv", tsv: ".tsv", json: ".json", jsonl: ".jsonl", npy: ".npy", npz: ".npz", safetensors: ".safetensors", parquet: ".parquet", arrow: ".arrow", arrows: ".arrows" };
const input = matrix([
  [-1.5, 0, 2.25],
  [-0, 1e-300, null],
  [Infinity, -Infinity, NaN],
]);

function relu(x: number | null, h0: number) {
  if (x === null) return null;
  return x > 0 ? 1 : x < 0 ? 0 : x === 0 ? h0 : NaN;
}

describe("format conversion: every pair", () => {
  const dir = workdir("dact-convert-");
  for (const from of FORMATS) {
    for (const to of FORMATS) {
      it(`${from} -> ${to}`, async () => {
        const src = path.join(dir, `in-${from}-${to}${EXT[from]}`);
        await writeMatrix(src, input);
        const out = path.join(dir, `out-${from}-${to}${EXT[to]}`);
        const notices: string[] = [];
        const plan = { activation: "relu", params: resolveParams(findActivation("relu")!, { "at-zero": 0.5 }), input: src, output: out, to };
        await runDerivative(plan, (m) => notices.push(m));
        const got = await readMatrix(out);
        expect(got.shape).toEqual([3, 3]);
        const flat = [-1.5, 0, 2.25, -0, 1e-300, null, Infinity, -Infinity, NaN];
        flat.forEach((x, k) => {
          // JSON has no NaN: written as JSON, the NaN input is a null (missing) already.
          const want = Number.isNaN(x) && (from === "json" || from === "jsonl") ? null : relu(x, 0.5);
          const v = got.data[k]!;
          const missing = got.missing?.[k] === 1;
          // A missing value stays missing where the format can say so; .npy holds NaN.
          if (want === null) expect(missing || Number.isNaN(v), `${k}`).toBe(true);
          // NaN written as JSON is null, and as CSV "NaN", which reads back as a (pandas) missing value.
          else if (Number.isNaN(want)) expect(Number.isNaN(v), `${k}`).toBe(true);
          else expect(v, `${k}`).toBe(want);
        });
        // byte-stable: the same run gives the same bytes
        const first = readFileSync(out);
        await runDerivative(plan, () => {});
        expect(readFileSync(out).equals(first)).toBe(true);
      });
    }
  }

  it("text to .npy is <f8 by default; --dtype picks f2 or f4", async () => {
    const src = path.join(dir, "d.csv");
    await writeMatrix(src, matrix([[1, -1]]));
    for (const [dtype, descr] of [[undefined, "<f8"], ["f4", "<f4"], ["f2", "<f2"]] as const) {
      const out = path.join(dir, `d-${dtype}.npy`);
      await runDerivative({ activation: "relu", params: { "at-zero": 0 }, input: src, output: out, to: "npy", dtype });
      expect(readFileSync(out).subarray(10, 30).toString("latin1")).toContain(`'descr': '${descr}'`);
    }
  });

  it("a CSV header is dropped with a notice when it has no place", async () => {
    const src = path.join(dir, "h.csv");
    const fs = await import("node:fs");
    fs.writeFileSync(src, "a,b\n1,-1\n");
    const notices: string[] = [];
    await runDerivative({ activation: "relu", params: { "at-zero": 0 }, input: src, output: path.join(dir, "h.json"), to: "json" }, (m) => notices.push(m));
    expect(notices).toEqual([`dact: ${src}: the CSV header (a, b) has no place in json; dropped`]);
    // ... and kept when converting to TSV
    await runDerivative({ activation: "relu", params: { "at-zero": 0 }, input: src, output: path.join(dir, "h.tsv"), to: "tsv" });
    expect(readFileSync(path.join(dir, "h.tsv"), "utf8")).toBe("a\tb\n1.0\t0.0\n");
  });

  it("an N-d array becomes CSV only with --reshape", async () => {
    const src = path.join(dir, "t.npy");
    await writeMatrix(src, matrix(Array.from({ length: 24 }, (_, i) => i - 12), [2, 3, 4]));
    await expect(runDerivative({ activation: "relu", params: { "at-zero": 0 }, input: src, output: path.join(dir, "t.csv"), to: "csv" })).rejects.toThrow(/--reshape/);
    await runDerivative({ activation: "relu", params: { "at-zero": 0 }, input: src, output: path.join(dir, "t.csv"), to: "csv", reshape: [-1, 4] });
    expect((await readMatrix(path.join(dir, "t.csv"))).shape).toEqual([6, 4]);
  });

  it("a .npy header that claims more than the file holds: the truncation error, no huge allocation", async () => {
    const src = path.join(dir, "liar.npy");
    const fs = await import("node:fs");
    const text = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }";
    const header = Buffer.from(text + " ".repeat(64 - ((10 + text.length + 1) % 64)) + "\n", "latin1");
    const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
    pre.writeUInt16LE(header.length, 8);
    fs.writeFileSync(src, Buffer.concat([pre, header, Buffer.alloc(16)]));
    await expect(readMatrix(src)).rejects.toThrow("byte 128: array data: expected 8000000000000 bytes, found 16");
    await expect(runDerivative({ activation: "relu", params: { "at-zero": 0 }, input: src, output: path.join(dir, "liar.csv"), to: "csv" })).rejects.toThrow(/expected 8000000000000 bytes/);
  });

  it("a lone CR ends a line, as in Excel for Mac files; a quote after it opens a field (fuzz: a CR before a quote)", async () => {
    const { readMatrix: readFrom } = await import("../src/matrix.js");
    const { memoryInput } = await import("../src/io.js");
    await expect(readFrom(memoryInput(Buffer.from('\ufeffx,\r"y'), "h.csv", [1]), "csv")).rejects.toMatchObject({ code: "CSV_QUOTE" });
    const m = await readFrom(memoryInput(Buffer.from('\ufeffx,y\r"1",2\r3,4'), "h.csv", [1]), "csv");
    expect(m.header).toEqual(["x", "y"]);
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4]);
  });

  it("library: derivative, compare", async () => {
    const g = derivative("relu", [[-1, 0], [2, null]], { "at-zero": 0.5 });
    expect(Array.from(g.data)).toEqual([0, 0.5, 1, NaN]);
    expect(g.missing).toEqual(Uint8Array.from([0, 0, 0, 1]));
    const c = await compare(g, matrix([[0, 0.5], [1, null]]));
    expect(c.equal).toBe(true);
    expect(Array.from(derivative("relu", [0, -0], { atZero: 1 }).data)).toEqual([1, 1]);
    expect(derivative("hardtanh", [0.75], { minVal: -0.5, maxVal: 0.5 }).data[0]).toBe(0);
  });
});
