import { findActivation } from "./activations/registry.js";
import type { Activation, Params } from "./activations/types.js";
import { parallelKernel, threadCount } from "./parallel.js";
import { setTextThreads } from "./text-parallel.js";
import { float32Kernel, withFloat32 } from "./wasm/index.js";
import { DactError } from "./errors.js";
import { checkOneRun, checkWriteFit } from "./option-fit.js";
import { goldenFormat } from "./output-ext.js";
import { arrayFormat, detectFormat, formatFromPath, formatSpec, type Format, type ReadOptions } from "./formats/index.js";
import type { HeaderMode } from "./formats/csv/reader.js";
import { STDIO, type Input, type Output } from "./io.js";
import { commitOrAbort, openSink, openSource } from "./run/sources.js";
import { TABLES } from "./run/stages.js";
import type { PlanSpec, RunResult } from "./run/types.js";
import { writeOutput } from "./write-output.js";

export type { PlanSpec, RunResult } from "./run/types.js";
// Moved to run/sources.ts; re-exported for callers not yet moved (lower layers import them from there: test/no-cycles.test.ts).
export { commitOrAbort, openSink, openSource } from "./run/sources.js";

function activationOf(name: string): Activation {
  const act = findActivation(name);
  if (!act) throw new DactError("USAGE", `unknown activation ${JSON.stringify(name)}; expected one of dact list`);
  return act;
}

const notice = (m: string) => process.stderr.write(m + "\n");

/** The single-array formats that store a dtype (--dtype). */
const DTYPED: readonly Format[] = ["npy", ...TABLES];

/**
 * The output format: --to, else the -o extension, else the input's. --to
 * that names another format than the -o extension is a usage error.
 */
export function outputFormat(plan: Pick<PlanSpec, "to" | "output">, input: Format): Format {
  const byExt = plan.output !== STDIO ? formatFromPath(plan.output) : undefined;
  if (plan.to && byExt && plan.to !== byExt) {
    throw new DactError("USAGE", `options --to ${plan.to} and -o ${plan.output}: found two different output formats; expected one (drop --to, or give -o a ${formatSpec(plan.to).extensions[0]} name)`);
  }
  return plan.to ?? byExt ?? input;
}

/** The format a run writes: the output's, or under --check the golden's (output-ext.goldenFormat). */
function writtenFormat(plan: PlanSpec, input: Format): Format {
  return plan.check ? goldenFormat(plan.check.path, plan.to, input) : outputFormat(plan, input);
}

/**
 * Batch mode: an option that fits some files of the run (checkBatchFit
 * refuses one that fits none) is left out for a file it does not fit, as
 * the CSV-reading options are for a .npy: --columns on arrays without
 * named columns or on typed tables, --key on a single array,
 * --float-format into binary numbers, --dtype into text (the output's
 * format, or under --check-dir the golden's).
 */
function fitToFile(plan: PlanSpec, format: Format): PlanSpec {
  const from = formatSpec(format);
  const out = formatSpec(writtenFormat(plan, format));
  return {
    ...plan,
    columns: plan.columns?.length && (from.kind === "container" || from.name === "npy" || TABLES.includes(from.name)) ? undefined : plan.columns,
    keys: plan.keys?.length && from.kind !== "container" ? undefined : plan.keys,
    floatFormat: plan.floatFormat && !["csv", "tsv", "json", "jsonl"].includes(out.name) ? undefined : plan.floatFormat,
    dtype: plan.dtype !== undefined && out.kind === "array" && !DTYPED.includes(out.name) ? undefined : plan.dtype,
  };
}

/** openSource's words for a folder. */
const FOLDER = "is a folder; expected a file";

/** Outputs formatted as text (see runDerivative's kernel threads). */
const TEXT_OUT: readonly Format[] = ["csv", "tsv", "json", "jsonl"];

/**
 * source -> format reader -> kernel -> format writer -> sink, for one
 * input. A run whose output format is its input's streams through the
 * format's own transform, which keeps the layout (line endings, header,
 * nesting); any other pair streams through the array protocol (any reader
 * into any writer). The output is opened before any input is read, so an
 * unwritable target fails first, and is committed only on success.
 */
export async function runDerivative(plan: PlanSpec, say: (m: string) => void = notice, defer?: (commit: Promise<void>) => void): Promise<RunResult> {
  const act = activationOf(plan.activation);
  const input = await openSource(plan.input, plan.progress).catch((err: unknown) => {
    // A folder as the input is what batch mode takes: say so (the user likely meant it).
    if (err instanceof DactError && err.code === "OPEN" && err.detail === FOLDER) throw new DactError("OPEN", `${FOLDER} (for every file in a folder, pass --out-dir DIR, or --check-dir DIR for goldens)`, err.file, err.position);
    throw err;
  });
  try {
    const format = await detectFormat(input, plan.format);
    const from = formatSpec(format);
    const threads = threadCount(plan.threads);
    setTextThreads(threads);
    // float32 in and out has a SIMD form (src/wasm), found by float32Of(kernel).
    const base = act.kernel(plan.params);
    const k32 = float32Kernel(act, plan.params, base);
    if (plan.fitChecked) plan = fitToFile(plan, format);
    const readOpts: ReadOptions = { delimiter: plan.delimiter, header: plan.header, signOnly: act.signOnly ?? false, maxLine: plan.maxLine, decimal: plan.decimal, comment: plan.comment, naValues: plan.naValues, labels: plan.labels, columns: plan.columns, notice: say };
    if (plan.columns?.length && (from.kind === "container" || from.name === "npy")) throw new DactError("USAGE", `option --columns: ${input.name} is ${from.name}, arrays without named columns; expected a CSV/TSV file or a pandas JSON table`);
    // Parquet and Arrow columns are typed: the numeric ones are differentiated, the others pass through.
    if (TABLES.includes(from.name) && (plan.columns?.length || (plan.labels !== undefined && plan.labels !== "auto"))) throw new DactError("USAGE", `option ${plan.columns?.length ? "--columns" : "--index-col"}: ${input.name} is ${from.name}, whose typed columns decide (numeric ones are differentiated, the others pass through); expected it with CSV/TSV or JSON tables`);
    if (plan.keys?.length && from.kind !== "container") throw new DactError("USAGE", `option --key: ${input.name} is ${from.name}, one array without names; expected --key only with .npz or .safetensors input`);
    // --check GOLDEN checks what -o GOLDEN would have written: the golden's format takes the output's place in every rule.
    const to = formatSpec(writtenFormat(plan, format));
    if (!plan.fitChecked) checkOneRun(plan, input.name, format, to.name, plan.check !== undefined);
    checkWriteFit(plan, to.name, to.kind === "container", plan.check ? plan.check.path : null);
    // Text output is formatted by a text helper while this thread reads and computes the next batch
    // (text-parallel.ts): that helper keeps its core, and the kernel splits over the others (on 2 cores,
    // none: sigmoid CSV on 2 threads took 0.82 s with a kernel helper, 0.72 s without; the kernel is a
    // tenth of formatting's time). Every other output splits the kernel over every thread.
    const kernelThreads = TEXT_OUT.includes(to.name) ? Math.max(1, threads - 1) : threads;
    const kernel = withFloat32(parallelKernel(act, plan.params, base, kernelThreads), k32 && parallelKernel(act, plan.params, k32, kernelThreads, true));
    if (plan.check) {
      const { checkGolden } = await import("./golden.js");
      return await checkGolden(input, from, plan, kernel, readOpts, say);
    }
    const output = await openSink(plan.output, { force: plan.force, noFollow: plan.noFollow, tempName: plan.tempName, notice: say, fsync: plan.fsync, syncFolder: plan.syncFolder, defer });
    await commitOrAbort(output, () => writeOutput(input, from, to, output, plan, kernel, readOpts, say));
    // Empty input is valid, but an empty stdin (cron, CI, xargs with nothing
    // piped) replacing a file that had content is worth a word.
    if (input.path === STDIO && input.bytesRead === 0 && (output.replacedSize ?? -1) > 0) {
      say(`dact: ${plan.output}: replaced ${output.replacedSize} bytes with the result of an empty stdin`);
    }
    return { status: 0 };
  } finally {
    await input.close();
  }
}

/** The same-format streaming path on an already opened Input and Output (tests). */
export async function deriveStream(
  input: Input,
  output: Output,
  plan: { activation: Activation; params: Params; format?: Format | undefined; delimiter?: string | undefined; header?: HeaderMode | undefined; maxLine?: number | undefined; notice?: (m: string) => void },
  format?: Format,
): Promise<void> {
  const spec = arrayFormat(format ?? (await detectFormat(input, plan.format)));
  const transform = await spec.transform({ delimiter: plan.delimiter, header: plan.header, maxLine: plan.maxLine });
  await commitOrAbort(output, () =>
    transform(input, output, {
      kernel: plan.activation.kernel(plan.params),
      signOnly: plan.activation.signOnly ?? false,
      notice: plan.notice ?? notice,
    }),
  );
}

/** The output file name for an input in batch mode: its base name, with the new extension under --to. */
export function batchOutputName(input: string, to: Format | undefined): string {
  const base = input.split(/[\\/]/).pop()!;
  if (!to) return base;
  const ext = formatFromPath(base) ? base.slice(base.lastIndexOf(".")) : "";
  const stem = ext ? base.slice(0, -ext.length) : base;
  return `${stem}${formatSpec(to).extensions[0]}`;
}
