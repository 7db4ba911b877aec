/**
 * Runs that involve named arrays (.npz, .safetensors): container to
 * container member by member, a container's one selected array to a
 * single-array format, and a single array into a container (under its
 * input's stem). Members are opened and chosen in formats/members.ts; each
 * array goes through run/stages.ts's derive.
 */
import type { Kernel } from "./activations/types.js";
import { DactError } from "./errors.js";
import type { ArrayHead, ArrayWriter, FloatDType } from "./formats/array.js";
import { yielder, type MemberPlan } from "./formats/container.js";
import type { FormatSpec, ReadOptions } from "./formats/index.js";
import { openContainer, pickMember, selectMembers, stemOf } from "./formats/members.js";
import type { Input, Output } from "./io.js";
import { withGradOf, type GradFor } from "./run/sources.js";
import { derive, reshapeWriter, type ReadArray } from "./run/stages.js";
import type { PlanSpec } from "./run/types.js";
import { gradDtypeOf, gradResultDtype, type GradSource } from "./grad.js";

export async function runNamed(input: Input, from: FormatSpec, to: FormatSpec, output: Output, plan: PlanSpec, kernel: Kernel, readOpts: ReadOptions, say: (m: string) => void): Promise<void> {
  return withGradOf(plan.gradOutput, readOpts, say, (gradFor) => runNamedWith(input, from, to, output, plan, kernel, readOpts, say, gradFor));
}

async function runNamedWith(input: Input, from: FormatSpec, to: FormatSpec, output: Output, plan: PlanSpec, kernel: Kernel, readOpts: ReadOptions, say: (m: string) => void, gradFor: GradFor): Promise<void> {
  /** One array from `read` into `w`: through the kernel, or times G (`grad`: G's member of the same name, for a container input). */
  const pipe = (read: ReadArray, w: ArrayWriter, grad: GradSource | null, keepsHeader: boolean, toName: string) =>
    derive(read, w, grad, { kernel, say, source: input.name, keepsHeader, toName, dtype: plan.dtype });
  const wopts = { dtype: plan.dtype, decimal: plan.decimal, floatFormat: plan.floatFormat, source: input.name, compression: plan.compression };
  if (from.kind === "container") {
    const reader = await openContainer(input, from);
    const chosen = selectMembers(reader.members, plan.keys, input.name);
    if (to.kind === "array") {
      const m = pickMember(chosen, null, input.name, { key: "--key", one: `for ${to.name} output: pass --key NAME, or write .npz or .safetensors` });
      const w = reshapeWriter(await to.writer(output, wopts), plan.reshape);
      await pipe((sink, after) => reader.read(m.name, sink, after, say), w, gradFor?.(m.name) ?? null, to.keepsHeader, to.name);
      return;
    }
    if (plan.reshape) throw new DactError("USAGE", "option --reshape: a container holds named arrays of their own shapes; expected --reshape only with one array in and out");
    if (reader.metadata?.length && to.name !== "safetensors") say(`dact: ${input.name}: its __metadata__ has no place in ${to.name}; dropped`);
    const cw = await to.writer(output, wopts);
    // Each member's G (its member of the same name), found before anything is written.
    const grads = new Map<string, GradSource>();
    if (gradFor) for (const m of chosen) grads.set(m.name, gradFor(m.name));
    const plans: MemberPlan[] = chosen.map((m) => ({
      name: m.name,
      head: { shape: m.shape, growing: false, dtype: m.dtype, header: null },
      // Planned before any data (the .safetensors header): G ⊙ f'(x) takes the promotion of X's and G's dtypes.
      dtype: memberDtype(m.dtype, grads.get(m.name), plan.dtype, input.name),
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
      await pipe((sink, after) => reader.read(p.name, sink, after, say), cw.member(p), grads.get(p.name) ?? null, false, to.name);
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
  await pipe((sink, after) => from.read(input, readOpts, sink, after, say), reshapeWriter(proxy, plan.reshape), gradFor?.(null) ?? null, false, to.name);
  await cw.end();
}

/** A member's stored dtype, known before its data: --dtype, else its own, or with G the one rule (grad.ts gradResultDtype). */
function memberDtype(own: FloatDType, grad: GradSource | undefined, out: FloatDType | undefined, file: string): FloatDType {
  if (!grad) return out ?? own;
  const g = gradDtypeOf(grad);
  if (g === undefined) throw new DactError("USAGE", `option --grad-output: ${grad.kind === "array" ? grad.name : "the gradient"} has no dtype known before reading; expected a container gradient (.npz, .safetensors) for a container input`, file);
  return gradResultDtype(own, g, out);
}
