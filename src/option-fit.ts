/**
 * Options that apply to some formats only: the CSV-reading options need
 * CSV/TSV input, --compress needs .npz output, --compression Parquet
 * output. Given where they cannot apply, they are a usage error, never
 * ignored (docs/formats.md, "Options that do not apply"). Decided as soon
 * as the formats are known: from the command line in planRun (--format,
 * -o's extension, --to, --check), after detection in the pipeline (one
 * input), after the walk in batch mode (every input of the run). Pure.
 */
import { DactError } from "./errors.js";
import type { Format } from "./formats/index.js";
import { notJsonNumber, type Printf } from "./formats/text/printf.js";
import type { PlanSpec } from "./run/types.js";

const CSV: readonly Format[] = ["csv", "tsv"];
const TEXT: readonly Format[] = ["csv", "tsv", "json", "jsonl"];

/** The options this module judges, as a PlanSpec carries them. */
export type FitOptions = Pick<PlanSpec, "delimiter" | "header" | "comment" | "naValues" | "decimal" | "labels" | "maxLine" | "compress" | "compression">;

export interface FitRule {
  /** The option as typed: --no-header, --index-col. */
  flag: string;
  /** The input formats it applies to (none: an output option). */
  inputs: readonly Format[];
  /** The output formats it applies to. */
  outputs: readonly Format[];
  /** What the error expects: "CSV/TSV input". */
  expected: string;
}

/** The options given, each with the formats it applies to, in the order of `dact <activation> --help`. */
export function givenRules(s: FitOptions): FitRule[] {
  const rules: FitRule[] = [];
  const add = (given: boolean, flag: string, inputs: readonly Format[], outputs: readonly Format[], expected: string) => {
    if (given) rules.push({ flag, inputs, outputs, expected });
  };
  add(s.compress === true, "--compress", [], ["npz"], ".npz output");
  add(s.compression !== undefined, "--compression", [], ["parquet"], "Parquet output (it is the Parquet page codec)");
  add(s.delimiter !== undefined, "--delimiter", CSV, [], "CSV/TSV input");
  // Read from CSV/TSV input, and written into CSV/TSV output.
  add(s.decimal !== undefined, "--decimal", CSV, CSV, "CSV/TSV input or output");
  add(s.comment !== undefined, "--comment", CSV, [], "CSV/TSV input");
  add(s.naValues !== undefined, "--na-values", CSV, [], "CSV/TSV input");
  add(s.labels !== undefined && s.labels !== "auto", "--index-col", TEXT, [], "CSV/TSV or JSON tables");
  add(s.header === "yes" || s.header === "no", s.header === "no" ? "--no-header" : "--header", CSV, [], "CSV/TSV input");
  add(s.maxLine !== undefined, "--max-line-size", TEXT, [], "CSV/TSV or JSON input");
  return rules;
}

/**
 * What is known of a run's formats: each input's and each output's, where
 * `undefined` is a format not known yet (it may fit any option), and
 * `outputs: null` a run that writes no output. A --check or --check-dir
 * run's outputs are its goldens (`goldens: true`): it checks what -o or
 * --out-dir would have written, and --update writes that
 * (docs/golden.md, "Options under --check").
 */
export interface RunFormats {
  inputs: readonly (Format | undefined)[] | "unknown";
  outputs: readonly (Format | undefined)[] | "unknown" | null;
  /** The outputs are goldens: the wording says "golden". */
  goldens?: boolean | undefined;
}

/**
 * Batch mode's further rules: options a single run refuses file by file
 * with their own wording (pipeline.ts), which a batch leaves out for the
 * files they do not fit (fitToFile) and refuses only when they fit none.
 */
export function batchRules(s: { floatFormat?: unknown; dtype?: unknown; columns?: readonly unknown[] | undefined; keys?: readonly unknown[] | undefined }): FitRule[] {
  const rules: FitRule[] = [];
  if (s.floatFormat) rules.push({ flag: "--float-format", inputs: [], outputs: TEXT, expected: "CSV, TSV or JSON output" });
  if (s.dtype !== undefined) rules.push({ flag: "--dtype", inputs: [], outputs: ["npy", "npz", "safetensors", "parquet", "arrow", "arrows"], expected: ".npy, .npz, .safetensors, Parquet or Arrow output" });
  if (s.columns?.length) rules.push({ flag: "--columns", inputs: TEXT, outputs: [], expected: "CSV/TSV input or pandas JSON tables" });
  if (s.keys?.length) rules.push({ flag: "--key", inputs: ["npz", "safetensors"], outputs: [], expected: ".npz or .safetensors input" });
  return rules;
}

export function fits(rule: FitRule, formats: RunFormats): boolean {
  const any = (list: RunFormats["inputs"] | null, wanted: readonly Format[]) => wanted.length > 0 && list !== null && (list === "unknown" || list.some((f) => f === undefined || wanted.includes(f)));
  return any(formats.inputs, rule.inputs) || any(formats.outputs, rule.outputs);
}

/** The first given option that applies to none of the run's formats, or null. */
export function unfitRule(s: FitOptions, formats: RunFormats): FitRule | null {
  return givenRules(s).find((r) => !fits(r, formats)) ?? null;
}

/** What a misfit found, for the message: "a.npy is npy", "npy output", "--check, which writes no output". */
export function foundText(rule: FitRule, formats: RunFormats, one?: { input: string; format: Format; output: Format | null }): string {
  const outputOnly = rule.inputs.length === 0;
  const out = formats.goldens ? "golden" : "output";
  if (one) {
    if (outputOnly || (rule.outputs.length && rule.inputs.includes(one.format))) return one.output === null ? "found with --check, which writes no output" : `the ${out} is ${one.output}`;
    return `${one.input} is ${one.format}${rule.outputs.length && one.output ? ` and the ${out} ${one.output}` : ""}`;
  }
  if (formats.outputs === null && outputOnly) return "found with --check or --check-dir, which write no output";
  const list = (l: readonly (Format | undefined)[]) => [...new Set(l)].filter((f) => f !== undefined).join(", ");
  const ins = formats.inputs === "unknown" ? "" : list(formats.inputs);
  const outs = formats.outputs === null || formats.outputs === "unknown" ? "" : list(formats.outputs);
  if (outputOnly) return `found ${outs} ${out}`;
  return `found ${ins} input${rule.outputs.length && outs ? ` and ${outs} ${out}` : ""}`;
}

/** One input, its format detected: a format-bound option that cannot apply is a usage error (before any output is opened). `golden`: the output is --check's golden. */
export function checkOneRun(s: FitOptions, input: string, format: Format, output: Format | null, golden = false): void {
  const formats: RunFormats = { inputs: [format], outputs: output === null ? null : [output], goldens: golden };
  const rule = unfitRule(s, formats);
  if (rule) throw new DactError("USAGE", `option ${rule.flag}: ${foundText(rule, formats, { input, format, output })}; expected it only with ${rule.expected}`);
}

/** The single-array formats whose files store a dtype (--dtype); containers all do. */
const DTYPED: readonly Format[] = ["npy", "parquet", "arrow", "arrows"];
const TABLE: readonly Format[] = ["parquet", "arrow", "arrows"];

/**
 * One run's options that shape the written numbers, against the format
 * they are written in: -o's, or the golden's under --check (which checks
 * what -o would have written, and writes that under --update). A batch
 * leaves them out for the files they do not fit (pipeline.fitToFile) and
 * refuses them only when they fit none (batchRules).
 */
export function checkWriteFit(s: { floatFormat?: Printf | null | undefined; dtype?: string | undefined }, to: Format, container: boolean, golden: string | null): void {
  const what = golden === null ? `${to} output` : `the golden ${golden} is ${to}, which`;
  if (s.floatFormat && !TEXT.includes(to)) throw new DactError("USAGE", `option --float-format: ${what} holds binary numbers; expected --float-format with CSV, TSV or JSON output`);
  // JSON output refuses such a format in its writer; a golden is refused before anything is read.
  const notJson = s.floatFormat && golden !== null && (to === "json" || to === "jsonl") ? notJsonNumber(s.floatFormat) : null;
  if (notJson !== null) throw new DactError("USAGE", `option --float-format: found ${JSON.stringify(s.floatFormat!.text)} for the JSON golden ${golden}; expected a format whose output is a JSON number (${notJson})`);
  if (s.dtype !== undefined && !container && !DTYPED.includes(to)) throw new DactError("USAGE", `option --dtype: ${what} has no dtype; expected --dtype with .npy, .npz, .safetensors, Parquet or Arrow output`);
  if (s.dtype === "bf16" && TABLE.includes(to)) throw new DactError("USAGE", `option --dtype: ${golden === null ? to : `the golden ${golden} is ${to}, which`} has no bfloat16 type; expected f2, f4 or f8`);
}
