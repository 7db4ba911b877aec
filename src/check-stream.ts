/**
 * --check, streamed: the kernel's output for an input (one array, or each
 * selected container member; times G with --grad-output) as one side of a
 * lockstep comparison (compare-stream.ts) against the golden, never held
 * whole in memory.
 */
import type { Kernel } from "./activations/types.js";
import { compareSides, fileSide, type StreamSide } from "./compare-stream.js";
import type { NamedComparison, Tolerance, TolerancePolicy } from "./compare.js";
import type { ArrayWriter, FloatDType } from "./formats/array.js";
import type { Format, FormatSpec, ReadOptions } from "./formats/index.js";
import { goldenFormat } from "./output-ext.js";
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
      const dtypes = new Map<string, FloatDType>();
      const opts = goldenReadOptions(plan, from.name, goldenFormat(golden, plan.to, from.name), readOpts);
      // A golden in the input's text layout would repeat the input's notices (an index kept aside, text columns): said once.
      const expected = recordingDtypes(await fileSide(g, undefined, opts.notice ?? say, g.name, opts), dtypes);
      return dtypeVerdict(await compareSides(actual, expected, tolerance), plan.dtype, dtypes, expected);
    } finally {
      await g.close();
    }
  });
}

/**
 * How a golden is read: as the file -o would have written (docs/golden.md),
 * so that what `--update` writes reads back as the result. A CSV golden
 * written with --decimal "," is read with it. A golden in the input's own
 * text format keeps the input's layout (label and index columns, comment
 * lines, NA tokens, the header), so it is read with the input's reading
 * options (--index-col, --columns, --comment, --na-values, --header,
 * --delimiter); a CSV input's TSV golden (or the reverse) keeps the label
 * columns and NA tokens, and takes those options but the delimiter. Any
 * other golden is read as any file of its format. A --decimal given for a
 * CSV input only is harmless here: a golden in another format ignores it.
 */
export function goldenReadOptions(plan: Pick<PlanSpec, "decimal">, from?: Format, golden?: Format, input?: ReadOptions): ReadOptions {
  const base: ReadOptions = plan.decimal === undefined ? {} : { decimal: plan.decimal };
  if (!input || from === undefined || golden === undefined) return base;
  const quiet = () => {};
  if (golden === from && TEXT.includes(from)) return { ...input, ...base, signOnly: false, notice: quiet };
  if (CSV_LIKE.includes(from) && CSV_LIKE.includes(golden)) return { ...base, header: input.header, labels: input.labels, columns: input.columns, naValues: input.naValues, maxLine: input.maxLine, notice: quiet };
  return base;
}

const TEXT: readonly Format[] = ["csv", "tsv", "json", "jsonl"];
const CSV_LIKE: readonly Format[] = ["csv", "tsv"];

/** A side that records each array's dtype as its reader gives it. */
function recordingDtypes(side: StreamSide, into: Map<string, FloatDType>): StreamSide {
  return {
    ...side,
    read: (m, w) =>
      side.read(m, {
        begin: (h) => (into.set(m, h.dtype), w.begin(h)),
        write: (v, mm, n, x) => w.write(v, mm, n, x),
        flush: () => w.flush(),
        end: (shape) => w.end(shape),
      }),
  };
}

/**
 * --dtype under --check: -o would have stored that dtype, so a golden
 * array stored in another one differs even where its values pass (as
 * torch.testing.assert_close checks dtypes), and --update rewrites it.
 * Without --dtype only values are compared (a float32 golden may hold a
 * float64 result, within the tolerance).
 */
export function dtypeVerdict(c: NamedComparison, want: FloatDType | undefined, dtypes: ReadonlyMap<string, FloatDType>, golden: { name: string; container: boolean }): NamedComparison {
  if (want === undefined) return c;
  const parts: string[] = [];
  const keys = c.keys.map((k) => {
    const d = dtypes.get(k.key);
    if (k.status !== "ok" || d === undefined || d === want) return k;
    parts.push(`${golden.name}${golden.container ? ` [${k.key}]` : ""}: stored as ${d}; expected ${want} (--dtype ${want})\n`);
    return { ...k, status: "differs" as const };
  });
  if (parts.length === 0) return c;
  return { equal: false, text: [c.text, ...parts].filter((t) => t !== "").join("\n"), keys };
}

/** Runs the kernel over the input without keeping anything: its errors are the run's (a missing golden does not hide a bad input). */
export async function drainResults(input: Input, from: FormatSpec, plan: PlanSpec, kernel: Kernel, readOpts: ReadOptions, say: (m: string) => void): Promise<void> {
  return withGradOf(plan.gradOutput, readOpts, say, async (gradFor: GradFor) => {
    const side = await computedSide(input, from, plan, kernel, readOpts, say, gradFor);
    const none: ArrayWriter = { begin() {}, write() {}, flush: async () => {}, end: async () => {} };
    for (const m of side.members) await side.read(m, none);
  });
}
