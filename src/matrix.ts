/**
 * A whole array in memory, in C order, for what needs one: compare,
 * --check and the library API. It is read and written through the format
 * registry's one reader and one writer per format (formats/index.ts), like
 * every other path; nothing here knows a format.
 */
import type { Activation, Params } from "./activations/types.js";
import { CollectWriter, markTableRows, writeWhole, type ArrayHead, type FloatDType } from "./formats/array.js";
import type { ContainerReader } from "./formats/container.js";
import { formatSpec, type ArrayFormat, type ContainerFormat, type Format, type ReadOptions, type WriteOptions } from "./formats/index.js";
import { openContainer, pickMember, stemOf } from "./formats/members.js";
import { roundTo } from "./formats/round.js";
import type { Input, Output } from "./io.js";
import type { Matrix } from "./types.js";

export type { FloatDType, Matrix };

/** The Matrix a CollectWriter gathered. */
export function collected(c: CollectWriter): Matrix {
  const { data, missing } = c.values();
  const m: Matrix = { shape: c.shape, data, missing, dtype: c.head?.dtype ?? "f8", header: c.head?.header ? [...c.head.header] : null };
  if (c.head?.tableRows) markTableRows(m);
  // A bool or integer array says so: a gradient (gradOutput) promotes by its own dtype, as NumPy does.
  if (c.head?.sourceDtype !== undefined) m.sourceDtype = c.head.sourceDtype;
  return m;
}

/** Every array an input holds, in memory: one for a single-array format (named by the input's stem), each member of a container. */
export async function readNamed(input: Input, format: Format, opts: ReadOptions = {}, notice: (m: string) => void = () => {}): Promise<{ container: boolean; arrays: [string, Matrix][] }> {
  const spec = formatSpec(format);
  if (spec.kind === "array") return { container: false, arrays: [[stemOf(input), await readArray(input, spec, opts, notice)]] };
  const reader = await openContainer(input, spec);
  const arrays: [string, Matrix][] = [];
  for (const m of reader.members) arrays.push([m.name, await readMember(reader, m.name, notice)]);
  return { container: true, arrays };
}

async function readMember(reader: ContainerReader, name: string, notice: (m: string) => void): Promise<Matrix> {
  const c = new CollectWriter();
  await c.end(await reader.read(name, { begin: (h) => c.begin(h), data: (v, m, n) => c.write(v, m, n) }, async () => {}, notice));
  return collected(c);
}

async function readArray(input: Input, spec: ArrayFormat, opts: ReadOptions, notice: (m: string) => void): Promise<Matrix> {
  const c = new CollectWriter();
  const shape = await spec.read(input, opts, { begin: (h) => c.begin(h), data: (v, m, n) => c.write(v, m, n) }, async () => {}, notice);
  await c.end(shape);
  return collected(c);
}

/** Reads a whole input into a Matrix; a container must hold one array, or `key` names it (only that member is read). */
export async function readMatrix(input: Input, format: Format, opts: ReadOptions & { key?: string | undefined } = {}, notice: (m: string) => void = () => {}): Promise<Matrix> {
  const spec = formatSpec(format);
  if (spec.kind === "array") return readArray(input, spec, opts, notice);
  const reader = await openContainer(input, spec);
  const m = pickMember(reader.members, opts.key, input.name, { key: "key", one: "for readMatrix: pass a key naming it" });
  return readMember(reader, m.name, notice);
}

/** Writes a Matrix in any format, through that format's one writer (a container gets it as one member, `key` or arr_0). */
export async function writeMatrix(m: Matrix, output: Output, format: Format, opts: WriteOptions & { key?: string | undefined } = {}): Promise<void> {
  const spec = formatSpec(format);
  if (spec.kind === "array") return writeWhole(await spec.writer(output, opts), headOf(m), m.data, m.missing);
  await writeMembers([[opts.key ?? "arr_0", m]], output, spec, opts);
}

/** Writes named arrays into a container through its one writer (the library, golden updates); `compress`: deflate every .npz member (--compress). */
export async function writeMembers(arrays: readonly (readonly [string, Matrix])[], output: Output, spec: ContainerFormat, opts: WriteOptions & { compress?: boolean | undefined } = {}): Promise<void> {
  const cw = await spec.writer(output, opts);
  const byName = new Map(arrays); // linear in the members
  const plans = arrays.map(([name, m]) => ({ name, head: headOf(m), dtype: opts.dtype ?? m.dtype, compressed: opts.compress === true }));
  for (const p of cw.plan(plans, null)) {
    const m = byName.get(p.name)!;
    await writeWhole(cw.member(p), p.head, m.data, m.missing);
  }
  await cw.end();
}

function headOf(m: Matrix): ArrayHead {
  return { shape: m.shape, growing: false, dtype: m.dtype, header: m.header };
}

/** Applies the derivative to a whole matrix, in place, and rounds to NumPy's result dtype. */
export function deriveMatrix(m: Matrix, act: Activation, params: Params): Matrix {
  act.kernel(params)(m.data, m.data, m.data.length);
  roundTo(m.data, m.data.length, m.dtype);
  return m;
}
