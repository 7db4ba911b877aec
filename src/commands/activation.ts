/**
 * `dact <activation> [inputs...]`: one subcommand per activation, all
 * built here from the activation registry (options, help, validation).
 * The action parses, plans (src/run-plan.ts: every cross-option rule) and
 * dispatches on the plan's kind.
 */
import { availableParallelism } from "node:os";
import { Command, Option } from "commander";
import type { Activation } from "../activations/types.js";
import { DactError } from "../errors.js";
import { FORMAT_NAMES } from "../formats/index.js";
import { distinctSideFiles, STDIO } from "../io.js";
import { columnsOption, commentOption, countOption, decimalOption, delimiterOption, floatFormatOption, indexColOption, naValuesOption, dtypeOption, formatOption, reshapeOption, shardOption, sizeOption, toleranceOption } from "../options.js";
import { runDerivative } from "../pipeline.js";
import { gradOption, takeGradNotices } from "../grad-scalar.js";
import type { BatchOptions, BatchPlan } from "../batch.js";
import { version } from "../version.js";
import { EXIT_ERROR, EXIT_HELP, EXIT_OK, type Io, type Status } from "./shared.js";
import type { CheckResult, ReportSpec } from "../golden.js";
import { jobsCap, planRun, type ActivationOpts, type BaseSpec, type RunPlan } from "../run-plan.js";

/** The command's options and help, without its action: what the CLI parses, and what test/run-plan.test.ts parses. */
export function activationOptions(act: Activation): Command {
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
    .option("--jobs <n>", `batch: files processed in parallel (default: the number of cores; at most ${jobsCap(availableParallelism())} and the number of inputs)`, countOption("--jobs"))
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
    .option("--threads <n>", "the most threads an activation's kernel and the CSV/TSV and JSON text may use on a large input (default: the number of cores)", countOption("--threads"))
    .option("--force", "replace a read-only output file")
    .option("--no-fsync", "scratch outputs: skip the fsync before the rename (still atomic, not durable across a crash)")
    .option("--max-line-size <bytes>", "CSV/TSV: the longest line, cell or header held in memory (default: 64M)", sizeOption("--max-line-size"))
    .option("-q, --quiet", "no progress bar, no notices, no batch summary (errors still print)")
    .option("--progress", "show a progress bar even when stderr is not a terminal");
  for (const p of act.params) {
    cmd.option(`--${p.flag} <${p.choices ? p.choices.join("|") : "number"}>`, `${p.description} (default: ${p.default})`);
  }
  cmd.addHelpText("after", EXIT_HELP);
  return cmd;
}

export function activationCommand(act: Activation, io: Io, status: Status): Command {
  const cmd = activationOptions(act);
  cmd.action(async (inputs: string[], opts: ActivationOpts) => {
    const plan = planRun(act, inputs, opts, { env: process.env, stderrIsTTY: process.stderr.isTTY === true, cores: availableParallelism() }, (n) => cmd.getOptionValueSource(n) !== "default");
    const quiet = plan.quiet ? { ...io, err: () => {} } : io;
    for (const n of takeGradNotices()) quiet.err(n);
    if (plan.kind === "check-dir") status.code = await batchCheck(plan.inputs, plan.base, plan.batch, plan.reports, act.name, quiet, io, plan.summary, plan.prune);
    else if (plan.kind === "batch") status.code = await batch(plan.inputs, plan.base, plan.batch, plan.showProgress, quiet, io, plan.summary);
    else status.code = await single(plan, act.name, quiet.err, io);
  });
  return cmd;
}

/** One input: its guards, the progress bar, --report's files, the run. */
async function single(plan: Extract<RunPlan, { kind: "single" }>, activation: string, notice: (m: string) => void, io: Io): Promise<number> {
  const spec = plan.spec;
  (await import("../run-guards.js")).checkSingleRun(spec);
  const bar = plan.showProgress ? await (await import("../progress.js")).byteProgress(plan.forceProgress) : null;
  if (bar) spec.progress = bar.update;
  const golden = plan.reports.length && spec.check ? await import("../golden.js") : null;
  const guard = golden ? golden.checkGuard(spec.input, spec.check!.path, spec.gradOutput) : undefined;
  distinctSideFiles(plan.reports.map((r) => [r.file, `--report ${r.kind}:${r.file}`]));
  if (golden) golden.prepareReports(plan.reports, guard!);
  try {
    const r = await runDerivative(spec, notice);
    if (r.report) io.out(r.report);
    if (r.check?.status === "written") notice(`dact: wrote ${r.check.golden}`);
    if (r.check && golden) await golden.writeReports(plan.reports, [r.check], activation, {}, guard);
    return r.status;
  } finally {
    bar?.stop();
  }
}

/** --check-dir: every input checked against its golden, one line each, in parallel. */
async function batchCheck(inputs: string[], base: BaseSpec, o: BatchOptions, reports: ReportSpec[], activation: string, quiet: Io, io: Io, summary: "text" | "json", prune = false): Promise<number> {
  const { summaryLine, checkExit } = await import("../obsolete-run.js");
  const { planBatch, runBatch } = await import("../batch.js");
  const { checkLine, prepareReports, writeReports } = await import("../golden.js");
  distinctSideFiles([...reports.map((r) => [r.file, `--report ${r.kind}:${r.file}`] as const), ...(o.log !== undefined ? [[o.log, `--log ${o.log}`] as const] : [])]);
  const jobs = await planBatch(inputs, { ...o, checks: true });
  guardGradient(jobs, base);
  await (await import("../batch-fit.js")).checkBatchFit(base, jobs.allInputs ?? jobs.map((j) => j.input), o.to, true);
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

function reportOption(value: string, previous: ReportSpec[]): ReportSpec[] {
  const m = /^(junit|json):(.+)$/.exec(value);
  if (!m) throw new DactError("USAGE", `option --report: found ${JSON.stringify(value)}; expected junit:FILE or json:FILE`);
  return [...previous, { kind: m[1] as "junit" | "json", file: m[2]! }];
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Batch mode: plan, run, summarize. Notices and the summary go to `quiet` (silent under -q), errors to `io`. */
async function batch(inputs: string[], base: BaseSpec, o: BatchOptions, showProgress: boolean, quiet: Io, io: Io, summary: "text" | "json"): Promise<number> {
  const { planBatch, runBatch } = await import("../batch.js");
  const jobs = await planBatch(inputs, o);
  guardGradient(jobs, base);
  await (await import("../batch-fit.js")).checkBatchFit(base, jobs.allInputs ?? jobs.map((j) => j.input), o.to, false);
  const bar = showProgress ? await (await import("../progress.js")).fileProgress(jobs.length) : null;
  const r = await runBatch(jobs, base, o, version(), { notice: quiet.err, error: io.err, fileDone: (done) => bar?.update(done) });
  bar?.stop();
  if (summary === "json") quiet.err(JSON.stringify(r));
  else quiet.err(`${r.written} written, ${r.skipped > 0 ? `${r.skipped} skipped, ` : ""}${r.failed} failed`);
  return r.failed > 0 ? EXIT_ERROR : EXIT_OK;
}

/** One --grad-output file for every input is an input of the run too: no --log, manifest or --report may land on it. */
function guardGradient(jobs: BatchPlan, base: BaseSpec): void {
  if (typeof base.gradOutput === "string" && base.gradOutput !== STDIO) jobs.guard?.add(base.gradOutput, "gradient");
}
