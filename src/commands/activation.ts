/**
 * `dact <activation> [inputs...]`: one subcommand per activation, all
 * built here from the activation registry (options, help, validation).
 */
import { availableParallelism } from "node:os";
import { Command, Option } from "commander";
import { camel, resolveParams } from "../activations/registry.js";
import type { Activation } from "../activations/types.js";
import { DactError } from "../errors.js";
import type { FloatDType } from "../formats/array.js";
import type { ColumnSpec } from "../formats/csv/reader.js";
import type { Printf } from "../formats/text/printf.js";
import { FORMAT_NAMES, type Format } from "../formats/index.js";
import { STDIO } from "../io.js";
import { columnsOption, commentOption, countOption, decimalOption, delimiterOption, floatFormatOption, indexColOption, naValuesOption, dtypeOption, formatOption, reshapeOption, shardOption, sizeOption, toleranceOption } from "../options.js";
import { runDerivative, type PlanSpec } from "../pipeline.js";
import { checkOutputExtension } from "../output-ext.js";
import type { BatchOptions } from "../batch.js";
import { version } from "../version.js";
import { EXIT_ERROR, EXIT_HELP, EXIT_OK, type Io, type Status } from "./shared.js";
import { updateMode, type CheckResult, type ReportSpec } from "../golden.js";
import type { TolerancePolicy } from "../compare.js";

/** What commander hands the action, after the parsers in options.ts. */
interface ActivationOpts {
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


/** Files processed in parallel at most, whatever --jobs says: more workers than this only cost memory. */
export function jobsCap(): number {
  return Math.max(1, 4 * availableParallelism());
}

export function activationCommand(act: Activation, io: Io, status: Status): Command {
  const formats = (o: Option) => o.choices(FORMAT_NAMES).argParser(formatOption);
  const cmd = new Command(act.name)
    .summary(act.summary)
    .description(`${act.summary}\n\nderivative: ${act.formula}\nat kinks:   ${act.kinks}`)
    .argument("[inputs...]", "input files, or - (or nothing) for stdin")
    .option("-o, --output <path>", "output file, or - for stdout (written atomically); its extension picks the output format", STDIO)
    .addOption(formats(new Option("--format <format>", "input format; default: from the extension, then the content")))
    .addOption(formats(new Option("--to <format>", "output format; default: from -o's extension, else the input's (converts, streaming)")))
    .option("--dtype <f2|f4|f8|bf16>", ".npy/.npz/.safetensors output dtype (default: NumPy's result dtype: floats keep theirs, the rest f8)", dtypeOption)
    .option("--key <name>", ".npz/.safetensors: take only this array (repeatable); output keeps the input's order", collect, [])
    .option("--compress", ".npz output: deflate every member (default: as each input member was)")
    .addOption(new Option("--compression <codec>", "Parquet output: the page codec (default: snappy, as pandas)").choices(["snappy", "gzip", "none"]))
    .option("--reshape <rows,cols>", "reshape the result, numpy-style (one size may be -1); lets an N-d array become CSV", reshapeOption)
    .option("--delimiter <char>", "CSV/TSV cell delimiter: one character, \\t, or whitespace (runs of spaces and tabs); default: tab for .tsv/.tab, else sniffed from the first rows", delimiterOption)
    .option("--decimal <sep>", 'CSV: the decimal separator, "." or "," (then ";" separates cells)', decimalOption)
    .option("--float-format <fmt>", "CSV/TSV/JSON output: shortest (default: Python's repr) or a printf conversion such as %.6g, %.17g, %.18e, %.3f (as np.savetxt(fmt=...))", floatFormatOption)
    .option("--comment <char>", "CSV: lines starting with it are comments, kept in CSV output (default: #; '' for none)", commentOption)
    .option("--na-values <list>", "CSV: comma-separated cells that mean a missing value (default: pandas' list: NA, N/A, #N/A, NULL, NaN, nan, null, None, <NA>...)", naValuesOption)
    .option("--index-col <n|name|none>", "CSV: a label column, passed through (0-based number or header name; repeatable); default: the first, when the header's first cell is empty", indexColOption)
    .option("--columns <list>", "CSV/JSON: differentiate only these columns (0-based numbers, header names, ranges such as 2:5; repeatable); the others pass through as labels", columnsOption)
    .option("--header", "CSV/TSV: the first row is a header (default: only if none of its cells is a number)")
    .option("--no-header", "CSV/TSV: the first row is data")
    .option("--out-dir <dir>", "batch: write each input to <dir>/<its file name> (folders among the inputs are walked)")
    .option("--jobs <n>", `batch: files processed in parallel (default: the number of cores; at most ${jobsCap()} and the number of inputs)`, countOption("--jobs"))
    .option("--include <glob>", "batch: walk only files whose path below the folder matches (repeatable)", collect, [])
    .option("--exclude <glob>", "batch: skip files whose path below the folder matches (repeatable)", collect, [])
    .option("--keep-paths", "batch: mirror input paths under --out-dir (default: only when base names clash)")
    .option("--skip-existing", "batch: skip inputs whose output is newer and was made with the same options")
    .option("--log <file>", "batch: append one JSON line per file (input, output, status, bytes, seconds, error)")
    .option("--resume <log>", "batch: redo only what that --log says failed or is missing (and append to it)")
    .option("--shard <i/n>", "batch: process only shard i of n (0 <= i < n), by a hash of each input's path", shardOption)
    .addOption(new Option("--summary <form>", "batch: the closing summary as text or one JSON object").choices(["text", "json"]).default("text"))
    .option("--order <1|2>", "1: the derivative f'(x) (default); 2: the second derivative f''(x), with PyTorch's double-backward conventions at kinks")
    .option("--grad-output <g>", "multiply by G: the output is G ⊙ f'(x), the backward pass (G: a file of the input's shape, a 0-d array, or a number)", gradOption)
    .option("--grad-output-dir <dir>", "batch: the gradient of each input at <dir>/<the same relative path>")
    .option("--check <golden>", "compare the result with a golden file instead of writing it (exit 1 if it differs or is missing)")
    .option("--check-dir <dir>", "batch: check each result against <dir>/<the same relative path>")
    .option("--update [force]", "--check/--check-dir: write goldens that are missing or differ (also DACT_UPDATE=1); with CI set, new goldens need --update=force")
    .addOption(new Option("--tolerance <table>", "--check: numpy (rtol 1e-7, atol 0) or torch (torch.testing.assert_close's, by dtype)").choices(["numpy", "torch"]).default("numpy"))
    .option("--rtol <r>", "--check: relative tolerance, overriding --tolerance's", toleranceOption("--rtol"))
    .option("--atol <a>", "--check: absolute tolerance, overriding --tolerance's", toleranceOption("--atol"))
    .option("--pending", "--check/--check-dir: write a differing or missing golden's result beside it as NAME.new.EXT for dact review (also DACT_UPDATE=pending; never under CI)")
    .option("--prune", "--check-dir: remove goldens that no input maps to (refused under CI)")
    .option("--ulp <n>", "--check: also pass within N units in the last place of the golden's dtype (alone: the only rule)", toleranceOption("--ulp"))
    .option("--report <kind:file>", "--check: also write junit:FILE (JUnit XML) or json:FILE (repeatable)", reportOption, [])
    .option("--threads <n>", "the most threads an activation's kernel may use on a large input (default: the number of cores)", countOption("--threads"))
    .option("--force", "replace a read-only output file")
    .option("--no-fsync", "scratch outputs: skip the fsync before the rename (still atomic, not durable across a crash)")
    .option("--max-line-size <bytes>", "CSV/TSV: the longest line, cell or header held in memory (default: 64M)", sizeOption("--max-line-size"))
    .option("-q, --quiet", "no progress bar, no notices, no batch summary (errors still print)")
    .option("--progress", "show a progress bar even when stderr is not a terminal");
  for (const p of act.params) {
    cmd.option(`--${p.flag} <${p.choices ? p.choices.join("|") : "number"}>`, `${p.description} (default: ${p.default})`);
  }
  cmd.addHelpText("after", EXIT_HELP);
  cmd.action(async (inputs: string[], opts: ActivationOpts) => {
    const raw: Record<string, string | undefined> = {};
    for (const p of act.params) raw[p.flag] = opts[camel(p.flag)] as string | undefined;
    raw["order"] = opts.order;
    const base: Omit<PlanSpec, "input" | "output"> = {
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
      check: opts.check !== undefined ? { path: opts.check, tolerance: tolerancePolicy(opts), update: updateMode(opts.pending ? "pending" : opts.update) } : undefined,
    };
    const showProgress = opts.progress === true || (process.stderr.isTTY === true && opts.quiet !== true);
    const notice = opts.quiet ? () => {} : io.err;
    const batchOnly = (["include", "exclude"] as const).filter((k) => opts[k].length > 0).map((k) => `--${k}`).concat(opts.keepPaths ? ["--keep-paths"] : [], opts.skipExisting ? ["--skip-existing"] : [], opts.log ? ["--log"] : [], opts.resume ? ["--resume"] : [], opts.shard ? ["--shard"] : []);
    if (opts.gradOutputDir !== undefined && opts.gradOutput !== undefined) throw new DactError("USAGE", "options --grad-output and --grad-output-dir: found both; expected one");
    if (opts.gradOutputDir !== undefined && opts.outDir === undefined && opts.checkDir === undefined) throw new DactError("USAGE", "option --grad-output-dir: found without --out-dir or --check-dir; expected it only in batch mode");
    if (opts.update !== undefined && opts.update !== true && opts.update !== "force") throw new DactError("USAGE", `option --update: found ${JSON.stringify(opts.update)}; expected --update or --update=force`);
    if ((opts.update !== undefined || opts.report.length) && opts.check === undefined && opts.checkDir === undefined) throw new DactError("USAGE", `option ${opts.update !== undefined ? "--update" : "--report"}: found without --check or --check-dir; expected one of them`);
    checkGoldenOptions(opts);
    if (opts.checkDir !== undefined) {
      if (opts.outDir !== undefined || opts.check !== undefined || opts.output !== STDIO) throw new DactError("USAGE", "option --check-dir: found with -o, --out-dir or --check; expected it alone");
      if (inputs.length === 0) throw new DactError("USAGE", "--check-dir: found no inputs; expected input files or folders");
      const jobs = Math.min(opts.jobs ?? availableParallelism(), jobsCap());
      const batchOpts: BatchOptions = { outDir: opts.checkDir, jobs, to: opts.to, include: opts.include, exclude: opts.exclude, keepPaths: opts.keepPaths === true, skipExisting: false, log: opts.log, resume: undefined, shard: opts.shard, gradDir: opts.gradOutputDir };
      const check = { path: "", tolerance: tolerancePolicy(opts), update: updateMode(opts.pending ? "pending" : opts.update) };
      status.code = await batchCheck(inputs, { ...base, check }, batchOpts, opts.report, act.name, opts.quiet === true ? { ...io, err: () => {} } : io, io, opts.summary, opts.prune === true);
      return;
    }
    if (inputs.length > 1 || opts.outDir !== undefined) {
      if (opts.outDir === undefined) throw new DactError("USAGE", `found ${inputs.length} inputs; expected --out-dir DIR to write them to (dact does not concatenate outputs)`);
      if (opts.output !== STDIO) throw new DactError("USAGE", "options -o and --out-dir: found both; expected one");
      if (base.check) throw new DactError("USAGE", "options --check and --out-dir: found both; expected one");
      if (inputs.length === 0) throw new DactError("USAGE", "--out-dir: found no inputs; expected one or more input files or folders");
      const jobs = Math.min(opts.jobs ?? availableParallelism(), jobsCap());
      const batchOpts: BatchOptions = { outDir: opts.outDir, jobs, to: opts.to, include: opts.include, exclude: opts.exclude, keepPaths: opts.keepPaths === true, skipExisting: opts.skipExisting === true, log: opts.log, resume: opts.resume, shard: opts.shard, gradDir: opts.gradOutputDir };
      status.code = await batch(inputs, base, batchOpts, showProgress, opts.quiet === true ? { ...io, err: () => {} } : io, io, opts.summary);
      return;
    }
    if (batchOnly.length) throw new DactError("USAGE", `option ${batchOnly[0]}: found without --out-dir; expected it only in batch mode`);
    if (opts.output !== STDIO) checkOutputExtension(opts.output, opts.to);
    const plan: PlanSpec = { ...base, input: inputs[0] ?? STDIO, output: opts.output };
    (await import("../run-guards.js")).checkSingleRun(plan);
    const bar = showProgress ? await (await import("../progress.js")).byteProgress(opts.progress === true) : null;
    if (bar) plan.progress = bar.update;
    const golden = opts.report.length && plan.check ? await import("../golden.js") : null;
    const guard = golden ? golden.checkGuard(plan.input, plan.check!.path) : undefined;
    if (golden) golden.prepareReports(opts.report, guard!);
    try {
      const r = await runDerivative(plan, notice);
      if (r.report) io.out(r.report);
      if (r.check?.status === "written") notice(`dact: wrote ${r.check.golden}`);
      if (r.check && golden) await golden.writeReports(opts.report, [r.check], act.name, {}, guard);
      status.code = r.status;
    } finally {
      bar?.stop();
    }
  });
  return cmd;
}

/** --check-dir: every input checked against its golden, one line each, in parallel. */
async function batchCheck(inputs: string[], base: Omit<PlanSpec, "input" | "output">, o: BatchOptions, reports: ReportSpec[], activation: string, quiet: Io, io: Io, summary: "text" | "json", prune = false): Promise<number> {
  const { summaryLine, checkExit } = await import("../obsolete-run.js");
  const { planBatch, runBatch } = await import("../batch.js");
  const { checkLine, prepareReports, writeReports } = await import("../golden.js");
  const jobs = await planBatch(inputs, { ...o, checks: true });
  prepareReports(reports, jobs.guard!); // before any golden is written
  const results: CheckResult[] = [];
  const r = await runBatch(jobs, base, { ...o, checks: true }, version(), {
    notice: quiet.err,
    error: () => {},
    fileDone: () => {},
    result: (job, check, error) => {
      const res: CheckResult = check ?? { status: "error", input: job.input, golden: job.output, report: error ?? "", comparison: null, seconds: 0 };
      results.push(res);
      io.err(checkLine(res));
      if (res.status === "error") io.err(`  ${error}`);
      else if (res.report) io.out(res.report);
    },
  });
  const { goldens, obsoleteChecked } = await (await import("../obsolete-run.js")).obsoleteStep(o, jobs, results, prune, io, inputs);
  if (reports.length) await writeReports(reports, results, activation, { shard: o.shard ? `${o.shard.index}/${o.shard.count}` : null, goldens, obsoleteChecked }, jobs.guard);
  const count = (s: string) => results.filter((x) => x.status === s).length;
  if (summary === "json") quiet.err(JSON.stringify({ ok: count("ok"), differs: count("differs"), missing: count("missing"), written: count("written"), errors: count("error"), ...(count("obsolete") ? { obsolete: count("obsolete") } : {}), seconds: r.seconds }));
  else quiet.err(summaryLine(count));
  return checkExit(count);
}

/** --pending and --prune: with what they need, and never under CI. */
function checkGoldenOptions(opts: ActivationOpts): void {
  const ci = process.env["CI"] !== undefined && process.env["CI"] !== "" && process.env["CI"] !== "false" && process.env["CI"] !== "0";
  if (opts.pending && opts.check === undefined && opts.checkDir === undefined) throw new DactError("USAGE", "option --pending: found without --check or --check-dir; expected one of them");
  if (opts.pending && opts.update !== undefined) throw new DactError("USAGE", "options --pending and --update: found both; expected one (pending goldens leave the golden alone)");
  if (opts.pending && ci) throw new DactError("USAGE", "option --pending: CI is set; expected pending goldens to be written outside CI only");
  if (opts.prune && opts.checkDir === undefined) throw new DactError("USAGE", "option --prune: found without --check-dir; expected it only with --check-dir");
  if (opts.prune && ci) throw new DactError("USAGE", "option --prune: CI is set; expected obsolete goldens to be removed outside CI only");
  if (opts.prune && opts.shard) throw new DactError("USAGE", "options --prune and --shard: found both; expected --prune on an unsharded run (a shard cannot tell another shard's goldens from obsolete ones)");
}

/** --tolerance, --rtol, --atol, --ulp; histograms when a JSON report will show them. */
function tolerancePolicy(opts: ActivationOpts): TolerancePolicy {
  return { mode: opts.tolerance, rtol: opts.rtol, atol: opts.atol, ulp: opts.ulp, histogram: opts.report.some((r) => r.kind === "json") || undefined };
}

/** --grad-output: a finite decimal number is a constant G; anything else is a file. */
function gradOption(value: string): string | number {
  return /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(value) && Number.isFinite(Number(value)) ? Number(value) : value;
}

function reportOption(value: string, previous: ReportSpec[]): ReportSpec[] {
  const m = /^(junit|json):(.+)$/.exec(value);
  if (!m) throw new DactError("USAGE", `option --report: found ${JSON.stringify(value)}; expected junit:FILE or json:FILE`);
  return [...previous, { kind: m[1] as "junit" | "json", file: m[2]! }];
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Batch mode: plan, run, summarize. Notices and the summary go to `quiet` (silent under -q), errors to `io`. */
async function batch(inputs: string[], base: Omit<PlanSpec, "input" | "output">, o: BatchOptions, showProgress: boolean, quiet: Io, io: Io, summary: "text" | "json"): Promise<number> {
  const { planBatch, runBatch } = await import("../batch.js");
  const jobs = await planBatch(inputs, o);
  const bar = showProgress ? await (await import("../progress.js")).fileProgress(jobs.length) : null;
  const r = await runBatch(jobs, base, o, version(), { notice: quiet.err, error: io.err, fileDone: (done) => bar?.update(done) });
  bar?.stop();
  if (summary === "json") quiet.err(JSON.stringify(r));
  else quiet.err(`${r.written} written, ${r.skipped > 0 ? `${r.skipped} skipped, ` : ""}${r.failed} failed`);
  return r.failed > 0 ? EXIT_ERROR : EXIT_OK;
}
