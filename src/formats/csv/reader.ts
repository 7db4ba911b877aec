import { parse as csvParseSync } from "csv-parse/sync";
import { DactError, shown } from "../../errors.js";
import { bomLength, Ending, maybeBomPrefix } from "../text/ending.js";
import { TextGuard } from "../binary.js";
import { grow } from "../../grow.js";
import { Ctl, finish, helped, HELPER_BYTES, Job, offer, textHelpers, type TextHelper } from "../../text-parallel.js";
import { CellStatus, cellEnd, cellStatus, nearNumberHint, parseNumberBytes, parseNumberText } from "../text/number.js";
import { csvRows, wasmDelimiter } from "../../wasm/text.js";

export { Ending } from "../text/ending.js";

import type { HeaderMode } from "../../types.js";

export type { HeaderMode };

/** --delimiter whitespace: cells split at runs of spaces and tabs, as numpy's loadtxt(delimiter=None). */
export const WHITESPACE = "whitespace";

/** pandas' default NA strings (pandas._libs.parsers.STR_NA_VALUES, pandas 3), the empty cell aside. */
export const PANDAS_NA = ["#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"];

/**
 * Excel's error values. They are cells, never comment lines (a row may
 * start with one, as with #N/A). As pandas reads them (a string, so its
 * column is object dtype), a column whose first data cell is one holds
 * text; later in a numeric column it is an error that suggests
 * --na-values, pandas' na_values, to read it as missing.
 */
export const EXCEL_ERRORS = ["#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#N/A", "#SPILL!", "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"];
const EXCEL_ERROR_SET = new Set(EXCEL_ERRORS);

/**
 * Label columns, passed through as text instead of differentiated:
 * "auto" takes the first column when the header's first cell is empty
 * (pandas' to_csv index, R's write.csv row names); "none" takes none; or
 * the columns by 0-based number or by header name.
 */
export type LabelSpec = "auto" | "none" | readonly (number | string)[];

/**
 * --columns: the only columns differentiated, by 0-based number, header
 * name, or a range of numbers [from, to) as Python slices them (`2:5` is
 * 2, 3, 4; an open end runs to the edge). The other columns pass through
 * as labels.
 */
export type ColumnSpec = readonly (number | string | { from: number; to: number | null })[];

/** How a text file is read, beyond its delimiter: one definition for the reader, the codec and the registry. */
export interface CsvTextOptions {
  /** The longest line (or, in a streaming line, cell) held in memory (--max-line-size); default MAX_LINE. */
  maxLine?: number | undefined;
  /** The decimal separator (--decimal): "." (default) or "," (pandas' decimal=","). */
  decimal?: "." | "," | undefined;
  /** Lines whose first non-blank character is this are comments (--comment); "" for none. Default "#". */
  comment?: string | undefined;
  /** Cells read as missing values (--na-values); default PANDAS_NA. The empty cell always is. */
  naValues?: readonly string[] | undefined;
  /** Label columns (--index-col). */
  labels?: LabelSpec | undefined;
  /** The columns differentiated (--columns); the rest are labels. */
  columns?: ColumnSpec | undefined;
  /** One-line notices (a label column taken by default, a lone header row). */
  notice?: ((m: string) => void) | undefined;
  /** The notice naming text columns, whole and as a clause, to a caller that merges it with another; else it goes to `notice`. */
  textNotice?: ((full: string, brief: string) => void) | undefined;
}

export interface CsvReaderOptions extends CsvTextOptions {
  /** One ASCII character, or WHITESPACE. */
  delimiter: string;
  header: HeaderMode;
  /** Called with each batch; the batch is reused once it returns. */
  onBatch(b: CsvBatch): void;
  /** For messages. */
  file?: string | undefined;
  /** The kernel looks only at signs (Activation.signOnly). */
  signOnly?: boolean | undefined;
  /** Plain rows of numbers through the wasm parser (default true; false: this reader's own parser alone, for the tests' comparisons). */
  wasm?: boolean | undefined;
}

/** The default cap on a line held whole (a header, a quoted row) or a single cell: 64 MiB. */
export const MAX_LINE = 64 << 20;

/**
 * One chunk's worth of parsed cells, in input order: `n` numeric cells in
 * `values`. Rows have `cols` numeric cells; the first `startCell` cells of
 * the batch's first row were in earlier batches, and the last row may
 * continue in the next batch (a row longer than a chunk streams). `rows`
 * rows end in this batch, each with its `endings` entry.
 */
export interface CsvBatch {
  /** The header line exactly as in the input (without its line ending), if this batch starts with it. */
  header: string | null;
  /** The header's cells, unquoted (for formats that take a header apart). */
  headerCells: string[] | null;
  headerEnding: Ending;
  /** Numeric cells per row; UNKNOWN_COLS while a very long first row is still streaming. */
  cols: number;
  n: number;
  startCell: number;
  rows: number;
  values: Float64Array;
  /** 0: a number; 1: an empty cell; 2 + i: the missing-value token naTokens[i] (copied back as it was). */
  missing: Uint8Array;
  endings: Uint8Array;
  /** The tokens missing cells had, shared by every batch of a reader (append-only). */
  naTokens: string[];
  /** Comment lines before row `row` of this batch (-1: before the header), copied unchanged by same-format output. */
  comments: { row: number; text: string; ending: Ending }[];
  /** Label columns: their positions in the full row (sorted), and each row's label cells, row-major. */
  labelCols: number[];
  labels: string[];
  /** The input starts with a UTF-8 byte order mark (Excel's "CSV UTF-8"): same-format output keeps it. */
  bom: boolean;
}

/** The column count before a streaming first row has ended. */
export const UNKNOWN_COLS = Number.MAX_SAFE_INTEGER;
/** An unfinished line longer than this streams its complete cells (unless it may be a header or has quotes). */
export const LONG_LINE = 4 << 20;
/** A chunk of at least this many bytes is parsed in parts on helper threads (with --threads above 1), when its rows are plain (splitScan). */
const SPLIT_BYTES = Number(process.env.DACT_TEXT_SPLIT_BYTES) || 256 << 10;
/** Bytes of whole lines a call of the wasm row parser takes: a copy of them goes in (see wasmRows). */
const FAST_SLICE = 64 << 10;
/** The least a call copies in after a call that stopped early (see fastSlice). */
const FAST_SLICE_MIN = 256;

/**
 * Where the splitter is inside a record that contains quotes. A record ends
 * at a newline only outside quotes; `""` inside quotes is an escaped quote.
 */
const enum Q {
  FieldStart, // at the start of a field: a quote here opens a quoted field
  Unquoted, // inside an unquoted field: quotes are literal (csv-parse relax_quotes)
  Quoted, // inside a quoted field
  QuoteInQuoted, // just saw a quote inside a quoted field: closes it, unless another quote follows
}

/**
 * Where the reader stands in the file (Deno's parse_stream models this as
 * a documented union):
 * - "first": no record yet; the first decides the header and the columns;
 * - "streaming-first": the first record is a long data row still
 *   streaming, so its cell count is not known yet (UNKNOWN_COLS);
 * - "rows": the column count is known.
 */
type RowState = { kind: "first" } | { kind: "streaming-first"; line: number } | { kind: "rows"; cols: number; firstLine: number };

const LF = 10;
const CR = 13;
const QUOTE = 34;
const TAB = 9;

/**
 * Whitespace mode: each run of spaces and tabs inside a line becomes one
 * TAB, and runs at a line's start or end go, so the scanner splits at TABs.
 * Comment lines pass untouched. Streaming: state carries across chunks.
 */
const UTF8_BOM = [0xef, 0xbb, 0xbf];

class WhitespaceRuns {
  private lineStart = true;
  private pending = false;
  private inComment = false;
  /** How many bytes of a UTF-8 BOM the stream has started with (3: done looking): a BOM does not end the first line's start, so a comment line after it stays untouched. */
  private bom = 0;
  /**
   * The first token of a line that starts with the comment byte, held
   * until it ends: an NA token (`#N/A`) or an Excel error value starts a
   * data row, whose runs become TABs; anything else starts a comment.
   */
  private tok: number[] | null = null;
  /** Inside a quoted cell (R's write.table row names, `"Mazda RX4"`): its spaces are the cell's, not a delimiter. */
  private inQuote = false;
  constructor(
    private readonly commentByte: number,
    /** Whether a line's first token makes it data (the reader's NA tokens and Excel's error values). */
    private readonly isData: (token: string) => boolean,
  ) {}

  push(chunk: Uint8Array): Buffer {
    const out = Buffer.allocUnsafe(chunk.length + 1 + (this.tok?.length ?? 0));
    let p = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.bom < 3) {
        if (c === UTF8_BOM[this.bom]) {
          this.bom++;
          out[p++] = c;
          continue;
        }
        this.bom = 3;
      }
      if (this.tok !== null) {
        if (!(c === LF || c === CR || c === 32 || c === TAB || c === 11 || c === 12 || this.tok.length > MAX_TOKEN_BYTES)) {
          this.tok.push(c);
          continue;
        }
        // The token has ended: data or a comment, then this byte by the rules below.
        if (this.tok.length > MAX_TOKEN_BYTES || !this.isData(Buffer.from(this.tok).toString("utf8"))) this.inComment = true;
        for (const b of this.tok) out[p++] = b;
        this.tok = null;
      }
      if (this.inQuote) {
        out[p++] = c;
        if (c === QUOTE) this.inQuote = false;
        continue;
      }
      if (c === LF || c === CR) {
        out[p++] = c;
        this.lineStart = true;
        this.pending = false;
        this.inComment = false;
      } else if (this.inComment) out[p++] = c;
      else if (c === 32 || c === TAB || c === 11 || c === 12) {
        if (!this.lineStart) this.pending = true;
      } else {
        if (this.lineStart && c === this.commentByte) {
          this.tok = [c];
          this.lineStart = false;
          continue;
        }
        // A quote opens a quoted cell only at the cell's start (`5"` is text, as before).
        if (c === QUOTE && (this.pending || this.lineStart)) this.inQuote = true;
        if (this.pending) out[p++] = TAB;
        this.pending = false;
        this.lineStart = false;
        out[p++] = c;
      }
    }
    return out.subarray(0, p);
  }

  /** The bytes still held at the end of the input (a last line that is one token after the comment byte). */
  end(): Buffer {
    const rest = Buffer.from(this.tok ?? []);
    this.tok = null;
    return rest;
  }
}

/** NA tokens are at most this many bytes (the reader's register()). */
const MAX_TOKEN_BYTES = 25;

/**
 * A push parser for numeric CSV/TSV. It is written by hand because
 * csv-parse + csv-stringify run at about 13 MB/s here against mawk's 22
 * (issue 3); this scanner takes plain rows straight from bytes to doubles.
 * Rows with a quote character go to csv-parse (its sync API, on just those
 * rows), which owns quoting rules and the errors that come with them.
 */
export class CsvReader {
  private line = 1; // physical line number of the next byte to scan
  private state: RowState = { kind: "first" };
  private bomChecked = false;
  private headerMode: HeaderMode;
  private headerAuto = false;
  private dataRows = 0;
  private headerCells: string[] | null = null;
  /** The header's line number (the reference for a row's cell count). */
  private headerLine = 0;
  /** Row 1 was taken as a header only because its first cell is a name over plain integers (years): row 2 must confirm it. */
  private guessedHeader = false;
  private batch: CsvBatch;
  /** Cells of the current row stored or emitted so far (a long row streams in pieces). */
  private rowCells = 0;
  /** Cells beyond `cols` in the current row: counted, not stored, reported when the row ends. */
  private extraCells = 0;
  /** Whether the current unfinished line may stream: null until decided for this line. */
  private lineStreams: boolean | null = null;
  // Consecutive quoted records, parsed together by csv-parse.
  private qText: string[] = [];
  private qEndings: Ending[] = [];
  private qLine = 0;
  private readonly delim: number;
  private readonly onBatch: (b: CsvBatch) => void;
  private readonly file: string | undefined;
  private readonly signOnly: boolean;
  private readonly maxLine: number;
  private readonly point: number;
  private readonly commentByte: number;
  private readonly na: Set<string>;
  /** The values of NA tokens that are numbers (--na-values -999): a cell with that value is missing too. Null when none. */
  private readonly naNumbers: Set<number> | null;
  private readonly naIndex = new Map<string, number>();
  private readonly labelSpec: LabelSpec;
  private readonly notice: (m: string) => void;
  private readonly textNotice: ((full: string, brief: string) => void) | undefined;
  private readonly ws: WhitespaceRuns | null;
  private readonly guard: TextGuard;
  /** Label column positions (sorted) and a lookup; empty when none. */
  private labelCols: number[] = [];
  private isLabel: Uint8Array = new Uint8Array(0);
  private readonly columnSpec: ColumnSpec | undefined;
  /**
   * After a header, until the first data row: that row's cells decide
   * which further columns are labels (a first data cell that is neither a
   * number nor an NA token: an id, a date, a category). The column count
   * is UNKNOWN_COLS meanwhile.
   */
  private pendingData = false;
  /** Whether the first column, read as numbers, has held 0, 1, 2, … so far (pandas' RangeIndex under a name). */
  private rangeOk = false;
  /** A first row `0,1` read as data: said if the next row is written as floats (afterShortRange). */
  private shortRange: { line: number; cells: string[] } | null = null;
  /** Emit a batch at the end even if empty (the column count was decided there). */
  private forceEmit = false;
  /** Plain rows go to the wasm parser (wasmRows) until it leaves too many lines to scan (fastMissed). */
  private fast: boolean;
  private fastTaken = 0;
  private fastMissed = 0;
  /**
   * Bytes the next call of the wasm row parser copies in: FAST_SLICE, but
   * after a call that stopped at a line it leaves to scan, twice the run it
   * took (at least FAST_SLICE_MIN), doubling back to FAST_SLICE. Without
   * it a file with an NA cell every tenth row copied 64 KiB for every ten
   * rows, and read 1.8x slower than the previous release.
   */
  private fastSlice = FAST_SLICE;

  constructor(opts: CsvReaderOptions) {
    const ws = opts.delimiter === WHITESPACE;
    this.delim = ws ? TAB : opts.delimiter.charCodeAt(0);
    this.headerMode = opts.header;
    this.onBatch = opts.onBatch;
    this.file = opts.file;
    this.signOnly = opts.signOnly ?? false;
    this.maxLine = opts.maxLine ?? MAX_LINE;
    this.point = opts.decimal === "," ? 44 : 46;
    const comment = opts.comment ?? "#";
    this.commentByte = comment === "" ? -1 : comment.charCodeAt(0);
    this.na = new Set(opts.naValues ?? PANDAS_NA);
    // cellStatus is the last parse's: read it for each token as it is parsed, not after the whole list
    // (else a text token last, `-999,NA`, dropped every numeric one).
    const nums: number[] = [];
    for (const t of this.na) {
      const v = parseNumberText(t);
      if (cellStatus === CellStatus.Number && v === v && !nums.includes(v)) nums.push(v);
    }
    this.naNumbers = nums.length ? new Set(nums) : null;
    this.labelSpec = opts.labels ?? "auto";
    this.columnSpec = opts.columns && opts.columns.length > 0 ? opts.columns : undefined;
    this.notice = opts.notice ?? (() => {});
    this.textNotice = opts.textNotice;
    this.ws = ws ? new WhitespaceRuns(this.commentByte, (t) => this.na.has(t) || EXCEL_ERROR_SET.has(t)) : null;
    // A delimiter that cannot be part of a number or the space around one (on this thread, not a tab either).
    this.fast = opts.wasm !== false && !ws && this.delim !== TAB && wasmDelimiter(this.delim, this.point);
    this.guard = new TextGuard(ws ? "whitespace-separated" : this.delim === TAB ? "TSV" : "CSV", opts.file);
    this.batch = {
      header: null,
      headerCells: null,
      headerEnding: Ending.None,
      cols: 0,
      n: 0,
      startCell: 0,
      rows: 0,
      values: new Float64Array(1 << 16),
      missing: new Uint8Array(1 << 16),
      endings: new Uint8Array(1 << 12),
      naTokens: [],
      comments: [],
      labelCols: [],
      labels: [],
      bom: false,
    };
    if (Array.isArray(this.labelSpec) && this.labelSpec.every((c) => typeof c === "number")) this.setLabels(this.labelSpec as number[]);
  }

  /** The state's column count, kept in a plain field: it is read once a row in the hot loop. */
  private cols = -1;

  private setState(s: RowState): void {
    this.state = s;
    this.cols = s.kind === "rows" ? s.cols : s.kind === "streaming-first" ? UNKNOWN_COLS : -1;
  }

  private setLabels(cols: number[]): void {
    this.labelCols = [...new Set(cols)].sort((a, b) => a - b);
    this.isLabel = new Uint8Array((this.labelCols[this.labelCols.length - 1] ?? -1) + 1);
    for (const c of this.labelCols) this.isLabel[c] = 1;
    this.batch.labelCols = this.labelCols;
  }

  push(input: Buffer): void {
    this.guard.feed(input, (text) => this.pushText(text));
  }

  private pushText(input: Buffer, runsDone = false): void {
    const chunk = this.ws && !runsDone ? this.ws.push(input) : input;
    let buf = chunk;
    let pos = 0;
    if (this.carry) {
      const brk = firstBreak(chunk);
      if (brk < 0 && this.bomChecked) {
        // Still inside one long line: keep the pieces and join them once,
        // when the line ends (joining at every chunk is quadratic).
        this.carryParts.push(Buffer.from(chunk)); // a copy: sources reuse their buffers
        this.carryLength += chunk.length;
        if (this.carryLength > LONG_LINE && this.lineStreams !== false) this.streamLongLine();
        if (this.carryLength > this.maxLine) throw this.tooLong();
        return;
      }
      this.lineStreams = null; // the line ends in this chunk
      const carry = this.takeCarry();
      // The common case: the unfinished line ends at an LF in this chunk and
      // has no quotes. Finish it on its own rather than copying the whole chunk.
      const nl = brk >= 0 && (chunk[brk] === LF || chunk[brk + 1] === LF) ? chunk.indexOf(LF, brk) : -1;
      if (this.bomChecked && nl >= 0 && carry.indexOf(QUOTE) < 0 && chunk.subarray(0, nl).indexOf(QUOTE) < 0) {
        const line = Buffer.concat([carry, chunk.subarray(0, nl + 1)]);
        this.scan(line, 0, false);
        pos = nl + 1;
      } else {
        buf = Buffer.concat([carry, chunk]);
      }
    }
    if (!this.bomChecked) {
      if (maybeBomPrefix(buf)) {
        this.setCarry(Buffer.from(buf));
        return;
      }
      this.bomChecked = true;
      pos = bomLength(buf);
      this.batch.bom = pos > 0;
    }
    pos = buf.length - pos >= SPLIT_BYTES ? this.splitScan(buf, pos) : this.scan(buf, pos, false);
    if (pos < buf.length) {
      this.setCarry(Buffer.from(buf.subarray(pos)));
      if (this.carryLength > this.maxLine) throw this.tooLong();
    }
    this.flushQuoted(); // quoted rows stream too: never hold them past their chunk
    this.emit();
  }

  /** Whether the rows that follow are plain ones a helper may parse (plain-rows.ts): settled column count, nothing per-row to decide. */
  private settled(): boolean {
    return this.state.kind === "rows" && this.rowCells === 0 && this.extraCells === 0 && this.labelCols.length === 0 && !this.pendingData && !this.rangeOk && this.shortRange === null && this.ws === null && this.naNumbers === null && this.qText.length === 0;
  }

  /**
   * Whole plain lines from pos (a line's start, with the reader settled)
   * up to the last LF before `quote`, in slices of FAST_SLICE bytes,
   * through the wasm row parser (src/wasm/text.wat), stored as plainRecord
   * would store them. It stops at the first line it leaves to scan (see
   * csvRows); after many such lines it stops trying. Returns where it stopped.
   */
  private wasmRows(buf: Buffer, pos: number, quote: number): number {
    const cap = Math.min(quote, buf.length);
    const cols = this.cols;
    for (;;) {
      const from = pos;
      let nl = buf.indexOf(LF, Math.min(pos + this.fastSlice, cap - 1));
      if (nl < 0 || nl >= cap) nl = buf.lastIndexOf(LF, cap - 1);
      if (nl < pos) return pos;
      const to = nl + 1;
      const half = ((to - pos) >> 1) + 1;
      this.room(half, half);
      const b = this.batch;
      const r = csvRows(buf, pos, to, cols, this.delim, this.point, b.values, b.n, b.endings, b.rows);
      if (r.rows > 0) {
        const n = r.rows * cols;
        b.missing.fill(0, b.n, b.n + n);
        b.n += n;
        b.rows += r.rows;
        this.dataRows += r.rows;
        this.line += r.rows;
        this.fastTaken += r.rows;
      }
      pos = r.end;
      if (pos < to) {
        this.fastSlice = Math.min(FAST_SLICE, Math.max(FAST_SLICE_MIN, 2 * (pos - from)));
        if (++this.fastMissed > 64 && this.fastMissed * 8 > this.fastTaken) this.fast = false;
        return pos;
      }
      this.fastSlice = Math.min(FAST_SLICE, 2 * this.fastSlice);
    }
  }

  /**
   * scan(buf, pos, false) with the later parts of a large chunk parsed by
   * helper threads (text-parallel.ts) meanwhile: each part starts after an
   * LF and holds no quote byte. This thread scans up to a part, then takes
   * the rows the helper parsed as plainRecord would have stored them, and
   * scans on from where the helper stopped (a line it was not sure of).
   */
  private splitScan(buf: Buffer, pos: number): number {
    const hs = this.settled() ? textHelpers() : null;
    if (hs === null) return this.scan(buf, pos, false);
    const last = buf.lastIndexOf(LF) + 1;
    const size = Math.ceil((last - pos) / (hs.length + 1));
    const cols = this.cols;
    // Parts [cuts[2k], cuts[2k + 1]) for the helpers, one after another, each after an LF, quote-free and fitting their buffers.
    const cuts: number[] = [];
    const used: TextHelper[] = [];
    let a = pos + size >= last ? 0 : buf.indexOf(LF, pos + size) + 1;
    for (const h of hs) {
      if (a <= 0 || a >= last) break;
      let z = a + size >= last ? last : buf.indexOf(LF, a + size - 1) + 1;
      if (z - a > HELPER_BYTES) z = buf.lastIndexOf(LF, a + HELPER_BYTES - 1) + 1;
      const q = buf.indexOf(QUOTE, a);
      if (z <= a || (q >= 0 && q < z)) break;
      buf.copy(h.bytes, 0, a, z);
      const c = h.ctrl;
      c[Ctl.Arg] = z - a;
      c[Ctl.Arg + 1] = cols;
      c[Ctl.Arg + 2] = this.delim;
      c[Ctl.Arg + 3] = this.point;
      c[Ctl.Arg + 4] = this.signOnly ? 1 : 0;
      offer(h, Job.Parse);
      cuts.push(a, z);
      used.push(h);
      a = z;
    }
    let waited = 0;
    try {
      for (let k = 0; k < used.length; k++) {
        a = cuts[2 * k]!;
        const z = cuts[2 * k + 1]!;
        // This thread's rows before the part (a record that runs into the part: the helper's rows are not used).
        if (pos < a) pos = this.scan(buf.subarray(0, a), pos, false);
        const h = used[k]!;
        waited = k + 1;
        if (!finish(h) || pos !== a) continue;
        // What scan does before any line that is not a quoted record.
        this.flushQuoted();
        if (!this.settled() || this.cols !== cols) continue;
        const rows = h.ctrl[Ctl.Arg + 5]!;
        if (rows > 0) {
          const n = rows * cols;
          this.room(n, rows);
          const b = this.batch;
          b.values.set(h.f64.subarray(0, n), b.n);
          b.missing.fill(0, b.n, b.n + n);
          b.endings.set(h.m8.subarray(0, rows), b.rows);
          b.n += n;
          b.rows += rows;
          this.dataRows += rows;
          this.line += rows;
          helped.parsedRows += rows;
        }
        pos = a + h.ctrl[Ctl.Arg + 6]!;
        if (pos < z) pos = this.scan(buf.subarray(0, z), pos, false);
      }
    } finally {
      // An error in this thread's part: the helpers' parts are waited for (then dropped), so none is left working.
      for (let k = waited; k < used.length; k++) finish(used[k]!);
    }
    return this.scan(buf, pos, false);
  }

  /** Rows the wasm row parser took (for the tests: that it is in use). */
  get wasmRowsTaken(): number {
    return this.fastTaken;
  }

  /** What is held past the cap: a line that cannot stream (a header, quotes), or one cell of a streaming line. */
  private tooLong(): DactError {
    const what = this.lineStreams ? "a cell" : "a line";
    const mb = (n: number) => (n >= 1 << 20 ? `${Math.round(n / (1 << 20))} MiB` : `${n} bytes`);
    return new DactError("TOO_LONG", `found ${what} longer than ${mb(this.maxLine)}; expected shorter ones (a binary file? else raise the cap with --max-line-size)`, this.file, { line: this.line, column: this.lineStreams ? this.rowCells + 1 : 1 });
  }

  /**
   * A line longer than LONG_LINE: parse and emit its complete cells now,
   * keeping only the last, unfinished cell, so memory stays flat however
   * long a row is. Not for a line that may be the header (it is copied
   * whole), a comment, a row with label columns, or one with quotes
   * (csv-parse needs the whole record).
   */
  private streamLongLine(): void {
    const buf = this.takeCarry();
    const last = buf.lastIndexOf(this.delim);
    let streams = this.lineStreams ?? (buf.indexOf(QUOTE) < 0 && last >= 0 && !this.isComment(buf, 0) && this.labelCols.length === 0 && !this.pendingData);
    if (streams && this.state.kind === "first") {
      // A header (or what may be one: a name, or an empty first cell as pandas' `,0,1,2,…`) is held whole for firstRecord.
      if (this.headerMode === "yes" || (this.headerMode === "auto" && ((!this.anyNumber(buf, 0, last) && this.anyLetter(buf, 0, buf.length)) || buf[0] === this.delim || this.anyLetter(buf, 0, buf.indexOf(this.delim))))) streams = false;
      else {
        // Data, not a header: the first row streams, and its cell count is
        // known when it ends.
        this.setState({ kind: "streaming-first", line: this.line });
        this.batch.cols = UNKNOWN_COLS;
      }
    }
    this.lineStreams = streams;
    if (!streams || last < 0) {
      // Not streaming, or no complete cell yet (one cell longer than
      // LONG_LINE): hold it; the cap applies.
      this.setCarry(buf);
      return;
    }
    this.cells(buf, 0, last, this.signOnly);
    this.setCarry(Buffer.from(buf.subarray(last + 1)));
    this.emit();
  }

  private longQuoted(buf: Buffer, pos: number, quote: number): DactError {
    const column = this.rowCells + this.countCells(buf, pos, quote);
    return new DactError("CSV_QUOTE", `found a quote in a row longer than ${LONG_LINE >> 20} MB; expected plain cells in so long a row (quoted cells work in shorter rows)`, this.file, { line: this.line, column });
  }

  private anyNumber(buf: Buffer, s: number, e: number): boolean {
    for (let i = s; i <= e; ) {
      parseNumberBytes(buf, i, e, this.delim, false, this.point);
      if (cellStatus === CellStatus.Number) return true;
      i = cellEnd + 1;
    }
    return false;
  }

  /** Whether buf[s..e) has a letter: column names have one (x1, a, Température); a typo'd number (1..5, −1.5) has none. */
  private anyLetter(buf: Buffer, s: number, e: number): boolean {
    for (let i = s; i < e; i++) {
      const c = buf[i]! | 0x20;
      if (c >= 0x61 && c <= 0x7a) return true;
      if (buf[i]! >= 0x80) return /\p{L}/u.test(buf.toString("utf8", s, e));
    }
    return false;
  }

  private isComment(buf: Buffer, pos: number): boolean {
    if (this.commentByte < 0) return false;
    let i = pos;
    while (i < buf.length && (buf[i] === 32 || buf[i] === TAB)) i++;
    if (buf[i] !== this.commentByte) return false;
    // A row that starts with an NA token such as #N/A (Excel's, pandas') is data, not a comment.
    let j = i;
    while (j < buf.length && buf[j] !== this.delim && buf[j] !== LF && buf[j] !== CR) j++;
    if (j - i > 25) return true;
    if (this.naCode(buf, i, j) !== 0) return false;
    let z = j;
    while (z > i && (buf[z - 1] === 32 || buf[z - 1] === TAB || buf[z - 1] === CR)) z--;
    return !EXCEL_ERROR_SET.has(buf.toString("latin1", i, z));
  }

  private carryParts: Buffer[] = [];
  private carryLength = 0;

  private get carry(): boolean {
    return this.carryLength > 0;
  }

  private setCarry(b: Buffer): void {
    this.carryParts = [b];
    this.carryLength = b.length;
  }

  private takeCarry(): Buffer {
    const b = this.carryParts.length === 1 ? this.carryParts[0]! : Buffer.concat(this.carryParts, this.carryLength);
    this.carryParts = [];
    this.carryLength = 0;
    return b;
  }

  end(): void {
    this.guard.end();
    const rest = this.ws?.end();
    if (rest && rest.length > 0) this.pushText(rest, true);
    const buf = this.carry ? this.takeCarry() : null;
    // Fewer than 3 bytes, all a BOM prefix, is nothing but (part of) a BOM.
    if (buf && buf.length && this.bomChecked) this.scan(buf, 0, true);
    this.flushQuoted();
    if (this.pendingData && this.guessedHeader) {
      // `x,1` alone: nothing confirms a header; the first cell is a bad number, as before.
      throw new DactError("CSV_NUMBER", `${shown(this.headerCells![0]!)} is not a number; expected a number (if line ${this.headerLine} is a header, pass --header)`, this.file, { line: this.headerLine, column: 1 });
    }
    if (this.pendingData) {
      // A header and no data row: the columns are the header's, less the labels.
      this.pendingData = false;
      const cols = this.headerCells!.length - this.labelCols.length;
      this.setState({ kind: "rows", cols, firstLine: this.line });
      this.batch.cols = cols;
      this.forceEmit = true;
    }
    this.emit();
    if (this.rangeOk && this.dataRows >= 2 && this.headerCells) {
      const name = this.headerCells[0]!.trim();
      this.notice(`dact: ${this.file ?? "<input>"}: column ${JSON.stringify(name)} holds 0, 1, …, ${this.dataRows - 1} (pandas' default index?) and was differentiated; pass --index-col ${shellWord(name)} to keep it aside, or --index-col none to silence this notice`);
    }
    if (this.headerAuto && this.dataRows === 0 && this.headerCells) {
      this.notice(`dact: ${this.file ?? "<input>"}: the only row (${this.headerCells.join(", ")}) was read as a header, as no cell is a number; pass --no-header if it is data`);
    }
  }

  /**
   * The end of the line that starts at pos: the index of its terminator,
   * with its kind in `ending`; -1 when the line may continue past the
   * buffer. A line ends at LF, CRLF, or a lone CR (old Mac files), each kept
   * per row. (No tuple: this runs once a line, and allocation showed.)
   */
  private lineEnd(buf: Buffer, pos: number, atEnd: boolean): number {
    const len = buf.length;
    let nl = buf.indexOf(LF, pos);
    if (nl < 0) nl = len;
    let cr = this.nextCR;
    if (cr < pos) {
      cr = buf.indexOf(CR, pos);
      if (cr < 0) cr = len;
      this.nextCR = cr;
    }
    if (cr < nl) {
      if (cr === nl - 1 && nl < len) {
        this.ending = Ending.CRLF;
        return cr;
      }
      if (cr === len - 1 && !atEnd) return -1; // CR at the end of the buffer: CRLF or CR, the next byte tells
      this.ending = Ending.CR;
      return cr;
    }
    if (nl < len) {
      this.ending = Ending.LF;
      return nl;
    }
    if (!atEnd) return -1;
    this.ending = Ending.None;
    return len;
  }

  private nextCR = -1;
  private ending: Ending = Ending.None;

  /** Scans whole records from buf[pos..]; returns where the unfinished tail starts. */
  private scan(buf: Buffer, pos: number, atEnd: boolean): number {
    const len = buf.length;
    this.nextCR = -1;
    let nextQuote = buf.indexOf(QUOTE, pos);
    if (nextQuote < 0) nextQuote = len;
    const signOnly = this.signOnly;
    // The first line the wasm parser left here: not offered again.
    let declined = -1;
    while (pos < len) {
      if (this.fast && pos > declined && this.settled()) {
        const to = this.wasmRows(buf, pos, nextQuote);
        if (to > pos) pos = to;
        if (pos >= len) break;
        declined = pos;
      }
      const stop = this.lineEnd(buf, pos, atEnd);
      const ending = this.ending;
      const stop0 = stop < 0 ? len : stop;
      if (this.line === 1 && this.rowCells === 0 && buf[pos] === 0x73 && stop0 - pos === 5 && buf.toString("latin1", pos, pos + 4) === "sep=") {
        // Excel's delimiter hint (`sep=;`), the first line only: kept like a comment line before the header (the sniffer honours it).
        if (stop < 0) return pos;
        this.flushQuoted();
        this.batch.comments.push({ row: -1, text: buf.toString("latin1", pos, stop), ending });
        this.line++;
        pos = ending === Ending.CRLF ? stop + 2 : ending === Ending.None ? len : stop + 1;
        continue;
      }
      if (this.rowCells === 0 && this.commentByte >= 0 && buf[pos] !== 45 && (buf[pos]! > 57 || buf[pos]! < 48) && this.isComment(buf, pos)) {
        // A comment line: whole, quotes and all.
        if (stop < 0) return pos;
        this.flushQuoted();
        const b = this.batch;
        b.comments.push({ row: this.state.kind === "first" && !this.pendingData ? -1 : b.rows, text: buf.toString("utf8", pos, stop), ending });
        this.line++;
        pos = ending === Ending.CRLF ? stop + 2 : ending === Ending.None ? len : stop + 1;
        continue;
      }
      if (nextQuote < stop0) {
        // A quote before the end of this line: find the record's end by the rules of quoting.
        // Rows over LONG_LINE stream cell by cell, which csv-parse cannot do:
        // such a row must be plain. The rule is on the row's length, never
        // on where chunks happened to fall.
        if (this.rowCells > 0) throw this.longQuoted(buf, pos, nextQuote);
        const end = this.quotedRecordEnd(buf, pos, atEnd);
        if (end === null) return pos; // unfinished: wait for more input
        const [qstop, qending, next] = end;
        if (qstop - pos > LONG_LINE) throw this.longQuoted(buf, pos, nextQuote);
        this.quotedRecord(buf.toString("utf8", pos, qstop), qending, buf, pos, qstop);
        pos = next;
        nextQuote = buf.indexOf(QUOTE, pos);
        if (nextQuote < 0) nextQuote = len;
        continue;
      }
      if (stop < 0) return pos;
      this.flushQuoted();
      this.plainRecord(buf, pos, stop, ending, signOnly);
      this.line++;
      pos = ending === Ending.CRLF ? stop + 2 : ending === Ending.None ? len : stop + 1;
    }
    return len;
  }

  /**
   * The end of a quoted record starting at pos: [its end, its ending, where
   * the next record starts], or null if more input is needed.
   */
  private quotedRecordEnd(buf: Buffer, pos: number, atEnd: boolean): [number, Ending, number] | null {
    let st = Q.FieldStart;
    const d = this.delim;
    for (let i = pos; i < buf.length; i++) {
      const c = buf[i]!;
      if (st === Q.Quoted) {
        if (c === QUOTE) st = Q.QuoteInQuoted;
        continue;
      }
      if (c === LF) return [i, Ending.LF, i + 1];
      if (c === CR) {
        if (i + 1 < buf.length) return buf[i + 1] === LF ? [i, Ending.CRLF, i + 2] : [i, Ending.CR, i + 1];
        if (!atEnd) return null;
        return [i, Ending.CR, i + 1];
      }
      if (st === Q.QuoteInQuoted) st = c === QUOTE ? Q.Quoted : c === d ? Q.FieldStart : Q.Unquoted;
      else if (st === Q.FieldStart) st = c === QUOTE ? Q.Quoted : c === d ? Q.FieldStart : Q.Unquoted;
      else if (c === d) st = Q.FieldStart;
    }
    if (!atEnd) return null;
    if (st === Q.Quoted) {
      throw new DactError("CSV_QUOTE", `unclosed quote; expected a closing " before the end of the input`, this.file, { line: this.line, column: this.columnOfOpenQuote(buf, pos) });
    }
    return [buf.length, Ending.None, buf.length];
  }

  private columnOfOpenQuote(buf: Buffer, pos: number): number {
    // The field number of the last quote that opened a field in this record.
    let field = 1;
    let st = Q.FieldStart;
    let openField = 1;
    for (let i = pos; i < buf.length; i++) {
      const c = buf[i]!;
      if (st === Q.Quoted) {
        if (c === QUOTE) st = Q.QuoteInQuoted;
      } else if (st === Q.QuoteInQuoted) {
        if (c === QUOTE) st = Q.Quoted;
        else if (c === this.delim) {
          st = Q.FieldStart;
          field++;
        } else st = Q.Unquoted;
      } else if (c === this.delim) {
        st = Q.FieldStart;
        field++;
      } else if (st === Q.FieldStart && c === QUOTE) {
        st = Q.Quoted;
        openField = field;
      } else st = Q.Unquoted;
    }
    return openField;
  }

  private isBlank(buf: Buffer, s: number, e: number): boolean {
    for (let i = s; i < e; i++) {
      const c = buf[i]!;
      if (!(c === 32 || c === 9 || c === 11 || c === 12 || c === 13)) return false;
    }
    return true;
  }

  /** Room in the batch for `cells` more cells and `rows` more row endings. */
  private room(cells: number, rows: number): void {
    const b = this.batch;
    b.values = grow(b.values, b.n, b.n + cells);
    b.missing = grow(b.missing, b.n, b.n + cells);
    b.endings = grow(b.endings, b.rows, b.rows + rows);
  }

  private countCells(buf: Buffer, s: number, e: number): number {
    let n = 1;
    for (let i = s; i < e; i++) if (buf[i] === this.delim) n++;
    return n;
  }

  /**
   * The first record decides, in auto mode, whether it is a header: when
   * some cell is a name (neither a number nor an NA token, with a letter),
   * so a typo'd first row (1..5, a Unicode minus) or a row of NA tokens
   * cannot swallow data; or when it is pandas' and R's signature of an
   * index column: an empty first cell or a name over column names or
   * numbers (`,0,1,2,3`, what `df.to_csv()` writes for a default frame;
   * `step,0,1,2,3` with a named index).
   */
  private firstRecord(cells: string[], anyNumber: boolean, raw: string, ending: Ending, line: number): boolean {
    const auto = this.headerMode === "auto";
    // Not in a whitespace-separated file: np.savetxt's default (`0 1 2` is
    // the first row of an arange saved with fmt="%d"), which pandas does not write.
    const rangeHeader = auto && this.ws === null && isRangeHeader(cells);
    // `country,2019,2020`: a name over plain integers (years), with no --index-col or --columns to say the first column is labels; the next row confirms it (decideColumns).
    this.guessedHeader = auto && this.labelSpec === "auto" && !this.columnSpec && !rangeHeader && cells.length > 1 && this.isName(cells[0]!) && cells.slice(1).every((c) => /^\s*\d+\s*$/.test(c)) && !this.isIndexHeader(cells);
    const isHeader = this.headerMode === "yes" || rangeHeader || this.guessedHeader || (auto && ((!anyNumber && cells.some((c) => this.isName(c))) || this.isIndexHeader(cells)));
    let labels = this.labelCols;
    if (rangeHeader) this.notice(`dact: ${this.file ?? "<input>"}: line ${line} (${cells.join(",")}) is pandas' default header (column names 0, 1, …) and was read as a header; pass --no-header to read it as data`);
    else if (auto && !isHeader && isShortRangeHeader(cells)) {
      // `0,1`: pandas' header of a two-column frame, or a row of
      // integers; read as data, and said if the next row is written as floats
      // (pandas' float frame: afterShortRange).
      this.shortRange = { line, cells };
    }
    if (isHeader) {
      this.headerAuto = auto;
      this.headerCells = cells;
      this.headerLine = line;
      const byName = (c: number | string, option: string) => {
        if (typeof c === "number") return c;
        const k = cells.indexOf(c);
        if (k < 0) throw new DactError("USAGE", `option ${option}: found ${JSON.stringify(c)}; expected a column number or one of the header's names (${cells.join(", ")})`, this.file, { line });
        // A name the header has twice (pandas reads them as a, a.1) names no one column: by number then.
        const again = cells.indexOf(c, k + 1);
        if (again >= 0) throw new DactError("USAGE", `option ${option}: found ${JSON.stringify(c)}, which the header has twice (columns ${k} and ${again}, 0-based); expected a name that is once in the header, or the column's number`, this.file, { line });
        return k;
      };
      const chosen = Array.isArray(this.labelSpec) ? this.labelSpec.map((c) => byName(c, "--index-col")) : [];
      let picked: Set<number> | null = null;
      if (this.columnSpec) {
        picked = new Set(this.resolveColumns(cells.length, (c) => byName(c, "--columns"), line));
        for (let c = 0; c < cells.length; c++) if (!picked.has(c)) chosen.push(c);
      }
      if (this.labelSpec !== "none" && cells.length > 1) {
        // A column without a name is an index (pandas, R): never differentiated unasked.
        const unnamed = cells.map((c, k) => (c.trim() === "" && !chosen.includes(k) && !picked?.has(k) ? k : -1)).filter((k) => k >= 0);
        if (unnamed.length > 0) {
          chosen.push(...unnamed);
          // Columns counted from 0, as --index-col and --columns count them (a number here is one to pass there).
          const which = unnamed.join(", ");
          if (unnamed.length === 1 && unnamed[0] === 0) this.notice(`dact: ${this.file ?? "<input>"}: the header's first cell is empty (a pandas or R index): the first column passes through as labels (--index-col none to differentiate it)`);
          else this.notice(`dact: ${this.file ?? "<input>"}: the header's cell${unnamed.length > 1 ? "s" : ""} ${which} (counted from 0) ${unnamed.length > 1 ? "are" : "is"} empty (a pandas or R index): ${unnamed.length > 1 ? "those columns pass" : "that column passes"} through as labels (--index-col none to differentiate ${unnamed.length > 1 ? "them" : "it"})`);
        }
      }
      labels = chosen;
      // Text columns are found on the first data row, unless --columns chose.
      this.pendingData = this.labelSpec !== "none" && !this.columnSpec;
      this.rangeOk = this.labelSpec === "auto" && !this.columnSpec && !chosen.includes(0);
    } else if (Array.isArray(this.labelSpec) && this.labelSpec.some((c) => typeof c === "string")) {
      throw new DactError("USAGE", `option --index-col: found a column name, but the first row is data; expected column numbers, or a header`, this.file, { line });
    } else if (this.columnSpec) {
      if (this.columnSpec.some((c) => typeof c === "string")) throw new DactError("USAGE", `option --columns: found a column name, but the first row is data; expected column numbers, or a header`, this.file, { line });
      const picked = new Set(this.resolveColumns(cells.length, (c) => c as number, line));
      labels = [...labels];
      for (let c = 0; c < cells.length; c++) if (!picked.has(c)) labels.push(c);
    }
    if (labels !== this.labelCols) this.setLabels(labels);
    const bad = this.labelCols.find((c) => c >= cells.length);
    if (bad !== undefined) throw new DactError("USAGE", `option --index-col: found column ${bad}; expected one of 0..${cells.length - 1}, as the first row has ${cells.length} cells`, this.file, { line });
    if (isHeader) {
      this.batch.header = this.ws ? raw.replace(/\t/g, " ") : raw;
      this.batch.headerCells = cells;
      this.batch.headerEnding = ending;
    }
    if (this.pendingData) {
      this.batch.cols = UNKNOWN_COLS;
      return true;
    }
    const cols = cells.length - this.labelCols.length;
    if (cols === 0) throw this.noNumbers(isHeader ? line + 1 : line);
    this.setState({ kind: "rows", cols, firstLine: line });
    this.batch.cols = cols;
    return isHeader;
  }

  /** A header cell that is a name: not a number, not an NA token, with a letter. */
  private isName(cell: string): boolean {
    const t = cell.trim();
    if (t === "" || this.na.has(t) || !/\p{L}/u.test(t)) return false;
    parseNumberText(t, this.point);
    return cellStatus !== CellStatus.Number;
  }

  /**
   * `,0,1,2`, `step,0,1,2` or `"","x","y"`: an empty first cell, then
   * names or column numbers (digits only, increasing: pandas' RangeIndex,
   * years), none empty; or a name, then 0, 1, 2, … exactly. A data row
   * rarely looks so.
   */
  private isIndexHeader(cells: string[]): boolean {
    // The first cell empty (pandas' unnamed index, R's row names) or a name (df.index.name = "step").
    if (cells.length < 2 || !(cells[0]!.trim() === "" || this.isName(cells[0]!))) return false;
    // After a name, only pandas' RangeIndex columns exactly (step,0,1,2): `x,1` is a labelled data row.
    const named = cells[0]!.trim() !== "";
    let last = -1;
    return cells.slice(1).every((c) => {
      const t = c.trim();
      if (t === "" || this.na.has(t)) return false;
      if (!/^\d+$/.test(t)) return this.isName(t);
      const v = Number(t);
      if (v <= last || (named && v !== last + 1)) return false;
      last = v;
      return true;
    });
  }

  /** --columns as sorted, distinct 0-based numbers, each checked against the row's width. */
  private resolveColumns(width: number, byName: (c: number | string) => number, line: number): number[] {
    const out: number[] = [];
    for (const c of this.columnSpec!) {
      if (typeof c === "object") {
        const to = c.to === null ? width : Math.min(c.to, width);
        if (c.from >= width) throw new DactError("USAGE", `option --columns: found ${c.from}:${c.to ?? ""}; expected a range within 0..${width - 1}, as the first row has ${width} cells`, this.file, { line });
        for (let k = c.from; k < to; k++) out.push(k);
      } else {
        const k = byName(c);
        if (k >= width) throw new DactError("USAGE", `option --columns: found column ${k}; expected one of 0..${width - 1}, as the first row has ${width} cells`, this.file, { line });
        out.push(k);
      }
    }
    return [...new Set(out)].sort((a, b) => a - b);
  }

  /**
   * The first data row after a header: a column whose cell here is
   * neither a number nor empty nor an NA token holds text (an id, a date,
   * a category) and passes through as labels, as --index-col would.
   */
  private decideColumns(cells: readonly string[], line: number): void {
    this.pendingData = false;
    const h = this.headerCells;
    // Whitespace- or tab-separated (R's write.table, sep = "\t"), and the row's
    // last cell filled: a comma row one cell longer is more often a stray
    // trailing delimiter, and stays an error.
    const rowNames = this.ws !== null || (this.delim === TAB && cells[cells.length - 1]!.trim() !== "");
    if (h && rowNames && this.labelSpec === "auto" && !this.columnSpec && cells.length === h.length + 1 && h.length >= 1 && h[0]!.trim() !== "") {
      // R's write.table: the header has one name fewer than the rows, whose first cell is the row name (R's and pandas' rule: the first column is the index).
      h.unshift("");
      this.labelCols = this.labelCols.map((c) => c + 1);
      this.setLabels([0, ...this.labelCols]);
      this.notice(`dact: ${this.file ?? "<input>"}: the header has one cell fewer than line ${line} (R's write.table row names): the first column passes through as labels`);
    }
    const width = this.headerCells?.length ?? cells.length;
    const labels = [...this.labelCols];
    const found: number[] = [];
    for (let c = 0; c < cells.length && c < width; c++) {
      if (labels.includes(c)) continue;
      const t = cells[c]!.trim();
      // Only whitespace ("  ", but not a line's CR) is text, as pandas reads it; empty is missing.
      if ((t === "" && (this.ws !== null || cells[c]!.replace(/\r$/, "") === "")) || this.na.has(t) || this.na.has(cells[c]!)) continue;
      const b = Buffer.from(t, "utf8");
      parseNumberBytes(b, 0, b.length, -1, false, this.point);
      // A number with a typo (a decimal comma, a Unicode minus) is not text: its error says what to pass.
      if (cellStatus !== CellStatus.Number && nearNumberHint(t, this.point === 44) === "") {
        labels.push(c);
        found.push(c);
      }
    }
    if (this.guessedHeader) {
      this.guessedHeader = false;
      // `name,2019,2020` was a header only if the first column holds text below it too.
      if (!found.includes(0)) throw new DactError("CSV_NUMBER", `${shown(h![0]!)} is not a number; expected a number (if line ${this.headerLine} is a header, pass --header)`, this.file, { line: this.headerLine, column: 1 });
    }
    if (labels.length !== this.labelCols.length) this.setLabels(labels);
    if (labels.length === width) throw this.noNumbers(line);
    if (found.length > 0) {
      const names = found.map((c) => `${h?.[c]?.trim() ? JSON.stringify(h[c]) : `${c + 1}`} (first value ${JSON.stringify(cells[c]!.trim() || cells[c]!)})`).join(", ");
      const flag = found.map((c) => (h?.[c]?.trim() ? shellWord(h[c]!) : `${c}`)).join(",");
      const many = found.length > 1;
      const brief = `column${many ? "s" : ""} ${names} ${many ? "are" : "is"} text`;
      const full = `dact: ${this.file ?? "<input>"}: ${brief}: passed through unchanged; --columns ${flag} to differentiate ${many ? "them" : "it"} (a non-number is then an error)`;
      if (this.textNotice) this.textNotice(full, brief);
      else this.notice(full);
    }
    if (this.labelCols.includes(0)) this.rangeOk = false;
    const cols = width - this.labelCols.length;
    this.setState({ kind: "rows", cols, firstLine: line });
    this.batch.cols = cols;
  }

  /** After a row whose first numeric cell is values[k]: is the first column still 0, 1, 2, …? */
  private checkRange(k: number): void {
    const b = this.batch;
    if (k < 0 || b.missing[k] !== 0 || b.values[k] !== this.dataRows) this.rangeOk = false;
  }

  private plainRecord(buf: Buffer, s: number, e: number, ending: Ending, signOnly: boolean): void {
    if (this.rowCells === 0) {
      if (this.isBlank(buf, s, e)) return;
      if (this.pendingData) this.decideColumns(buf.toString("utf8", s, e).split(String.fromCharCode(this.delim)), this.line);
      else if (this.cols < 0) {
        const raw = buf.toString("utf8", s, e);
        const cells = raw.split(String.fromCharCode(this.delim));
        if (this.firstRecord(cells, this.anyNumber(buf, s, e), raw, ending, this.line)) return;
      }
    }
    if (this.shortRange && this.shortRange.line !== this.line) this.afterShortRange(buf, s, e);
    if (this.labelCols.length > 0) this.labelledCells(buf, s, e, signOnly);
    else this.cells(buf, s, e, signOnly);
    this.endRow(ending, this.line);
  }

  /**
   * The row after a first row `0,1` read as data: if it is written as
   * floats are (`-1.0`, `2.5e-3`: a point or an exponent), the first row
   * stands out as pandas' header of a small float frame, and a notice says so.
   */
  private afterShortRange(buf: Buffer, s: number, e: number): void {
    const { line, cells } = this.shortRange!;
    this.shortRange = null;
    let floats = false;
    for (let i = s; i < e && !floats; i++) floats = buf[i] === this.point || buf[i] === 101 || buf[i] === 69; // point, e, E
    if (floats) this.notice(`dact: ${this.file ?? "<input>"}: line ${line} (${cells.join(",")}) may be pandas' default header (column names ${cells.map((c) => c.trim()).join(", ")}) and was read as data; pass --header if it is a header, or --no-header to silence this notice`);
  }

  /**
   * What a cell that parsed to (v, status) is: a number (0), empty (1), or
   * an NA token (2 + its index: NA, NULL, nan..., and numeric tokens such as
   * -999 by value), kept as written. A cell that is none of them is an error.
   */
  private missingCode(v: number, status: number, buf: Buffer, s: number, e: number, line: number, column: number): number {
    if (status === CellStatus.Number && this.naNumbers !== null && this.naNumbers.has(v)) return this.tokenCode(buf, s, e);
    if (status !== CellStatus.Invalid && v === v) return status;
    const code = this.naCode(buf, s, e);
    if (code > 0) return code;
    if (status === CellStatus.Invalid) throw this.notNumber(buf.toString("utf8", s, e), line, column);
    return status;
  }

  /** A whitespace-only cell: an NA token if --na-values lists it as written (pandas' na_values), else an error. */
  private blankCode(cell: string, line: number, column: number): number {
    const code = this.na.has(cell) ? this.register(cell) : 0;
    if (code > 0) return code;
    throw this.notNumber(cell, line, column);
  }

  /** A missing-value code for a cell that is not a number: 2 + its token's index, or 0 if it is no NA token. */
  private naCode(buf: Buffer, s: number, e: number): number {
    let a = s;
    let z = e;
    while (a < z && (buf[a] === 32 || buf[a] === TAB)) a++;
    while (z > a && (buf[z - 1] === 32 || buf[z - 1] === TAB || buf[z - 1] === CR)) z--;
    if (z - a > 25) return 0; // tokens are at most 25 bytes (register)
    return this.naTextCode(buf.toString("utf8", a, z));
  }

  /** The code of a cell whose value is a numeric NA token, by its own text (-999.0 for -999). */
  private tokenCode(buf: Buffer, s: number, e: number): number {
    const t = buf.toString("utf8", s, e).trim();
    return this.register(t) || 1;
  }

  private naTextCode(t: string): number {
    if (!this.na.has(t)) return 0;
    return this.register(t);
  }

  private register(t: string): number {
    if (Buffer.byteLength(t) > 25) return 0;
    let k = this.naIndex.get(t);
    if (k === undefined) {
      k = this.batch.naTokens.length;
      if (k > 250) return 0;
      this.batch.naTokens.push(t);
      this.naIndex.set(t, k);
    }
    return 2 + k;
  }

  /**
   * Parses the cell at buf[s..) (up to the delimiter `d`, or `e`; -1: no
   * delimiter) into the batch at index `n`: its value and missing-value
   * code (0 a number, 1 empty, 2+ an NA token, which reads as NaN). A cell
   * that is neither a number nor an NA token is an error at (line, column).
   */
  private parseCell(buf: Buffer, s: number, e: number, d: number, signOnly: boolean, line: number, column: number, n: number): void {
    const naNumbers = this.naNumbers;
    let v = parseNumberBytes(buf, s, e, d, signOnly && naNumbers === null, this.point);
    let st: number = cellStatus;
    // A cell of only whitespace ("  " between commas, quoted or not) is not
    // empty: pandas reads it as text, so it is no number either (a line's
    // CR, before its LF, is not part of its last cell).
    if (st === CellStatus.Missing && cellEnd > s && this.ws === null && !(cellEnd - s === 1 && buf[s] === CR)) {
      st = this.blankCode(buf.toString("utf8", s, cellEnd), line, column);
      v = NaN;
    } else if (st === CellStatus.Invalid || v !== v || naNumbers !== null) {
      // Off the common path: not a number, NaN, or a numeric NA token to look for.
      // cellEnd is `e` when there is no delimiter: the cell's end either way.
      st = this.missingCode(v, st, buf, s, cellEnd, line, column);
      if (st > 1) v = NaN;
    }
    const b = this.batch;
    b.values[n] = v;
    b.missing[n] = st;
  }

  /** Appends the cells of buf[s..e) to the current row. */
  private cells(buf: Buffer, s: number, e: number, signOnly: boolean): void {
    const cols = this.cols;
    this.room(cols === UNKNOWN_COLS ? this.countCells(buf, s, e) : Math.max(0, cols - this.rowCells), 0);
    const b = this.batch;
    let n = b.n;
    let i = s;
    const d = this.delim;
    for (;;) {
      if (this.rowCells === cols) {
        // Too many cells: count the rest for the message, store nothing.
        this.extraCells += this.countCells(buf, i, e);
        break;
      }
      this.parseCell(buf, i, e, d, signOnly, this.line, this.rowCells + 1, n);
      n++;
      this.rowCells++;
      i = cellEnd;
      if (i >= e) break;
      i++; // the delimiter
    }
    b.n = n;
  }

  /** A whole row with label columns: their text to `labels`, the rest parsed. */
  private labelledCells(buf: Buffer, s: number, e: number, signOnly: boolean): void {
    const cols = this.cols;
    this.room(cols, 0);
    const b = this.batch;
    const d = this.delim;
    let col = 0;
    let numeric = 0;
    for (let i = s; ; col++) {
      let j = buf.indexOf(d, i);
      if (j < 0 || j > e) j = e;
      if (col < this.isLabel.length && this.isLabel[col] === 1) b.labels.push(buf.toString("utf8", i, j));
      else if (numeric < cols) {
        this.parseCell(buf, i, j, -1, signOnly, this.line, col + 1, b.n++);
        numeric++;
      } else numeric++;
      if (j >= e) break;
      i = j + 1;
    }
    // endRow checks the count: the row's cells less the label columns.
    this.rowCells = Math.min(numeric, cols);
    this.extraCells = col + 1 - this.labelCols.length - this.rowCells;
  }

  /** Closes the current row: checks its cell count and records its line ending. */
  private endRow(ending: Ending, line: number): void {
    const found = this.rowCells + this.extraCells;
    const s = this.state;
    if (s.kind === "streaming-first") {
      this.setState({ kind: "rows", cols: found, firstLine: s.line });
      this.batch.cols = found;
    } else if (s.kind === "rows" && found !== s.cols) throw this.countError(found + this.labelCols.length, line);
    this.room(0, 1);
    const b = this.batch;
    if (this.rangeOk) this.checkRange(b.n - this.cols);
    b.endings[b.rows++] = ending;
    this.dataRows++;
    this.rowCells = 0;
    this.extraCells = 0;
  }

  private quotedRecord(text: string, ending: Ending, buf: Buffer, s: number, e: number): void {
    if (this.qText.length === 0) this.qLine = this.line;
    this.qText.push(text);
    this.qEndings.push(ending);
    // Count the physical lines this record spans.
    for (let i = s; i < e; i++) if (buf[i] === LF || (buf[i] === CR && buf[i + 1] !== LF)) this.line++;
    this.line++;
  }

  /** Parses the pending quoted records with csv-parse, then stores them like plain rows. */
  private flushQuoted(): void {
    if (this.qText.length === 0) return;
    const texts = this.qText;
    const endings = this.qEndings;
    this.qText = [];
    this.qEndings = [];
    let records: { record: string[]; info: { lines: number } }[];
    try {
      records = csvParseSync(texts.join("\n"), {
        delimiter: String.fromCharCode(this.delim),
        record_delimiter: "\n",
        relax_quotes: true,
        relax_column_count: true,
        skip_empty_lines: false,
        info: true,
      }) as unknown as { record: string[]; info: { lines: number } }[];
    } catch (err) {
      const e = err as { code?: string; lines?: number; message?: string; column?: number };
      const line = this.qLine + Math.max(0, (e.lines ?? 1) - 1);
      const what = (e.message ?? String(err)).replace(/ at line \d+.*$/, "").replace(/^[^:]*: /, "");
      throw new DactError("CSV_QUOTE", `${what.toLowerCase()}; expected RFC 4180 quoting`, this.file, { line });
    }
    let lineNo = this.qLine;
    for (let r = 0; r < records.length; r++) {
      const { record } = records[r]!;
      const raw = texts[r]!;
      const ending = endings[r]!;
      const line = lineNo;
      lineNo += raw.split(/\r\n|\n|\r/).length;
      if (this.pendingData) this.decideColumns(record, line);
      else if (this.state.kind === "first") {
        let anyNumber = false;
        for (const cell of record) {
          parseNumberText(cell, this.point);
          if (cellStatus === CellStatus.Number) anyNumber = true;
        }
        if (this.firstRecord(record, anyNumber, raw, ending, line)) continue;
      }
      const cols = this.cols;
      if (record.length !== cols + this.labelCols.length) throw this.countError(record.length, line);
      this.room(cols, 1);
      const b = this.batch;
      for (let c = 0; c < record.length; c++) {
        const cell = record[c]!;
        if (c < this.isLabel.length && this.isLabel[c] === 1) {
          b.labels.push(cell);
          continue;
        }
        const buf = Buffer.from(cell, "utf8");
        this.parseCell(buf, 0, buf.length, -1, false, line, c + 1, b.n++);
      }
      if (this.rangeOk) this.checkRange(b.n - cols);
      b.endings[b.rows++] = ending;
      this.dataRows++;
    }
  }

  /**
   * A cell of a numeric column that is not a number: the column by its
   * header name, and how to pass it through instead (a text column whose
   * first cells happened to be numbers, or a headerless file).
   */
  private notNumber(cell: string, line: number, column: number): DactError {
    // Only whitespace: text to pandas (read_csv's default), so no missing value either.
    const hint = cell.trim() === "" ? " (only whitespace, which pandas reads as text; leave the cell empty for a missing value)" : nearNumberHint(cell, this.point === 44);
    const name = this.headerCells?.[column - 1];
    if (EXCEL_ERROR_SET.has(cell.trim())) {
      const where = name === undefined || name.trim() === "" ? "" : `, in column ${shown(name)}`;
      return new DactError("CSV_NUMBER", `${shown(cell)} is an Excel error value, not a number${where}; expected a number (pass --na-values with it to read it as missing)`, this.file, { line, column });
    }
    const named = name === undefined || name.trim() === "" ? "" : hint ? `, in column ${shown(name)}` : `, in column ${shown(name)} (pass --index-col ${shellWord(name)} to keep the column aside as labels)`;
    return new DactError("CSV_NUMBER", `${shown(cell)} is not a number${hint}${named}`, this.file, { line, column });
  }

  /** Every column is labels: nothing to differentiate. Never rows dropped silently. */
  private noNumbers(line: number): DactError {
    return new DactError("CSV_NUMBER", `found no column of numbers (every column holds text or is a label column); expected at least one; pass --columns to choose the columns to differentiate, or --no-header if line 1 is data`, this.file, { line });
  }

  private countError(found: number, line: number): DactError {
    const s = this.state;
    const want = (s.kind === "rows" ? s.cols : 0) + this.labelCols.length;
    return new DactError("CSV_FIELDS", `found ${found} ${found === 1 ? "cell" : "cells"}; expected ${want}, as in line ${this.headerCells ? this.headerLine : s.kind === "rows" ? s.firstLine : this.line}`, this.file, { line });
  }

  private emit(): void {
    const b = this.batch;
    if (b.rows === 0 && b.n === 0 && b.header === null && b.comments.length === 0 && !this.forceEmit) return;
    this.forceEmit = false;
    this.onBatch(b);
    b.header = null;
    b.headerCells = null;
    b.rows = 0;
    b.n = 0;
    b.comments = [];
    b.labels = [];
    b.startCell = this.rowCells; // cells of the unfinished row already sent
  }
}

/**
 * `0,1,2,…,n-1` (n >= 3), plain integers: the header pandas'
 * to_csv(index=False) writes for a frame with default column names. Not
 * `0,1`: a row of derivatives (0s and 1s) is that often, a golden file of
 * ReLU' among them.
 */
function isRangeHeader(cells: readonly string[]): boolean {
  return cells.length >= 3 && cells.every((c, k) => c.trim() === String(k));
}

/**
 * `0,1`: what isRangeHeader leaves to data, with a notice. Not a lone `0`:
 * a column of values starting at 0 is far more common than pandas' header
 * of a one-column frame.
 */
function isShortRangeHeader(cells: readonly string[]): boolean {
  return cells.length === 2 && cells.every((c, k) => c.trim() === String(k));
}

/** A header name as a shell word: quoted when it has anything but letters, digits and _.-. */
function shellWord(s: string): string {
  return /^[\p{L}\p{N}_.-]+$/u.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

/** The index of the first LF or CR in `b`, or -1. */
function firstBreak(b: Uint8Array): number {
  const lf = b.indexOf(LF);
  const cr = b.indexOf(CR);
  return lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
}
