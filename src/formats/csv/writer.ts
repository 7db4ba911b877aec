import { DactError } from "../../errors.js";
import { formatPlainCells } from "./cells.js";
import { chunkItems, chunks, chunkSize, Ctl, finish, HELPER_CELLS, Job, offer, PendingText, reserve, textHelpers, textThreads, worth, type TextHelper } from "../../text-parallel.js";
import { formatDefault, formatRepr } from "../text/repr.js";
import { formatPrintf, maxPrintfChars, writePrintf, type Printf } from "../text/printf.js";
import { Ending, writeEnding } from "../text/ending.js";
import { OutBuffer, shapeText, type ArrayHead, type ArrayWriter, type RowExtras, type Values } from "../array.js";
import type { Output } from "../../io.js";

export interface CsvWriterOptions {
  /** One byte: `,` for CSV, tab for TSV, space for whitespace-separated input, or the user's --delimiter. */
  delimiter: string;
  /** The decimal separator written: "." or "," (--decimal). */
  decimal?: "." | "," | undefined;
  /** The input's name, for messages. */
  source?: string | undefined;
  /** --float-format: a printf conversion; null or absent: the default layout (repr.ts). */
  floatFormat?: Printf | null | undefined;
  /**
   * Large batches are formatted on a helper while this thread reads on
   * (offerPipelined): for a caller that ends with end() on success and
   * text-parallel's settle() on failure, so that the bytes are one thread's either way.
   */
  pipeline?: boolean | undefined;
}

/** The longest default-layout number: "-1.7976931348623157e+308" and friends. */
const MAX_NUMBER_CHARS = 25; // plus a delimiter and a CRLF: 28 bytes a cell at most

/** A block of at least this many cells is formatted in parts on helper threads (with --threads above 1). */
const SPLIT_CELLS = Number(process.env.DACT_TEXT_SPLIT_CELLS) || 1 << 14;
/** Cells a chunk of a pipelined block wants (PendingText, chunkItems). */
const CHUNK_CELLS = chunkItems(process.env.DACT_TEXT_CHUNK_CELLS);

function quoteCell(s: string, delimiter: string): string {
  return s.includes(delimiter) || s.includes('"') || s.includes("\n") || s.includes("\r") ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The one CSV/TSV writer. Every rule for how a value looks in CSV lives
 * here: numbers as Python's repr writes them (repr.ts: the shortest
 * round-trip digits; a float32 array's own shortest digits) or by
 * --float-format (printf.ts), with the decimal separator asked for (a
 * decimal comma with a comma delimiter: quoted, as pandas does), an empty cell for an empty input cell, an
 * NA token (NA, NULL, #N/A...) copied back as it was, a row of one empty
 * cell written `""` (as Python's csv module does, so it does not become a
 * blank line that readers skip), label columns passed through, comment
 * lines kept in place.
 *
 * The same-format transform drives `headerLine()`/`cells()` with the
 * input's own line endings; conversion drives it as an ArrayWriter (LF).
 */
export class CsvWriter implements ArrayWriter {
  readonly out: OutBuffer;
  private readonly delim: number;
  private readonly point: number;
  private cols = 1;
  /** Where the cursor stands: the column in the current row, and the row in the current endings array. */
  private col = 0;
  private row = 0;
  private naTokens: readonly string[] = [];
  private labelCols: readonly number[] = [];
  /** The text of a number when not the float64 default layout (float32 and float16 arrays, --float-format); null: the byte-writing fast path. */
  private textOf: ((x: number) => string) | null = null;
  /** --float-format, for its byte-writing path (writePrintf); null without it. */
  private printf: Printf | null = null;
  /** The most bytes a cell takes: a number, a delimiter, a CRLF. */
  private cellBytes = MAX_NUMBER_CHARS + 3;
  /** The last number made by textOf or the fallback, and its text: derivatives repeat values (relu's at-zero value, saturated tails). */
  private lastValue = NaN;
  private lastText = "NaN";

  constructor(output: Output, private readonly opts: CsvWriterOptions) {
    this.out = new OutBuffer(output);
    this.delim = opts.delimiter.charCodeAt(0);
    this.point = opts.decimal === "," ? 44 : 46;
    this.style("f8");
  }

  /** Picks how numbers are written for an array of this dtype. */
  private style(dtype: string): void {
    const f = this.opts.floatFormat;
    const comma = this.point === 44;
    this.printf = f ?? null;
    if (f) {
      this.textOf = (x) => formatPrintf(x, f, this.point);
      this.cellBytes = Math.max(maxPrintfChars(f), 30) + 3;
    } else if (dtype === "f4" || dtype === "f2") {
      this.textOf = comma ? (x) => formatDefault(x, dtype).replace(".", ",") : (x) => formatDefault(x, dtype);
      this.cellBytes = MAX_NUMBER_CHARS + 3;
    } else {
      this.textOf = null;
      this.cellBytes = MAX_NUMBER_CHARS + 3;
    }
    if (comma && this.delim === 44) {
      // A decimal comma between commas: a number with a comma in it is
      // quoted ("0,5"), as pandas' to_csv(decimal=",") writes it (Python's
      // csv QUOTE_MINIMAL) and read_csv(decimal=",") reads it back; one
      // without (1e-07, inf, NaN) is not. Through the string path only.
      const base = this.textOf ?? ((x: number) => formatRepr(x).replace(".", ","));
      this.textOf = (x) => {
        const t = base(x);
        return t.includes(",") ? `"${t}"` : t;
      };
      this.printf = null;
      this.cellBytes += 2;
    }
    // The cache starts with NaN and its text in this style.
    this.lastValue = NaN;
    this.lastText = this.text(NaN);
  }

  /** The text of one number (the label path and the fallback). */
  private text(x: number): string {
    if (this.textOf) return this.textOf(x);
    return this.point === 46 ? formatRepr(x) : formatRepr(x).replace(".", ",");
  }

  /**
   * A block a helper formats while this thread reads and computes the next
   * (pipelined: its bytes go next in the output, collect()); null when none.
   */
  private pending: PendingText | null = null;

  /** Appends the pending block's bytes: the helper's, or formatted here if it never took the job. */
  private collect(): void {
    const job = this.pending;
    this.pending = null;
    job?.take(this.out);
  }

  /**
   * Cells [from, n) on a helper while this thread goes on (a pipeline: the
   * formatting of one batch beside the reading and computing of the next,
   * where splitting each block between threads that join before the next
   * kept the helper idle most of the time). The whole rows only: a row
   * continued from the last batch is finished here first. False when it
   * does not apply (the caller formats them itself).
   */
  private offerPipelined(values: Values, missing: Uint8Array | null, from: number, n: number, endings: Uint8Array | null): boolean {
    if (this.opts.pipeline !== true) return false;
    this.collect();
    const cols = this.cols;
    // a: the first row start; cells [from, a) finish a row continued from the last batch.
    const a = this.col === 0 ? from : Math.min(n, from + cols - this.col);
    if (this.textOf !== null || this.naTokens.length > 0 || this.labelCols.length > 0 || n - a < SPLIT_CELLS || n - a > HELPER_CELLS || textThreads() <= 1 || !worth(values, from, n)) return false;
    const h = reserve();
    if (h === null) return false;
    if (a > from) {
      this.out.room((a - from) * this.cellBytes);
      this.out.len = this.format(values, missing, from, a, endings);
    }
    const count = n - a;
    // Chunks of whole rows, of CHUNK_CELLS cells or more (one row when rows are longer).
    const size = chunkSize(count, cols, CHUNK_CELLS);
    this.offerCells(h, values, missing, endings, a, n, this.row, size);
    const m8 = missing === null ? null : h.m8;
    const e8 = endings === null ? null : h.e8;
    const { delim, point } = this;
    this.pending = new PendingText(h, Ctl.Arg + 6, size * this.cellBytes, (j, buf, p) => {
      const from = j * size;
      return formatPlainCells(h.f64, m8, from, Math.min(count, from + size), buf, p, cols, { col: 0, row: from / cols }, e8, delim, point, []);
    });
    // Where the cursor stands after those cells, as format() would leave it.
    this.row += Math.floor((n - a) / cols);
    this.col = (n - a) % cols;
    return true;
  }

  /** A line copied as it was (a header, a comment). */
  headerLine(text: string, ending: Ending): void {
    this.collect();
    const o = this.out;
    o.text(text);
    o.room(2);
    o.len = writeEnding(o.buf, o.len, ending);
  }

  /**
   * Cells [0, n) of `values`, in rows of `cols` numeric cells, continuing
   * the current row at column `startCol`. Row k (counted from the first
   * row that ends in this call) ends with `endings[k]`, or LF when null.
   * `extras` brings the tokens of missing cells, label cells (whole rows
   * then) and comment lines to put before given rows.
   */
  cells(values: Values, missing: Uint8Array | null, n: number, cols: number, startCol: number, endings: Uint8Array | null, extras?: RowExtras | null): void {
    this.collect();
    this.cols = cols;
    this.col = startCol;
    this.row = 0;
    if (extras) {
      this.naTokens = extras.naTokens;
      this.labelCols = extras.labelCols;
    }
    const comments = extras?.comments ?? [];
    let from = 0;
    for (const c of comments) {
      if (c.row < 0) {
        this.headerLine(c.text, c.ending);
        continue;
      }
      // The cells of the rows before this comment (a comment starts a line,
      // so a row continued from the last batch has ended by then), then it.
      const to = Math.min(n, Math.max(from, c.row * cols - startCol));
      this.block(values, missing, from, to, endings, extras);
      from = to;
      this.headerLine(c.text, c.ending);
    }
    this.block(values, missing, from, n, endings, extras);
  }

  private block(values: Values, missing: Uint8Array | null, from: number, n: number, endings: Uint8Array | null, extras?: RowExtras | null): void {
    if (this.labelCols.length > 0 && extras) {
      this.labelled(values, missing, from, n, endings, extras.labels);
      return;
    }
    if (this.offerPipelined(values, missing, from, n, endings)) return;
    // In blocks of cells whose worst case fits one output buffer.
    const block = Math.max(1, Math.floor((1 << 20) / this.cellBytes));
    for (let k = from; k < n; k += block) {
      const to = Math.min(n, k + block);
      this.out.room((to - k) * this.cellBytes);
      // Large blocks of the float64 default layout in parts on helper
      // threads; NA tokens (written by this thread alone) keep a block whole.
      this.out.len = this.textOf === null && to - k >= SPLIT_CELLS && this.naTokens.length === 0 ? this.formatSplit(values, missing, k, to, endings) : this.format(values, missing, k, to, endings);
    }
  }

  /**
   * format() in parts split at row starts: the helpers (text-parallel.ts)
   * format the later parts from shared copies while this thread formats
   * the first; their bytes follow this thread's, in order. The helpers run
   * the same function (cells.ts), so the bytes are format()'s.
   */
  private formatSplit(values: Values, missing: Uint8Array | null, from: number, to: number, endings: Uint8Array | null): number {
    const hs = textThreads() > 1 && worth(values, from, to) ? textHelpers() : null;
    if (hs === null) return this.format(values, missing, from, to, endings);
    const cols = this.cols;
    const size = Math.ceil((to - from) / (hs.length + 1));
    // cuts[i]: where part i starts, at the start of a row (or at `to`).
    const cuts = [from];
    for (let i = 1; i <= hs.length; i++) {
      let m = from + size * i;
      const r = (this.col + m - from) % cols;
      if (r !== 0) m += cols - r;
      cuts.push(Math.min(to, Math.max(m, cuts[i - 1]!)));
    }
    cuts.push(to);
    const offered: boolean[] = [];
    for (let i = 0; i < hs.length; i++) {
      const a = cuts[i + 1]!;
      const b = cuts[i + 2]!;
      offered.push(b > a && b - a <= HELPER_CELLS);
      if (!offered[i]) continue;
      this.offerCells(hs[i]!, values, missing, endings, a, b, this.row + (this.col + a - from) / cols);
    }
    this.out.len = this.format(values, missing, from, cuts[1]!, endings);
    for (let i = 0; i < hs.length; i++) {
      const a = cuts[i + 1]!;
      const b = cuts[i + 2]!;
      if (b <= a) continue;
      const h = hs[i]!;
      if (offered[i] && finish(h)) {
        const c = h.ctrl;
        const len = c[Ctl.Arg + 6]!;
        this.out.buf.set(h.bytes.subarray(0, len), this.out.len);
        this.out.len += len;
        this.col = c[Ctl.Arg + 7]!;
        this.row += c[Ctl.Arg + 8]!;
      } else this.out.len = this.format(values, missing, a, b, endings);
    }
    return this.out.len;
  }

  /** Cells [a, b) (a at a row's start, row `row` of `endings`) copied to helper h's shared arrays, and offered for formatting. */
  private offerCells(h: TextHelper, values: Values, missing: Uint8Array | null, endings: Uint8Array | null, a: number, b: number, row: number, chunk = 0): void {
    if (ArrayBuffer.isView(values)) h.f64.set((values as Float64Array).subarray(a, b));
    else for (let k = a; k < b; k++) h.f64[k - a] = values[k]!;
    if (missing !== null) h.m8.set(missing.subarray(a, b));
    if (endings !== null) h.e8.set(endings.subarray(row, Math.min(endings.length, row + Math.ceil((b - a) / this.cols))));
    const c = h.ctrl;
    c[Ctl.Arg] = b - a;
    c[Ctl.Arg + 1] = this.cols;
    c[Ctl.Arg + 2] = missing === null ? 0 : 1;
    c[Ctl.Arg + 3] = endings === null ? 0 : 1;
    c[Ctl.Arg + 4] = this.delim;
    c[Ctl.Arg + 5] = this.point;
    chunks(h, chunk, chunk === 0 ? 0 : Math.ceil((b - a) / chunk));
    offer(h, Job.Format);
  }

  private format(values: Values, missing: Uint8Array | null, from: number, to: number, endings: Uint8Array | null): number {
    const out = this.out.buf;
    let p = this.out.len;
    const { cols, delim, point, textOf, printf } = this;
    // The float64 default layout: the pure function the helper threads share (cells.ts).
    if (textOf === null) {
      const cur = { col: this.col, row: this.row };
      p = formatPlainCells(values, missing, from, to, out, p, cols, cur, endings, delim, point, this.naTokens);
      this.col = cur.col;
      this.row = cur.row;
      return p;
    }
    let col = this.col;
    let row = this.row;
    let lastValue = this.lastValue;
    let lastText = this.lastText;
    for (let k = from; k < to; k++) {
      const miss = missing === null ? 0 : missing[k]!;
      if (cols === 1 && miss === 1) {
        out[p++] = 34;
        out[p++] = 34;
      } else {
        if (col > 0) out[p++] = delim;
        if (miss === 0) {
          const x = values[k]!;
          let q = -1;
          if (printf !== null && (q = writePrintf(x, printf, out, p, point)) >= 0) p = q;
          else {
            if (!Object.is(x, lastValue)) {
              lastValue = x;
              lastText = textOf(x);
            }
            for (let i = 0; i < lastText.length; i++) out[p++] = lastText.charCodeAt(i);
          }
        } else if (miss > 1) p += out.write(this.naTokens[miss - 2] ?? "", p, "utf8");
      }
      if (++col === cols) {
        p = writeEnding(out, p, endings === null ? Ending.LF : (endings[row++] as Ending));
        col = 0;
      }
    }
    this.col = col;
    this.row = row;
    this.lastValue = lastValue;
    this.lastText = lastText;
    return p;
  }

  /** Whole rows with label columns: label cells as they were, at their places. */
  private labelled(values: Values, missing: Uint8Array | null, from: number, to: number, endings: Uint8Array | null, labels: readonly string[]): void {
    const cols = this.cols;
    const nl = this.labelCols.length;
    const d = this.opts.delimiter;
    for (let k = from; k < to; k += cols) {
      const r = (k / cols) | 0;
      let line = "";
      let num = 0;
      for (let c = 0, li = 0; c < cols + nl; c++) {
        if (c > 0) line += d;
        if (li < nl && this.labelCols[li] === c) line += quoteCell(labels[r * nl + li++] ?? "", d);
        else {
          const m = missing === null ? 0 : missing[k + num]!;
          const x = values[k + num]!;
          num++;
          line += m === 1 ? "" : m > 1 ? (this.naTokens[m - 2] ?? "") : this.text(x);
        }
      }
      this.out.text(line);
      this.out.room(2);
      this.out.len = writeEnding(this.out.buf, this.out.len, endings === null ? Ending.LF : (endings[this.row++] as Ending));
    }
  }

  // As an ArrayWriter: rows of the last axis; a vector is one value per
  // line (as np.savetxt writes it), a 0-d array one cell.

  begin(head: ArrayHead): void {
    this.collect();
    const s = head.shape;
    if (s.length > 2) {
      throw new DactError("USAGE", `found a ${s.length}-D array of shape ${head.growing ? "(…, " + s.slice(1).join(", ") + ")" : shapeText(s)}; expected at most 2 dimensions for CSV/TSV (pass --reshape rows,cols, e.g. --reshape -1,${s[s.length - 1]})`, this.opts.source);
    }
    this.cols = s.length === 2 ? s[1]! : 1;
    this.col = 0;
    this.style(head.dtype);
    this.naTokens = head.naTokens ?? [];
    this.labelCols = s.length === 2 ? (head.labelCols ?? []) : [];
    const width = this.cols + this.labelCols.length;
    if (head.header && head.header.length === width) {
      const d = this.opts.delimiter;
      this.out.text(head.header.map((h) => quoteCell(h, d)).join(d) + "\n");
    }
  }

  write(values: Values, missing: Uint8Array | null, n: number, extras?: RowExtras | null): void {
    // A row with no cells cannot be written: CSV readers, numpy's included,
    // skip blank lines. An array with no columns is written as no rows.
    if (this.cols === 0) return;
    this.row = 0;
    const x = extras ? { ...extras, comments: [] } : null;
    this.cells(values, missing, n, this.cols, this.col, null, x);
  }

  /**
   * Writes what is formatted. A pending block (offerPipelined) stays with
   * its helper unless it is done already: end() takes it, and every call
   * that writes takes it first, so the bytes keep their order.
   */
  flush(): Promise<void> {
    if (this.pending?.done) this.collect();
    return this.out.flush();
  }

  async end(): Promise<void> {
    this.collect();
    await this.out.flush();
  }
}
