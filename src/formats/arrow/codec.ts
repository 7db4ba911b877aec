/**
 * Arrow IPC, the file format (Feather v2) and the stream format, with
 * apache-arrow: record batches are read from the input as it streams (the
 * file format is "ARROW1", padding, then a stream ending with the
 * end-of-stream marker, then a footer: its stream part is read as a stream,
 * so the file is never held whole) and written batch by batch. Label
 * columns (text, dates, timestamps, booleans, dictionaries) keep their
 * buffers as they were read.
 */
import type { Data, DataType, Dictionary, Field, FixedSizeList, Float16, Float32, Float64, RecordBatch, RecordBatchFileWriter, RecordBatchStreamWriter, Schema } from "apache-arrow";
import { lazy } from "../../lazy.js";
import type { Kernel } from "../../activations/types.js";

/**
 * apache-arrow, required on first use: an import would be hoisted to the top
 * of the ESM bundles (library, batch worker) and load its hundreds of modules
 * in every run and worker, Arrow or not.
 */
const A = lazy<typeof import("apache-arrow")>("apache-arrow");
import { decompress as zstdDecompress } from "fzstd";
import { DactError } from "../../errors.js";
import { lz4FrameDecode } from "./lz4.js";
import { checkArrowFile, checkedStream } from "./check.js";
import { randomAccess, type Input, type Output } from "../../io.js";
import type { ArraySink, FloatDType, IntDType } from "../array.js";
import type { TransformContext } from "../context.js";
import { castColumn, columnDtypesOf, pandasMetadataFor, valueNamesOf, deriveColumn, gradColumns, headerOf, halfToNumber, interleave, pandasIndexColumns, matrixDtype, numberToHalf, resultDtype, sourceDtypesOf, TableArrayWriter, unsupportedColumn, type ColumnValues, type NumColumn, type NumKind } from "../table.js";
import { promote } from "../round.js";

interface ArrowColumn extends NumColumn {
  readonly index: number;
  /** A variable-size List of numbers, read as a tensor column: every row must hold `width` values. */
  readonly varList?: boolean;
  /** A varList column: the row its width was taken from. */
  readonly widthRow?: number;
  readonly label: boolean;
  readonly field: Field;
  /** A dictionary-encoded column of numbers, read as its values (as pyarrow's to_numpy() and Parquet give them). */
  readonly dict?: boolean;
}

function typeText(t: DataType): string {
  if (t.typeId === A().Type.Decimal) {
    const d = t as unknown as { precision: number; scale: number; bitWidth: number };
    return `decimal${d.bitWidth}(${d.precision}, ${d.scale})`;
  }
  return String(t);
}

/** A scalar numeric type's kind, or null. */
function scalarKind(t: DataType): NumKind | null {
  if (t.typeId === A().Type.Float) {
    const p = (t as Float64).precision;
    return p === A().Precision.HALF ? "f2" : p === A().Precision.SINGLE ? "f4" : "f8";
  }
  if (t.typeId === A().Type.Int) return "int";
  return null;
}

/** An integer column's own dtype (a tensor column: its elements'; a dictionary: its values'). */
function intDtypeOf(c: ArrowColumn): IntDType {
  const t = c.dict ? (c.field.type as Dictionary).dictionary : c.width === 1 && !c.varList ? c.field.type : (c.field.type as FixedSizeList).children[0]!.type;
  const i = t as unknown as { bitWidth: number; isSigned: boolean };
  return `${i.isSigned ? "i" : "u"}${i.bitWidth / 8}` as IntDType;
}

/** The widest tensor column read: every value of a row gets a name in the array's head. */
const MAX_WIDTH = 1 << 24;

function classify(schema: Schema, file: string): ArrowColumn[] {
  const pandasIndex = pandasIndexColumns(schema.metadata.get("pandas"));
  return schema.fields.map((field, index) => {
    if (pandasIndex.has(field.name ?? "")) return { name: field.name ?? "", kind: "f8", width: 1, index, label: true, field };
    const t = field.type;
    const k = scalarKind(t);
    if (k) return { name: field.name ?? "", kind: k, width: 1, index, label: false, field };
    if (t.typeId === A().Type.Dictionary) {
      // Numbers stored once and indexed (pa.array(...).dictionary_encode()): a numeric column of its
      // values, as to_numpy() and Parquet (where pyarrow stores the values) read it; text dictionaries are labels.
      const vk = scalarKind((t as Dictionary).dictionary);
      if (vk) return { name: field.name ?? "", kind: vk, width: 1, index, label: false, field, dict: true };
    }
    if (t.typeId === A().Type.FixedSizeList) {
      if ((t as FixedSizeList).listSize > MAX_WIDTH) throw new DactError("FORMAT", `column ${JSON.stringify(field.name ?? "")} is a fixed-size list of ${(t as FixedSizeList).listSize} values; expected at most ${MAX_WIDTH} a row`, file);
      const ck = scalarKind((t as FixedSizeList).children[0]!.type);
      if (!ck) throw unsupportedColumn(file, field.name ?? "", typeText(t));
      return { name: field.name ?? "", kind: ck, width: (t as FixedSizeList).listSize, index, label: false, field };
    }
    if (t.typeId === A().Type.List) {
      // pandas writes a column of NumPy arrays (an embedding table) as list<double>: a tensor column when every row has one length.
      const ck = scalarKind((t as unknown as FixedSizeList).children[0]!.type);
      if (ck) return { name: field.name ?? "", kind: ck, width: 0, index, label: false, field, varList: true };
    }
    switch (t.typeId) {
      case A().Type.Struct:
      case A().Type.Map:
      case A().Type.List:
      case A().Type.Union:
      case A().Type.Decimal:
      case A().Type.DenseUnion:
      case A().Type.SparseUnion:
      case A().Type.LargeList:
        throw unsupportedColumn(file, field.name ?? "", typeText(t));
      default:
        return { name: field.name ?? "", kind: "f8", width: 1, index, label: true, field };
    }
  });
}

/** The input's bytes for apache-arrow: copied (Input reuses its buffers), the file format's 8-byte prefix skipped. */
async function* bytesOf(input: Input, file: boolean): AsyncGenerator<Uint8Array> {
  let skip = file ? 8 : 0;
  for await (const chunk of input.chunks()) {
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    yield Buffer.from(chunk.subarray(skip));
    skip = 0;
  }
}

function badArrow(name: string, err: unknown): DactError {
  if (err instanceof DactError) return err;
  return new DactError("FORMAT", `is not a readable Arrow IPC file or stream: ${(err as Error).message ?? String(err)}; expected Arrow IPC (pyarrow.feather, pyarrow.ipc)`, name);
}

let codecsRegistered = false;

/** A buffer at an 8-byte aligned offset: apache-arrow views it as 64-bit values in place. */
function aligned(b: Uint8Array): Uint8Array {
  return b.byteOffset % 8 === 0 ? b : b.slice();
}

/**
 * The body codecs of compressed record batches (IPC's LZ4_FRAME, pyarrow's
 * Feather default, and ZSTD): apache-arrow reads them through codecs
 * registered by the application. Decoding only: dact writes uncompressed
 * Arrow.
 */
function registerCodecs(): void {
  if (codecsRegistered) return;
  codecsRegistered = true;
  A().compressionRegistry.set(A().CompressionType.LZ4_FRAME, { decode: (b: Uint8Array) => aligned(lz4FrameDecode(b)) });
  A().compressionRegistry.set(A().CompressionType.ZSTD, { decode: (b: Uint8Array) => aligned(zstdDecompress(b)) });
}

/**
 * Opens the record batch reader. A stream is read as it comes. A file is
 * read through its footer from positional reads (a pipe is spooled first,
 * as for Parquet): writers such as apache-arrow's own leave the schema
 * message out of the file's stream part, so the stream part alone is not
 * always readable.
 */
async function open(input: Input): Promise<{ batches: AsyncIterator<RecordBatch>; schema: Schema; cols: ArrowColumn[]; file: boolean }> {
  const head = await input.peek(8);
  const file = head.subarray(0, 6).toString("latin1") === "ARROW1";
  if (head.subarray(0, 4).toString("latin1") === "FEA1") throw new DactError("FORMAT", "is a Feather v1 file; expected Arrow IPC (Feather v2): pyarrow.feather.write_feather(pyarrow.feather.read_table(f), out)", input.name);
  registerCodecs();
  try {
    let reader: { open(): Promise<unknown>; schema: unknown; [Symbol.asyncIterator](): AsyncIterator<RecordBatch> };
    if (file) {
      const ra = await randomAccess(input);
      // The file format ends as it starts, with "ARROW1": without it the
      // footer is missing (a file cut short), and its offsets would be garbage.
      const tail = Buffer.alloc(6);
      if (ra.size < 14 || ra.read(ra.size - 6, 6, tail) !== 6 || tail.toString("latin1") !== "ARROW1") {
        throw new DactError("FORMAT", `byte ${ra.size}: found the end of the file without the Arrow footer (no "ARROW1" at its end: cut short?); expected a whole Arrow IPC file`, input.name);
      }
      checkArrowFile(ra, input.name);
      // What apache-arrow's AsyncRandomAccessFile asks of a FileHandle.
      const handle = {
        fd: -1,
        stat: async () => ({ size: ra.size }),
        read: async (buffer: Uint8Array, offset: number, length: number, position: number) => {
          if (position < 0 || position + length > ra.size) throw new Error(`its footer points to bytes ${position}..${position + length}, outside the file's ${ra.size}`);
          const n = ra.read(position, length, Buffer.from(buffer.buffer, buffer.byteOffset + offset, length));
          return { bytesRead: n, buffer };
        },
        close: async () => {},
      };
      reader = await A().RecordBatchReader.from(handle as never);
    } else reader = await A().RecordBatchReader.from(checkedStream(bytesOf(input, false), input.name));
    await reader.open();
    const schema = reader.schema as Schema;
    if (!schema) throw new Error("no schema message");
    return { batches: reader[Symbol.asyncIterator]() as AsyncIterator<RecordBatch>, schema, cols: classify(schema, input.name), file };
  } catch (err) {
    throw badArrow(input.name, err);
  }
}

async function next(it: AsyncIterator<RecordBatch>, name: string): Promise<RecordBatch | null> {
  let r: IteratorResult<RecordBatch>;
  try {
    r = await it.next();
  } catch (err) {
    throw badArrow(name, err);
  }
  if (r.done) return null;
  const base = rowsRead.get(it) ?? 0;
  r.value.schema.fields.forEach((f, i) => checkData(r.value.data.children[i], name, f.name, base));
  rowsRead.set(it, base + r.value.numRows);
  return r.value;
}

/** The rows of the record batches next() has returned, per reader: a row's number over the whole file. */
const rowsRead = new WeakMap<object, number>();

/**
 * Every valid index of a dictionary-encoded column is inside its
 * dictionary (label columns too: their buffers are copied into Arrow
 * output, and an index outside would be a garbled value there).
 */
function checkIndices(d: Data, file: string, column: string, rowBase: number): void {
  const dict = (d as unknown as { dictionary?: { length: number } }).dictionary;
  const size = dict?.length ?? 0;
  const idx = d.values as ArrayLike<number | bigint>;
  for (let r = 0; r < d.length; r++) {
    const raw = idx[d.offset + r]!;
    if ((typeof raw === "bigint" ? raw >= 0n && raw < BigInt(size) : raw >= 0 && raw < size) || !validAt(d, r)) continue;
    throw dictIndexError(column, rowBase + r, raw, size, file);
  }
}

function dictIndexError(column: string, row: number, raw: number | bigint, size: number, file: string): DactError {
  return new DactError("FORMAT", `column ${JSON.stringify(column)}: row ${row} has dictionary index ${String(raw)}; expected ${size === 0 ? "none (its dictionary is empty)" : `0 to ${size - 1} (its dictionary holds ${size} value${size === 1 ? "" : "s"})`}`, file);
}

/**
 * A column's buffers hold its length (check.ts has checked the lengths
 * against each other and the buffers against the body; this checks the
 * buffers, decompressed, against the lengths): apache-arrow reads a short
 * buffer as nulls or undefined values.
 */
function checkData(d: Data | undefined, file: string, column: string, rowBase = 0): void {
  if (!d || d.typeId === A().Type.Null) return;
  const need = d.offset + d.length;
  const T = A().Type;
  const bad: (what: string, have: number, want: number) => never = (what, have, want) => {
    throw new DactError("FORMAT", `column ${JSON.stringify(column)}: ${d.length} values (${typeText(d.type)}), but its ${what} holds ${have}; expected ${want}`, file);
  };
  if (d.nullCount > 0 && (d.nullBitmap?.length ?? 0) * 8 < need) bad("validity bitmap", (d.nullBitmap?.length ?? 0) * 8, need);
  const values = d.values as ArrayLike<unknown> | undefined;
  const offsets = (last: number) => {
    if (need === 0) return;
    const o = d.valueOffsets as ArrayLike<number | bigint> | undefined;
    if (!o || o.length < need + 1) bad("offsets buffer", Math.max(0, (o?.length ?? 0) - 1), need);
    let prev = Number(o[d.offset]!);
    if (prev < 0) bad("first offset", prev, 0);
    for (let i = d.offset + 1; i <= need; i++) {
      const v = Number(o[i]!);
      if (v < prev) bad(`offset ${i}`, v, prev);
      prev = v;
    }
    if (prev > last) bad("data", last, prev);
  };
  switch (d.typeId as number) {
    case T.Null:
      return;
    case T.Bool:
      if ((values?.length ?? 0) * 8 < need) bad("values buffer", (values?.length ?? 0) * 8, need);
      return;
    case T.Utf8:
    case T.Binary:
    case T.LargeUtf8:
    case T.LargeBinary:
      return offsets(values?.length ?? 0);
    case T.List:
    case T.LargeList:
    case T.Map:
      offsets(d.children[0]?.length ?? 0);
      break;
    case T.FixedSizeList:
      if ((d.children[0]?.length ?? 0) < need * d.stride) bad("child", d.children[0]?.length ?? 0, need * d.stride);
      break;
    case T.Struct:
      for (const c of d.children) if (c.length < need) bad("child", c.length, need);
      break;
    case T.Int:
    case T.Float:
    case T.Decimal:
    case T.Date:
    case T.Time:
    case T.Timestamp:
    case T.Interval:
    case T.Duration:
    case T.FixedSizeBinary:
    case T.Dictionary:
      if ((values?.length ?? 0) < need * d.stride) bad("values buffer", Math.floor((values?.length ?? 0) / d.stride), need);
      if (d.typeId === T.Dictionary) {
        for (const c of (d as unknown as { dictionary?: { data: Data[] } }).dictionary?.data ?? []) checkData(c, file, column);
        checkIndices(d, file, column, rowBase);
      }
      return;
    default:
      return;
  }
  for (const c of d.children) checkData(c, file, column);
}

function validAt(d: Data, i: number): boolean {
  if (!d.nullBitmap || d.nullCount === 0) return true;
  const j = d.offset + i;
  return ((d.nullBitmap[j >> 3]! >> (j & 7)) & 1) === 1;
}

/** The varList columns' widths: each one's first non-null row in the first record batch. */
function withWidths(cols: ArrowColumn[], b: RecordBatch | null, file: string): ArrowColumn[] {
  return cols.map((c) => {
    if (!c.varList) return c;
    const d = b?.data.children[c.index];
    if (d) {
      const offs = d.valueOffsets as Int32Array;
      for (let r = 0; r < d.length; r++) if (validAt(d, r)) return { ...c, width: offs[d.offset + r + 1]! - offs[d.offset + r]!, widthRow: r };
    }
    throw new DactError("FORMAT", `column ${JSON.stringify(c.name)} (${typeText(c.field.type)}) has no non-null row in the first record batch to tell the size of its lists; expected a tensor column (lists of one size)`, file);
  });
}

/** A varList column's values: rows × width, a null row as `width` nulls; a row of another length is an error. */
function listFloats(d: Data, c: ArrowColumn, rowBase: number, file: string): ColumnValues {
  const rows = d.length;
  const w = c.width;
  const values = c.kind === "f4" ? new Float32Array(rows * w) : new Float64Array(rows * w);
  let missing: Uint8Array | null = null;
  const offs = d.valueOffsets as Int32Array;
  const leaf = d.children[0]!;
  const src = leaf.values as ArrayLike<number | bigint>;
  const half = c.kind === "f2";
  const leafNulls = leaf.nullCount > 0 && leaf.nullBitmap;
  for (let r = 0, o = 0; r < rows; r++) {
    if (!validAt(d, r)) {
      missing ??= new Uint8Array(rows * w);
      for (let k = 0; k < w; k++, o++) (values[o] = NaN), (missing[o] = 1);
      continue;
    }
    const s = offs[d.offset + r]!;
    const len = offs[d.offset + r + 1]! - s;
    if (len !== w) throw new DactError("FORMAT", `column ${JSON.stringify(c.name)}: row ${rowBase + r} is a list of ${len} values; expected ${w}, as row ${c.widthRow} (a tensor column: lists of one size)`, file);
    for (let k = 0; k < w; k++, o++) {
      if (leafNulls && !validAt(leaf, s + k)) {
        (missing ??= new Uint8Array(rows * w))[o] = 1;
        values[o] = NaN;
        continue;
      }
      const v = src[leaf.offset + s + k]!;
      values[o] = typeof v === "bigint" ? Number(v) : half ? halfToNumber(v) : v;
    }
  }
  return { values, missing };
}

/** A column's values as floats, NaN and a mask where null (a tensor column: rows × width, row-major). */
function floatsOf(d: Data, c: ArrowColumn, rowBase = 0, file = ""): ColumnValues {
  if (c.varList) return listFloats(d, c, rowBase, file);
  if (c.dict) return dictFloats(d, c, rowBase, file);
  const rows = d.length;
  const w = c.width;
  const leaf = w > 1 ? d.children[0]! : d;
  const base = w > 1 ? leaf.offset + d.offset * w : d.offset;
  const n = rows * w;
  const values = c.kind === "f4" ? new Float32Array(n) : new Float64Array(n);
  const src = leaf.values as ArrayLike<number | bigint>;
  const half = c.kind === "f2";
  for (let i = 0; i < n; i++) {
    const v = src[base + i]!;
    values[i] = typeof v === "bigint" ? Number(v) : half ? halfToNumber(v) : v;
  }
  let missing: Uint8Array | null = null;
  const leafNulls = leaf.nullCount > 0 && leaf.nullBitmap;
  if (d.nullCount > 0 || leafNulls) {
    for (let r = 0; r < rows; r++) {
      const rowValid = w === 1 ? validAt(d, r) : validAt(d, r);
      for (let k = 0; k < w; k++) {
        const ok = rowValid && (w === 1 || !leafNulls || validAt(leaf, d.offset * w + r * w + k));
        if (!ok) {
          (missing ??= new Uint8Array(n))[r * w + k] = 1;
          values[r * w + k] = NaN;
        }
      }
    }
  }
  return { values, missing };
}

/** A dictionary's values as floats (NaN and a mask where null), once per dictionary (a delta makes a new one). */
const dictValues = new WeakMap<object, ColumnValues>();

function dictionaryFloats(dict: { data: Data[] }, kind: NumKind): ColumnValues {
  const known = dictValues.get(dict);
  if (known) return known;
  const n = dict.data.reduce((s, c) => s + c.length, 0);
  const values = kind === "f4" ? new Float32Array(n) : new Float64Array(n);
  let missing: Uint8Array | null = null;
  let o = 0;
  for (const c of dict.data) {
    const src = c.values as ArrayLike<number | bigint>;
    for (let i = 0; i < c.length; i++, o++) {
      if (!validAt(c, i)) {
        (missing ??= new Uint8Array(n))[o] = 1;
        values[o] = NaN;
        continue;
      }
      const v = src[c.offset + i]!;
      values[o] = typeof v === "bigint" ? Number(v) : kind === "f2" ? halfToNumber(v) : v;
    }
  }
  const out = { values, missing };
  dictValues.set(dict, out);
  return out;
}

/**
 * A dictionary-encoded column's values: each index looked up in the
 * dictionary its record batch was read with (a null index, or a null in the
 * dictionary, is NaN and missing). An index outside the dictionary is an
 * error naming the row (0-based, over the whole file), never a value.
 */
function dictFloats(d: Data, c: ArrowColumn, rowBase: number, file: string): ColumnValues {
  const dict = (d as unknown as { dictionary?: { data: Data[] } }).dictionary ?? { data: [] };
  const { values: dv, missing: dm } = dictionaryFloats(dict, c.kind);
  const size = dv.length;
  const rows = d.length;
  const values = c.kind === "f4" ? new Float32Array(rows) : new Float64Array(rows);
  let missing: Uint8Array | null = null;
  const idx = d.values as ArrayLike<number | bigint>;
  for (let r = 0; r < rows; r++) {
    if (!validAt(d, r)) {
      (missing ??= new Uint8Array(rows))[r] = 1;
      values[r] = NaN;
      continue;
    }
    const raw = idx[d.offset + r]!;
    const i = typeof raw === "bigint" ? (raw >= 0n && raw < BigInt(size) ? Number(raw) : -1) : raw;
    if (!(i >= 0 && i < size)) throw dictIndexError(c.name, rowBase + r, raw, size, file); // next() checked it: a guard
    if (dm?.[i]) {
      (missing ??= new Uint8Array(rows))[r] = 1;
      values[r] = NaN;
    } else values[r] = dv[i]!;
  }
  return { values, missing };
}

function floatType(dtype: "f2" | "f4" | "f8"): Float16 | Float32 | Float64 {
  return dtype === "f2" ? new (A().Float16)() : dtype === "f4" ? new (A().Float32)() : new (A().Float64)();
}

/** Float values (exact in `dtype`) into Arrow data, null where missing. */
function floatData(dtype: "f2" | "f4" | "f8", v: Float64Array | Float32Array, missing: Uint8Array | null): Data {
  const n = v.length;
  let data: Float64Array | Float32Array | Uint16Array = v;
  if (dtype === "f2") {
    data = new Uint16Array(n);
    for (let i = 0; i < n; i++) data[i] = numberToHalf(v[i]!);
  } else if (dtype === "f4" && !(v instanceof Float32Array)) data = Float32Array.from(v);
  else if (dtype === "f8" && !(v instanceof Float64Array)) data = Float64Array.from(v);
  let nullCount = 0;
  let nullBitmap: Uint8Array | undefined;
  if (missing) {
    nullBitmap = new Uint8Array(((n + 63) >> 6) << 3);
    for (let i = 0; i < n; i++) {
      if (missing[i]) nullCount++;
      else nullBitmap[i >> 3]! |= 1 << (i & 7);
    }
    if (nullCount === 0) nullBitmap = undefined;
  }
  return A().makeData({ type: floatType(dtype), length: n, nullCount, nullBitmap, data } as never);
}

function nameText(c: ArrowColumn): string {
  return `${c.name} (${typeText(c.field.type)})`;
}

/** The array path: the numeric columns side by side (a tensor column gives its width), batch by batch. */
export async function readArrowArray(input: Input, sink: ArraySink, after: () => Promise<void>, notice: (m: string) => void): Promise<number[]> {
  const { batches, cols: all } = await open(input);
  const labels = all.filter((c) => c.label);
  const cols = all;
  if (labels.length && !sink.quietLabels) notice(`dact: ${input.name}: column${labels.length > 1 ? "s" : ""} ${labels.map(nameText).join(", ")} ${labels.length > 1 ? "are" : "is"} not numeric; dropped (only Parquet or Arrow output of the same table keeps it)`);
  if (labels.length === cols.length) throw new DactError("FORMAT", `has no numeric column (${cols.map(nameText).join(", ")}); expected at least one`, input.name);
  // The first batch is read before the head: a list column's width comes from it.
  const first = await next(batches, input.name);
  const num = withWidths(cols.filter((c) => !c.label), first, input.name);
  const dtype = matrixDtype(num);
  const width = num.reduce((s, c) => s + c.width, 0);
  const tensor = num.length === 1 && num[0]!.width > 1;
  sink.begin({ shape: [0, width], growing: true, dtype, header: num.every((c) => c.width === 1 && !c.varList) ? headerOf(num.map((c) => c.name)) : null, headerName: "the column names", valueNames: valueNamesOf(num), columnDtypes: columnDtypesOf(num), ...sourceDtypesOf(num, intDtypeOf), tableRows: true });
  let rows = 0;
  for (let b = first; b; b = await next(batches, input.name)) {
    const data = num.map((c) => floatsOf(b.data.children[c.index]!, c, rows, input.name));
    const { values, missing } = interleave(num, data, b.numRows, dtype);
    sink.data(values, missing, values.length);
    rows += b.numRows;
    await after();
  }
  void tensor;
  return [rows, width];
}

/**
 * Collects the bytes apache-arrow's writer produces (its own sink is an
 * async queue meant to be read to the end); they go out on flush().
 */
class Collected {
  chunks: Uint8Array[] = [];
  closed = false;
  write(b: Uint8Array): void {
    this.chunks.push(b);
  }
  close(): void {}
  abort(): void {}
}

/**
 * apache-arrow's file writer leaves the schema message out of the file's
 * stream part (its readers use the footer's copy); the format has it, and
 * readers that read the file as a stream need it: written here after the
 * magic, as pyarrow writes it.
 */
function newFileWriter(): RecordBatchFileWriter {
  const w = new (A().RecordBatchFileWriter)();
  const self = w as unknown as { _writeMagic(): { _writePadding(n: number): unknown }; _writeMessage(m: unknown): unknown; _writeSchema(s: Schema): unknown };
  self._writeSchema = (schema: Schema) => {
    self._writeMagic()._writePadding(2);
    return self._writeMessage(A().Message.from(schema));
  };
  return w;
}

function writerFor(file: boolean, sink: Collected): RecordBatchStreamWriter | RecordBatchFileWriter {
  const w = file ? newFileWriter() : new (A().RecordBatchStreamWriter)();
  (w as unknown as { _sink: Collected })._sink = sink;
  return w;
}

async function drain(sink: Collected, output: Output): Promise<void> {
  const cs = sink.chunks;
  sink.chunks = [];
  for (const c of cs) await output.write(c);
}

/** A computed column's data: floats of the result dtype (a tensor column keeps its list type, with float children). */
function derivedData(kernel: Kernel, c: ArrowColumn, d: Data, stored: FloatDType | undefined, rowBase: number, file: string): { data: Data; type: DataType } {
  const own = resultDtype(c.kind);
  const dtype = (stored ?? own) as "f2" | "f4" | "f8";
  const { values, missing } = floatsOf(d, c, rowBase, file);
  const out = castColumn(deriveColumn(kernel, dtype, values), dtype); // rounded once, to the output dtype
  return columnData(c, d, dtype, out, missing);
}

/** A computed column's results (exact in `dtype`) as Arrow data of the column's shape (a tensor column keeps its list type). */
function columnData(c: ArrowColumn, d: Data, stored: FloatDType, out: Float64Array | Float32Array, missing: Uint8Array | null): { data: Data; type: DataType } {
  const dtype = (stored === "bf16" ? "f4" : stored) as "f2" | "f4" | "f8"; // bfloat16 values are exact in float32
  if (c.varList) {
    // The same list type, every row a list of `width` (a null row: `width` nulls, as in Parquet).
    const childField = (c.field.type as unknown as FixedSizeList).children[0]!;
    const child = floatData(dtype, out, missing);
    const type = new (A().List)(new (A().Field)(childField.name, child.type, childField.nullable || child.nullCount > 0, childField.metadata));
    const valueOffsets = new Int32Array(d.length + 1);
    for (let r = 0; r <= d.length; r++) valueOffsets[r] = r * c.width;
    return { data: A().makeData({ type, length: d.length, nullCount: 0, valueOffsets, child } as never), type: type as DataType };
  }
  if (c.width === 1) {
    const data = floatData(dtype, out, missing);
    return { data, type: data.type };
  }
  const t = c.field.type as FixedSizeList;
  const childField = t.children[0]!;
  const child = floatData(dtype, out, missing);
  const type = new (A().FixedSizeList)(c.width, new (A().Field)(childField.name, child.type, childField.nullable || child.nullCount > 0, childField.metadata));
  let nullBitmap: Uint8Array | undefined;
  if (d.nullCount > 0) {
    nullBitmap = new Uint8Array(((d.length + 63) >> 6) << 3);
    for (let r = 0; r < d.length; r++) if (validAt(d, r)) nullBitmap[r >> 3]! |= 1 << (r & 7);
  }
  return { data: A().makeData({ type, length: d.length, nullCount: d.nullCount, nullBitmap, child } as never), type };
}

/**
 * Arrow to Arrow (file to file, stream to stream, or across): each record
 * batch becomes one record batch; numeric columns are computed (floats keep
 * their width, integers become float64, tensor columns stay fixed-size
 * lists), the others keep their data; field names, field and schema
 * metadata (pandas' "pandas" key) are kept.
 */
export async function transformArrow(input: Input, output: Output, ctx: TransformContext, fileOut: boolean): Promise<void> {
  const { batches, schema, cols: all } = await open(input);
  const sink = new Collected();
  const w = writerFor(fileOut, sink);
  let outSchema: Schema | null = null;
  const first = await next(batches, input.name);
  const widths = first && all.some((c) => c.varList) ? withWidths(all.filter((c) => !c.label), first, input.name) : null;
  const cols = widths ? all.map((c) => (c.label ? c : widths.shift()!)) : all;
  let rowBase = 0;
  const num = cols.filter((c) => !c.label);
  // --grad-output: G ⊙ f'(x), each column in the promotion of its dtype and G's (the stage decides, once G's head is read).
  const width = num.reduce((s, c) => s + c.width, 0);
  const grad = ctx.grad ? await ctx.grad.begin({ shape: [0, width], growing: true, dtype: matrixDtype(num), header: num.every((c) => c.width === 1 && !c.varList) ? headerOf(num.map((c) => c.name)) : null, headerName: "the column names", valueNames: valueNamesOf(num), columnDtypes: columnDtypesOf(num), tableRows: true }) : null;
  const gradDtypes = grad ? (grad.columnDtypes ?? columnDtypesOf(num).map(() => grad.dtype)) : null;
  const storedOf = (c: ArrowColumn): FloatDType => {
    if (!gradDtypes) return ctx.dtype ?? resultDtype(c.kind);
    const at = num.slice(0, num.indexOf(c)).reduce((s, o) => s + o.width, 0);
    return gradDtypes.slice(at, at + c.width).reduce(promote);
  };
  for (let b = first; b; b = await next(batches, input.name)) {
    const children: Data[] = [];
    const fields: Field[] = [];
    const group = ctx.grad ? num.map((c) => floatsOf(b.data.children[c.index]!, c, rowBase, input.name)) : null;
    const graded = group ? await gradColumns(ctx.grad!, num, group, b.numRows, gradDtypes!) : null;
    for (const c of cols) {
      const d = b.data.children[c.index]!;
      if (c.label) {
        children.push(d);
        fields.push(c.field);
      } else {
        const j = num.indexOf(c);
        const { data, type } = graded ? columnData(c, d, graded[j]!.dtype, graded[j]!.values, group![j]!.missing) : derivedData(ctx.kernel, c, d, ctx.dtype, rowBase, input.name);
        children.push(data);
        fields.push(new (A().Field)(c.name, type, c.field.nullable || data.nullCount > 0, c.field.metadata));
      }
    }
    // One schema for the whole output: the first batch's (nullability from the input fields).
    outSchema ??= new (A().Schema)(fields.map((f, i) => (cols[i]!.label ? f : new (A().Field)(f.name, f.type, true, f.metadata))), withPandasTypes(schema.metadata, num, storedOf));
    const struct = A().makeData({ type: new (A().Struct)(outSchema.fields), length: b.numRows, nullCount: 0, children } as never);
    w.write(new (A().RecordBatch)(outSchema, struct as never));
    await drain(sink, output);
    rowBase += b.numRows;
  }
  if (!outSchema) {
    // No record batch: the schema alone, numeric columns as their result types.
    const ft = (c: ArrowColumn) => floatType((storedOf(c) === "bf16" ? "f4" : storedOf(c)) as "f2");
    outSchema = new (A().Schema)(cols.map((c) => (c.label ? c.field : new (A().Field)(c.name, c.varList ? new (A().List)(new (A().Field)((c.field.type as unknown as FixedSizeList).children[0]!.name, ft(c), true)) : c.width > 1 ? new (A().FixedSizeList)(c.width, new (A().Field)((c.field.type as FixedSizeList).children[0]!.name, ft(c), true)) : ft(c), true, c.field.metadata))), withPandasTypes(schema.metadata, num, storedOf));
    w.write(new (A().RecordBatch)(outSchema, A().makeData({ type: new (A().Struct)(outSchema.fields), length: 0, nullCount: 0, children: outSchema.fields.map((f) => A().makeData({ type: f.type, length: 0 } as never)) } as never) as never));
  }
  await ctx.grad?.finish([rowBase, width]);
  w.finish();
  await drain(sink, output);
}

/** The schema metadata with pandas' description of each computed flat column as its stored float dtype (pandasMetadataFor). */
function withPandasTypes(metadata: Map<string, string>, num: readonly ArrowColumn[], storedOf: (c: ArrowColumn) => FloatDType): Map<string, string> {
  const pandas = metadata.get("pandas");
  if (pandas === undefined) return metadata;
  const out = new Map(metadata);
  out.set("pandas", pandasMetadataFor(pandas, new Map(num.filter((c) => c.width === 1 && !c.varList).map((c) => [c.name, storedOf(c)] as const))));
  return out;
}

/** The array path into Arrow: one float column per matrix column, a record batch per group of rows. */
export class ArrowArrayWriter extends TableArrayWriter {
  private readonly sink = new Collected();
  private readonly w: RecordBatchStreamWriter | RecordBatchFileWriter;
  private schema: Schema | null = null;
  private wrote = false;

  constructor(private readonly output: Output, source: string | undefined, file: boolean, dtype?: FloatDType | undefined) {
    super(source, dtype);
    this.w = writerFor(file, this.sink);
  }

  private get d(): "f2" | "f4" | "f8" {
    return this.dtype === "bf16" ? "f4" : this.dtype;
  }

  protected start(): void {
    this.schema = new (A().Schema)(this.names.map((n) => new (A().Field)(n, floatType(this.d), true)));
  }

  protected emit(cols: Float64Array[], missing: (Uint8Array | null)[], rows: number): void {
    const children = cols.map((c, j) => floatData(this.d, c, missing[j]!));
    const struct = A().makeData({ type: new (A().Struct)(this.schema!.fields), length: rows, nullCount: 0, children } as never);
    this.w.write(new (A().RecordBatch)(this.schema!, struct as never));
    this.wrote = true;
  }

  async flush(): Promise<void> {
    await drain(this.sink, this.output);
  }

  protected async finish(): Promise<void> {
    if (!this.wrote) {
      const s = this.schema!;
      this.w.write(new (A().RecordBatch)(s, A().makeData({ type: new (A().Struct)(s.fields), length: 0, nullCount: 0, children: s.fields.map((f) => A().makeData({ type: f.type, length: 0 } as never)) } as never) as never));
    }
    this.w.finish();
    await drain(this.sink, this.output);
  }
}
