import type { Input, Output } from "../../io.js";
import { formatNumber } from "../text/number.js";
import type { TransformContext } from "../context.js";
import { Ending, JsonReader, Op, type JsonBatch } from "./reader.js";

/**
 * The output layout, fixed so golden files diff well:
 * - JSON: numpy's repr shape with JSON punctuation: each innermost array on
 *   its own line, indented by its depth, the document ending in a newline:
 *       [[1,0],
 *        [0,1]]
 *   A scalar is one line; a 1-D array is one line.
 * - JSON Lines: each value compact on its own line, with the input line's
 *   own ending; blank lines stay blank.
 * Numbers are in shortest round-trip form; NaN is null (JSON has no NaN);
 * ±inf is ±1e999, which every JSON reader reads back as ±inf.
 */
class JsonWriter {
  private depth = 0;
  private first = true;
  constructor(private readonly pretty: boolean) {}

  /** Appends the text for a batch whose values are already transformed. */
  write(b: JsonBatch, values: Float64Array, out: Buffer, p: number): number {
    const { ops, nOps, endings } = b;
    let v = 0;
    let e = 0;
    let lastValue = NaN;
    let lastText = "null";
    for (let k = 0; k < nOps; k++) {
      switch (ops[k]) {
        case Op.Open:
          if (!this.first) {
            out[p++] = 44; // ,
            if (this.pretty) {
              out[p++] = 10;
              for (let s = 0; s < this.depth; s++) out[p++] = 32;
            }
          }
          out[p++] = 91; // [
          this.depth++;
          this.first = true;
          break;
        case Op.Close:
          out[p++] = 93; // ]
          this.depth--;
          this.first = false;
          if (this.depth === 0 && this.pretty) out[p++] = 10;
          break;
        case Op.Value:
        case Op.Null: {
          if (!this.first) out[p++] = 44;
          this.first = false;
          const x = ops[k] === Op.Null ? NaN : values[v++]!;
          if (x === 1) out[p++] = 49;
          else if (x === 0 && 1 / x > 0) out[p++] = 48;
          else {
            if (!Object.is(x, lastValue)) {
              lastValue = x;
              lastText = x !== x ? "null" : x === Infinity ? "1e999" : x === -Infinity ? "-1e999" : formatNumber(x);
            }
            for (let i = 0; i < lastText.length; i++) out[p++] = lastText.charCodeAt(i);
          }
          if (this.depth === 0 && this.pretty) out[p++] = 10;
          break;
        }
        case Op.LineEnd: {
          const ending = endings[e++];
          if (ending === Ending.CRLF) out[p++] = 13;
          if (ending !== Ending.None) out[p++] = 10;
          this.first = true;
          break;
        }
      }
    }
    return p;
  }
}

/** Bytes one op can need at most: a number, a comma, and a newline with indentation up to depth 64. */
const MAX_OP_BYTES = 25 + 2 + 66;

/**
 * JSON (or JSON Lines) in, the same out: the input's nesting, each number
 * replaced by f'(x), null kept as null. Output for each chunk is written
 * before the next is read.
 */
export async function transformJson(input: Input, output: Output, ctx: TransformContext, lines: boolean): Promise<void> {
  const { kernel } = ctx;
  const writer = new JsonWriter(!lines);
  let out = Buffer.allocUnsafe(1 << 20);
  let len = 0;
  const reader = new JsonReader(
    lines,
    (b) => {
      const need = len + b.nOps * MAX_OP_BYTES;
      if (need > out.length) {
        const bigger = Buffer.allocUnsafe(Math.max(need, out.length * 2));
        out.copy(bigger, 0, 0, len);
        out = bigger;
      }
      kernel(b.values, b.values, b.nValues); // in place: the batch is the reader's scratch, read once
      len = writer.write(b, b.values, out, len);
    },
    input.name,
    ctx.signOnly ?? false,
  );
  const flush = async () => {
    if (len === 0) return;
    const n = len;
    len = 0;
    await output.write(out.subarray(0, n));
  };
  for await (const chunk of input.chunks()) {
    reader.push(chunk);
    await flush();
  }
  reader.end();
  await flush();
}
