/**
 * The command line: builds the commander program from the command modules
 * (commands/), runs it, and maps every error to an exit status in one
 * place, report().
 */
import { Command, CommanderError } from "commander";
import { ACTIVATIONS } from "./activations/registry.js";
import { activationCommand } from "./commands/activation.js";
import { compareCommand } from "./commands/compare.js";
import { completionCommand } from "./commands/completion.js";
import { reviewCommand } from "./commands/review.js";
import { mergeReportsCommand } from "./commands/merge-reports.js";
import { listActivations, listCommand } from "./commands/list.js";
import { EXIT_ERROR, EXIT_HELP, EXIT_OK, onceEach, type Io, type Status } from "./commands/shared.js";
import { BrokenPipe, DactError, escapeControls } from "./errors.js";
import { suggestActivations } from "./suggest.js";
import { version } from "./version.js";
import { cleanupForExit } from "./io.js";

export { EXIT_DIFFERENT, EXIT_ERROR, EXIT_OK } from "./commands/shared.js";
export { listActivations };
/** For bin/dact.js: what a signal handler does before exiting (temporary files, blocked FIFO opens). */
export { cleanupForExit };

const EXAMPLES = `
Examples:
  dact relu in.npy -o out.npy                    # file to file, atomic
  dact relu --at-zero 0.5 in.npy > out.npy       # np.heaviside(x, 0.5)
  cat in.csv | dact gelu | head                  # stdin to stdout, pipe safe
  dact relu a.npy b.csv data/*.json --out-dir g/ # batch, in parallel
  dact relu m.csv -o m.npy                       # convert on the way (from -o's extension)
  dact relu x.npy --check golden.npy             # compute and compare
  dact compare out.npy golden.csv --rtol 1e-6    # golden-file check
  dact list                                      # every activation`;


/** The options every activation takes, for the top-level --help (from the same definitions). */
function commonOptionsHelp(io: Io, status: Status): string {
  const sample = activationCommand(ACTIVATIONS[0]!, io, status);
  const own = new Set(ACTIVATIONS[0]!.params.map((p) => `--${p.flag}`));
  const opts = sample.options.filter((o) => !own.has(o.long ?? ""));
  const width = Math.max(...opts.map((o) => o.flags.length));
  return `\nOptions of every activation (dact <activation> --help for its own, dact list for all):\n${opts.map((o) => `  ${o.flags.padEnd(width)}  ${o.description}`).join("\n")}\n`;
}

/**
 * The commander program. Given argv, it builds only the subcommand named
 * there (all of them for help or an unknown name): 22 subcommands of ~20
 * options each are a measurable part of start-up.
 */
export function buildProgram(io: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(escapeControls(s) + "\n") }, status: Status = { code: EXIT_OK }, argv?: readonly string[]): Command {
  const program = new Command("dact")
    .description("Elementwise activation derivatives over matrices in CSV, TSV, JSON, JSON Lines and .npy, streamed.")
    .version(`dact ${version()}`, "-V, --version")
    .exitOverride()
    .configureOutput({
      outputError: (str, write) => write(commanderMessage(str)),
    });
  const first = argv?.find((a) => !a.startsWith("-"));
  const versionOnly = argv !== undefined && argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V");
  const known = first !== undefined && ((SUBCOMMANDS as readonly string[]).includes(first) || ACTIVATIONS.some((a) => a.name === first));
  const want = (name: string) => !versionOnly && (!known || name === first);
  for (const act of ACTIVATIONS) if (want(act.name)) program.addCommand(onceEach(activationCommand(act, io, status)).copyInheritedSettings(program));
  const subcommands: Record<(typeof SUBCOMMANDS)[number], () => Command> = {
    list: () => listCommand(io),
    compare: () => compareCommand(io, status),
    review: () => reviewCommand(io, status),
    "merge-reports": () => mergeReportsCommand(io, status),
    completion: () => completionCommand(io, status),
  };
  for (const name of SUBCOMMANDS) if (want(name)) program.addCommand(onceEach(subcommands[name]()).copyInheritedSettings(program));
  program.addHelpText("after", () => `${commonOptionsHelp(io, status)}${EXIT_HELP}\n${EXAMPLES}`);
  return program;
}

/**
 * commander's error text as one escaped line, its suggestion and the help
 * hint inside it, as every other usage error is one line (commander's own
 * showHelpAfterError would print the hint on a line of its own): a user's
 * argument may hold any character.
 */
export function commanderMessage(str: string): string {
  let body = str.replace(/\n$/, "").replace(/^error: /, "");
  // commander puts its suggestion (made of option names, not the user's text)
  // on a line of its own; dact's other suggestions sit inside the one line.
  const suggestion = /\n\(Did you mean (.*)\?\)$/.exec(body);
  if (suggestion) body = body.slice(0, suggestion.index);
  return `dact: ${escapeControls(body)} (${suggestion ? `did you mean ${suggestion[1]}? ` : ""}run with --help for usage)\n`;
}

function onSignal(signal: NodeJS.Signals, code: number): void {
  process.on(signal, () => {
    cleanupForExit();
    process.exit(code);
  });
}

/** Runs the CLI and returns the exit status. Errors are reported here and nowhere else. */
export async function main(argv: readonly string[]): Promise<number> {
  // 128 + the signal's number, as a shell reports a process it killed.
  onSignal("SIGHUP", 129);
  onSignal("SIGINT", 130);
  onSignal("SIGQUIT", 131);
  onSignal("SIGTERM", 143);
  // Whatever writes to stdout (data, help, list, a report), a reader that
  // went away ends the run quietly; an unhandled EPIPE would print a trace.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") {
      cleanupForExit();
      process.exit(EXIT_OK);
    }
  });
  process.stderr.on("error", () => {}); // nowhere left to report to
  const status: Status = { code: EXIT_OK };
  const program = buildProgram(undefined, status, argv);
  try {
    unknownCommand(argv);
    await program.parseAsync(argv as string[], { from: "user" });
    return status.code;
  } catch (err) {
    return report(err);
  }
}

/** The subcommands buildProgram registers besides the activations (one list: the unknown-command message names them all). */
const SUBCOMMANDS = ["list", "compare", "review", "merge-reports", "completion"] as const;
const COMMANDS = [...SUBCOMMANDS, "help"];

/** An unknown subcommand gets a "did you mean" (commander says only "unknown command"). */
function unknownCommand(argv: readonly string[]): void {
  const first = argv.find((a) => !a.startsWith("-"));
  if (first === undefined || COMMANDS.includes(first) || ACTIVATIONS.some((a) => a.name === first)) return;
  const like = suggestActivations(first, COMMANDS);
  const hint = like.length ? `did you mean ${like.join(" or ")}? ` : "";
  throw new DactError("USAGE", `unknown activation or command ${JSON.stringify(first)}${hint ? ` (${hint.trim()})` : ""}; expected one of the ${ACTIVATIONS.length} activations that dact list shows, or ${SUBCOMMANDS.join(", ")}`);
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
