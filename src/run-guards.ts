/**
 * Checks on a single-file run, before anything is read or written: writes
 * that would land on a file the run reads (the --grad-output file is an
 * input too). Rules between options are src/run-plan.ts's.
 */
import { Protected, STDIO } from "./io.js";
import { pendingPath } from "./pending.js";
import type { PlanSpec } from "./run/types.js";

export function checkSingleRun(plan: PlanSpec): void {
  if (typeof plan.gradOutput !== "string" || plan.gradOutput === STDIO) return;
  const grads = new Protected();
  grads.add(plan.gradOutput, "gradient");
  if (plan.output !== STDIO) grads.check(plan.output, "-o");
  if (plan.check) {
    grads.check(plan.check.path, "--check");
    grads.check(pendingPath(plan.check.path), "--check's pending golden");
  }
}
