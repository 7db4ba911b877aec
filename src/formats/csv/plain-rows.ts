/**
 * Plain CSV/TSV rows, parsed the way the reader (reader.ts) parses them on
 * its common path, for a helper thread (src/text-worker.ts): numbers only,
 * `cols` cells a row, LF or CRLF endings. At the first line it is not sure
 * of, it stops and the reader goes on from there itself, so every notice,
 * error and line number is the reader's own: a blank line, a line that may
 * be a comment (it does not start with a digit or `-`), a cell that is not
 * a number or is NaN (an NA cell, an error), a row of another length, a
 * lone CR. The caller gives text without quote bytes.
 */
import { Ending } from "../text/ending.js";
import { CellStatus, cellEnd, cellStatus, parseNumberBytes } from "../text/number.js";

const LF = 10;
const CR = 13;

export interface PlainRows {
  /** Rows parsed: their cells are values[0, rows * cols), their endings endings[0, rows). */
  rows: number;
  /** Where parsing stopped: the start of the first line not taken (`end` when all were). */
  stop: number;
}

/**
 * Parses whole lines of buf[pos, end) (end: just after an LF) into
 * `values` and `endings` (Ending.LF or CRLF), at most `maxCells` cells.
 * `signOnly` and `point` as the reader's parseCell; the reader has no
 * numeric NA tokens when it asks (those need its token table).
 */
export function parsePlainRows(buf: Buffer, pos: number, end: number, cols: number, delim: number, point: number, signOnly: boolean, values: Float64Array, endings: Uint8Array, maxCells: number): PlainRows {
  let rows = 0;
  let n = 0;
  let nextCR = buf.indexOf(CR, pos);
  if (nextCR < 0 || nextCR >= end) nextCR = end;
  while (pos < end && n + cols <= maxCells) {
    const nl = buf.indexOf(LF, pos);
    if (nl < 0 || nl >= end) break;
    let stop = nl;
    if (nextCR < nl) {
      // Only a CR just before the LF: a lone CR ends a row of its own.
      if (nextCR !== nl - 1) break;
      stop = nl - 1;
      nextCR = buf.indexOf(CR, nl + 1);
      if (nextCR < 0 || nextCR >= end) nextCR = end;
    }
    // A blank line, or one that may be a comment (or is a header-like line): the reader's.
    const first = stop > pos ? buf[pos]! : -1;
    if (!((first >= 48 && first <= 57) || first === 45)) break;
    let i = pos;
    let k = 0;
    let ok = true;
    for (;;) {
      if (k === cols) {
        ok = false; // too many cells
        break;
      }
      const v = parseNumberBytes(buf, i, stop, delim, signOnly, point);
      if (cellStatus !== CellStatus.Number || v !== v) {
        ok = false;
        break;
      }
      values[n + k++] = v;
      i = cellEnd;
      if (i >= stop) break;
      i++; // the delimiter
    }
    if (!ok || k !== cols) break;
    n += cols;
    endings[rows++] = stop === nl ? Ending.LF : Ending.CRLF;
    pos = nl + 1;
  }
  return { rows, stop: pos };
}
