/**
 * -o's extension picks the output format. One no format has (out.xlsx,
 * out.pt) would otherwise get the input's bytes under a name that promises
 * something else, so it is a usage error unless --to names the format; a
 * name without an extension (out, out.gz) keeps the input's format.
 */
import * as path from "node:path";
import { DactError } from "./errors.js";
import { formatFromPath, knownExtensions, type Format } from "./formats/index.js";
import { withoutGz } from "./formats/gzip.js";

export function checkOutputExtension(output: string, to: string | undefined): void {
  if (to !== undefined || formatFromPath(output)) return;
  const ext = path.extname(withoutGz(output));
  if (ext.length <= 1) return;
  throw new DactError("USAGE", `option -o ${output}: found the extension ${JSON.stringify(ext)}, which no format has; expected one of ${knownExtensions().join(" ")} (or any of them .gz), or --to FORMAT`);
}

/**
 * A golden's format: its extension's, else --to's, else the input's, as
 * for -o (--check checks what -o would have written). --to that names
 * another format than the golden's extension contradicts the golden: a
 * usage error naming both.
 */
export function goldenFormat(golden: string, to: Format | undefined, input: Format): Format {
  const byExt = formatFromPath(golden);
  if (to && byExt && to !== byExt) {
    throw new DactError("USAGE", `options --to ${to} and --check ${golden}: found two different formats for the golden (${golden} is ${byExt}); expected one (drop --to: the golden's extension decides)`);
  }
  return byExt ?? to ?? input;
}
