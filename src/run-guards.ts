/**
 * Checks on a single-file run's options, before anything is read or written:
 * combinations that would be silently ignored, and writes that would land on
 * a file the run reads (the --grad-output file is an input too).
 */
import { DactError } from "./errors.js";
import { Protected, STDIO } from "./io.js";
import { pendingPath } from "./pending.js";
import type { PlanSpec } from "./run/types.js";

export function checkSingleRun(plan: PlanSpec): void {
  if (plan.check && plan.output !== STDIO) throw new DactError("USAGE", "options --check and -o: found both; expected one (--check compares the result with the golden and writes no output; --pending or --update write the golden)");
  if (typeof plan.gradOutput !== "string" || plan.gradOutput === STDIO) return;
  const grads = new Protected();
  grads.add(plan.gradOutput, "gradient");
  if (plan.output !== STDIO) grads.check(plan.output, "-o");
  if (plan.check) {
    grads.check(plan.check.path, "--check");
    grads.check(pendingPath(plan.check.path), "--check's pending golden");
  }
}
