/** What every command module shares: where output goes, the exit statuses and their help text. */
import type { Command } from "commander";
import { DactError } from "../errors.js";

export interface Io {
  out(s: string): void;
  err(s: string): void;
}

/** The run's exit status, set by a command's action. */
export interface Status {
  code: number;
}

export const EXIT_OK = 0;
/** Differences found by compare or --check. */
export const EXIT_DIFFERENT = 1;
export const EXIT_ERROR = 2;

export const EXIT_HELP = `
Exit status:
  0  success (and for compare/--check: no differences)
  1  compare/--check: differences found
  2  any error: usage, unreadable or bad input, unwritable output, shapes that differ
  129, 130, 131, 143  interrupted by SIGHUP, SIGINT, SIGQUIT, SIGTERM (temporary files removed)`;

/**
 * An option that takes a value, given twice (`-o a.csv -o b.csv`, `--order 1
 * --order 2`), or a flag with its negation (`--header --no-header`), is a
 * usage error: commander keeps the last one silently. Options whose help
 * says "repeatable" collect their values; a flag given twice the same way
 * (`-q -q`) says the same thing twice and is fine.
 */
export function onceEach<C extends Command>(cmd: C): C {
  const seen = new Map<string, string>();
  for (const o of cmd.options) {
    if (/repeatable/.test(o.description)) continue;
    const flag = o.short && o.long ? `${o.short}/${o.long}` : (o.long ?? o.short ?? o.flags);
    cmd.on(`option:${o.name()}`, () => {
      const key = o.attributeName();
      const before = seen.get(key);
      if (before !== undefined && (o.required || o.optional || before !== flag)) {
        throw new DactError("USAGE", before === flag ? `option ${flag}: found it twice; expected it once (commander would keep the last silently)` : `options ${before} and ${flag}: found both; expected one of them`);
      }
      seen.set(key, flag);
    });
  }
  return cmd;
}
