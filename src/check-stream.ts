/**
 * --check, streamed: the kernel's output for an input (one array, or each
 * selected container member; times G with --grad-output) as one side of a
 * lockstep comparison (compare-stream.ts) against the golden, never held
 * whole in memory.
 */
import type { Kernel } from "./activations/types.js";
import { compareSides, fileSide } from "./compare-stream.js";
import type { NamedComparison, Tolerance, TolerancePolicy } from "./compare.js";
import type { ArrayWriter } from "./formats/array.js";
import type { FormatSpec, ReadOptions } from "./formats/index.js";
import { STDIO, type Input } from "./io.js";
import { statSync } from "node:fs";
import { computedSide } from "./run/results.js";
import { openSource, withGradOf, type GradFor } from "./run/sources.js";
import type { PlanSpec } from "./run/types.js";

/** Whether the input can be read a second time (a regular file, not stdin or a pipe). */
export function rereadable(input: Input): boolean {
  if (input.path === STDIO) return false;
  try {
    return statSync(input.path).isFile();
  } catch {
    return false;
  }
}

/** Compares the run's results with the golden at `golden`, streaming both. */
export async function checkStreaming(input: Input, from: FormatSpec, plan: PlanSpec, kernel: Kernel, readOpts: ReadOptions, say: (m: string) => void, golden: string, tolerance: TolerancePolicy | Tolerance): Promise<NamedComparison> {
  return withGradOf(plan.gradOutput, readOpts, say, async (gradFor: GradFor) => {
    const actual = await computedSide(input, from, plan, kernel, readOpts, say, gradFor);
    const g = await openSource(golden);
    try {
      return await compareSides(actual, await fileSide(g, undefined, say), tolerance);
    } finally {
      await g.close();
    }
  });
}

/** Runs the kernel over the input without keeping anything: its errors are the run's (a missing golden does not hide a bad input). */
export async function drainResults(input: Input, from: FormatSpec, plan: PlanSpec, kernel: Kernel, readOpts: ReadOptions, say: (m: string) => void): Promise<void> {
  return withGradOf(plan.gradOutput, readOpts, say, async (gradFor: GradFor) => {
    const side = await computedSide(input, from, plan, kernel, readOpts, say, gradFor);
    const none: ArrayWriter = { begin() {}, write() {}, flush: async () => {}, end: async () => {} };
    for (const m of side.members) await side.read(m, none);
  });
}
