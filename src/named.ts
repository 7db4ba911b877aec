/**
 * Runs that involve named arrays (.npz, .safetensors): container to
 * container member by member, a container's one selected array to a
 * single-array format, a single array into a container (under its input's
 * stem), and --check against containers key by key.
 */
import * as path from "node:path";
import type { Kernel } from "./activations/types.js";
import { DactError } from "./errors.js";
import { CollectWriter, type ArrayHead, type ArraySink, type ArrayWriter } from "./formats/array.js";
import { yielder, type ContainerReader, type MemberInfo, type MemberPlan } from "./formats/container.js";
import { withoutGz } from "./formats/gzip.js";
import type { FormatSpec, ReadOptions } from "./formats/index.js";
import { randomAccess, STDIO, type Input, type Output } from "./io.js";
import { collected, type Matrix } from "./matrix.js";
import { kernelSink, noticingWriter, reshapeWriter, streamArray, withGrad, type PlanSpec } from "./pipeline.js";
import { readWithGrad, streamGrad, type GradSource } from "./grad.js";

/** The member name a single array gets in a container: its file's stem (x.csv.gz: x); stdin's is arr_0, as np.savez names a positional array. */
export function stemOf(input: Input): string {
  if (input.path === STDIO) return "arr_0";
  const base = path.basename(withoutGz(input.path));
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(0, dot) : base;
}

/** The members --key selects (all when none), in the container's order; an unknown name is an error listing the names. */
export function selectMembers<M extends { name: string }>(members: readonly M[], keys: readonly string[] | undefined, file: string): M[] {
  if (!keys?.length) return [...members];
  for (const k of keys) {
    if (!members.some((m) => m.name === k)) {
      throw new DactError("KEY", `--key ${JSON.stringify(k)}: no array of that name; expected one of ${members.map((m) => JSON.stringify(m.name)).join(", ") || "(none: the container is empty)"}`, file);
    }
  }
  return members.filter((m) => keys.includes(m.name));
}

function oneMember(members: readonly MemberInfo[], file: string, to: string): MemberInfo {
  if (members.length === 1) return members[0]!;
  const names = members.map((m) => m.name).join(", ");
  throw new DactError("USAGE", `${file} holds ${members.length} arrays${members.length ? ` (${names})` : ""}; expected one for ${to} output: pass --key NAME, or write .npz or .safetensors`);
}

export async function openContainer(input: Input, from: FormatSpec): Promise<ContainerReader> {
  if (from.kind !== "container") throw new Error("unreachable: not a container");
  if (input.file) return from.open(await randomAccess(input), input.name);
  // Spooled (gzip data, a pipe): the header first, and never more than it says.
  const limit = await from.spoolLimit(input);
  const tooLong = () => new DactError(from.name === "npz" ? "NPZ" : "SAFETENSORS", `holds more than the ${limit} bytes its header gives; expected the data to end there`, input.name, { offset: limit! });
  return from.open(await randomAccess(input, limit === null ? undefined : { bytes: limit, fail: tooLong }), input.name);
}

export async function runNamed(input: Input, from: FormatSpec, to: FormatSpec, output: Output, plan: PlanSpec, kernel: Kernel, readOpts: ReadOptions, say: (m: string) => void): Promise<void> {
  if (plan.gradOutput !== undefined) return withGrad(plan.gradOutput, say, (gradFor) => runNamedWith(input, from, to, output, plan, kernel, readOpts, say, gradFor));
  return runNamedWith(input, from, to, output, plan, kernel, readOpts, say, null);
}

async function runNamedWith(input: Input, from: FormatSpec, to: FormatSpec, output: Output, plan: PlanSpec, kernel: Kernel, readOpts: ReadOptions, say: (m: string) => void, gradFor: ((member: string | null) => GradSource) | null): Promise<void> {
  /** One array from `read` into `w`: through the kernel, or times G. */
  const pipe = async (read: (sink: ArraySink, after: () => Promise<void>) => Promise<number[]>, w: ArrayWriter, member: string | null, keepsHeader: boolean, toName: string) => {
    if (gradFor) return readWithGrad(read, noticingWriter(w, say, input.name, keepsHeader, toName), kernel, gradFor(member), input.name, plan.dtype);
    const shape = await read(kernelSink(w, kernel, say, input.name, keepsHeader, toName, plan.dtype), () => w.flush());
    await w.end(shape);
  };
  const wopts = { dtype: plan.dtype, decimal: plan.decimal, floatFormat: plan.floatFormat, source: input.name, compression: plan.compression };
  if (from.kind === "container") {
    const reader = await openContainer(input, from);
    const chosen = selectMembers(reader.members, plan.keys, input.name);
    if (to.kind === "array") {
      const m = oneMember(chosen, input.name, to.name);
      const w = reshapeWriter(await to.writer(output, wopts), plan.reshape);
      await pipe((sink, after) => reader.read(m.name, sink, after, say), w, gradFor ? m.name : null, to.keepsHeader, to.name);
      return;
    }
    if (plan.reshape) throw new DactError("USAGE", "option --reshape: a container holds named arrays of their own shapes; expected --reshape only with one array in and out");
    if (reader.metadata?.length && to.name !== "safetensors") say(`dact: ${input.name}: its __metadata__ has no place in ${to.name}; dropped`);
    const cw = await to.writer(output, wopts);
    const plans: MemberPlan[] = chosen.map((m) => ({
      name: m.name,
      head: { shape: m.shape, growing: false, dtype: m.dtype, header: null },
      dtype: plan.dtype ?? m.dtype,
      compressed: plan.compress === true || m.compressed,
    }));
    const { transformNpy } = await import("./formats/npy/codec.js");
    const pause = yielder(); // many small members: signals still act within 50 ms
    for (const p of cw.plan(plans, to.name === "safetensors" ? reader.metadata : null)) {
      await pause();
      if (reader.memberInput && cw.rawMember && p.dtype === p.head.dtype && !gradFor) {
        // .npz to .npz: each member through the .npy codec's own transform,
        // which keeps its layout (Fortran order) exactly as np.save would.
        const raw = cw.rawMember(p);
        const member = reader.memberInput(p.name);
        await transformNpy(member, raw.output, { kernel, notice: say });
        await raw.end();
        continue;
      }
      await pipe((sink, after) => reader.read(p.name, sink, after, say), cw.member(p), p.name, false, to.name);
    }
    await cw.end();
    return;
  }
  if (to.kind !== "container") throw new Error("unreachable: no container on either side");
  // One array into a container, under its input's stem.
  const cw = await to.writer(output, wopts);
  const name = stemOf(input);
  let member: ArrayWriter | null = null;
  const proxy: ArrayWriter = {
    begin(h: ArrayHead) {
      const [p] = cw.plan([{ name, head: h, dtype: plan.dtype ?? h.dtype, compressed: plan.compress === true }], null);
      member = cw.member(p!);
      member.begin(h);
    },
    write: (v, m, n) => member!.write(v, m, n),
    flush: () => member?.flush() ?? Promise.resolve(),
    end: (shape) => member!.end(shape),
  };
  await pipe((sink, after) => from.read(input, readOpts, sink, after, say), reshapeWriter(proxy, plan.reshape), null, false, to.name);
  await cw.end();
}

/** The results of a run, in memory: one array under its stem, or each selected container member. */
export async function resultsInMemory(input: Input, from: FormatSpec, plan: PlanSpec, kernel: Kernel, readOpts: ReadOptions, say: (m: string) => void): Promise<{ container: boolean; arrays: [string, Matrix][] }> {
  const arrays: [string, Matrix][] = [];
  if (from.kind === "container") {
    const reader = await openContainer(input, from);
    const each = async (gradFor: ((member: string | null) => GradSource) | null) => {
      const pause = yielder();
      for (const m of selectMembers(reader.members, plan.keys, input.name)) {
        await pause();
        const c = new CollectWriter();
        const read = (sink: ArraySink, after: () => Promise<void>) => reader.read(m.name, sink, after, say);
        if (gradFor) await readWithGrad(read, c, kernel, gradFor(m.name), input.name);
        else await c.end(await read(kernelSink(c, kernel, say, input.name, true, "memory"), async () => {}));
        arrays.push([m.name, collected(c)]);
      }
    };
    if (plan.gradOutput !== undefined) await withGrad(plan.gradOutput, say, each);
    else await each(null);
    return { container: true, arrays };
  }
  const c = new CollectWriter();
  if (plan.gradOutput !== undefined) await withGrad(plan.gradOutput, say, (gradFor) => streamGrad(input, from, readOpts, reshapeWriter(c, plan.reshape), kernel, gradFor(null), say));
  else await streamArray(input, from, readOpts, reshapeWriter(c, plan.reshape), kernel, say, true, "memory");
  arrays.push([stemOf(input), collected(c)]);
  return { container: false, arrays };
}

