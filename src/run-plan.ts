/**
 * The command line of `dact <activation>`, after commander, turned into a
 * run of one kind: one file (`single`), `--out-dir` (`batch`) or
 * `--check-dir`. Every rule that ties options together lives here, in the
 * order the CLI has always applied them, so that the first usage error a
 * command line meets is the same as before. Pure: no file is read; the
 * environment (CI, DACT_UPDATE), the terminal and the core count come in
 * through `RunContext`.
 */
import { resolveParams, camel } from "./activations/registry.js";
import type { Activation } from "./activations/types.js";
import type { TolerancePolicy } from "./compare.js";
import { DactError } from "./errors.js";
import type { FloatDType } from "./formats/array.js";
import type { ColumnSpec } from "./formats/csv/reader.js";
import type { Format } from "./formats/index.js";
import type { Printf } from "./formats/text/printf.js";
import type { BatchOptions } from "./batch.js";
import { isCI, updateMode, type ReportSpec } from "./golden.js";
import { STDIO } from "./io.js";
import { checkOutputExtension } from "./output-ext.js";
import { foundText, unfitRule, type RunFormats } from "./option-fit.js";
import { formatFromPath } from "./formats/index.js";
import type { PlanSpec } from "./pipeline.js";

/** What commander hands the action, after the parsers in options.ts. */
export interface ActivationOpts {
  output: string;
  format?: Format;
  to?: Format;
  dtype?: FloatDType;
  reshape?: number[];
  delimiter?: string;
  header?: boolean;
  outDir?: string;
  jobs?: number;
  check?: string;
  checkDir?: string;
  update?: boolean | string;
  tolerance: "numpy" | "torch";
  report: ReportSpec[];
  rtol?: number;
  atol?: number;
  ulp?: number;
  pending?: boolean;
  prune?: boolean;
  quiet?: boolean;
  progress?: boolean;
  force?: boolean;
  fsync?: boolean;
  threads?: number;
  maxLineSize?: number;
  decimal?: "." | ",";
  floatFormat?: Printf | null;
  comment?: string;
  naValues?: string[];
  indexCol?: (number | string)[] | "none";
  columns?: ColumnSpec;
  include: string[];
  exclude: string[];
  key: string[];
  compress?: boolean;
  compression?: "snappy" | "gzip" | "none";
  gradOutput?: string | number;
  order?: string;
  gradOutputDir?: string;
  keepPaths?: boolean;
  skipExisting?: boolean;
  log?: string;
  resume?: string;
  shard?: { index: number; count: number };
  summary: "text" | "json";
  [param: string]: unknown;
}

/** What a plan may depend on besides the command line. */
export interface RunContext {
  /** CI and DACT_UPDATE. */
  env: NodeJS.ProcessEnv;
  /** Whether stderr is a terminal (the progress bar's default). */
  stderrIsTTY: boolean;
  /** availableParallelism(): --jobs' default and its cap. */
  cores: number;
}

/** A run's options shared by every input: everything of PlanSpec but the input and output paths. */
export type BaseSpec = Omit<PlanSpec, "input" | "output">;

/**
 * The run a command line asks for. Each kind carries the options it uses
 * and no others (--jobs means nothing to `single`, -o nothing to batches).
 */
export type RunPlan =
  /** One input (a file or stdin) to one output or one --check golden. */
  | { kind: "single"; spec: PlanSpec; reports: ReportSpec[]; showProgress: boolean; forceProgress: boolean; quiet: boolean }
  /** --out-dir: every input (files, walked folders) to a file below it. */
  | { kind: "batch"; inputs: string[]; base: BaseSpec; batch: BatchOptions; showProgress: boolean; quiet: boolean; summary: "text" | "json" }
  /** --check-dir: every input checked against the golden at the same relative path below it. */
  | { kind: "check-dir"; inputs: string[]; base: BaseSpec & { check: NonNullable<PlanSpec["check"]> }; batch: BatchOptions; reports: ReportSpec[]; prune: boolean; quiet: boolean; summary: "text" | "json" };

/** Files processed in parallel at most, whatever --jobs says: more workers than this only cost memory. */
export function jobsCap(cores: number): number {
  return Math.max(1, 4 * cores);
}

/**
 * Every cross-option rule, in the order the CLI applies them; throws the
 * first usage error. `given(name)`: whether an option with a default
 * (--tolerance, --summary) was typed (commander's value source); by
 * default, whether its value is not the default.
 */
export function planRun(act: Activation, inputs: readonly string[], opts: ActivationOpts, ctx: RunContext, given: (name: "tolerance" | "summary") => boolean = (n) => opts[n] !== DEFAULTS[n]): RunPlan {
  const raw: Record<string, string | undefined> = {};
  for (const p of act.params) raw[p.flag] = opts[camel(p.flag)] as string | undefined;
  raw["order"] = opts.order;
  const update = () => updateMode(opts.pending ? "pending" : opts.update, ctx.env);
  const base: BaseSpec = {
    activation: act.name,
    params: resolveParams(act, raw),
    format: opts.format,
    to: opts.to,
    dtype: opts.dtype,
    reshape: opts.reshape,
    delimiter: opts.delimiter,
    header: opts.header === undefined ? "auto" : opts.header ? "yes" : "no",
    force: opts.force,
    fsync: opts.fsync === false ? false : undefined,
    threads: opts.threads,
    maxLine: opts.maxLineSize,
    keys: opts.key.length ? opts.key : undefined,
    gradOutput: opts.gradOutput,
    compress: opts.compress,
    compression: opts.compression,
    decimal: opts.decimal,
    floatFormat: opts.floatFormat,
    comment: opts.comment,
    naValues: opts.naValues,
    labels: opts.indexCol,
    columns: opts.columns,
    check: opts.check !== undefined ? { path: opts.check, tolerance: tolerancePolicy(opts), update: update() } : undefined,
  };
  const quiet = opts.quiet === true;
  const showProgress = opts.progress === true || (ctx.stderrIsTTY && !quiet);
  // --grad-output and --grad-output-dir.
  if (opts.gradOutputDir !== undefined && opts.gradOutput !== undefined) throw new DactError("USAGE", "options --grad-output and --grad-output-dir: found both; expected one");
  if (opts.gradOutputDir !== undefined && opts.outDir === undefined && opts.checkDir === undefined) throw new DactError("USAGE", "option --grad-output-dir: found without --out-dir or --check-dir; expected it only in batch mode");
  // stdin can be read once: one G for many inputs must be a file, and G cannot share stdin with the input.
  if (opts.gradOutput === STDIO && (opts.outDir !== undefined || opts.checkDir !== undefined || inputs.length > 1)) throw new DactError("USAGE", "option --grad-output -: found in batch mode; expected a file (stdin is read once, and every input needs G) or --grad-output-dir");
  if (opts.gradOutput === STDIO && (inputs.length === 0 || inputs[0] === STDIO)) throw new DactError("USAGE", "option --grad-output -: found with the input on stdin too; expected one of them in a file");
  // --update, --report, --pending and --prune: with what they need, and never under CI.
  if (opts.update !== undefined && opts.update !== true && opts.update !== "force") throw new DactError("USAGE", `option --update: found ${JSON.stringify(opts.update)}; expected --update or --update=force`);
  if ((opts.update !== undefined || opts.report.length) && opts.check === undefined && opts.checkDir === undefined) throw new DactError("USAGE", `option ${opts.update !== undefined ? "--update" : "--report"}: found without --check or --check-dir; expected one of them`);
  const ci = isCI(ctx.env);
  if (opts.pending && opts.check === undefined && opts.checkDir === undefined) throw new DactError("USAGE", "option --pending: found without --check or --check-dir; expected one of them");
  if (opts.pending && opts.update !== undefined) throw new DactError("USAGE", "options --pending and --update: found both; expected one (pending goldens leave the golden alone)");
  if (opts.pending && ci) throw new DactError("USAGE", "option --pending: CI is set; expected pending goldens to be written outside CI only");
  if (opts.prune && opts.checkDir === undefined) throw new DactError("USAGE", "option --prune: found without --check-dir; expected it only with --check-dir");
  if (opts.prune && ci) throw new DactError("USAGE", "option --prune: CI is set; expected obsolete goldens to be removed outside CI only");
  if (opts.prune && opts.shard) throw new DactError("USAGE", "options --prune and --shard: found both; expected --prune on an unsharded run (a shard cannot tell another shard's goldens from obsolete ones)");
  // --tolerance, --rtol, --atol, --ulp: only a check compares.
  if (opts.check === undefined && opts.checkDir === undefined) {
    const tol = [given("tolerance") && "--tolerance", opts.rtol !== undefined && "--rtol", opts.atol !== undefined && "--atol", opts.ulp !== undefined && "--ulp"].find((f) => f);
    if (tol) throw new DactError("USAGE", `option ${tol}: found without --check or --check-dir; expected one of them`);
  }
  const jobs = Math.min(opts.jobs ?? ctx.cores, jobsCap(ctx.cores));
  // --check-dir: alone, with inputs; --skip-existing and --resume are refused.
  if (opts.checkDir !== undefined) {
    if (opts.outDir !== undefined || opts.check !== undefined || opts.output !== STDIO) throw new DactError("USAGE", "option --check-dir: found with -o, --out-dir or --check; expected it alone");
    if (inputs.length === 0) throw new DactError("USAGE", "--check-dir: found no inputs; expected input files or folders");
    // A check compares every input on every run (its report is the whole verdict): nothing to skip or resume.
    const noCheckSkip = opts.skipExisting ? "--skip-existing" : opts.resume !== undefined ? "--resume" : null;
    if (noCheckSkip) throw new DactError("USAGE", `option ${noCheckSkip}: found with --check-dir; expected it only with --out-dir (a check compares every input on every run)`);
    const batch: BatchOptions = { outDir: opts.checkDir, jobs, to: opts.to, include: opts.include, exclude: opts.exclude, keepPaths: opts.keepPaths === true, skipExisting: false, log: opts.log, resume: undefined, shard: opts.shard, gradDir: opts.gradOutputDir };
    const check = { path: "", tolerance: tolerancePolicy(opts), update: update() };
    checkFit(base, { inputs: opts.format ? [opts.format] : "unknown", outputs: null });
    return { kind: "check-dir", inputs: [...inputs], base: { ...base, check, fitChecked: true }, batch, reports: opts.report, prune: opts.prune === true, quiet, summary: opts.summary };
  }
  // --out-dir, or more than one input: a batch.
  if (inputs.length > 1 || opts.outDir !== undefined) {
    if (opts.outDir === undefined) throw new DactError("USAGE", `found ${inputs.length} inputs; expected --out-dir DIR to write them to (dact does not concatenate outputs)`);
    if (opts.output !== STDIO) throw new DactError("USAGE", "options -o and --out-dir: found both; expected one");
    if (base.check) throw new DactError("USAGE", "options --check and --out-dir: found both; expected one");
    if (inputs.length === 0) throw new DactError("USAGE", "--out-dir: found no inputs; expected one or more input files or folders");
    const batch: BatchOptions = { outDir: opts.outDir, jobs, to: opts.to, include: opts.include, exclude: opts.exclude, keepPaths: opts.keepPaths === true, skipExisting: opts.skipExisting === true, log: opts.log, resume: opts.resume, shard: opts.shard, gradDir: opts.gradOutputDir };
    // Each output is --to's format, else its input's.
    const out = opts.to ?? opts.format;
    checkFit(base, { inputs: opts.format ? [opts.format] : "unknown", outputs: out ? [out] : "unknown" });
    return { kind: "batch", inputs: [...inputs], base: { ...base, fitChecked: true }, batch, showProgress, quiet, summary: opts.summary };
  }
  // One input: no batch option, a known -o extension, and --check writes no -o.
  const batchOnly = (["include", "exclude"] as const).filter((k) => opts[k].length > 0).map((k) => `--${k}`).concat(opts.keepPaths ? ["--keep-paths"] : [], opts.skipExisting ? ["--skip-existing"] : [], opts.log ? ["--log"] : [], opts.resume ? ["--resume"] : [], opts.shard ? ["--shard"] : [], opts.jobs !== undefined ? ["--jobs"] : [], given("summary") ? ["--summary"] : []);
  if (batchOnly.length) throw new DactError("USAGE", `option ${batchOnly[0]}: found without --out-dir; expected it only in batch mode`);
  if (opts.output !== STDIO) checkOutputExtension(opts.output, opts.to);
  if (base.check && opts.output !== STDIO) throw new DactError("USAGE", "options --check and -o: found both; expected one (--check compares the result with the golden and writes no output; --pending or --update write the golden)");
  const out = opts.to ?? (opts.output !== STDIO ? formatFromPath(opts.output) : undefined) ?? opts.format;
  checkFit(base, { inputs: opts.format ? [opts.format] : "unknown", outputs: base.check ? null : out ? [out] : "unknown" });
  const spec: PlanSpec = { ...base, input: inputs[0] ?? STDIO, output: opts.output };
  return { kind: "single", spec, reports: opts.report, showProgress, forceProgress: opts.progress === true, quiet };
}

/** The defaults commander gives the options that have one (ActivationOpts: never undefined). */
const DEFAULTS = { tolerance: "numpy", summary: "text" } as const;

/** A format-bound option (src/option-fit.ts) where the command line already shows it cannot apply. */
function checkFit(base: BaseSpec, formats: RunFormats): void {
  const rule = unfitRule(base, formats);
  if (rule) throw new DactError("USAGE", `option ${rule.flag}: ${foundText(rule, formats)}; expected it only with ${rule.expected}`);
}

/** --tolerance, --rtol, --atol, --ulp; histograms when a JSON report will show them. */
function tolerancePolicy(opts: ActivationOpts): TolerancePolicy {
  return { mode: opts.tolerance, rtol: opts.rtol, atol: opts.atol, ulp: opts.ulp, histogram: opts.report.some((r) => r.kind === "json") || undefined };
}
