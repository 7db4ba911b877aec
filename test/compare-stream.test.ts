/**
 * The streamed comparison (compare-stream.ts) gives the same report as the
 * whole-array one (compareNamed) for every pairing of formats, chunkings,
 * growing shapes (CSV rows, a 1-D JSON array) and sizes past the queue
 * limit and the map's bucket merges.
 */
import { describe, expect, it } from "vitest";
import { compareSides, fileSide, LANE_LIMIT } from "../src/compare-stream.js";
import { compareNamed, formatComparison, type TolerancePolicy } from "../src/compare.js";
import { detectFormat } from "../src/formats/index.js";
import { memoryInput } from "../src/io.js";
import { readNamed } from "../src/matrix.js";
import { npyBytes } from "./helpers.js";

type Kind = "npy" | "npy4" | "csv" | "json";

function encode(kind: Kind, data: Float64Array, shape: number[]): Buffer {
  if (kind === "npy") return npyBytes("<f8", shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`, data);
  if (kind === "npy4") return npyBytes("<f4", shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`, Float32Array.from(data));
  const cols = shape.length === 2 ? shape[1]! : 1;
  const rows = data.length / cols;
  const text = (x: number) => (x !== x ? "NaN" : x === Infinity ? "inf" : x === -Infinity ? "-inf" : String(x));
  if (kind === "csv") {
    const lines: string[] = [];
    for (let r = 0; r < rows; r++) lines.push(Array.from(data.subarray(r * cols, (r + 1) * cols), text).join(","));
    return Buffer.from(lines.join("\n") + "\n");
  }
  const js = (x: number) => (x !== x ? "NaN" : x === Infinity ? "Infinity" : x === -Infinity ? "-Infinity" : String(x));
  if (shape.length === 1) return Buffer.from(`[${Array.from(data, js).join(",")}]`);
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) lines.push(`[${Array.from(data.subarray(r * cols, (r + 1) * cols), js).join(",")}]`);
  return Buffer.from(`[${lines.join(",\n")}]`);
}

async function both(a: Buffer, e: Buffer, policy: TolerancePolicy, chunks: number[] = [1 << 16]) {
  const mem = async (b: Buffer, name: string) => {
    const input = memoryInput(b, name, chunks);
    return { ...(await readNamed(input, await detectFormat(input))), name };
  };
  const whole = compareNamed(await mem(a, "a"), await mem(e, "e"), policy);
  const streamed = await compareSides(await fileSide(memoryInput(a, "a", chunks), undefined, () => {}), await fileSide(memoryInput(e, "e", chunks), undefined, () => {}), policy);
  return { whole, streamed };
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("streamed comparison = whole-array comparison", () => {
  const numpy: TolerancePolicy = { mode: "numpy" };
  const cases: [Kind, Kind, number[], number][] = [
    ["npy", "npy", [1000], 7],
    ["npy", "csv", [300, 7], 11],
    ["csv", "npy", [300, 7], 3],
    ["csv", "csv", [9000, 3], 5],
    ["json", "json", [20000], 2],
    ["json", "npy", [20000], 9],
    ["npy", "json", [50, 4], 4],
    ["npy4", "npy", [64, 64], 13],
    ["csv", "json", [5, 1], 1],
    ["npy", "csv", [700], 17],
  ];
  it.each(cases)("%s vs %s, shape %j, mismatches every %i-th run", async (ka, ke, shape, every) => {
    const n = shape.reduce((x, y) => x * y, 1);
    const r = rng(n + every);
    const e = Float64Array.from({ length: n }, () => Math.round((r() - 0.5) * 1e6) / 1e3);
    const a = e.slice();
    for (let k = 0; k < n; k++) {
      const u = r();
      if (u < 1 / every / 50) a[k] = NaN;
      else if (u < 1 / every) a[k] = e[k]! + (r() - 0.5);
    }
    if (n > 10) e[3] = NaN;
    for (const policy of [numpy, { mode: "torch" as const }, { mode: "numpy" as const, atol: 0.2 }]) {
      for (const chunks of [[1 << 16], [7, 4096, 13]]) {
        const { whole, streamed } = await both(encode(ka, a, shape), encode(ke, e, shape), policy, chunks);
        expect(streamed.text).toBe(whole.text);
        expect(streamed.keys).toEqual(whole.keys);
      }
    }
  });

  it("a growing axis binned exactly: one mismatch per map cell edge, CSV against CSV past the bucket merges", async () => {
    const rows = 200_003;
    const e = new Float64Array(rows);
    const a = e.slice();
    // A mismatch on each side of every row boundary of the 40 cells.
    for (let i = 1; i < 40; i++) {
      const b = Math.ceil((i * rows) / 40);
      if (i % 3 === 0) a[b - 1] = 1;
      if (i % 3 === 1) a[b] = 1;
    }
    const { whole, streamed } = await both(encode("csv", a, [rows, 1]), encode("csv", e, [rows, 1]), numpy);
    expect(whole.text).toContain("Where");
    expect(streamed.text).toBe(whole.text);
  });

  it("a growing 1-D JSON array past the queue limit", async () => {
    const n = LANE_LIMIT * 2 + 5;
    const e = new Float64Array(n).map((_, k) => k % 1000);
    const a = e.slice();
    a[n - 1] = -1;
    a[12345] = 7.5;
    const { whole, streamed } = await both(encode("json", a, [n]), encode("npy", e, [n]), numpy);
    expect(streamed.text).toBe(whole.text);
    expect(streamed.equal).toBe(false);
  });

  it.each([
    ["npy", "npy", [6], [5]],
    ["csv", "npy", [4, 2], [8]],
    ["csv", "csv", [4, 2], [4, 3]],
    ["json", "npy", [10], [11]],
    ["npy", "csv", [3, 1], [3]],
  ] as [Kind, Kind, number[], number[]][])("%s vs %s, %j vs %j: shapes as compareNamed gives them", async (ka, ke, sa, se) => {
    const da = new Float64Array(sa.reduce((x, y) => x * y, 1)).fill(1);
    const de = new Float64Array(se.reduce((x, y) => x * y, 1)).fill(1);
    const { whole, streamed } = await both(encode(ka, da, sa), encode(ke === "csv" ? "csv" : ke, de, se), numpy);
    expect(streamed.text).toBe(whole.text);
    expect(streamed.equal).toBe(whole.equal);
  });

  it("an error on one side ends both and is the one thrown", async () => {
    const good = encode("npy", new Float64Array(LANE_LIMIT * 3), [LANE_LIMIT * 3]);
    const bad = Buffer.from("1\n2\nx\n");
    await expect(compareSides(await fileSide(memoryInput(good, "good"), undefined, () => {}), await fileSide(memoryInput(bad, "bad.csv"), "csv", () => {}), { mode: "numpy" })).rejects.toMatchObject({ code: "CSV_NUMBER", file: "bad.csv", position: { line: 3, column: 1 } });
  });

  it("formatComparison of a streamed result has numpy's layout", async () => {
    const { streamed } = await both(encode("npy", Float64Array.from([1, 2, 3, 4]), [2, 2]), encode("npy", Float64Array.from([1, 2.5, 3, 8]), [2, 2]), numpy);
    const c = streamed.keys[0]!.comparison!;
    expect(formatComparison(c)).toContain("Mismatched elements: 2 / 4 (50%)");
    expect(c.first.map((f) => f.index)).toEqual([
      [0, 1],
      [1, 1],
    ]);
  });
});
