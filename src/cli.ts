import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Command, CommanderError, Option } from "commander";
import { ACTIVATIONS, parseOptionNumber, resolveParams } from "./activations/registry.js";
import type { Activation } from "./activations/types.js";
import { BrokenPipe, DactError } from "./errors.js";
import { FORMATS, parseFormat } from "./formats/detect.js";
import { parseDelimiter } from "./formats/csv/delimiter.js";
import { removeLiveTemps, STDIO } from "./io.js";
import { runDerivative, type PlanSpec } from "./pipeline.js";
import type { Tolerance } from "./compare.js";
import type { FloatDType } from "./matrix.js";

export const EXIT_OK = 0;
/** Differences found by compare or --check. */
export const EXIT_DIFFERENT = 1;
export const EXIT_ERROR = 2;

const EXIT_HELP = `
Exit status:
  0  success (and for compare/--check: no differences)
  1  compare/--check: differences found
  2  any error: usage, unreadable or bad input, unwritable output, shapes that differ
  130, 143  interrupted by SIGINT, SIGTERM (temporary files removed)`;

const EXAMPLES = `
Examples:
  dact relu in.npy -o out.npy                    # file to file, atomic
  dact relu --at-zero 0.5 in.npy > out.npy       # np.heaviside(x, 0.5)
  cat in.csv | dact gelu | head                  # stdin to stdout, pipe safe
  dact relu a.npy b.csv data/*.json --out-dir g/ # batch, in parallel
  dact relu m.csv --to npy -o m.npy              # convert on the way
  dact relu x.npy --check golden.npy             # compute and compare
  dact compare out.npy golden.csv --rtol 1e-6    # golden-file check
  dact list                                      # every activation`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

type Opts = Record<string, string | boolean | undefined>;

function tolerance(opts: Opts): Tolerance {
  const rtol = opts["rtol"] === undefined ? 1e-7 : parseOptionNumber(String(opts["rtol"]), "--rtol");
  const atol = opts["atol"] === undefined ? 0 : parseOptionNumber(String(opts["atol"]), "--atol");
  if (rtol < 0 || atol < 0) throw new DactError("USAGE", `options --rtol/--atol: found ${rtol}/${atol}; expected numbers >= 0`);
  return { rtol, atol };
}

function parseReshape(s: string): number[] {
  const parts = s.split(",").map((t) => t.trim());
  if (!parts.every((t) => /^(-1|\d+)$/.test(t)) || parts.filter((t) => t === "-1").length > 1) {
    throw new DactError("USAGE", `option --reshape: found ${JSON.stringify(s)}; expected sizes like 100,20 (one of them may be -1)`);
  }
  return parts.map(Number);
}

function parseDtype(s: string): FloatDType {
  if (s === "f2" || s === "f4" || s === "f8") return s;
  throw new DactError("USAGE", `option --dtype: found ${JSON.stringify(s)}; expected f2, f4 or f8`);
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The options every activation takes, for the top-level --help (from the same definitions). */
function commonOptionsHelp(io: Io, status: { code: number }): string {
  const sample = activationCommand(ACTIVATIONS[0]!, io, status);
  const own = new Set(ACTIVATIONS[0]!.params.map((p) => `--${p.flag}`));
  const opts = sample.options.filter((o) => !own.has(o.long ?? ""));
  const width = Math.max(...opts.map((o) => o.flags.length));
  return `\nOptions of every activation (dact <activation> --help for its own, dact list for all):\n${opts.map((o) => `  ${o.flags.padEnd(width)}  ${o.description}`).join("\n")}\n`;
}

/** The text of `dact list`, from the registry (as --help is). */
export function listActivations(): string {
  const lines: string[] = [];
  for (const a of ACTIVATIONS) {
    lines.push(`${a.name} - ${a.summary}`);
    lines.push(`  derivative: ${a.formula}`);
    lines.push(`  at kinks:   ${a.kinks}`);
    if (a.params.length) lines.push(`  options:    ${a.params.map((p) => `--${p.flag} (${p.default})`).join(", ")}`);
    lines.push("");
  }
  return lines.join("\n");
}

interface Io {
  out(s: string): void;
  err(s: string): void;
}

function activationCommand(act: Activation, io: Io, status: { code: number }): Command {
  const cmd = new Command(act.name)
    .summary(act.summary)
    .description(`${act.summary}\n\nderivative: ${act.formula}\nat kinks:   ${act.kinks}`)
    .argument("[inputs...]", "input files, or - (or nothing) for stdin")
    .option("-o, --output <path>", "output file, or - for stdout (written atomically)", STDIO)
    .addOption(new Option("--format <format>", "input format; default: from the extension, then the content").choices(FORMATS as unknown as string[]))
    .addOption(new Option("--to <format>", "output format, when not the input's (converts; holds the matrix in memory)").choices(FORMATS as unknown as string[]))
    .option("--dtype <f2|f4|f8>", ".npy output dtype (default: NumPy's result dtype; f8 from text)")
    .option("--reshape <rows,cols>", "reshape the result, numpy-style (one size may be -1); lets an N-d array become CSV")
    .option("--delimiter <char>", "CSV/TSV cell delimiter, one character or \\t (default: tab for .tsv/.tab, else comma)")
    .option("--header", "CSV/TSV: the first row is a header (default: only if none of its cells is a number)")
    .option("--no-header", "CSV/TSV: the first row is data")
    .option("--out-dir <dir>", "batch: write each input to <dir>/<its file name>")
    .option("--jobs <n>", "batch: files processed in parallel (default: the number of cores)")
    .option("--check <golden>", "compare the result with a golden file instead of writing it (exit 1 if it differs)")
    .option("--rtol <r>", "--check: relative tolerance (default: 1e-7, as numpy's assert_allclose)")
    .option("--atol <a>", "--check: absolute tolerance (default: 0)")
    .option("-q, --quiet", "no progress bar")
    .option("--progress", "show a progress bar even when stderr is not a terminal");
  for (const p of act.params) {
    cmd.option(`--${p.flag} <${p.choices ? p.choices.join("|") : "number"}>`, `${p.description} (default: ${p.default})`);
  }
  cmd.addHelpText("after", EXIT_HELP);
  cmd.action(async (inputs: string[], opts: Opts) => {
    const raw: Record<string, string | undefined> = {};
    for (const p of act.params) raw[p.flag] = opts[camel(p.flag)] as string | undefined;
    const base: Omit<PlanSpec, "input" | "output"> = {
      activation: act.name,
      params: resolveParams(act, raw),
      format: opts["format"] ? parseFormat(opts["format"] as string) : undefined,
      to: opts["to"] ? parseFormat(opts["to"] as string) : undefined,
      dtype: opts["dtype"] !== undefined ? parseDtype(opts["dtype"] as string) : undefined,
      reshape: opts["reshape"] !== undefined ? parseReshape(opts["reshape"] as string) : undefined,
      delimiter: opts["delimiter"] !== undefined ? parseDelimiter(opts["delimiter"] as string) : undefined,
      header: opts["header"] === undefined ? "auto" : opts["header"] ? "yes" : "no",
      check: opts["check"] !== undefined ? { path: opts["check"] as string, tolerance: tolerance(opts) } : undefined,
    };
    const showProgress = (opts["progress"] === true || (process.stderr.isTTY && opts["quiet"] !== true)) && !(opts["quiet"] === true && opts["progress"] !== true);
    const outDir = opts["outDir"] as string | undefined;
    if (inputs.length > 1 || outDir !== undefined) {
      if (outDir === undefined) throw new DactError("USAGE", `found ${inputs.length} inputs; expected --out-dir DIR to write them to (dact does not concatenate outputs)`);
      if (opts["output"] !== STDIO) throw new DactError("USAGE", "options -o and --out-dir: found both; expected one");
      if (base.check) throw new DactError("USAGE", "options --check and --out-dir: found both; expected one");
      if (inputs.length === 0) throw new DactError("USAGE", "--out-dir: found no inputs; expected one or more input files");
      const jobs = opts["jobs"] === undefined ? availableParallelism() : Number(opts["jobs"]);
      if (!Number.isInteger(jobs) || jobs < 1) throw new DactError("USAGE", `option --jobs: found ${JSON.stringify(opts["jobs"])}; expected a whole number >= 1`);
      status.code = await batch(inputs, outDir, base, jobs, showProgress, io);
      return;
    }
    const plan: PlanSpec = { ...base, input: inputs[0] ?? STDIO, output: opts["output"] as string };
    const bar = showProgress ? await byteProgress(opts["progress"] === true) : null;
    if (bar) plan.progress = bar.update;
    try {
      const r = await runDerivative(plan, io.err);
      if (r.report) io.out(r.report);
      status.code = r.status;
    } finally {
      bar?.stop();
    }
  });
  return cmd;
}

/**
 * A bytes/rate/ETA bar on stderr (cli-progress). Unless forced (--progress),
 * it starts only once the input is large enough to take about a second.
 */
async function byteProgress(forced: boolean): Promise<{ update: (read: number, total: number) => void; stop: () => void }> {
  const { SingleBar, Presets } = (await import("cli-progress")).default;
  let bar: InstanceType<typeof SingleBar> | null = null;
  const started = Date.now();
  return {
    update(read, total) {
      if (!bar) {
        if (!forced && total < 32 * 1024 * 1024 && Date.now() - started < 1000) return;
        // stdin has no size: then only bytes and rate.
        const format = total > 0 ? "dact [{bar}] {percentage}% | {value}/{total} MB | {rate} MB/s | ETA {eta}s" : "dact {value} MB read | {rate} MB/s";
        bar = new SingleBar({ stream: process.stderr, format, hideCursor: false, noTTYOutput: true, notTTYSchedule: 1000 }, Presets.shades_classic);
        bar.start(Math.max(1, Math.round(total / 1e6)), 0, { rate: "0" });
      }
      const secs = Math.max(1e-3, (Date.now() - started) / 1000);
      bar.update(Math.round(read / 1e6), { rate: (read / 1e6 / secs).toFixed(0) });
    },
    stop() {
      bar?.stop();
    },
  };
}

async function batch(inputs: string[], outDir: string, base: Omit<PlanSpec, "input" | "output">, jobs: number, showProgress: boolean, io: Io): Promise<number> {
  const { planBatch, runBatch, ensureOutDir } = await import("./batch.js");
  const pairs = planBatch(inputs, outDir, base.to);
  ensureOutDir(outDir);
  let bar: { update(n: number): void; stop(): void } | null = null;
  if (showProgress) {
    const { SingleBar, Presets } = (await import("cli-progress")).default;
    const b = new SingleBar({ stream: process.stderr, format: "dact [{bar}] {value}/{total} files", noTTYOutput: true, notTTYSchedule: 1000 }, Presets.shades_classic);
    b.start(pairs.length, 0);
    bar = { update: (n) => b.update(n), stop: () => b.stop() };
  }
  const r = await runBatch(
    pairs.map((p) => ({ ...base, input: p.input, output: p.output })),
    jobs,
    { notice: io.err, error: io.err, fileDone: (done) => bar?.update(done) },
  );
  bar?.stop();
  io.err(`${r.written} written, ${r.failed} failed`);
  return r.failed > 0 ? EXIT_ERROR : EXIT_OK;
}

function compareCommand(io: Io, status: { code: number }): Command {
  return new Command("compare")
    .summary("compare two matrices (any formats) as numpy.testing.assert_allclose does")
    .description("Exit 0 when the shapes match and every element satisfies |actual - expected| <= atol + rtol·|expected| (NaN equals NaN; infinities must match exactly); 1 with a report otherwise; 2 on errors such as unreadable input or differing shapes.")
    .argument("<actual>", "the file to check")
    .argument("<expected>", "the golden file")
    .option("--rtol <r>", "relative tolerance (default: 1e-7, as numpy)")
    .option("--atol <a>", "absolute tolerance (default: 0)")
    .addOption(new Option("--format <format>", "format of both files; default: each detected").choices(FORMATS as unknown as string[]))
    .addHelpText("after", EXIT_HELP)
    .action(async (actual: string, expected: string, opts: Opts) => {
      const tol = tolerance(opts);
      const { openInput } = await import("./io.js");
      const { detectFormat } = await import("./formats/detect.js");
      const { readMatrix } = await import("./matrix.js");
      const { compareMatrices, formatComparison } = await import("./compare.js");
      const forced = opts["format"] ? parseFormat(opts["format"] as string) : undefined;
      const read = async (p: string) => {
        const input = await openInput(p);
        return { name: input.name, m: await readMatrix(input, await detectFormat(input, forced)) };
      };
      const a = await read(actual);
      const e = await read(expected);
      const c = compareMatrices(a.m, e.m, tol, { actual: a.name, expected: e.name });
      if (!c.equal) io.out(formatComparison(c, tol));
      status.code = c.equal ? EXIT_OK : EXIT_DIFFERENT;
    });
}

/**
 * The commander program. Given argv, it builds only the subcommand named
 * there (all of them for help or an unknown name): 22 subcommands of ~20
 * options each are a measurable part of start-up.
 */
export function buildProgram(io: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s + "\n") }, status = { code: EXIT_OK }, argv?: readonly string[]): Command {
  const program = new Command("dact")
    .description("Elementwise activation derivatives over matrices in CSV, TSV, JSON, JSON Lines and .npy, streamed.")
    .version(version(), "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({
      outputError: (str, write) => write(`dact: ${str.replace(/^error: /, "")}`),
    });
  const first = argv?.find((a) => !a.startsWith("-"));
  const versionOnly = argv !== undefined && argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V");
  const known = first !== undefined && (first === "list" || first === "compare" || ACTIVATIONS.some((a) => a.name === first));
  const want = (name: string) => !versionOnly && (!known || name === first);
  for (const act of ACTIVATIONS) if (want(act.name)) program.addCommand(activationCommand(act, io, status).copyInheritedSettings(program));
  if (want("list")) {
    program.addCommand(
      new Command("list")
        .summary("list every activation: derivative, options with defaults, kink conventions")
        .copyInheritedSettings(program)
        .action(() => io.out(listActivations())),
    );
  }
  if (want("compare")) program.addCommand(compareCommand(io, status).copyInheritedSettings(program));
  program.addHelpText("after", () => `${commonOptionsHelp(io, status)}${EXIT_HELP}\n${EXAMPLES}`);
  return program;
}

function onSignal(signal: NodeJS.Signals, code: number): void {
  process.on(signal, () => {
    removeLiveTemps();
    process.exit(code);
  });
}

/** Runs the CLI and returns the exit status. Errors are reported here and nowhere else. */
export async function main(argv: readonly string[]): Promise<number> {
  onSignal("SIGINT", 130);
  onSignal("SIGTERM", 143);
  // Whatever writes to stdout (data, help, list, a report), a reader that
  // went away ends the run quietly; an unhandled EPIPE would print a trace.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") {
      removeLiveTemps();
      process.exit(EXIT_OK);
    }
  });
  process.stderr.on("error", () => {}); // nowhere left to report to
  const status = { code: EXIT_OK };
  const program = buildProgram(undefined, status, argv);
  try {
    await program.parseAsync(argv as string[], { from: "user" });
    return status.code;
  } catch (err) {
    return report(err);
  }
}

export function report(err: unknown): number {
  if (err instanceof BrokenPipe) return EXIT_OK;
  if (err instanceof CommanderError) {
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return EXIT_OK;
    return EXIT_ERROR; // commander has printed the message
  }
  if (err instanceof DactError) {
    process.stderr.write(err.message + "\n");
    return EXIT_ERROR;
  }
  const e = err as Error;
  process.stderr.write(`dact: internal error (this is a bug in dact; please report it): ${e?.stack ?? String(err)}\n`);
  return EXIT_ERROR;
}
