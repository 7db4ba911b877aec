import { findActivation } from "./activations/registry.js";
import type { Activation, Params } from "./activations/types.js";
import type { Tolerance } from "./compare.js";
import { DactError } from "./errors.js";
import { detectFormat, formatFromPath, type Format } from "./formats/detect.js";
import type { HeaderMode } from "./formats/csv/reader.js";
import type { TransformContext } from "./formats/context.js";
import { openInput, openOutput, type Input, type Output } from "./io.js";
import type { FloatDType } from "./matrix.js";

/**
 * Everything one run needs, as plain data (it crosses to batch workers):
 * the activation by name with checked parameters, where to read and write,
 * and how.
 */
export interface PlanSpec {
  activation: string;
  params: Params;
  /** Input path or "-" for stdin. */
  input: string;
  /** Output path or "-" for stdout. */
  output: string;
  format?: Format | undefined;
  /** CSV/TSV: --delimiter (default: tab for .tsv/.tab, else comma) and --header/--no-header. */
  delimiter?: string | undefined;
  header?: HeaderMode | undefined;
  /** --to: the output format, when not the input's. */
  to?: Format | undefined;
  /** --dtype: the .npy output dtype. */
  dtype?: FloatDType | undefined;
  /** --reshape: a numpy-style shape for the result (one -1 allowed). */
  reshape?: number[] | undefined;
  /** --check: compare with this golden file instead of writing. */
  check?: { path: string; tolerance: Tolerance } | undefined;
  /** Called with the input size and as bytes are read (progress bars). */
  progress?: ((read: number, total: number) => void) | undefined;
}

export interface RunResult {
  /** 0, or 1 when --check found differences. */
  status: number;
  /** The --check report, when there is one. */
  report?: string;
}

type Transform = (input: Input, output: Output, ctx: TransformContext) => Promise<void>;

/** Codecs are loaded on first use, so start-up pays only for the one it needs. */
async function transformFor(format: Format, plan: Pick<PlanSpec, "delimiter" | "header">): Promise<Transform> {
  switch (format) {
    case "npy":
      return (await import("./formats/npy/codec.js")).transformNpy;
    case "csv":
    case "tsv": {
      const { transformCsv } = await import("./formats/csv/codec.js");
      const delimiter = plan.delimiter ?? (format === "tsv" ? "\t" : ",");
      return (i, o, c) => transformCsv(i, o, c, { delimiter, header: plan.header ?? "auto" });
    }
    case "json":
    case "jsonl": {
      const { transformJson } = await import("./formats/json/codec.js");
      return (i, o, c) => transformJson(i, o, c, format === "jsonl");
    }
  }
}

function activationOf(name: string): Activation {
  const act = findActivation(name);
  if (!act) throw new DactError("USAGE", `unknown activation ${JSON.stringify(name)}; expected one of dact list`);
  return act;
}

const notice = (m: string) => process.stderr.write(m + "\n");

/**
 * source -> format reader -> kernel -> format writer -> sink. Same-format
 * runs stream; conversions (--to, --reshape, --dtype) and --check read the
 * whole matrix. The output is opened before any input is read, so an
 * unwritable target fails first, and is committed only on success.
 */
export async function runDerivative(plan: PlanSpec, say: (m: string) => void = notice): Promise<RunResult> {
  const act = activationOf(plan.activation);
  const input = await openInput(plan.input, plan.progress);
  const format = await detectFormat(input, plan.format);
  const to = plan.to ?? format;
  const convert = to !== format || plan.reshape !== undefined || (plan.dtype !== undefined && to === "npy");
  if (!plan.check && !convert) {
    const transform = await transformFor(format, plan);
    const output = await openOutput(plan.output);
    await deriveStream(input, output, { activation: act, params: plan.params, notice: say }, format, transform);
    return { status: 0 };
  }
  // The in-memory paths, loaded only when used (start-up matters in pipelines).
  const { readMatrix, reshape, writeMatrix, deriveMatrix } = await import("./matrix.js");
  if (plan.check) {
    const { compareMatrices, formatComparison } = await import("./compare.js");
    const m = deriveMatrix(await readMatrix(input, format, plan), act, plan.params);
    const goldenInput = await openInput(plan.check.path);
    const golden = await readMatrix(goldenInput, await detectFormat(goldenInput));
    const c = compareMatrices(m, golden, plan.check.tolerance, { actual: `the result for ${input.name}`, expected: goldenInput.name });
    return c.equal ? { status: 0 } : { status: 1, report: formatComparison(c, plan.check.tolerance) };
  }
  const output = await openOutput(plan.output);
  try {
    let m = deriveMatrix(await readMatrix(input, format, plan), act, plan.params);
    if (plan.reshape) m = reshape(m, plan.reshape);
    const delimiter = to === format ? plan.delimiter : undefined;
    await writeMatrix(m, output, to, { dtype: plan.dtype, delimiter, source: input.name, notice: say });
    await output.commit();
  } catch (err) {
    await output.abort();
    throw err;
  }
  return { status: 0 };
}

/** The streaming path on an already opened Input and Output (library API, tests). */
export async function deriveStream(
  input: Input,
  output: Output,
  plan: { activation: Activation; params: Params; format?: Format | undefined; delimiter?: string | undefined; header?: HeaderMode | undefined; notice?: (m: string) => void },
  format?: Format,
  transform?: Transform,
): Promise<void> {
  const fmt = format ?? (await detectFormat(input, plan.format));
  const run = transform ?? (await transformFor(fmt, plan));
  try {
    await run(input, output, {
      kernel: plan.activation.kernel(plan.params),
      signOnly: plan.activation.signOnly ?? false,
      notice: plan.notice ?? notice,
    });
    await output.commit();
  } catch (err) {
    await output.abort();
    throw err;
  }
}

/** The output file name for an input in batch mode: its base name, with the new extension under --to. */
export function batchOutputName(input: string, to: Format | undefined): string {
  const base = input.split(/[\\/]/).pop()!;
  if (!to) return base;
  const ext = formatFromPath(base) ? base.slice(base.lastIndexOf(".")) : "";
  const stem = ext ? base.slice(0, -ext.length) : base;
  return `${stem}.${to === "jsonl" ? "jsonl" : to}`;
}
