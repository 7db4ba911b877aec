/**
 * --check, streamed: the kernel's output for an input (one array, or each
 * selected container member; times G with --grad-output) as one side of a
 * lockstep comparison (compare-stream.ts) against the golden, never held
 * whole in memory.
 */
import type { Kernel } from "./activations/types.js";
import { compareSides, fileSide, type StreamSide } from "./compare-stream.js";
import type { NamedComparison, Tolerance, TolerancePolicy } from "./compare.js";
import type { ArrayWriter } from "./formats/array.js";
import type { FormatSpec, ReadOptions } from "./formats/index.js";
import { readWithGrad, streamGrad, type GradSource } from "./grad.js";
import { STDIO, type Input } from "./io.js";
import { statSync } from "node:fs";
import { openContainer, selectMembers, stemOf } from "./named.js";
import { kernelSink, openSource, reshapeWriter, streamArray, withGrad, type PlanSpec } from "./pipeline.js";

/** Whether the input can be read a second time (a regular file, not stdin or a pipe). */
export function rereadable(input: Input): boolean {
  if (input.path === STDIO) return false;
  try {
    return statSync(input.path).isFile();
  } catch {
    return false;
  }
}

/** The run's results as a side, streamed on demand (each member once). */
async function computedSide(input: Input, from: FormatSpec, plan: PlanSpec, kernel: Kernel, readOpts: ReadOptions, say: (m: string) => void, gradFor: ((member: string | null) => GradSource) | null): Promise<StreamSide> {
  const name = `the result for ${input.name}`;
  if (from.kind === "container") {
    const reader = await openContainer(input, from);
    return {
      name,
      container: true,
      members: selectMembers(reader.members, plan.keys, input.name).map((m) => m.name),
      async read(m: string, w: ArrayWriter) {
        const read = (sink: Parameters<typeof reader.read>[1], after: () => Promise<void>) => reader.read(m, sink, after, say);
        if (gradFor) await readWithGrad(read, w, kernel, gradFor(m), input.name);
        else await w.end(await read(kernelSink(w, kernel, say, input.name, true, "memory"), () => w.flush()));
      },
    };
  }
  return {
    name,
    container: false,
    members: [stemOf(input)],
    async read(_m: string, w: ArrayWriter) {
      if (gradFor) await streamGrad(input, from, readOpts, reshapeWriter(w, plan.reshape), kernel, gradFor(null), say);
      else await streamArray(input, from, readOpts, reshapeWriter(w, plan.reshape), kernel, say, true, "memory");
    },
  };
}

/** Compares the run's results with the golden at `golden`, streaming both. */
export async function checkStreaming(input: Input, from: FormatSpec, plan: PlanSpec, kernel: Kernel, readOpts: ReadOptions, say: (m: string) => void, golden: string, tolerance: TolerancePolicy | Tolerance): Promise<NamedComparison> {
  const work = async (gradFor: ((member: string | null) => GradSource) | null) => {
    const actual = await computedSide(input, from, plan, kernel, readOpts, say, gradFor);
    const g = await openSource(golden);
    try {
      return await compareSides(actual, await fileSide(g, undefined, say), tolerance);
    } finally {
      await g.close();
    }
  };
  return plan.gradOutput !== undefined ? withGrad(plan.gradOutput, say, work) : work(null);
}

/** Runs the kernel over the input without keeping anything: its errors are the run's (a missing golden does not hide a bad input). */
export async function drainResults(input: Input, from: FormatSpec, plan: PlanSpec, kernel: Kernel, readOpts: ReadOptions, say: (m: string) => void): Promise<void> {
  const work = async (gradFor: ((member: string | null) => GradSource) | null) => {
    const side = await computedSide(input, from, plan, kernel, readOpts, say, gradFor);
    const none: ArrayWriter = { begin() {}, write() {}, flush: async () => {}, end: async () => {} };
    for (const m of side.members) await side.read(m, none);
  };
  return plan.gradOutput !== undefined ? withGrad(plan.gradOutput, say, work) : work(null);
}
