import type { Input, Output } from "../../io.js";
import { BufferedWriter } from "../../io.js";
import { formatNumber } from "../text/number.js";
import type { TransformContext } from "../npy/codec.js";
import { CsvReader, Ending, type CsvBatch, type HeaderMode } from "./reader.js";

export interface CsvOptions {
  /** One byte: `,` for CSV, tab for TSV, or the user's --delimiter. */
  delimiter: string;
  header: HeaderMode;
}

const ENDINGS = ["", "\n", "\r\n"];

/**
 * CSV in, CSV out: the same rows, delimiter and line endings, each number
 * replaced by f'(x) in its shortest round-trip form, empty cells kept
 * empty, a header line copied unchanged. Output for each input chunk is
 * written before the next is read, so `| head` returns at once.
 */
export async function transformCsv(input: Input, output: Output, ctx: TransformContext, opts: CsvOptions): Promise<void> {
  const { kernel } = ctx;
  const writer = new BufferedWriter(output, 1 << 20);
  const delim = opts.delimiter;
  let result = new Float64Array(0);
  let pending: string[] = [];
  const reader = new CsvReader(
    delim.charCodeAt(0),
    opts.header,
    (b: CsvBatch) => {
      if (b.header !== null) pending.push(b.header + ENDINGS[b.headerEnding]);
      const n = b.rows * b.cols;
      if (result.length < n) result = new Float64Array(Math.max(n, result.length * 2));
      kernel(b.values, result, n);
      pending.push(formatRows(b, result, delim));
    },
    input.name,
  );
  for await (const chunk of input.chunks()) {
    reader.push(chunk);
    for (const s of pending) await writer.text(s);
    pending = [];
  }
  reader.end();
  for (const s of pending) await writer.text(s);
  await writer.flush();
}

function formatRows(b: CsvBatch, out: Float64Array, delim: string): string {
  const { cols, rows, missing, endings } = b;
  let s = "";
  let k = 0;
  for (let r = 0; r < rows; r++) {
    let line = "";
    for (let c = 0; c < cols; c++, k++) {
      if (c > 0) line += delim;
      if (missing[k] === 0) line += formatNumber(out[k]!);
    }
    s += line + (endings[r] === Ending.CRLF ? "\r\n" : endings[r] === Ending.LF ? "\n" : "");
  }
  return s;
}
