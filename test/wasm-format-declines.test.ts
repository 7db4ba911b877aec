/**
 * The wasm formatter (formatPlainCells, formatJsonOps) declines some
 * values: -0.0, powers of two (0.5, 2, -1), extremes. Output where they
 * are every other cell (leaky-relu --negative-slope 0.5, or relu with a
 * negative gradient: -0.0) called into wasm once a cell, with a copy of 64
 * cells each time, and formatted 7x slower than the previous release
 * (0a84027). After a short wasm run the next JS_RUN cells are written in
 * JavaScript. The bytes must be the JavaScript loop's alone; the calls
 * into wasm are counted (formatCalls).
 */
import { describe, expect, it } from "vitest";
import { formatPlainCells, setCellsWasm } from "../src/formats/csv/cells.js";
import { formatJsonOps, setOpsWasm } from "../src/formats/json/ops.js";
import * as wasmText from "../src/wasm/text.js";

const N = 100_000;

function values(kind: "half" | "rare" | "none"): Float64Array {
  const v = new Float64Array(N);
  let s = 7;
  const r = () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (let k = 0; k < N; k++) {
    const x = 0.1 + r();
    v[k] = kind === "half" ? (r() < 0.5 ? x : r() < 0.5 ? -0 : 0.5) : kind === "rare" && k % 500 === 0 ? -0 : x;
  }
  return v;
}

function cells(v: Float64Array, wasm: boolean): Buffer {
  setCellsWasm(wasm);
  try {
    const out = Buffer.alloc(N * 30);
    const cur = { col: 0, row: 0 };
    const endings = new Uint8Array(N / 4).fill(1);
    let p = 0;
    for (let k = 0; k < N; k += 10_000) p = formatPlainCells(v, null, k, k + 10_000, out, p, 4, cur, endings, 44, 46, []);
    return out.subarray(0, p);
  } finally {
    setCellsWasm(true);
  }
}

function ops(v: Float64Array, wasm: boolean): Buffer {
  setOpsWasm(wasm);
  try {
    // JSON Lines rows of 4: [ v v v v ] LineEnd
    const o: number[] = [];
    for (let k = 0; k < N; k++) {
      if (k % 4 === 0) o.push(1);
      o.push(3);
      if (k % 4 === 3) o.push(2, 5);
    }
    const opsA = Uint8Array.from(o);
    const endings = new Uint8Array(N / 4).fill(2);
    const out = Buffer.alloc(N * 30);
    const st = { depth: 0, first: true, v: 0, e: 0 };
    let p = 0;
    for (let k = 0; k < opsA.length; k += 10_000) p = formatJsonOps(opsA, k, Math.min(opsA.length, k + 10_000), v, endings, out, p, st, false);
    return out.subarray(0, p);
  } finally {
    setOpsWasm(true);
  }
}

describe("the wasm formatter where it declines often", () => {
  it.each(["half", "rare", "none"] as const)("CSV cells (%s declined): the JavaScript loop's bytes, with few calls into wasm", (kind) => {
    const v = values(kind);
    const before = wasmText.formatCalls;
    const got = cells(v, true);
    const calls = wasmText.formatCalls - before;
    expect(got.equals(cells(v, false))).toBe(true);
    // One a declined cell before: ~N / 2 for "half"
    expect(calls).toBeLessThan(N / 100);
    if (kind === "none") expect(calls).toBeLessThanOrEqual(N / wasmText.CELLS + 10);
  });

  it.each(["half", "rare", "none"] as const)("JSON ops (%s declined): the JavaScript loop's bytes, with few calls into wasm", (kind) => {
    const v = values(kind);
    const before = wasmText.formatCalls;
    const got = ops(v, true);
    const calls = wasmText.formatCalls - before;
    expect(got.equals(ops(v, false))).toBe(true);
    expect(calls).toBeLessThan(N / 100);
  });
});
