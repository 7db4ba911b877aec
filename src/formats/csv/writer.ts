import { DactError } from "../../errors.js";
import { formatNumber } from "../text/number.js";
import { OutBuffer, shapeText, type ArrayHead, type ArrayWriter, type Values } from "../array.js";
import type { Output } from "../../io.js";
import { Ending } from "./reader.js";

export interface CsvWriterOptions {
  /** One byte: `,` for CSV, tab for TSV, or the user's --delimiter. */
  delimiter: string;
  /** The input's name, for messages. */
  source?: string | undefined;
}

/** The longest formatNumber output: "-1.7976931348623157e+308" and friends. */
const MAX_NUMBER_CHARS = 25; // plus a delimiter and a CRLF: 28 bytes a cell at most
const CELL_BYTES = MAX_NUMBER_CHARS + 3;

let lastValue = NaN;
let lastText = "NaN";

function quoteCell(s: string, delimiter: string): string {
  return s.includes(delimiter) || s.includes('"') || s.includes("\n") || s.includes("\r") ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The one CSV/TSV writer. Every rule for how a value looks in CSV lives
 * here: numbers in shortest round-trip form (`formatNumber`), an empty cell
 * for a missing value, and a row of one empty cell written `""`, as
 * Python's csv module does, so it does not become a blank line that
 * readers skip.
 *
 * The same-format transform drives `header()`/`cells()` with the input's
 * own line endings; conversion drives it as an ArrayWriter (LF endings).
 */
export class CsvWriter implements ArrayWriter {
  readonly out: OutBuffer;
  private readonly delim: number;
  private cols = 1;
  /** Where the cursor stands: the column in the current row, and the row in the current endings array. */
  private col = 0;
  private row = 0;

  constructor(output: Output, private readonly opts: CsvWriterOptions) {
    this.out = new OutBuffer(output);
    this.delim = opts.delimiter.charCodeAt(0);
  }

  /** A header line, copied as it was. */
  headerLine(text: string, ending: Ending): void {
    const o = this.out;
    o.text(text);
    o.room(2);
    o.len = writeEnding(o.buf, o.len, ending);
  }

  /**
   * Cells [from, to) of `values`, in rows of `cols`, continuing the current
   * row at column `startCol` when from is 0. Row k (counted from the first
   * row that ends in this call) ends with `endings[k]`, or LF when null.
   */
  cells(values: Values, missing: Uint8Array | null, n: number, cols: number, startCol: number, endings: Uint8Array | null): void {
    this.cols = cols;
    this.col = startCol;
    this.row = 0;
    // In blocks of cells whose worst case fits one output buffer.
    const block = Math.floor((1 << 20) / CELL_BYTES);
    for (let k = 0; k < n; k += block) {
      const to = Math.min(n, k + block);
      this.out.room((to - k) * CELL_BYTES);
      this.out.len = this.format(values, missing, k, to, endings);
    }
  }

  private format(values: Values, missing: Uint8Array | null, from: number, to: number, endings: Uint8Array | null): number {
    const out = this.out.buf;
    let p = this.out.len;
    const { cols, delim } = this;
    let col = this.col;
    let row = this.row;
    for (let k = from; k < to; k++) {
      const miss = missing !== null && missing[k] !== 0;
      if (cols === 1 && miss) {
        out[p++] = 34;
        out[p++] = 34;
      } else {
        if (col > 0) out[p++] = delim;
        if (!miss) {
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
        p = writeEnding(out, p, endings === null ? Ending.LF : (endings[row++] as Ending));
        col = 0;
      }
    }
    this.col = col;
    this.row = row;
    return p;
  }

  // As an ArrayWriter: rows of the last axis; a vector is one value per
  // line (as np.savetxt writes it), a 0-d array one cell.

  begin(head: ArrayHead): void {
    const s = head.shape;
    if (s.length > 2) {
      throw new DactError("USAGE", `found a ${s.length}-D array of shape ${head.growing ? "(…, " + s.slice(1).join(", ") + ")" : shapeText(s)}; expected at most 2 dimensions for CSV/TSV (pass --reshape rows,cols, e.g. --reshape -1,${s[s.length - 1]})`, this.opts.source);
    }
    this.cols = s.length === 2 ? s[1]! : 1;
    this.col = 0;
    if (head.header && head.header.length === this.cols) {
      const d = this.opts.delimiter;
      this.out.text(head.header.map((h) => quoteCell(h, d)).join(d) + "\n");
    }
  }

  write(values: Values, missing: Uint8Array | null, n: number): void {
    // A row with no cells cannot be written: CSV readers, numpy's included,
    // skip blank lines. An array with no columns is written as no rows.
    if (this.cols === 0) return;
    this.cells(values, missing, n, this.cols, this.col, null);
  }

  flush(): Promise<void> {
    return this.out.flush();
  }

  async end(): Promise<void> {
    await this.out.flush();
  }
}

export function writeEnding(out: Buffer, p: number, ending: Ending): number {
  if (ending === Ending.CRLF) out[p++] = 13;
  if (ending !== Ending.None) out[p++] = 10;
  return p;
}
