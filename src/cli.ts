import { readFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import { ACTIVATIONS, resolveParams } from "./activations/registry.js";
import type { Activation } from "./activations/types.js";
import { BrokenPipe, DactError } from "./errors.js";
import { FORMATS, parseFormat } from "./formats/detect.js";
import { removeLiveTemps, STDIO } from "./io.js";
import { runDerivative } from "./pipeline.js";
import { parseDelimiter } from "./formats/csv/delimiter.js";

export const EXIT_OK = 0;
/** Reserved for "differences found" in compare mode. */
export const EXIT_DIFFERENT = 1;
export const EXIT_ERROR = 2;

const EXIT_HELP = `
Exit status:
  0  success
  1  (reserved) differences found by a comparison
  2  any error: usage, unreadable or bad input, unwritable output`;

const EXAMPLES = `
Examples:
  dact relu in.npy -o out.npy               # file to file, atomic
  dact relu --at-zero 0.5 in.npy > out.npy  # np.heaviside(x, 0.5)
  cat in.npy | dact relu | head -c 100      # stdin to stdout, pipe safe`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

type Run = (act: Activation, input: string, opts: Record<string, string | boolean | undefined>) => Promise<void>;

function activationCommand(act: Activation, run: Run): Command {
  const cmd = new Command(act.name)
    .summary(act.summary)
    .description(`${act.summary}\n\nderivative: ${act.formula}\nat kinks:   ${act.kinks}`)
    .argument("[input]", "input file, or - for stdin", STDIO)
    .option("-o, --output <path>", "output file, or - for stdout (written atomically)", STDIO)
    .addOption(new Option("--format <format>", "input format; default: from the extension, then the content").choices(FORMATS as unknown as string[]))
    .option("--delimiter <char>", "CSV/TSV cell delimiter, one character or \\t (default: tab for .tsv/.tab, else comma)")
    .option("--header", "CSV/TSV: the first row is a header (default: only if none of its cells is a number)")
    .option("--no-header", "CSV/TSV: the first row is data");
  for (const p of act.params) {
    cmd.option(`--${p.flag} <${p.choices ? p.choices.join("|") : "number"}>`, `${p.description} (default: ${p.default})`);
  }
  cmd.addHelpText("after", EXIT_HELP);
  cmd.action(async (input: string, opts: Record<string, string | boolean | undefined>) => run(act, input, opts));
  return cmd;
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

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function buildProgram(): Command {
  const program = new Command("dact")
    .description("Elementwise activation derivatives over matrices in CSV, TSV, JSON, JSON Lines and .npy, streamed.")
    .version(version(), "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({
      outputError: (str, write) => write(`dact: ${str.replace(/^error: /, "")}`),
    });
  const run = async (act: Activation, input: string, opts: Record<string, string | boolean | undefined>) => {
    const raw: Record<string, string | undefined> = {};
    for (const p of act.params) raw[p.flag] = opts[camel(p.flag)] as string | undefined;
    const params = resolveParams(act, raw);
    await runDerivative({
      activation: act,
      params,
      input,
      output: (opts["output"] as string | undefined) ?? STDIO,
      format: opts["format"] ? parseFormat(opts["format"] as string) : undefined,
      delimiter: opts["delimiter"] !== undefined ? parseDelimiter(opts["delimiter"] as string) : undefined,
      header: opts["header"] === undefined ? "auto" : opts["header"] ? "yes" : "no",
    });
  };
  for (const act of ACTIVATIONS) program.addCommand(activationCommand(act, run).copyInheritedSettings(program));
  program.addCommand(
    new Command("list")
      .summary("list every activation: derivative, options with defaults, kink conventions")
      .copyInheritedSettings(program)
      .action(() => {
        process.stdout.write(listActivations());
      }),
  );
  program.addHelpText("after", `${EXIT_HELP}\n${EXAMPLES}`);
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
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[], { from: "user" });
    return EXIT_OK;
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
