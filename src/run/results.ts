/**
 * A run's results as arrays by name, for --check and golden updates: one
 * array under its input's stem, or each selected container member, times G
 * with --grad-output. Streamed on demand (a side of a lockstep comparison,
 * compare-stream.ts), or collected in memory from that same side.
 */
import type { Kernel } from "../activations/types.js";
import type { StreamSide } from "../compare-stream.js";
import { CollectWriter, type ArrayWriter } from "../formats/array.js";
import { yielder } from "../formats/container.js";
import type { FormatSpec, ReadOptions } from "../formats/index.js";
import { openContainer, selectMembers, stemOf } from "../formats/members.js";
import type { Input } from "../io.js";
import { collected, type Matrix } from "../matrix.js";
import { withGradOf, type GradFor } from "./sources.js";
import { derive, reshapeWriter, type DeriveTarget } from "./stages.js";
import type { PlanSpec } from "./types.js";

/** The run's results as a side, each member streamed on demand (once) through `derive`. */
export async function computedSide(input: Input, from: FormatSpec, plan: PlanSpec, kernel: Kernel, readOpts: ReadOptions, say: (m: string) => void, gradFor: GradFor): Promise<StreamSide> {
  const name = `the result for ${input.name}`;
  // In memory, every header and label is kept: nothing is dropped, nothing to say but a text note.
  const target: DeriveTarget = { kernel, say, source: input.name, keepsHeader: true, toName: "memory" };
  if (from.kind === "container") {
    const reader = await openContainer(input, from);
    return {
      name,
      container: true,
      members: selectMembers(reader.members, plan.keys, input.name).map((m) => m.name),
      read: (m: string, w: ArrayWriter) => derive((sink, after) => reader.read(m, sink, after, say), w, gradFor?.(m) ?? null, target),
    };
  }
  return {
    name,
    container: false,
    members: [stemOf(input)],
    read: (_m: string, w: ArrayWriter) => derive((sink, after) => from.read(input, readOpts, sink, after, say), reshapeWriter(w, plan.reshape), gradFor?.(null) ?? null, target),
  };
}

/** The results of a run, in memory: one array under its stem, or each selected container member. */
export async function resultsInMemory(input: Input, from: FormatSpec, plan: PlanSpec, kernel: Kernel, readOpts: ReadOptions, say: (m: string) => void): Promise<{ container: boolean; arrays: [string, Matrix][] }> {
  return withGradOf(plan.gradOutput, readOpts, say, async (gradFor) => {
    const side = await computedSide(input, from, plan, kernel, readOpts, say, gradFor);
    const arrays: [string, Matrix][] = [];
    const pause = yielder(); // many small members: signals still act within 50 ms
    for (const m of side.members) {
      await pause();
      const c = new CollectWriter();
      await side.read(m, c);
      arrays.push([m, collected(c)]);
    }
    return { container: side.container, arrays };
  });
}
