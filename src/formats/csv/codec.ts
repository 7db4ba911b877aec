import type { Input, Output } from "../../io.js";
import { formatNumber } from "../text/number.js";
import type { TransformContext } from "../context.js";
import { CsvReader, Ending, type CsvBatch, type HeaderMode } from "./reader.js";

export interface CsvOptions {
  /** One byte: `,` for CSV, tab for TSV, or the user's --delimiter. */
  delimiter: string;
  header: HeaderMode;
}

/** The longest formatNumber output: "-1.7976931348623157e+308" and friends. */
const MAX_NUMBER_CHARS = 25; // plus a delimiter and a CRLF: 28 bytes a cell at most

/**
 * CSV in, CSV out: the same rows, delimiter and line endings, each number
 * replaced by f'(x) in its shortest round-trip form, empty cells kept
 * empty, a header line copied unchanged. Output for each input chunk is
 * written before the next is read, so `| head` returns at once.
 *
 * Rows are formatted straight into one reused byte buffer: building a
 * string per chunk held ropes of small strings and pushed peak RSS past
 * 100 MB.
 */
export async function transformCsv(input: Input, output: Output, ctx: TransformContext, opts: CsvOptions): Promise<void> {
  const { kernel } = ctx;
  const delim = opts.delimiter.charCodeAt(0);
  const OUT = 1 << 20;
  let out = Buffer.allocUnsafe(OUT);
  let len = 0;
  const full: Buffer[] = []; // filled output buffers waiting to be written
  /** Room for `bytes` more; a full buffer is queued and a fresh one started. */
  const room = (bytes: number) => {
    if (len + bytes <= out.length) return;
    if (len > 0) full.push(out.subarray(0, len));
    out = Buffer.allocUnsafe(Math.max(OUT, bytes));
    len = 0;
  };
  const reader = new CsvReader(
    delim,
    opts.header,
    (b: CsvBatch) => {
      const n = b.n;
      if (b.header !== null) {
        room(Buffer.byteLength(b.header) + 2);
        len += out.write(b.header, len, "utf8");
        len = writeEnding(out, len, b.headerEnding);
      }
      // In place: the batch is the reader's scratch, read once, and a second
      // array of the same size doubled peak memory on very wide rows.
      kernel(b.values, b.values, n);
      // In blocks of cells whose worst case fits one output buffer, so a
      // huge batch never asks for its worst case all at once.
      const block = Math.floor(OUT / (MAX_NUMBER_CHARS + 3));
      const at = { col: b.startCell, row: 0 };
      for (let k = 0; k < n; k += block) {
        const to = Math.min(n, k + block);
        room((to - k) * (MAX_NUMBER_CHARS + 3));
        len = formatCells(b, delim, out, len, k, to, at);
      }
    },
    input.name,
    ctx.signOnly ?? false,
  );
  const flush = async () => {
    if (len > 0) {
      full.push(out.subarray(0, len));
      len = 0;
    }
    // Each write resolves when its buffer may be reused, so after the loop
    // `out` (the last of them) is free again.
    for (const b of full) await output.write(b);
    full.length = 0;
  };
  for await (const chunk of input.chunks()) {
    reader.push(chunk);
    await flush();
  }
  reader.end();
  await flush();
}

function writeEnding(out: Buffer, p: number, ending: Ending): number {
  if (ending === Ending.CRLF) out[p++] = 13;
  if (ending !== Ending.None) out[p++] = 10;
  return p;
}

let lastValue = NaN;
let lastText = "NaN";

/**
 * Formats cells [from, to) of a batch into `out` at `p`, returns the new
 * end. `at` is where the cursor stands: the column in the current row, and
 * the batch's row (for its line ending); a row ends when its last column
 * is written.
 */
function formatCells(b: CsvBatch, delim: number, out: Buffer, p: number, from: number, to: number, at: { col: number; row: number }): number {
  const { cols, values, missing, endings } = b;
  let col = at.col;
  let row = at.row;
  for (let k = from; k < to; k++) {
    if (cols === 1 && missing[k] !== 0) {
      // One empty cell would be a blank line, which readers skip: write it
      // as "" so the row survives, as Python's csv.writer does.
      out[p++] = 34;
      out[p++] = 34;
    } else {
      if (col > 0) out[p++] = delim;
      if (missing[k] === 0) {
        const x = values[k]!;
        if (x === 1) out[p++] = 49;
        else if (x === 0 && 1 / x > 0) out[p++] = 48;
        else {
          // Derivatives repeat values (relu's at-zero value, saturated
          // tails): remember the last one formatted.
          if (!Object.is(x, lastValue)) {
            lastValue = x;
            lastText = formatNumber(x);
          }
          for (let i = 0; i < lastText.length; i++) out[p++] = lastText.charCodeAt(i);
        }
      }
    }
    if (++col === cols) {
      p = writeEnding(out, p, endings[row++] as Ending);
      col = 0;
    }
  }
  at.col = col;
  at.row = row;
  return p;
}
