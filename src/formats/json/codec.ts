import { DactError } from "../../errors.js";
import { pump, type Input, type Output } from "../../io.js";
import type { TransformContext } from "../context.js";
import type { ArraySink } from "../array.js";
import { JsonReader, Op, type JsonBatch } from "./reader.js";
import { grow } from "../../grow.js";
import { JsonFormatter } from "./writer.js";
import { settle } from "../../text-parallel.js";

/**
 * JSON (or JSON Lines) in, the same out: the input's nesting, each number
 * replaced by f'(x), null kept as null. Output for each chunk is written
 * before the next is read.
 */
export async function transformJson(input: Input, output: Output, ctx: TransformContext, lines: boolean): Promise<void> {
  const { kernel } = ctx;
  const writer = new JsonFormatter(output, !lines, { floatFormat: ctx.floatFormat, source: input.name, pipeline: true });
  const reader = new JsonReader({
    lines,
    file: input.name,
    signOnly: ctx.signOnly ?? false,
    onBatch(b) {
      kernel(b.values, b.values, b.nValues); // in place: the batch is the reader's scratch, read once
      writer.write(b, b.values);
    },
  });
  try {
    await pump(input, reader, () => writer.flush());
  } catch (err) {
    // What one thread would have written before the error (a batch a helper was formatting), then the error.
    await settle(() => writer.end());
    throw err;
  }
  await writer.end();
}

/**
 * JSON in, as an array. A document's shape but for its first axis is known
 * once its first row is complete; values before that are held (one row).
 * JSON Lines: each line is a row, and every line must have the first's shape.
 */
export async function readJsonArray(input: Input, opts: { lines: boolean; signOnly?: boolean }, sink: ArraySink, after: () => Promise<void>): Promise<number[]> {
  const { lines } = opts;
  let begun = false;
  let rows = 0;
  let docShape: number[] | null = null;
  let values = new Float64Array(1 << 12);
  let missing = new Uint8Array(1 << 12);
  let n = 0;
  let anyMissing = false;
  const start = (shape: number[], growing: boolean) => {
    begun = true;
    sink.begin({ shape, growing, dtype: "f8", header: null });
  };
  const send = () => {
    if (!begun || n === 0) return;
    sink.data(values, anyMissing ? missing : null, n);
    n = 0;
    anyMissing = false;
  };
  const reader: JsonReader = new JsonReader({
    lines,
    file: input.name,
    signOnly: opts.signOnly ?? false,
    onBatch(b: JsonBatch) {
      values = grow(values, n, n + b.nOps);
      missing = grow(missing, n, n + b.nOps);
      let v = 0;
      for (let k = 0; k < b.nOps; k++) {
        const op = b.ops[k];
        if (op === Op.Value) {
          values[n] = b.values[v++]!;
          missing[n++] = 0;
        } else if (op === Op.Null) {
          values[n] = NaN;
          missing[n++] = 1;
          anyMissing = true;
        }
      }
      if (!begun && !lines) {
        const row = reader.rowShape();
        if (row) start([0, ...row], true);
      }
      send();
    },
    onDocument(shape) {
      if (!lines) {
        docShape = shape;
        return;
      }
      if (docShape === null) {
        docShape = shape;
        start([0, ...shape], true);
      } else if (shape.join(",") !== docShape.join(",")) {
        throw new DactError("JSON_SHAPE", `found a line of shape (${shape.join(", ")}); expected (${docShape.join(", ")}), as on the first line, to make a matrix`, input.name, { line: reader.lineNumber });
      }
      rows++;
    },
  });
  await pump(input, reader, after);
  const shape: number[] = lines ? [rows, ...(docShape ?? [])] : (docShape ?? []);
  if (!begun) start(shape, false);
  send();
  return shape;
}
