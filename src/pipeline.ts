import type { Activation, Params } from "./activations/types.js";
import { detectFormat, type Format } from "./formats/detect.js";
import { openInput, openOutput, type Input, type Output } from "./io.js";
import type { TransformContext } from "./formats/npy/codec.js";
import type { HeaderMode } from "./formats/csv/reader.js";

export interface DerivativePlan {
  /** CSV/TSV only: --delimiter (default: tab for .tsv/.tab, else comma) and --header/--no-header. */
  delimiter?: string | undefined;
  header?: HeaderMode | undefined;
  activation: Activation;
  params: Params;
  /** Input path or "-" for stdin. */
  input: string;
  /** Output path or "-" for stdout. */
  output: string;
  format?: Format | undefined;
  notice?: (message: string) => void;
}

type Transform = (input: Input, output: Output, ctx: TransformContext) => Promise<void>;

/** Codecs are loaded on first use, so start-up pays only for the one it needs. */
async function transformFor(format: Format, _name: string, plan: Omit<DerivativePlan, "input" | "output">): Promise<Transform> {
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

/**
 * source -> format reader -> kernel -> format writer -> sink. The output is
 * opened before any input is read (so an unwritable target fails first) and
 * committed only when the whole input was converted.
 */
export async function runDerivative(plan: DerivativePlan): Promise<void> {
  const input = await openInput(plan.input);
  const format = await detectFormat(input, plan.format);
  const transform = await transformFor(format, input.name, plan);
  const output = await openOutput(plan.output);
  await deriveStream(input, output, plan, format, transform);
}

/** The same, on an already opened Input and Output (library API, tests). */
export async function deriveStream(
  input: Input,
  output: Output,
  plan: Omit<DerivativePlan, "input" | "output">,
  format?: Format,
  transform?: Transform,
): Promise<void> {
  const fmt = format ?? (await detectFormat(input, plan.format));
  const run = transform ?? (await transformFor(fmt, input.name, plan));
  try {
    await run(input, output, {
      kernel: plan.activation.kernel(plan.params),
      signOnly: plan.activation.signOnly ?? false,
      notice: plan.notice ?? ((m) => process.stderr.write(m + "\n")),
    });
    await output.commit();
  } catch (err) {
    await output.abort();
    throw err;
  }
}
