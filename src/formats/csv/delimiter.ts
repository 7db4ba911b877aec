import { DactError } from "../../errors.js";

/** Turns a --delimiter value into one byte; `\t` and `tab` name the tab. */
export function parseDelimiter(s: string): string {
  const d = s === "\\t" || s.toLowerCase() === "tab" ? "\t" : s;
  if (d.length !== 1 || d.charCodeAt(0) > 127 || d === '"' || d === "\n" || d === "\r") {
    throw new DactError("USAGE", `option --delimiter: found ${JSON.stringify(s)}; expected one ASCII character other than a quote or newline (or \\t)`);
  }
  return d;
}
