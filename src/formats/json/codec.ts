import { DactError } from "../../errors.js";
import { pump, type Input, type Output } from "../../io.js";
import type { GradStage, TransformContext } from "../context.js";
import type { ArraySink } from "../array.js";
import { JsonReader, Op, type JsonBatch } from "./reader.js";
import { grow } from "../../grow.js";
import { JsonFormatter } from "./writer.js";
import { pipelined } from "../../text-parallel.js";

/**
 * JSON (or JSON Lines) in, the same out: the input's nesting, each number
 * replaced by f'(x), null kept as null. Output for each chunk is written
 * before the next is read.
 */
export async function transformJson(input: Input, output: Output, ctx: TransformContext, lines: boolean): Promise<void> {
  const { kernel } = ctx;
  const writer = new JsonFormatter(output, !lines, { floatFormat: ctx.floatFormat, source: input.name, pipeline: true });
  if (ctx.grad && !lines) throw new Error("unreachable: --grad-output takes the array path for JSON arrays (their layout is fixed: the same bytes)");
  const grad = ctx.grad ? gradLines(ctx.grad, input.name, (b, v) => writer.write(b, v), () => reader.lineNumber) : null;
  const reader: JsonReader = new JsonReader({
    lines,
    file: input.name,
    signOnly: ctx.signOnly ?? false,
    onBatch(b) {
      if (grad) return grad.hold(b);
      kernel(b.values, b.values, b.nValues); // in place: the batch is the reader's scratch, read once
      writer.write(b, b.values);
    },
    onDocument: grad ? (shape) => grad.line(shape) : undefined,
  });
  await pipelined(writer, async () => {
    await pump(input, reader, grad ? async () => (await grad.drain(), await writer.flush()) : () => writer.flush());
    await grad?.finish();
  });
}

/**
 * --grad-output in the JSON Lines transform (arrays, one row per line):
 * each batch is held (copied: the reader's scratch) until after its input
 * chunk, its elements in C order (a null is NaN there, as readJsonArray
 * gives it) go through the GradStage once the first line's shape is
 * known, and the batch is written with G ⊙ f'(x) in its numbers' places by
 * the same call as f'(x) alone: each line's ending and blank lines stay.
 * Every line must have the first's shape, as readJsonArray requires.
 */
function gradLines(stage: GradStage, file: string, write: (b: JsonBatch, values: Float64Array) => void, lineNumber: () => number): { hold(b: JsonBatch): void; line(shape: number[]): void; drain(): Promise<void>; finish(): Promise<void> } {
  const held: { b: JsonBatch; elems: Float64Array }[] = [];
  let first: number[] | null = null;
  let begun = false;
  let rows = 0;
  const drain = async () => {
    if (!begun && first !== null) {
      begun = true;
      await stage.begin({ shape: [0, ...first], growing: true, dtype: "f8", header: null });
    }
    if (!begun) return;
    while (held.length > 0) {
      const { b, elems } = held.shift()!;
      if (elems.length === 0) {
        write(b, b.values);
        continue;
      }
      const r = await stage.apply(elems, elems.length);
      // The results at the numbers' places (a null stays null: the writer takes no value for it).
      const values = new Float64Array(b.nValues);
      for (let k = 0, e = 0, v = 0; k < b.nOps; k++) {
        const op = b.ops[k];
        if (op === Op.Value) values[v++] = r[e++]!;
        else if (op === Op.Null) e++;
      }
      write(b, values);
    }
  };
  return {
    hold(b) {
      let n = 0;
      for (let k = 0; k < b.nOps; k++) if (b.ops[k] === Op.Value || b.ops[k] === Op.Null) n++;
      const elems = new Float64Array(n);
      for (let k = 0, e = 0, v = 0; k < b.nOps; k++) {
        const op = b.ops[k];
        if (op === Op.Value) elems[e++] = b.values[v++]!;
        else if (op === Op.Null) elems[e++] = NaN;
      }
      const copy: JsonBatch = { ops: b.ops.slice(0, b.nOps), nOps: b.nOps, values: b.values.slice(0, b.nValues), nValues: b.nValues, endings: b.endings.slice(0, b.nEndings), nEndings: b.nEndings };
      held.push({ b: copy, elems });
    },
    line(shape) {
      if (first === null) first = shape;
      else if (shape.join(",") !== first.join(",")) {
        throw new DactError("JSON_SHAPE", `found a line of shape (${shape.join(", ")}); expected (${first.join(", ")}), as on the first line, to make a matrix`, file, { line: lineNumber() });
      }
      rows++;
    },
    drain,
    async finish() {
      await drain();
      const shape = [rows, ...(first ?? [])];
      if (!begun) {
        begun = true;
        await stage.begin({ shape, growing: false, dtype: "f8", header: null });
        await drain();
      }
      await stage.finish(shape);
    },
  };
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
