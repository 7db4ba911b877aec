import { readFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { findActivation, resolveParams } from "../src/activations/registry.js";
import type { Activation } from "../src/activations/types.js";
import { memoryInput, MemoryOutput } from "../src/io.js";
import { deriveStream } from "../src/pipeline.js";
import type { Format } from "../src/formats/index.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const FIXTURES = path.join(ROOT, "fixtures");

/**
 * The environment a user's shell gives dact: the suite's own, without CI and
 * DACT_UPDATE. CI runs the suite with CI=true, and a child that inherited it
 * would refuse --pending and --update; a test about CI sets it itself.
 */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env["CI"];
  delete env["DACT_UPDATE"];
  return { ...env, ...extra };
}

export function fixture(...parts: string[]): Buffer {
  return readFileSync(path.join(FIXTURES, ...parts));
}

/** Chunkings every reader is fed: tiny, odd, page-sized and random. */
export function chunkings(seed: number, length: number): { name: string; sizes: number[] }[] {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const random = Array.from({ length: 64 }, () => 1 + Math.floor(rand() * 5000));
  const all = [
    { name: "1", sizes: [1] },
    { name: "2", sizes: [2] },
    { name: "7", sizes: [7] },
    { name: "4096", sizes: [4096] },
    { name: "random", sizes: random },
    { name: "whole", sizes: [Math.max(1, length)] },
  ];
  // Byte-at-a-time on megabyte inputs proves nothing new and costs seconds.
  return length > 100_000 ? all.filter((c) => Number(c.name) !== 1 && Number(c.name) !== 2) : all;
}

export interface RunResult {
  bytes: Buffer;
  notices: string[];
}

/** Runs an activation in-process over bytes, with the given chunking. */
export async function derive(
  data: Uint8Array,
  activation: string,
  options: Record<string, string | number> = {},
  sizes: number[] = [1 << 20],
  format?: Format,
  name = "<memory>",
): Promise<RunResult> {
  const act = findActivation(activation)!;
  const out = new MemoryOutput();
  const notices: string[] = [];
  await deriveStream(memoryInput(data, name, sizes), out, {
    activation: act,
    params: resolveParams(act, options),
    format,
    notice: (m) => notices.push(m),
  }, format);
  return { bytes: out.bytes(), notices };
}

/** An identity "derivative": lets the tests see exactly what a codec read. */
export const IDENTITY: Activation = {
  name: "identity",
  cheap: false,
  summary: "",
  formula: "",
  kinks: "",
  params: [],
  scalar: () => (x) => x,
  forward: () => (x) => (x * x) / 2,
  kernel: () => (src, dst, n) => {
    for (let i = 0; i < n; i++) dst[i] = src[i]!;
  },
};

/**
 * A version 1.0 .npy file as np.save lays it out (header padded to 64
 * bytes), for tests that need a file numpy did not make: `shape` is the
 * Python tuple text, "(3,)" or "(2, 5)".
 */
export function npyBytes(descr: string, shape: string, data: Uint8Array | ArrayBufferView = new Uint8Array(0)): Buffer {
  const text = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const header = Buffer.from(text + " ".repeat(64 - ((10 + text.length + 1) % 64)) + "\n", "latin1");
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  pre.writeUInt16LE(header.length, 8);
  return Buffer.concat([pre, header, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

/**
 * Asserts two arrays hold the same doubles (NaN equals NaN, 0 and -0
 * differ, as toEqual), comparing their float64 bytes at once: vitest's
 * toEqual takes seconds on a 2^19-element typed array, a byte comparison
 * a millisecond. A failure names the first differing index and both values.
 */
export function expectSameDoubles(actual: ArrayLike<number>, expected: ArrayLike<number>, what = "values"): void {
  const a = actual instanceof Float64Array ? actual : Float64Array.from(actual);
  const e = expected instanceof Float64Array ? expected : Float64Array.from(expected);
  if (a.length !== e.length) throw new Error(`${what}: ${a.length} elements, expected ${e.length}`);
  const ab = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const eb = Buffer.from(e.buffer, e.byteOffset, e.byteLength);
  if (ab.equals(eb)) return;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = e[i]!;
    if (Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y))) continue; // NaN payloads may differ
    const show = (v: number) => (Object.is(v, -0) ? "-0" : String(v));
    throw new Error(`${what}: first difference at index ${i} of ${a.length}: ${show(x)}, expected ${show(y)}`);
  }
}

/** pandas' metadata as dact writes it back: each computed integer column described as float64 (pandasMetadataFor). */
export function pandasAfter(json: string, computed: ReadonlySet<string>): unknown {
  const m = JSON.parse(json) as { columns: { name: string; pandas_type: string; numpy_type: string; metadata: unknown }[] };
  for (const c of m.columns) {
    if (computed.has(c.name) && /int/i.test(c.numpy_type)) Object.assign(c, { pandas_type: "float64", numpy_type: "float64", metadata: null });
  }
  return m;
}

/**
 * xorshift32, the tests' deterministic generator (as the fixture scripts'),
 * so a failure replays from its seed: `next()` the 32-bit state, `r()` in
 * [0, 1), `pick(a)` an element of a.
 */
export function xorshift32(seed: number): { next: () => number; r: () => number; pick: <T>(a: readonly T[]) => T } {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  const r = () => next() / 2 ** 32;
  return { next, r, pick: <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]! };
}
