/**
 * A run's results as arrays by name, for --check and golden updates: one
 * array under its input's stem, or each selected container member, times G
 * with --grad-output, streamed on demand (a side of a lockstep comparison,
 * compare-stream.ts).
 */
import type { Kernel } from "../activations/types.js";
import type { StreamSide } from "../compare-stream.js";
import type { ArrayWriter } from "../formats/array.js";
import type { FormatSpec, ReadOptions } from "../formats/index.js";
import { formatPrintf, type Printf } from "../formats/text/printf.js";
import { openContainer, selectMembers, stemOf } from "../formats/members.js";
import type { Input } from "../io.js";
import type { GradFor } from "./sources.js";
import { derive, reshapeWriter, type DeriveTarget } from "./stages.js";
import type { PlanSpec } from "./types.js";

/** The run's results as a side, each member streamed on demand (once) through `derive`. */
export async function computedSide(input: Input, from: FormatSpec, plan: PlanSpec, kernel: Kernel, readOpts: ReadOptions, say: (m: string) => void, gradFor: GradFor): Promise<StreamSide> {
  const name = `the result for ${input.name}`;
  // In memory, every header and label is kept: nothing is dropped, nothing to say but a text note.
  // --dtype rounds as the output's writer would (derive), and is the results' dtype.
  const target: DeriveTarget = { kernel, say, source: input.name, keepsHeader: true, toName: "memory", dtype: plan.dtype };
  if (from.kind === "container") {
    const reader = await openContainer(input, from);
    return {
      name,
      container: true,
      members: selectMembers(reader.members, plan.keys, input.name).map((m) => m.name),
      read: (m: string, w: ArrayWriter) => derive((sink, after) => reader.read(m, sink, after, say), asWritten(w, plan), gradFor?.(m) ?? null, target),
    };
  }
  return {
    name,
    container: false,
    members: [stemOf(input)],
    read: (_m: string, w: ArrayWriter) => derive((sink, after) => from.read(input, readOpts, sink, after, say), reshapeWriter(asWritten(w, plan), plan.reshape), gradFor?.(null) ?? null, target),
  };
}

/**
 * The results as the output would hold them (--check checks what -o would
 * have written, docs/golden.md): under --dtype the array's dtype is that
 * (the values are rounded to it in derive), and under --float-format each
 * value is what its text reads back as, the number a text golden holds.
 * Run-plan and pipeline rules make sure each option fits the golden's format.
 */
export function asWritten(w: ArrayWriter, plan: Pick<PlanSpec, "dtype" | "floatFormat">): ArrayWriter {
  const f = plan.floatFormat;
  const dtype = plan.dtype;
  if (!f && dtype === undefined) return w;
  let buf = new Float64Array(0);
  return {
    begin: (h) => w.begin(dtype === undefined ? h : { ...h, dtype, columnDtypes: undefined }),
    write(values, missing, n, extras) {
      if (!f) return w.write(values, missing, n, extras);
      if (buf.length < n) buf = new Float64Array(Math.max(n, 1024));
      for (let i = 0; i < n; i++) buf[i] = printedValue(values[i]!, f);
      w.write(buf, missing, n, extras);
    },
    flush: () => w.flush(),
    end: (shape) => w.end(shape),
  };
}

/** x as --float-format writes it, read back: finite values round to the text's digits; NaN and infinities stay. */
export function printedValue(x: number, f: Printf): number {
  if (!Number.isFinite(x)) return x;
  const v = Number(formatPrintf(x, f));
  return Number.isNaN(v) ? x : v;
}
