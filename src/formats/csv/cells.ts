/**
 * The CSV/TSV writer's fast path as a pure function: float64 cells in the
 * default layout (Python's repr), no --float-format, no label columns. The
 * writer (writer.ts) and its helper threads (src/text-worker.ts) both call
 * it, so a block formatted in parts is byte for byte the block formatted
 * on one thread.
 */
import { writeShortest } from "../text/decimal.js";
import { formatRepr } from "../text/repr.js";
import { Ending, writeEnding } from "../text/ending.js";
import { CELLS, cellsDone, cellsInto, JS_RUN, SHORT_RUN } from "../../wasm/text.js";

/** Where the cursor stands: the column in the current row, and the row in the current endings array. */
export interface CellCursor {
  col: number;
  row: number;
}

/** The last number the fallback wrote, and its text: derivatives repeat values. */
let lastValue = NaN;
let lastText = "NaN";
let lastPoint = 46;

/**
 * Writes cells [from, to) of `values` into `out` at `p` and returns the end:
 * `delim` between cells of a row of `cols`, row k (from `cur.row`) ended by
 * `endings[k]` (LF when null), a missing cell (`missing[k]` 1) empty (`""`
 * when it is a whole row), token `missing[k] - 2` of `naTokens` for an NA
 * cell. Moves `cur`. Needs 28 bytes of room a cell (more for long tokens).
 */
export function formatPlainCells(values: ArrayLike<number>, missing: Uint8Array | null, from: number, to: number, out: Buffer, p: number, cols: number, cur: CellCursor, endings: Uint8Array | null, delim: number, point: number, naTokens: readonly string[]): number {
  if (values instanceof Float64Array && useWasm) {
    // The wasm formatter (the same digits, src/wasm/text.wat), but for
    // missing cells and the few it declines: those here. Its first copy is
    // sized by its last run (missing cells close together: small copies).
    // After a short run (declined cells close together: -0.0 or 0.5 in
    // every other cell), the next JS_RUN cells are written here: a call
    // costs about what 20 cells cost in this loop, and one a cell made
    // such output 7x slower to format than the previous release.
    let k = from;
    let slice = CELLS;
    for (;;) {
      p = cellsInto(values, missing, k, to, out, p, cols, cur, endings, delim, point, slice);
      const run = cellsDone - k;
      slice = Math.max(64, Math.min(CELLS, 2 * run + 16));
      k = cellsDone;
      if (k >= to) return p;
      const js = run < SHORT_RUN ? Math.min(to, k + JS_RUN) : k + 1;
      p = jsCells(values, missing, k, js, out, p, cols, cur, endings, delim, point, naTokens);
      k = js;
      if (k >= to) return p;
    }
  }
  return jsCells(values, missing, from, to, out, p, cols, cur, endings, delim, point, naTokens);
}

/** Whether formatPlainCells may use the wasm formatter (false: this file's own loop alone, for the tests' comparisons). */
let useWasm = true;
export function setCellsWasm(on: boolean): void {
  useWasm = on;
}

/** formatPlainCells in JavaScript: every case (missing cells, NA tokens), and the reference. */
function jsCells(values: ArrayLike<number>, missing: Uint8Array | null, from: number, to: number, out: Buffer, p: number, cols: number, cur: CellCursor, endings: Uint8Array | null, delim: number, point: number, naTokens: readonly string[]): number {
  let col = cur.col;
  let row = cur.row;
  for (let k = from; k < to; k++) {
    const miss = missing === null ? 0 : missing[k]!;
    if (cols === 1 && miss === 1) {
      out[p++] = 34;
      out[p++] = 34;
    } else {
      if (col > 0) out[p++] = delim;
      if (miss === 0) {
        const x = values[k]!;
        if (x === 1 || (x === 0 && 1 / x > 0)) {
          out[p++] = 48 + x; // 1.0 or 0.0
          out[p++] = point;
          out[p++] = 48;
        } else {
          // Straight into the buffer, without a string (decimal.ts); the
          // few it cannot be sure of go through formatRepr.
          const q = writeShortest(x, out, p, point, true);
          if (q >= 0) p = q;
          else {
            if (!Object.is(x, lastValue) || point !== lastPoint) {
              lastValue = x;
              lastPoint = point;
              lastText = point === 46 ? formatRepr(x) : formatRepr(x).replace(".", ",");
            }
            for (let i = 0; i < lastText.length; i++) out[p++] = lastText.charCodeAt(i);
          }
        }
      } else if (miss > 1) p += out.write(naTokens[miss - 2] ?? "", p, "utf8");
    }
    if (++col === cols) {
      p = writeEnding(out, p, endings === null ? Ending.LF : (endings[row++] as Ending));
      col = 0;
    }
  }
  cur.col = col;
  cur.row = row;
  return p;
}
