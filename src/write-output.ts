/**
 * What `-o` writes for one opened input: the body of a run between opening
 * its output and committing it. A same-format run streams through the
 * format's own transform (which keeps the layout: line endings, comments,
 * header, labels, nesting, a table's keys), any other pair through the
 * array protocol; containers member by member (named.ts). Golden updates
 * (golden.ts) write through here too, so `--update` writes the bytes `-o`
 * writes (docs/golden.md).
 */
import type { Kernel } from "./activations/types.js";
import type { FormatSpec, ReadOptions } from "./formats/index.js";
import type { Input, Output } from "./io.js";
import { withGradStage } from "./grad.js";
import { withGradOf } from "./run/sources.js";
import { derive, reshapeWriter } from "./run/stages.js";
import type { PlanSpec } from "./run/types.js";

/** Writes the run's result for `input` (format `from`) into `output` as `to`; `readOpts.signOnly` is the activation's. */
export async function writeOutput(input: Input, from: FormatSpec, to: FormatSpec, output: Output, plan: PlanSpec, kernel: Kernel, readOpts: ReadOptions, say: (m: string) => void): Promise<void> {
  if (from.kind === "array" && to.kind === "array") {
    // --grad-output keeps the same-format transform where it keeps a layout the array path would drop (gradTransform).
    const sameLayout = to === from && plan.reshape === undefined && !(plan.dtype !== undefined && to.name === "npy") && (plan.gradOutput === undefined || (await from.gradTransform?.(input)) === true);
    if (sameLayout) {
      const transform = await from.transform(readOpts);
      const ctx = { kernel, signOnly: readOpts.signOnly ?? false, floatFormat: plan.floatFormat, notice: say, dtype: plan.dtype, compression: plan.compression };
      await withGradOf(plan.gradOutput, readOpts, say, (gradFor) => (gradFor ? withGradStage(gradFor(null), kernel, input.name, plan.dtype, (grad) => transform(input, output, { ...ctx, grad })) : transform(input, output, ctx)));
    } else {
      const writer = await to.writer(output, { delimiter: to === from ? plan.delimiter : undefined, decimal: plan.decimal, floatFormat: plan.floatFormat, dtype: plan.dtype, source: input.name, compression: plan.compression });
      await withGradOf(plan.gradOutput, readOpts, say, (gradFor) =>
        derive((sink, after) => from.read(input, readOpts, sink, after, say), reshapeWriter(writer, plan.reshape), gradFor?.(null) ?? null, { kernel, say, source: input.name, keepsHeader: to.keepsHeader, toName: to.name, dtype: plan.dtype }),
      );
    }
  } else {
    const { runNamed } = await import("./named.js");
    await runNamed(input, from, to, output, plan, kernel, readOpts, say);
  }
}
