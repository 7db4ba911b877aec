import { Command } from "commander";
import { DactError } from "../errors.js";
import { EXIT_OK, type Io, type Status } from "./shared.js";

interface ReviewOpts {
  accept?: string | boolean;
  reject?: string | boolean;
}

/** One key from a terminal in raw mode (Ctrl-C: q). */
async function readKey(): Promise<string> {
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.resume();
  try {
    return await new Promise<string>((resolve) => stdin.once("data", (b: Buffer) => resolve(b[0] === 3 ? "q" : b.toString("utf8").toLowerCase())));
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}

export function reviewCommand(io: Io, status: Status, keys: () => Promise<string> = readKey, tty = () => process.stdin.isTTY === true): Command {
  return new Command("review")
    .summary("accept or reject pending goldens (NAME.new.EXT, written by --pending)")
    .description(
      "Lists each pending golden under DIR (default: .) with its comparison against the golden (shapes, the count and largest differences with their indices, the mismatch map). On a terminal, one key per file: a accept (rename it over the golden), r reject (remove it), s skip, q quit. --accept or --reject does every file at once, or those whose golden path (relative to DIR) matches GLOB. Refused when CI is set.",
    )
    .argument("[dir]", "the folder to look in, recursively", ".")
    .option("--accept [glob]", "accept every pending golden (or those matching GLOB)")
    .option("--reject [glob]", "reject every pending golden (or those matching GLOB)")
    .action(async (dir: string, opts: ReviewOpts) => {
      const { findPending, summary, accept, reject } = await import("../review.js");
      const { isCI } = await import("../golden.js");
      if (opts.accept !== undefined && opts.reject !== undefined && (opts.accept === true || opts.reject === true)) {
        throw new DactError("USAGE", "options --accept and --reject: found both for every file; expected one, or a glob for each");
      }
      const { minimatch } = await import("minimatch");
      const matches = (rel: string, g: string | boolean | undefined) => g === true || (typeof g === "string" && minimatch(rel, g, { dot: true, matchBase: !g.includes("/") }));
      const all = findPending(dir);
      const decided = opts.accept !== undefined || opts.reject !== undefined;
      if ((decided || tty()) && isCI()) throw new DactError("USAGE", "dact review: CI is set; expected pending goldens to be reviewed outside CI (a run under CI never writes them)");
      let accepted = 0;
      let rejected = 0;
      let skipped = 0;
      for (const p of all) {
        io.out(await summary(p, io.err));
        if (decided) {
          const a = matches(p.rel, opts.accept);
          const r = matches(p.rel, opts.reject);
          if (a && r) throw new DactError("USAGE", `${p.pending}: matches both --accept and --reject; expected one`);
          if (a) {
            accept(p);
            accepted++;
            io.err(`accepted ${p.golden}`);
          } else if (r) {
            reject(p);
            rejected++;
            io.err(`rejected ${p.pending}`);
          } else skipped++;
          continue;
        }
        if (!tty()) {
          skipped++;
          continue;
        }
        io.err(`${p.golden}: [a]ccept, [r]eject, [s]kip, [q]uit? `);
        let key = await keys();
        while (!["a", "r", "s", "q"].includes(key)) key = await keys();
        if (key === "q") {
          skipped += all.length - accepted - rejected - skipped;
          break;
        }
        if (key === "a") {
          accept(p);
          accepted++;
          io.err(`accepted ${p.golden}`);
        } else if (key === "r") {
          reject(p);
          rejected++;
          io.err(`rejected ${p.pending}`);
        } else skipped++;
      }
      io.err(all.length === 0 ? `no pending goldens under ${dir}` : `${accepted} accepted, ${rejected} rejected, ${skipped} left pending`);
      status.code = EXIT_OK;
    });
}
