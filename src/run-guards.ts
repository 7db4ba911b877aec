/**
 * Checks on a single-file run, before anything is read or written: writes
 * that would land on a file the run reads. The input and the --grad-output
 * file are inputs: no golden update, pending golden (NAME.new.EXT, which
 * --pending writes and a passing check removes) or --report may be one of
 * them, by device and inode or real path, as batch mode refuses; -o may be
 * the input (an in-place run), never the gradient. Rules
 * between options are src/run-plan.ts's.
 */
import { notRegularAt, Protected, STDIO } from "./io.js";
import { pendingPath } from "./pending.js";
import type { PlanSpec } from "./run/types.js";

/** The files a single run reads: its input and its gradient file (not stdin). */
export function singleRunInputs(plan: Pick<PlanSpec, "input" | "gradOutput">): Protected {
  const g = new Protected();
  if (plan.input !== STDIO) g.add(plan.input, "input");
  if (typeof plan.gradOutput === "string" && plan.gradOutput !== STDIO) g.add(plan.gradOutput, "gradient");
  return g;
}

export function checkSingleRun(plan: PlanSpec): void {
  const inputs = singleRunInputs(plan);
  // -o may name the input itself (written atomically: the input is read
  // whole before the rename), as sponge does; never the gradient.
  if (plan.output !== STDIO) singleRunInputs({ input: STDIO, gradOutput: plan.gradOutput }).check(plan.output, "-o");
  if (plan.check) {
    // A FIFO or device as the golden (or its pending file) is refused at
    // once, as --check-dir does, never opened and waited on.
    const of = `the golden of ${plan.input === STDIO ? "<stdin>" : plan.input}`;
    const bad = notRegularAt(plan.check.path, of) ?? (plan.check.update === "pending" ? notRegularAt(pendingPath(plan.check.path), `the pending file of ${of}`) : null);
    if (bad) throw bad;
    if ((plan.check.update ?? "off") !== "off") inputs.check(plan.check.path, "--check");
    inputs.check(pendingPath(plan.check.path), "--check's pending golden");
  }
}
