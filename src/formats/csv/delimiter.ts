import { DactError } from "../../errors.js";
import { WHITESPACE } from "./reader.js";

/**
 * Turns a --delimiter value into one byte; `\t` and `tab` name the tab;
 * `whitespace` (or a single space) means runs of spaces and tabs, as
 * numpy's loadtxt reads np.savetxt's default output.
 */
export function parseDelimiter(s: string): string {
  if (s === " " || s.toLowerCase() === WHITESPACE) return WHITESPACE;
  const d = s === "\\t" || s.toLowerCase() === "tab" ? "\t" : s;
  if (d.length !== 1 || d.charCodeAt(0) > 127 || d === '"' || d === "\n" || d === "\r") {
    throw new DactError("USAGE", `option --delimiter: found ${JSON.stringify(s)}; expected one ASCII character other than a quote or newline, \\t, or whitespace`);
  }
  return d;
}
