/**
 * The JSON / JSON Lines formatter's fast path as a pure function: float64
 * numbers in the default layout (Python's repr; NaN null, ±inf ±1e999), no
 * --float-format. The formatter (writer.ts) and its helper threads
 * (src/text-worker.ts) both call it, so a batch of ops formatted in parts
 * is byte for byte the batch formatted on one thread.
 */
import { writeShortest } from "../text/decimal.js";
import { formatRepr } from "../text/repr.js";
import { Ending, writeEnding } from "../text/ending.js";
import { Op } from "./reader.js";
import { CELLS, cellsDone, JS_RUN, jsonOpsInto, SHORT_RUN } from "../../wasm/text.js";

/** Where the formatter stands: the nesting depth, whether the next item is the first of its array, and the next value and ending to use. */
export interface OpsState {
  depth: number;
  first: boolean;
  v: number;
  e: number;
}

let lastValue = NaN;
let lastText = "null";

/** Ops [from, to) into `out` at `p`; returns the end and moves `st`. Needs 29 bytes of room an op. */
export function formatJsonOps(ops: Uint8Array, from: number, to: number, values: ArrayLike<number>, endings: Uint8Array, out: Buffer, p: number, st: OpsState, document: boolean): number {
  if (values instanceof Float64Array && useWasm) {
    // The wasm formatter (the same bytes, src/wasm/text.wat), but for the
    // numbers it declines: those here. Its first copy is sized by its last
    // run; after a short run, the next JS_RUN ops are written here (as
    // formatPlainCells does).
    let k = from;
    let slice = CELLS;
    for (;;) {
      p = jsonOpsInto(ops, k, to, values, endings, out, p, st, document, slice);
      const run = cellsDone - k;
      slice = Math.max(64, Math.min(CELLS, 2 * run + 16));
      k = cellsDone;
      if (k >= to) return p;
      const js = run < SHORT_RUN ? Math.min(to, k + JS_RUN) : k + 1;
      p = jsOps(ops, k, js, values, endings, out, p, st, document);
      k = js;
      if (k >= to) return p;
    }
  }
  return jsOps(ops, from, to, values, endings, out, p, st, document);
}

/** Whether formatJsonOps may use the wasm formatter (false: this file's own loop alone, for the tests' comparisons). */
let useWasm = true;
export function setOpsWasm(on: boolean): void {
  useWasm = on;
}

/** formatJsonOps in JavaScript: every number, and the reference. */
function jsOps(ops: Uint8Array, from: number, to: number, values: ArrayLike<number>, endings: Uint8Array, out: Buffer, p: number, st: OpsState, document: boolean): number {
  let { depth, first, v, e } = st;
  let q = 0;
  for (let k = from; k < to; k++) {
    switch (ops[k]) {
      case Op.Open:
        if (!first) out[p++] = 44; // ,
        out[p++] = 91; // [
        depth++;
        first = true;
        break;
      case Op.Close:
        out[p++] = 93; // ]
        depth--;
        first = false;
        if (depth === 0 && document) out[p++] = 10;
        break;
      case Op.Value:
      case Op.Null: {
        if (!first) out[p++] = 44;
        first = false;
        const x = ops[k] === Op.Null ? NaN : values[v++]!;
        if (x === 1 || (x === 0 && 1 / x > 0)) {
          out[p++] = 48 + x; // 1.0 or 0.0
          out[p++] = 46;
          out[p++] = 48;
        } else if ((q = writeShortest(x, out, p, 46, true)) >= 0) p = q; // no string: decimal.ts
        else {
          if (!Object.is(x, lastValue)) {
            lastValue = x;
            lastText = x !== x ? "null" : x === Infinity ? "1e999" : x === -Infinity ? "-1e999" : formatRepr(x);
          }
          for (let i = 0; i < lastText.length; i++) out[p++] = lastText.charCodeAt(i);
        }
        if (depth === 0 && document) out[p++] = 10;
        break;
      }
      case Op.LineEnd:
        p = writeEnding(out, p, endings[e++] as Ending);
        first = true;
        break;
    }
  }
  st.depth = depth;
  st.first = first;
  st.v = v;
  st.e = e;
  return p;
}

/** The state after ops [from, to) from `st` (no output): where a helper's part starts. */
export function skipJsonOps(ops: Uint8Array, from: number, to: number, st: OpsState): void {
  let { depth, first, v, e } = st;
  for (let k = from; k < to; k++) {
    const o = ops[k];
    if (o === Op.Open) {
      depth++;
      first = true;
    } else if (o === Op.Close) {
      depth--;
      first = false;
    } else if (o === Op.Value) {
      v++;
      first = false;
    } else if (o === Op.Null) first = false;
    else if (o === Op.LineEnd) {
      e++;
      first = true;
    }
  }
  st.depth = depth;
  st.first = first;
  st.v = v;
  st.e = e;
}
