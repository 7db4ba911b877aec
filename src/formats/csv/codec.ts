import type { Input, Output } from "../../io.js";
import type { TransformContext } from "../context.js";
import type { ArraySink } from "../array.js";
import { CsvReader, UNKNOWN_COLS, type CsvBatch, type HeaderMode } from "./reader.js";
import { CsvWriter } from "./writer.js";

export interface CsvOptions {
  /** One byte: `,` for CSV, tab for TSV, or the user's --delimiter. */
  delimiter: string;
  header: HeaderMode;
  maxLine?: number | undefined;
}

/**
 * CSV in, CSV out: the same rows, delimiter and line endings, each number
 * replaced by f'(x), empty cells kept empty, a header line copied
 * unchanged. Output for each input chunk is written before the next is
 * read, so `| head` returns at once.
 */
export async function transformCsv(input: Input, output: Output, ctx: TransformContext, opts: CsvOptions): Promise<void> {
  const { kernel } = ctx;
  const writer = new CsvWriter(output, { delimiter: opts.delimiter, source: input.name });
  const reader = new CsvReader({
    delimiter: opts.delimiter,
    header: opts.header,
    file: input.name,
    signOnly: ctx.signOnly ?? false,
    maxLine: opts.maxLine,
    onBatch(b: CsvBatch) {
      if (b.header !== null) writer.headerLine(b.header, b.headerEnding);
      // In place: the batch is the reader's scratch, read once, and a second
      // array of the same size doubled peak memory on very wide rows.
      kernel(b.values, b.values, b.n);
      writer.cells(b.values, b.missing, b.n, b.cols, b.startCell, b.endings);
    },
  });
  for await (const chunk of input.chunks()) {
    reader.push(chunk);
    await writer.flush();
  }
  reader.end();
  await writer.flush();
}

/**
 * CSV in, as an array: shape (rows, cols), growing until the end. The head
 * is sent once the column count is known (at the end of the first row).
 */
export async function readCsvArray(input: Input, opts: CsvOptions & { signOnly?: boolean }, sink: ArraySink, after: () => Promise<void>): Promise<number[]> {
  let begun = false;
  let cols = 0;
  let rows = 0;
  let header: string[] | null = null;
  // Cells of a first row too long to wait for, before its length is known.
  let early: { values: Float64Array; missing: Uint8Array; n: number } | null = null;
  const reader = new CsvReader({
    delimiter: opts.delimiter,
    header: opts.header,
    file: input.name,
    signOnly: opts.signOnly ?? false,
    maxLine: opts.maxLine,
    onBatch(b: CsvBatch) {
      if (b.headerCells !== null) header = b.headerCells;
      rows += b.rows;
      if (!begun && b.cols !== UNKNOWN_COLS) {
        begun = true;
        cols = b.cols;
        sink.begin({ shape: [0, cols], growing: true, dtype: "f8", header });
        if (early) sink.data(early.values, early.missing, early.n);
        early = null;
      }
      if (b.n === 0) return;
      if (begun) return sink.data(b.values, b.missing, b.n);
      const e = (early ??= { values: new Float64Array(b.n), missing: new Uint8Array(b.n), n: 0 });
      if (e.n + b.n > e.values.length) {
        const size = Math.max(e.n + b.n, e.values.length * 2);
        const v = new Float64Array(size);
        v.set(e.values.subarray(0, e.n));
        const m = new Uint8Array(size);
        m.set(e.missing.subarray(0, e.n));
        e.values = v;
        e.missing = m;
      }
      e.values.set(b.values.subarray(0, b.n), e.n);
      e.missing.set(b.missing.subarray(0, b.n), e.n);
      e.n += b.n;
    },
  });
  for await (const chunk of input.chunks()) {
    reader.push(chunk);
    await after();
  }
  reader.end();
  const shape = rows === 0 && cols === 0 ? [0, 0] : [rows, cols];
  if (!begun) sink.begin({ shape, growing: false, dtype: "f8", header });
  return shape;
}
