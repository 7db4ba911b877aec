/** What every command module shares: where output goes, the exit statuses and their help text. */

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
