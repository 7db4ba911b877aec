/**
 * --grad-output's value: a number or a file. A number is anything dact
 * reads as a number in a CSV cell (Python's float(): a sign, digits with
 * `_`, an exponent, `inf`/`infinity`/`nan` in any case, whitespace around,
 * decimal digits of any script), so `--grad-output inf` is G = inf as
 * `--grad-output 2.5` is G = 2.5. Anything else is a file; an explicit
 * path (`./inf`, `/data/2.5`) is never a number, so a file whose name is
 * a number spelling is reached that way. The number wins when a file of
 * that name exists too, with a notice naming `./NAME`.
 */
import { existsSync } from "node:fs";
import { DactError } from "./errors.js";
import { CellStatus, cellStatus, formatNumber, parseNumberText } from "./formats/text/number.js";

/** A number written with a decimal comma (`2,5`, `-0,5e-3`): never a number on the command line, which has no --decimal. */
const DECIMAL_COMMA = /^\s*[-+]?(\d[\d_]*,\d*|,\d+)([eE][-+]?\d+)?\s*$/;

/** Notices made while parsing options (a number that is also a file's name), taken once by the command. */
let notices: string[] = [];

/** Parses --grad-output's text: a number (see above), else the text as a path. */
export function gradOption(value: string): string | number {
  if (value.trim() === "") return value;
  const x = parseNumberText(value);
  if (cellStatus !== CellStatus.Number) {
    // "2,5" that is no file's name: a number in a decimal-comma locale, not a missing file.
    if (DECIMAL_COMMA.test(value) && !existsSync(value)) {
      throw new DactError("USAGE", `option --grad-output: found ${JSON.stringify(value)}, a decimal comma, and no file of that name; expected a number with a point (${value.trim().replace(",", ".")}) or a file`);
    }
    return value;
  }
  if (existsSync(value)) notices.push(`dact: --grad-output ${JSON.stringify(value)} is read as the number ${formatNumber(x)}; a file of that name exists: pass ./${value.trim()} to read it`);
  return x;
}

/** The notices gradOption made since the last call. */
export function takeGradNotices(): string[] {
  const n = notices;
  notices = [];
  return n;
}
