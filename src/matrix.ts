/**
 * A whole array in memory, in C order, for what needs one: compare,
 * --check and the library API. It is read and written through the format
 * registry's one reader and one writer per format (formats/index.ts), like
 * every other path; nothing here knows a format.
 */
import { float16 } from "./formats/float16.js";
import { bf16round } from "./formats/bfloat16.js";
import type { Activation, Params } from "./activations/types.js";
import { DactError } from "./errors.js";
import { CollectWriter, shapeText, sizeOf, writeWhole, type FloatDType } from "./formats/array.js";
import { formatSpec, type ArrayFormat, type Format, type ReadOptions, type WriteOptions } from "./formats/index.js";
import type { Input, Output } from "./io.js";
import type { Matrix } from "./types.js";

export type { FloatDType, Matrix };

/** The Matrix a CollectWriter gathered. */
export function collected(c: CollectWriter): Matrix {
  const { data, missing } = c.values();
  return { shape: c.shape, data, missing, dtype: c.head?.dtype ?? "f8", header: c.head?.header ? [...c.head.header] : null };
}

/** Every array an input holds, in memory: one for a single-array format (named by the input's stem), each member of a container. */
export async function readNamed(input: Input, format: Format, opts: ReadOptions = {}, notice: (m: string) => void = () => {}): Promise<{ container: boolean; arrays: [string, Matrix][] }> {
  const spec = formatSpec(format);
  const { openContainer, stemOf } = await import("./named.js");
  if (spec.kind === "array") return { container: false, arrays: [[stemOf(input), await readArray(input, spec, opts, notice)]] };
  const reader = await openContainer(input, spec);
  const arrays: [string, Matrix][] = [];
  for (const m of reader.members) {
    const c = new CollectWriter();
    const shape = await reader.read(m.name, { begin: (h) => c.begin(h), data: (v, mm, n) => c.write(v, mm, n) }, async () => {}, notice);
    await c.end(shape);
    arrays.push([m.name, collected(c)]);
  }
  return { container: true, arrays };
}

async function readArray(input: Input, spec: ArrayFormat, opts: ReadOptions, notice: (m: string) => void): Promise<Matrix> {
  const c = new CollectWriter();
  const shape = await spec.read(input, opts, { begin: (h) => c.begin(h), data: (v, m, n) => c.write(v, m, n) }, async () => {}, notice);
  await c.end(shape);
  return collected(c);
}

/** Reads a whole input into a Matrix; a container must hold one array, or `key` names it. */
export async function readMatrix(input: Input, format: Format, opts: ReadOptions & { key?: string | undefined } = {}, notice: (m: string) => void = () => {}): Promise<Matrix> {
  const spec = formatSpec(format);
  if (spec.kind === "array") return readArray(input, spec, opts, notice);
  const { arrays } = await readNamed(input, format, opts, notice);
  const hit = opts.key !== undefined ? arrays.find(([n]) => n === opts.key) : arrays.length === 1 ? arrays[0] : undefined;
  if (!hit) {
    const names = arrays.map(([n]) => n).join(", ");
    throw new DactError(opts.key !== undefined ? "KEY" : "USAGE", opts.key !== undefined ? `no array named ${JSON.stringify(opts.key)}; expected one of ${names}` : `holds ${arrays.length} arrays (${names}); expected one, or a key naming it`, input.name);
  }
  return hit[1];
}

/** Writes a Matrix in any format, through that format's one writer (a container gets it as one member, `key` or arr_0). */
export async function writeMatrix(m: Matrix, output: Output, format: Format, opts: WriteOptions & { key?: string | undefined } = {}): Promise<void> {
  const spec = formatSpec(format);
  const head = { shape: m.shape, growing: false, dtype: m.dtype, header: m.header };
  if (spec.kind === "array") return writeWhole(await spec.writer(output, opts), head, m.data, m.missing);
  const cw = await spec.writer(output, opts);
  const [p] = cw.plan([{ name: opts.key ?? "arr_0", head, dtype: opts.dtype ?? m.dtype, compressed: false }], null);
  await writeWhole(cw.member(p!), head, m.data, m.missing);
  await cw.end();
}

/** numpy-style reshape with at most one -1: the new shape for `size` elements. */
export function reshaped(size: number, to: readonly number[], from: readonly number[]): number[] {
  const known = to.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const shape = to.map((d) => (d === -1 ? (known === 0 ? 0 : size / known) : d));
  if (sizeOf(shape) !== size || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new DactError("USAGE", `option --reshape: found (${to.join(", ")}) for ${size} elements of shape ${shapeText(from)}; expected sizes whose product is ${size}`);
  }
  return shape;
}

/** Applies the derivative to a whole matrix, in place, and rounds to NumPy's result dtype. */
export function deriveMatrix(m: Matrix, act: Activation, params: Params): Matrix {
  act.kernel(params)(m.data, m.data, m.data.length);
  roundTo(m.data, m.data.length, m.dtype);
  return m;
}

/** Rounds values to the dtype, as storing into that dtype would (once, to nearest even). */
export function roundTo(data: Float64Array, n: number, dtype: FloatDType): void {
  if (dtype === "f4") for (let i = 0; i < n; i++) data[i] = Math.fround(data[i]!);
  else if (dtype === "f2") {
    const { f16round } = float16();
    for (let i = 0; i < n; i++) data[i] = f16round(data[i]!);
  } else if (dtype === "bf16") for (let i = 0; i < n; i++) data[i] = bf16round(data[i]!);
}
