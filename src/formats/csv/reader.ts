import { parse as csvParseSync } from "csv-parse/sync";
import { DactError, shown } from "../../errors.js";
import { CellStatus, cellEnd, cellStatus, parseNumberBytes, parseNumberText } from "../text/number.js";

/** How a row ended in the input; the output ends it the same way. */
export const enum Ending {
  None = 0, // the last line, with no final newline
  LF = 1,
  CRLF = 2,
}

export type HeaderMode = "auto" | "yes" | "no";

export interface CsvReaderOptions {
  /** One ASCII character. */
  delimiter: string;
  header: HeaderMode;
  /** Called with each batch; the batch is reused once it returns. */
  onBatch(b: CsvBatch): void;
  /** For messages. */
  file?: string | undefined;
  /** The kernel looks only at signs (Activation.signOnly). */
  signOnly?: boolean | undefined;
  /** The longest line (or, in a streaming line, cell) held in memory; default MAX_LINE. */
  maxLine?: number | undefined;
}

/** The default cap on a line held whole (a header, a quoted row) or a single cell: 64 MiB. */
export const MAX_LINE = 64 << 20;

/**
 * One chunk's worth of parsed cells, in input order: `n` cells in `values`
 * (`missing[k]` is 1 for an empty cell). Rows have `cols` cells; the first
 * `startCell` cells of the batch's first row were in earlier batches, and
 * the last row may continue in the next batch (a row longer than a chunk
 * streams). `rows` rows end in this batch, each with its `endings` entry.
 */
export interface CsvBatch {
  /** The header line exactly as in the input (without its line ending), if this batch starts with it. */
  header: string | null;
  /** The header's cells, unquoted (for formats that take a header apart). */
  headerCells: string[] | null;
  headerEnding: Ending;
  /** Cells per row; UNKNOWN_COLS while a very long first row is still streaming. */
  cols: number;
  n: number;
  startCell: number;
  rows: number;
  values: Float64Array;
  missing: Uint8Array;
  endings: Uint8Array;
}

/** The column count before a streaming first row has ended. */
export const UNKNOWN_COLS = Number.MAX_SAFE_INTEGER;
/** An unfinished line longer than this streams its complete cells (unless it may be a header or has quotes). */
export const LONG_LINE = 4 << 20;

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

const LF = 10;
const CR = 13;
const QUOTE = 34;

/**
 * A push parser for numeric CSV/TSV. It is written by hand because
 * csv-parse + csv-stringify run at about 13 MB/s here against mawk's 22
 * (issue 3); this scanner takes plain rows straight from bytes to doubles.
 * Rows with a quote character go to csv-parse (its sync API, on just those
 * rows), which owns quoting rules and the errors that come with them.
 */
export class CsvReader {
  private line = 1; // physical line number of the next byte to scan
  private first = true;
  private bomChecked = false;
  private cols = -1;
  private headerMode: HeaderMode;
  private firstLine = 0;
  private batch: CsvBatch;
  // Consecutive quoted records, parsed together by csv-parse.
  /** Cells of the current row stored or emitted so far (a long row streams in pieces). */
  private rowCells = 0;
  /** Cells beyond `cols` in the current row: counted, not stored, reported when the row ends. */
  private extraCells = 0;
  /** Whether the current unfinished line may stream: null until decided for this line. */
  private lineStreams: boolean | null = null;
  private qText: string[] = [];
  private qEndings: Ending[] = [];
  private qLine = 0;

  private readonly delim: number;
  private readonly onBatch: (b: CsvBatch) => void;
  private readonly file: string | undefined;
  private readonly signOnly: boolean;
  private readonly maxLine: number;

  constructor(opts: CsvReaderOptions) {
    this.delim = opts.delimiter.charCodeAt(0);
    this.headerMode = opts.header;
    this.onBatch = opts.onBatch;
    this.file = opts.file;
    this.signOnly = opts.signOnly ?? false;
    this.maxLine = opts.maxLine ?? MAX_LINE;
    this.batch = { header: null, headerCells: null, headerEnding: Ending.None, cols: 0, n: 0, startCell: 0, rows: 0, values: new Float64Array(1 << 16), missing: new Uint8Array(1 << 16), endings: new Uint8Array(1 << 12) };
  }

  push(chunk: Buffer): void {
    let buf = chunk;
    let pos = 0;
    if (this.carry) {
      const nl = chunk.indexOf(LF);
      if (nl < 0 && this.bomChecked) {
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
      if (this.bomChecked && nl >= 0 && carry.indexOf(QUOTE) < 0 && chunk.subarray(0, nl).indexOf(QUOTE) < 0) {
        // The common case: the unfinished line ends in this chunk and has no
        // quotes. Finish it on its own rather than copying the whole chunk.
        const line = Buffer.concat([carry, chunk.subarray(0, nl + 1)]);
        this.scan(line, 0, false);
        pos = nl + 1;
      } else {
        buf = Buffer.concat([carry, chunk]);
      }
    }
    if (!this.bomChecked) {
      if (buf.length < 3 && [0xef, 0xbb, 0xbf].slice(0, buf.length).every((b, k) => buf[k] === b)) {
        this.setCarry(Buffer.from(buf));
        return;
      }
      this.bomChecked = true;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) pos = 3;
    }
    pos = this.scan(buf, pos, false);
    if (pos < buf.length) {
      this.setCarry(Buffer.from(buf.subarray(pos)));
      if (this.carryLength > this.maxLine) throw this.tooLong();
    }
    this.flushQuoted(); // quoted rows stream too: never hold them past their chunk
    this.emit();
  }

  /**
   * A line longer than LONG_LINE: parse and emit its complete cells now,
   * keeping only the last, unfinished cell, so memory stays flat however
   * long a row is. Not for a line that may be the header (it is copied
   * whole) or that has quotes (csv-parse needs the whole record).
   */
  private streamLongLine(): void {
    const buf = this.takeCarry();
    const last = buf.lastIndexOf(this.delim);
    let streams = this.lineStreams ?? (buf.indexOf(QUOTE) < 0 && last >= 0);
    if (streams && this.first) {
      if (this.headerMode === "yes" || (this.headerMode === "auto" && !this.anyNumber(buf, 0, last))) streams = false;
      else {
        // Data, not a header: the first row streams, and its cell count is
        // known when it ends.
        this.first = false;
        this.cols = UNKNOWN_COLS;
        this.batch.cols = UNKNOWN_COLS;
        this.firstLine = this.line;
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

  /** What is held past the cap: a line that cannot stream (a header, quotes), or one cell of a streaming line. */
  private tooLong(): DactError {
    const what = this.lineStreams ? "a cell" : "a line";
    const mb = (n: number) => (n >= 1 << 20 ? `${Math.round(n / (1 << 20))} MiB` : `${n} bytes`);
    return new DactError("TOO_LONG", `found ${what} longer than ${mb(this.maxLine)}; expected shorter ones (a binary file? else raise the cap with --max-line-size)`, this.file, { line: this.line, column: this.lineStreams ? this.rowCells + 1 : 1 });
  }

  private longQuoted(buf: Buffer, pos: number, quote: number): DactError {
    const column = this.rowCells + this.countCells(buf, pos, quote);
    return new DactError("CSV_QUOTE", `found a quote in a row longer than ${LONG_LINE >> 20} MB; expected plain cells in so long a row (quoted cells work in shorter rows)`, this.file, { line: this.line, column });
  }

  private anyNumber(buf: Buffer, s: number, e: number): boolean {
    for (let i = s; i <= e; ) {
      parseNumberBytes(buf, i, e, this.delim);
      if (cellStatus === CellStatus.Number) return true;
      i = cellEnd + 1;
    }
    return false;
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
    const buf = this.carry ? this.takeCarry() : null;
    // Fewer than 3 bytes, all a BOM prefix, is nothing but (part of) a BOM.
    if (buf && buf.length && this.bomChecked) this.scan(buf, 0, true);
    this.flushQuoted();
    this.emit();
  }

  /** Scans whole records from buf[pos..]; returns where the unfinished tail starts. */
  private scan(buf: Buffer, pos: number, atEnd: boolean): number {
    const len = buf.length;
    let nextQuote = buf.indexOf(QUOTE, pos);
    if (nextQuote < 0) nextQuote = len;
    const signOnly = this.signOnly;
    while (pos < len) {
      let nl = buf.indexOf(LF, pos);
      if (nextQuote < (nl < 0 ? len : nl)) {
        // A quote before the end of this line: find the record's end by the rules of quoting.
        // Rows over LONG_LINE stream cell by cell, which csv-parse cannot do:
        // such a row must be plain. The rule is on the row's length, never
        // on where chunks happened to fall.
        if (this.rowCells > 0) throw this.longQuoted(buf, pos, nextQuote);
        const end = this.quotedRecordEnd(buf, pos, atEnd);
        if (end < 0) return pos; // unfinished: wait for more input
        if (end - pos > LONG_LINE) throw this.longQuoted(buf, pos, nextQuote);
        const hasLF = end < len;
        const stop = hasLF && end > pos && buf[end - 1] === CR ? end - 1 : end;
        this.quotedRecord(buf.toString("utf8", pos, stop), hasLF ? (stop < end ? Ending.CRLF : Ending.LF) : Ending.None, buf, pos, end);
        pos = hasLF ? end + 1 : end;
        nextQuote = buf.indexOf(QUOTE, pos);
        if (nextQuote < 0) nextQuote = len;
        continue;
      }
      let ending: Ending;
      if (nl < 0) {
        if (!atEnd) return pos;
        nl = len;
        ending = Ending.None;
      } else ending = Ending.LF;
      let stop = nl;
      if (stop > pos && buf[stop - 1] === CR) {
        stop--;
        if (ending === Ending.LF) ending = Ending.CRLF;
      }
      this.flushQuoted();
      this.plainRecord(buf, pos, stop, ending, signOnly);
      this.line++;
      pos = nl + 1;
    }
    return len;
  }

  /** The index of the LF that ends a quoted record starting at pos, `len` at the end of input, or -1 if more input is needed. */
  private quotedRecordEnd(buf: Buffer, pos: number, atEnd: boolean): number {
    let st = Q.FieldStart;
    const d = this.delim;
    for (let i = pos; i < buf.length; i++) {
      const c = buf[i]!;
      switch (st) {
        case Q.Quoted:
          if (c === QUOTE) st = Q.QuoteInQuoted;
          break;
        case Q.QuoteInQuoted:
          if (c === QUOTE) st = Q.Quoted;
          else if (c === d) st = Q.FieldStart;
          else if (c === LF) return i;
          else st = Q.Unquoted;
          break;
        case Q.FieldStart:
          if (c === QUOTE) st = Q.Quoted;
          else if (c === LF) return i;
          else if (c !== d) st = Q.Unquoted;
          break;
        case Q.Unquoted:
          if (c === d) st = Q.FieldStart;
          else if (c === LF) return i;
          break;
      }
    }
    if (!atEnd) return -1;
    if (st === Q.Quoted) {
      throw new DactError("CSV_QUOTE", `unclosed quote; expected a closing " before the end of the input`, this.file, { line: this.line, column: this.columnOfOpenQuote(buf, pos) });
    }
    return buf.length;
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
    const needV = b.n + cells;
    if (needV > b.values.length) {
      const n = Math.max(needV, b.values.length * 2);
      const v = new Float64Array(n);
      v.set(b.values.subarray(0, b.n));
      const m = new Uint8Array(n);
      m.set(b.missing.subarray(0, b.n));
      b.values = v;
      b.missing = m;
    }
    if (b.rows + rows > b.endings.length) {
      const e = new Uint8Array(Math.max(b.rows + rows, b.endings.length * 2));
      e.set(b.endings.subarray(0, b.rows));
      b.endings = e;
    }
  }

  private countCells(buf: Buffer, s: number, e: number): number {
    let n = 1;
    for (let i = s; i < e; i++) if (buf[i] === this.delim) n++;
    return n;
  }

  /** The first record decides the column count and, in auto mode, whether it is a header. */
  private firstRecord(cells: number, anyNumber: boolean, raw: string, ending: Ending, line: number, cellTexts: () => string[]): boolean {
    this.first = false;
    this.cols = cells;
    this.firstLine = line;
    this.batch.cols = cells;
    const isHeader = this.headerMode === "yes" || (this.headerMode === "auto" && !anyNumber);
    if (isHeader) {
      this.batch.header = raw;
      this.batch.headerCells = cellTexts();
      this.batch.headerEnding = ending;
    }
    return isHeader;
  }

  private plainRecord(buf: Buffer, s: number, e: number, ending: Ending, signOnly: boolean): void {
    if (this.rowCells === 0) {
      if (this.isBlank(buf, s, e)) return;
      if (this.first) {
        const raw = buf.toString("utf8", s, e);
        if (this.firstRecord(this.countCells(buf, s, e), this.anyNumber(buf, s, e), raw, ending, this.line, () => raw.split(String.fromCharCode(this.delim)))) return;
      }
    }
    this.cells(buf, s, e, signOnly);
    this.endRow(ending, this.line);
  }

  /** Appends the cells of buf[s..e) to the current row. */
  private cells(buf: Buffer, s: number, e: number, signOnly: boolean): void {
    const cols = this.cols;
    this.room(cols === UNKNOWN_COLS ? this.countCells(buf, s, e) : Math.max(0, cols - this.rowCells), 0);
    const b = this.batch;
    const values = b.values;
    const missing = b.missing;
    let n = b.n;
    let i = s;
    const d = this.delim;
    for (;;) {
      if (this.rowCells === cols) {
        // Too many cells: count the rest for the message, store nothing.
        this.extraCells += this.countCells(buf, i, e);
        break;
      }
      const v = parseNumberBytes(buf, i, e, d, signOnly);
      const st = cellStatus;
      if (st === CellStatus.Invalid) throw this.notNumber(buf.toString("utf8", i, cellEnd), this.line, this.rowCells + 1);
      values[n] = v;
      missing[n] = st;
      n++;
      this.rowCells++;
      i = cellEnd;
      if (i >= e) break;
      i++; // the delimiter
    }
    b.n = n;
  }

  /** Closes the current row: checks its cell count and records its line ending. */
  private endRow(ending: Ending, line: number): void {
    const found = this.rowCells + this.extraCells;
    if (this.cols === UNKNOWN_COLS) {
      this.cols = found;
      this.batch.cols = found;
    } else if (found !== this.cols) throw this.countError(found, line);
    this.room(0, 1);
    const b = this.batch;
    b.endings[b.rows++] = ending;
    this.rowCells = 0;
    this.extraCells = 0;
  }

  private quotedRecord(text: string, ending: Ending, buf: Buffer, s: number, e: number): void {
    if (this.qText.length === 0) this.qLine = this.line;
    this.qText.push(text);
    this.qEndings.push(ending);
    // Count the physical lines this record spans.
    for (let i = s; i < e; i++) if (buf[i] === LF) this.line++;
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
      lineNo += raw.split("\n").length;
      if (this.first) {
        let anyNumber = false;
        for (const cell of record) {
          parseNumberText(cell);
          if (cellStatus === CellStatus.Number) anyNumber = true;
        }
        if (this.firstRecord(record.length, anyNumber, raw, ending, line, () => record)) continue;
      }
      if (record.length !== this.cols) throw this.countError(record.length, line);
      this.room(record.length, 1);
      const b = this.batch;
      for (let c = 0; c < record.length; c++) {
        const v = parseNumberText(record[c]!);
        if (cellStatus === CellStatus.Invalid) throw this.notNumber(record[c]!, line, c + 1);
        b.values[b.n] = v;
        b.missing[b.n++] = cellStatus;
      }
      b.endings[b.rows++] = ending;
    }
  }

  private notNumber(cell: string, line: number, column: number): DactError {
    return new DactError("CSV_NUMBER", `${shown(cell)} is not a number`, this.file, { line, column });
  }

  private countError(found: number, line: number): DactError {
    return new DactError("CSV_FIELDS", `found ${found} cells; expected ${this.cols}, as in line ${this.firstLine}`, this.file, { line });
  }

  private emit(): void {
    const b = this.batch;
    if (b.rows === 0 && b.n === 0 && b.header === null) return;
    this.onBatch(b);
    b.header = null;
    b.headerCells = null;
    b.rows = 0;
    b.n = 0;
    b.startCell = this.rowCells; // cells of the unfinished row already sent
  }
}
