import { pump, type Input, type Output } from "../../io.js";
import type { GradStage, TransformContext } from "../context.js";
import type { ArraySink } from "../array.js";
import { CsvReader, UNKNOWN_COLS, WHITESPACE, type CsvBatch, type CsvReaderOptions, type CsvTextOptions, type HeaderMode } from "./reader.js";
import { sniffDelimiter, SNIFF_BYTES } from "./sniff.js";
import { CsvWriter } from "./writer.js";
import { grow } from "../../grow.js";
import { pipelined } from "../../text-parallel.js";

export interface CsvOptions extends CsvTextOptions {
  /** One ASCII character, WHITESPACE, or undefined to sniff (see sniff.ts). */
  delimiter?: string | undefined;
  header: HeaderMode;
}

/** The delimiter to read with: the one given, else sniffed from the input's first rows. */
async function delimiterFor(input: Input, opts: CsvOptions): Promise<string> {
  if (opts.delimiter !== undefined) return opts.delimiter;
  const head = await input.peek(SNIFF_BYTES);
  return sniffDelimiter(head, { decimal: opts.decimal, comment: opts.comment, complete: head.length < SNIFF_BYTES });
}

function readerOptions(input: Input, opts: CsvOptions, delimiter: string, signOnly: boolean, onBatch: (b: CsvBatch) => void): CsvReaderOptions {
  return { delimiter, header: opts.header, file: input.name, signOnly, maxLine: opts.maxLine, decimal: opts.decimal, comment: opts.comment, naValues: opts.naValues, labels: opts.labels, columns: opts.columns, notice: opts.notice, textNotice: opts.textNotice, onBatch };
}

/**
 * CSV in, CSV out: the same rows, delimiter and line endings, each number
 * replaced by f'(x), empty cells kept empty, a header line copied
 * unchanged. Output for each input chunk is written before the next is
 * read, so `| head` returns at once.
 */
export async function transformCsv(input: Input, output: Output, ctx: TransformContext, opts: CsvOptions): Promise<void> {
  const { kernel } = ctx;
  const delimiter = await delimiterFor(input, opts);
  // Whitespace-separated input is written with single spaces.
  const writer = new CsvWriter(output, { delimiter: delimiter === WHITESPACE ? " " : delimiter, decimal: opts.decimal, source: input.name, floatFormat: ctx.floatFormat, pipeline: true });
  let bom = false;
  /** One batch to the writer, its numbers already the results: the same calls with or without --grad-output, so the same layout. */
  const write = (b: CsvBatch, values: Float64Array) => {
    // An Excel "CSV UTF-8" file starts with a BOM; the output is the same kind of file.
    if (b.bom && !bom) writer.headerLine("\ufeff", 0);
    bom = true;
    // Comments before the header come first, then the header, then the rows.
    for (const c of b.comments) if (c.row < 0) writer.headerLine(c.text, c.ending);
    if (b.header !== null) writer.headerLine(b.header, b.headerEnding);
    writer.cells(values, b.missing, b.n, b.cols, b.startCell, b.endings, { ...b, comments: b.comments.filter((c) => c.row >= 0) });
  };
  const grad = ctx.grad ? gradRows(ctx.grad, write) : null;
  const reader = new CsvReader(
    readerOptions(input, { ...opts, notice: opts.notice ?? ctx.notice }, delimiter, ctx.signOnly ?? false, (b: CsvBatch) => {
      if (grad) return grad.hold(b);
      // In place: the batch is the reader's scratch, read once, and a second
      // array of the same size doubled peak memory on very wide rows.
      kernel(b.values, b.values, b.n);
      write(b, b.values);
    }),
  );
  await pipelined(writer, async () => {
    await pump(input, reader, grad ? async () => (await grad.drain(), await writer.flush()) : () => writer.flush());
    await grad?.finish();
  });
}

/**
 * --grad-output in the CSV transform: the reader's batches are held (copied:
 * they are its scratch) until after the input chunk, when G ⊙ f'(x) for
 * their numbers comes from the GradStage (G streams beside X), and then
 * written by the same calls as f'(x) alone, so the output keeps the
 * layout the plain run keeps (BOM, comments, header line, line endings,
 * delimiter, labels, NA tokens). G is checked against the head
 * readCsvArray gives (shape, header names, label columns), once the column
 * count is known; until then (a long first row streaming) batches wait.
 */
function gradRows(stage: GradStage, write: (b: CsvBatch, values: Float64Array) => void): { hold(b: CsvBatch): void; drain(): Promise<void>; finish(): Promise<void> } {
  const held: CsvBatch[] = [];
  let begun = false;
  let header: string[] | null = null;
  let labelCols: readonly number[] = [];
  let naTokens: string[] = [];
  let rows = 0;
  let cols = 0;
  const head = (shape: number[], growing: boolean) => ({ shape, growing, dtype: "f8" as const, header, naTokens, labelCols, tableRows: true });
  const drain = async () => {
    while (held.length > 0) {
      const b = held[0]!;
      // The first batch with cells or rows knows the column count (one of comment lines alone may come before it).
      if (!begun && b.cols !== UNKNOWN_COLS && (b.n > 0 || b.rows > 0)) {
        begun = true;
        cols = b.cols;
        await stage.begin(head([0, cols], true));
      }
      // A long first row still streaming: its cells wait until its length (and so X's shape) is known.
      if (!begun && b.n > 0) return;
      held.shift();
      write(b, b.n > 0 ? await stage.apply(b.values, b.n) : b.values);
    }
  };
  return {
    hold(b) {
      if (b.headerCells !== null) header = b.headerCells;
      labelCols = b.labelCols;
      naTokens = b.naTokens; // the reader's own list, append-only: a live alias
      rows += b.rows;
      if (b.cols !== UNKNOWN_COLS && (b.cols > 0 || b.n > 0 || b.rows > 0)) cols = b.cols;
      held.push({ ...b, values: b.values.slice(0, b.n), missing: b.missing.slice(0, b.n), endings: b.endings.slice(0, b.rows) });
    },
    drain,
    async finish() {
      await drain();
      const shape = rows === 0 && cols === 0 ? [0, 0] : [rows, cols];
      if (!begun) {
        begun = true;
        await stage.begin(head(shape, false));
        await drain();
      }
      await stage.finish(shape);
    },
  };
}

/**
 * CSV in, as an array: shape (rows, cols), growing until the end. The head
 * is sent once the column count is known (at the end of the first row).
 */
export async function readCsvArray(input: Input, opts: CsvOptions & { signOnly?: boolean | undefined }, sink: ArraySink, after: () => Promise<void>): Promise<number[]> {
  let begun = false;
  let cols = 0;
  let rows = 0;
  let header: string[] | null = null;
  let labelCols: number[] = [];
  const naTokens: string[] = [];
  // Cells of a first row too long to wait for, before its length is known.
  let early: { values: Float64Array; missing: Uint8Array; n: number } | null = null;
  const delimiter = await delimiterFor(input, opts);
  let textNote: { full: string; brief: string } | undefined;
  const textNotice = sink.takesTextNote ? (full: string, brief: string) => void (textNote = { full, brief }) : undefined;
  const begin = (shape: number[], growing: boolean) => {
    begun = true;
    sink.begin({ shape, growing, dtype: "f8", header, naTokens, labelCols, textNote, tableRows: true });
  };
  const reader = new CsvReader(
    readerOptions(input, { ...opts, textNotice }, delimiter, opts.signOnly ?? false, (b: CsvBatch) => {
      if (b.headerCells !== null) header = b.headerCells;
      labelCols = b.labelCols;
      // The batch's token list is the reader's own: keep a live alias for the head.
      if (naTokens.length < b.naTokens.length) naTokens.push(...b.naTokens.slice(naTokens.length));
      rows += b.rows;
      if (!begun && b.cols !== UNKNOWN_COLS) {
        cols = b.cols;
        begin([0, cols], true);
        if (early) sink.data(early.values, early.missing, early.n);
        early = null;
      }
      if (b.n === 0) return;
      if (begun) return sink.data(b.values, b.missing, b.n, b);
      const e = (early ??= { values: new Float64Array(b.n), missing: new Uint8Array(b.n), n: 0 });
      e.values = grow(e.values, e.n, e.n + b.n);
      e.missing = grow(e.missing, e.n, e.n + b.n);
      e.values.set(b.values.subarray(0, b.n), e.n);
      e.missing.set(b.missing.subarray(0, b.n), e.n);
      e.n += b.n;
    }),
  );
  await pump(input, reader, after);
  const shape = rows === 0 && cols === 0 ? [0, 0] : [rows, cols];
  if (!begun) sink.begin({ shape, growing: false, dtype: "f8", header, naTokens, labelCols, textNote, tableRows: true });
  return shape;
}
