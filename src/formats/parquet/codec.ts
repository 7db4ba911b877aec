/**
 * Parquet: read with hyparquet (row group by row group, from positional
 * reads of the file: a Parquet footer needs random access, so stdin is
 * spooled first), decompressed by hyparquet-compressors (Snappy, Gzip,
 * Zstd, LZ4, Brotli). Written with hyparquet-writer's column encoder
 * (dictionary or plain, data page v2, Snappy) and footer writer, but the
 * file is assembled here: hyparquet-writer's ParquetWriter re-encodes every
 * column from JavaScript values, while a label column (text, dates,
 * timestamps) must pass through exactly, so its column chunk's bytes are
 * copied from the input as they are (only the offsets in the footer move).
 *
 * Measured against parquet-wasm (whole file in memory, no row-group
 * streaming from a file handle) and apache-arrow (no Parquet): hyparquet is
 * the one that reads a row group at a time from a pread-backed buffer.
 */
import { parquetHeader } from "hyparquet/src/column.js";
import { convert, convertWithDictionary, DEFAULT_PARSERS } from "hyparquet/src/convert.js";
import { decompressPage, readDataPage, readDataPageV2 } from "hyparquet/src/datapage.js";
import { readPlain } from "hyparquet/src/plain.js";
import { getSchemaPath } from "hyparquet/src/schema.js";
import { parquetMetadataAsync, type AsyncBuffer, type ColumnChunk, type FileMetaData, type KeyValue, type SchemaElement } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { ByteWriter } from "hyparquet-writer";
import { writeColumn } from "hyparquet-writer/src/column.js";
import { writeMetadata } from "hyparquet-writer/src/metadata.js";
import { schemaPathResolver } from "hyparquet-writer/src/schema.js";
import { snappyCompress } from "hyparquet-writer/src/snappy.js";
import * as zlib from "node:zlib";
import { DactError } from "../../errors.js";
import { randomAccess, type Input, type Output, type RandomAccess } from "../../io.js";
import type { ArrayHead, ArraySink, FloatDType, IntDType } from "../array.js";
import type { TransformContext } from "../context.js";
import { promote } from "../round.js";
import { castColumn, columnDtypesOf, pandasMetadataFor, valueNamesOf, deriveColumn, gradColumns, headerOf, interleave, pandasIndexColumns, matrixDtype, resultDtype, sourceDtypesOf, TableArrayWriter, unsupportedColumn, type ColumnValues, type NumColumn, type NumKind } from "../table.js";

export const PAR1 = Buffer.from("PAR1");

export function sniffParquet(head: Buffer): boolean {
  return head.length >= 4 && head.subarray(0, 4).equals(PAR1);
}

interface PqColumn extends NumColumn {
  /** The column's leaf column chunk (flat columns and lists have one leaf each). */
  readonly index: number;
  readonly label: boolean;
  /** The leaf's schema element (a list column: its element's). */
  readonly element: SchemaElement;
  /** The leaf's position in the file's schema. */
  readonly schemaIndex: number;
  /** A list column (a tensor column): its levels. */
  readonly list?: ListLevels | undefined;
  /** The top-level schema element (a list: its group). */
  readonly top: SchemaElement;
  /** A list column: the row its width was taken from. */
  readonly widthRow?: number;
}

/**
 * A list column's levels: a LIST group, its repeated group and the numeric
 * element (or the older two-level form: a repeated numeric field).
 * Definition levels below `slot` are a null row (below `present`) or an
 * empty list; `slot` up to `maxDef` - 1 is a null element; `maxDef` a value.
 */
interface ListLevels {
  readonly path: string[];
  readonly present: number;
  readonly slot: number;
  readonly maxDef: number;
}

function fileOf(ra: RandomAccess, name: string): AsyncBuffer {
  return {
    byteLength: ra.size,
    slice(start: number, end?: number) {
      const e = Math.min(end ?? ra.size, ra.size);
      // Its own ArrayBuffer, handed over without a copy.
      const b = Buffer.allocUnsafeSlow(Math.max(0, e - start));
      for (let got = 0; got < b.length; ) {
        const n = ra.read(start + got, b.length - got, b.subarray(got));
        if (n <= 0) throw new DactError("PARQUET" as never, `ends at byte ${start + got}; expected ${e} bytes (truncated file?)`, name);
        got += n;
      }
      return b.byteOffset === 0 && b.buffer.byteLength === b.length ? (b.buffer as ArrayBuffer) : (b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer);
    },
  };
}

function badParquet(name: string, err: unknown): DactError {
  if (err instanceof DactError) return err;
  return new DactError("FORMAT", `is not a readable Parquet file: ${(err as Error).message ?? String(err)}; expected a Parquet file (PAR1 ... PAR1)`, name);
}

function typeText(el: SchemaElement, leaf?: SchemaElement): string {
  if (leaf) return `a list of ${typeText(leaf)}`;
  const lt = el.logical_type;
  if (lt?.type === "DECIMAL" || el.converted_type === "DECIMAL") return `decimal(${el.precision}, ${el.scale})`;
  if (lt?.type === "LIST" || el.converted_type === "LIST") return "a list";
  if (lt?.type === "MAP" || el.converted_type === "MAP" || el.converted_type === "MAP_KEY_VALUE") return "a map";
  if (el.num_children) return "a struct";
  return `${el.type}${lt ? ` (${lt.type})` : el.converted_type ? ` (${el.converted_type})` : ""}`;
}

function numKind(el: SchemaElement): NumKind | "label" | null {
  const lt = el.logical_type;
  if (lt?.type === "DECIMAL" || el.converted_type === "DECIMAL") return null;
  switch (el.type) {
    case "DOUBLE":
      return "f8";
    case "FLOAT":
      return "f4";
    case "FIXED_LEN_BYTE_ARRAY":
      return lt?.type === "FLOAT16" ? "f2" : "label";
    case "INT32":
    case "INT64":
      if (lt && lt.type !== "INTEGER") return "label"; // DATE, TIME, TIMESTAMP
      if (el.converted_type && !/^U?INT_/.test(el.converted_type)) return "label";
      return "int";
    default:
      return "label"; // BYTE_ARRAY (text, binary), BOOLEAN, INT96 (timestamps)
  }
}

/** An integer column's own dtype: its logical or converted type's width and sign, else its physical width (signed). */
function intDtypeOf(c: PqColumn): IntDType {
  const el = c.element;
  const lt = el.logical_type as { type: string; bitWidth?: number; isSigned?: boolean } | undefined;
  if (lt?.type === "INTEGER" && lt.bitWidth) return `${lt.isSigned === false ? "u" : "i"}${lt.bitWidth / 8}` as IntDType;
  const m = /^(U?)INT_(8|16|32|64)$/.exec(el.converted_type ?? "");
  if (m) return `${m[1] ? "u" : "i"}${Number(m[2]) / 8}` as IntDType;
  return el.type === "INT64" ? "i8" : "i4";
}

function isList(el: SchemaElement): boolean {
  return el.logical_type?.type === "LIST" || el.converted_type === "LIST";
}

/**
 * A LIST group of numbers (pyarrow writes a FixedSizeList column so, the
 * fixed size kept only in its ARROW:schema metadata): its leaf and levels,
 * or null when it is some other nesting.
 */
function listOf(schema: SchemaElement[], i: number): { leaf: number; levels: ListLevels; next: number } | null {
  const el = schema[i]!;
  const rep = schema[i + 1];
  if (!isList(el) || el.num_children !== 1 || !rep || rep.repetition_type !== "REPEATED") return null;
  let leaf = i + 1;
  if (rep.num_children === 1) {
    leaf = i + 2;
    if (schema[leaf]!.num_children) return null;
  } else if (rep.num_children) return null;
  const present = el.repetition_type === "OPTIONAL" ? 1 : 0;
  const slot = present + 1;
  const maxDef = slot + (leaf !== i + 1 && schema[leaf]!.repetition_type === "OPTIONAL" ? 1 : 0);
  const path = leaf === i + 1 ? [el.name, rep.name] : [el.name, rep.name, schema[leaf]!.name];
  return { leaf, levels: { path, present, slot, maxDef }, next: leaf + 1 };
}

/** The top-level columns; a nested one (struct, map, a list of non-numbers) or a decimal is an error naming it. */
function classify(md: FileMetaData, file: string): PqColumn[] {
  const schema = md.schema;
  const cols: PqColumn[] = [];
  const index = pandasIndexColumns(md.key_value_metadata?.find((k) => k.key === "pandas")?.value);
  for (let i = 1, k = 0; i < schema.length; k++) {
    const el = schema[i]!;
    const list = el.num_children ? listOf(schema, i) : null;
    if (list) {
      const leaf = schema[list.leaf]!;
      const kind = numKind(leaf);
      if (kind === null || kind === "label") throw unsupportedColumn(file, el.name, typeText(el, leaf));
      // width: found from the data (see listWidth).
      cols.push({ name: el.name, kind, width: 0, index: k, label: false, element: leaf, schemaIndex: list.leaf, list: list.levels, top: el });
      i = list.next;
      continue;
    }
    if (el.num_children || el.repetition_type === "REPEATED") throw unsupportedColumn(file, el.name, typeText(el));
    const kind = numKind(el);
    if (kind === null) throw unsupportedColumn(file, el.name, typeText(el));
    cols.push({ name: el.name, kind: kind === "label" ? "f8" : kind, width: 1, index: k, label: kind === "label" || index.has(el.name), element: el, schemaIndex: i, top: el });
    i++;
  }
  return cols;
}

async function open(input: Input): Promise<{ ra: RandomAccess; file: AsyncBuffer; md: FileMetaData; cols: PqColumn[] }> {
  const ra = await randomAccess(input);
  const file = fileOf(ra, input.name);
  let md: FileMetaData;
  try {
    md = await parquetMetadataAsync(file);
    checkMetadata(md, ra.size, input.name);
    return { ra, file, md, cols: classify(md, input.name) };
  } catch (err) {
    throw badParquet(input.name, err);
  }
}

/**
 * The footer's numbers hyparquet and the readers here trust, checked: every
 * schema element named, every row group with one column chunk per column,
 * each chunk's bytes between the leading "PAR1" and the footer, and the
 * file's num_rows the sum of the row groups' (pyarrow refuses a corrupt
 * footer too). A FORMAT error at the footer's first byte.
 */
function checkMetadata(md: FileMetaData, size: number, name: string): void {
  const footer = size - 8 - (typeof md.metadata_length === "number" ? md.metadata_length : 0);
  const bad = (found: string, expected: string) => new DactError("FORMAT", `the footer: ${found}; expected ${expected}`, name, { offset: footer });
  const count = (v: unknown) => typeof v === "bigint" && v >= 0n;
  if (!Array.isArray(md.schema) || md.schema.length === 0) throw bad("no schema", "a Parquet schema");
  let leaves = 0;
  md.schema.forEach((el, i) => {
    if (typeof el?.name !== "string") throw bad(`schema element ${i} without a name`, "a name for every column");
    if (el.num_children !== undefined && !(Number.isInteger(el.num_children) && el.num_children >= 0)) throw bad(`schema element ${i} (${JSON.stringify(el.name)}) with ${String(el.num_children)} children`, "a count");
    if (i > 0 && !el.num_children) leaves++;
  });
  if (!count(md.num_rows)) throw bad(`num_rows ${String(md.num_rows)}`, "a row count");
  if (!Array.isArray(md.row_groups)) throw bad("no row groups", "a list of row groups");
  let sum = 0n;
  md.row_groups.forEach((rg, g) => {
    if (!count(rg?.num_rows)) throw bad(`row group ${g} with num_rows ${String(rg?.num_rows)}`, "a row count");
    sum += rg.num_rows;
    if (!Array.isArray(rg.columns) || rg.columns.length !== leaves) throw bad(`row group ${g} with ${Array.isArray(rg.columns) ? rg.columns.length : "no"} column chunks`, `one per column (${leaves})`);
    rg.columns.forEach((chunk, k) => {
      const m = chunk?.meta_data;
      const col = `row group ${g}, column chunk ${k}`;
      if (!m) throw bad(`${col} without its metadata`, "column chunks in this file");
      if (!Array.isArray(m.path_in_schema) || m.path_in_schema.length === 0) throw bad(`${col} without its path in the schema`, "a column path");
      for (const f of ["data_page_offset", "total_compressed_size", "num_values"] as const) if (!count(m[f])) throw bad(`${col} (${m.path_in_schema.join(".")}) with ${f} ${String(m[f])}`, "a byte offset or count");
      if (m.dictionary_page_offset !== undefined && typeof m.dictionary_page_offset !== "bigint") throw bad(`${col} with dictionary_page_offset ${String(m.dictionary_page_offset)}`, "a byte offset");
      const from = chunkStart(m);
      const to = from + m.total_compressed_size;
      if (from < 4n || to > BigInt(footer)) throw bad(`${col} (${m.path_in_schema.join(".")}) at bytes ${from}..${to}, outside the file's data (bytes 4..${footer})`, "column chunks within the file");
    });
  });
  if (sum !== md.num_rows) throw bad(`num_rows ${md.num_rows}, but its row groups hold ${sum} rows (${md.row_groups.map((rg) => rg.num_rows).join(" + ")})`, "num_rows the sum of the row groups' num_rows");
}

/** Where a column chunk's bytes start: its dictionary page if it has one, else its first data page. */
function chunkStart(m: NonNullable<ColumnChunk["meta_data"]>): bigint {
  return m.dictionary_page_offset !== undefined && m.dictionary_page_offset > 0n && m.dictionary_page_offset < m.data_page_offset ? m.dictionary_page_offset : m.data_page_offset;
}

type Decoded = ArrayLike<number | bigint | null | undefined>;

/** Decoded values into floats from row `row` on (bigint and null handled). */
function put(dst: Float64Array | Float32Array, row: number, vals: Decoded): void {
  if ((vals instanceof Float64Array || vals instanceof Float32Array) && row + vals.length <= dst.length) {
    dst.set(vals, row);
    return;
  }
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i];
    dst[row + i] = typeof v === "bigint" ? Number(v) : (v as number);
  }
}

/** A column chunk's pages, decoded: levels and the non-null values of each. */
interface Page {
  defs: ArrayLike<number> | undefined;
  reps: ArrayLike<number> | undefined;
  vals: Decoded;
}

/**
 * A column chunk's data pages, decoded one at a time. hyparquet's own
 * reader (parquetRead) assembles every page into a JavaScript array through
 * its nested-list assembly, which measured at two thirds of the read time on
 * float64 columns; here its page decoders (headers, decompression, levels,
 * plain and dictionary values) hand over typed arrays, and the levels give
 * the nulls (and a list's rows).
 */
function* pagesOf(bytes: Uint8Array, md: FileMetaData, chunk: ColumnChunk, c: PqColumn): Generator<Page> {
  const m = chunk.meta_data!;
  const schemaPath = getSchemaPath(md.schema, m.path_in_schema);
  const decoder = { pathInSchema: m.path_in_schema, element: c.element, schemaPath, type: m.type, codec: m.codec, compressors, parsers: DEFAULT_PARSERS, utf8: true };
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  let dict: Decoded | undefined;
  while (reader.offset < bytes.length) {
    const header = parquetHeader(reader);
    const pageBytes = bytes.subarray(reader.offset, reader.offset + header.compressed_page_size);
    reader.offset += header.compressed_page_size;
    let r: { definitionLevels: ArrayLike<number> | undefined; repetitionLevels: ArrayLike<number> | undefined; dataPage: Decoded };
    let encoding: string;
    if (header.type === "DICTIONARY_PAGE") {
      const page = decompressPage(pageBytes, Number(header.uncompressed_page_size), m.codec, compressors);
      const plain = readPlain({ view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 }, m.type, header.dictionary_page_header!.num_values, c.element.type_length);
      dict = convert(plain, decoder as never) as Decoded;
      continue;
    } else if (header.type === "DATA_PAGE") {
      const page = decompressPage(pageBytes, Number(header.uncompressed_page_size), m.codec, compressors);
      r = readDataPage(page, header.data_page_header!, decoder as never) as never;
      encoding = header.data_page_header!.encoding;
    } else if (header.type === "DATA_PAGE_V2") {
      r = readDataPageV2(pageBytes, header, decoder as never) as never;
      encoding = header.data_page_header_v2!.encoding;
    } else continue; // an index page
    const vals = convertWithDictionary(r.dataPage as never, dict as never, encoding as never, decoder as never) as Decoded;
    yield { defs: r.definitionLevels, reps: r.repetitionLevels, vals };
  }
}

/** One flat column chunk as floats (NaN and a mask where null). */
function readChunk(bytes: Uint8Array, md: FileMetaData, chunk: ColumnChunk, c: PqColumn, rows: number, file: string): ColumnValues {
  const values = c.kind === "f4" ? new Float32Array(rows) : new Float64Array(rows);
  let missing: Uint8Array | null = null;
  let row = 0;
  const maxDef = c.element.repetition_type === "OPTIONAL" ? 1 : 0;
  for (const { defs, vals } of pagesOf(bytes, md, chunk, c)) {
    if (maxDef && defs && defs.length) {
      if (row + defs.length > rows) {
        row += defs.length;
        break;
      }
      let vi = 0;
      for (let i = 0; i < defs.length; i++, row++) {
        if (defs[i] === maxDef) {
          const v = vals[vi++];
          values[row] = typeof v === "bigint" ? Number(v) : (v as number);
        } else {
          values[row] = NaN;
          (missing ??= new Uint8Array(rows))[row] = 1;
        }
      }
    } else {
      if (row + vals.length > rows) {
        row += vals.length;
        break;
      }
      put(values, row, vals);
      row += vals.length;
    }
    if (row >= rows) break;
  }
  if (row !== rows) throw new DactError("FORMAT", `column ${JSON.stringify(c.name)}: found ${row} values in a row group of ${rows} rows; expected one per row`, file);
  return { values, missing };
}

/**
 * One list column chunk as a (rows, n) block, row-major: every row must
 * hold n values (a fixed-size list), n being `width` when known (an
 * earlier row group's), else the first non-null row's length. A null row
 * reads as n nulls; a null element as NaN (and a null).
 */
interface ListValues extends ColumnValues {
  width: number;
  /** The row the width was taken from (-1: none yet, every row null). */
  from: number;
}

function readListChunk(bytes: Uint8Array, md: FileMetaData, chunk: ColumnChunk, c: PqColumn, rows: number, firstRow: number, file: string): ListValues {
  const L = c.list!;
  const pages = [...pagesOf(bytes, md, chunk, c)];
  // Pass 1: each row's length, and which rows are null.
  const lens = new Int32Array(rows);
  const nullRow = new Uint8Array(rows);
  let row = -1;
  // hyparquet leaves out the definition levels of a page without nulls (every one is maxDef).
  const count = (p: Page) => p.defs?.length || p.reps?.length || p.vals.length;
  for (const page of pages) {
    const { reps } = page;
    const defs = page.defs?.length ? page.defs : null;
    const n = count(page);
    for (let i = 0; i < n; i++) {
      if (!reps?.length || reps[i] === 0) {
        if (++row >= rows) break;
      }
      if (row < 0) throw new DactError("FORMAT", `column ${JSON.stringify(c.name)}: a page starts inside a row; expected whole rows`, file);
      const d = defs ? defs[i]! : L.maxDef;
      if (d >= L.slot) lens[row]!++;
      else if (d < L.present) nullRow[row] = 1;
    }
  }
  if (row + 1 !== rows) throw new DactError("FORMAT", `column ${JSON.stringify(c.name)}: found ${row + 1} rows in a row group of ${rows} rows; expected one list per row`, file);
  let width = c.width;
  let from = c.widthRow ?? -1;
  for (let r = 0; r < rows && from < 0; r++) if (!nullRow[r]) (width = lens[r]!), (from = firstRow + r);
  for (let r = 0; r < rows; r++) {
    if (nullRow[r] || lens[r] === width) continue;
    throw new DactError("FORMAT", `column ${JSON.stringify(c.name)}: row ${firstRow + r} is a list of ${lens[r]} values; expected ${width}, as ${from >= 0 ? `row ${from}` : "the rows before"} (a tensor column: lists of one size)`, file);
  }
  // Pass 2: the values.
  const values = c.kind === "f4" ? new Float32Array(rows * width) : new Float64Array(rows * width);
  let missing: Uint8Array | null = null;
  let o = 0;
  row = -1;
  for (const page of pages) {
    const { reps, vals } = page;
    const defs = page.defs?.length ? page.defs : null;
    let vi = 0;
    const n = count(page);
    for (let i = 0; i < n; i++) {
      if (!reps?.length || reps[i] === 0) {
        if (++row >= rows) break;
        if (nullRow[row]) {
          missing ??= new Uint8Array(rows * width);
          for (let k = 0; k < width; k++) (values[o] = NaN), (missing[o++] = 1);
        }
      }
      const d = defs ? defs[i]! : L.maxDef;
      if (d < L.slot) continue;
      if (d === L.maxDef) {
        const v = vals[vi++];
        values[o++] = typeof v === "bigint" ? Number(v) : (v as number);
      } else {
        (missing ??= new Uint8Array(rows * width))[o] = 1;
        values[o++] = NaN;
      }
    }
  }
  return { values, missing, width, from };
}

/** One row group's numeric columns as floats (NaN and a mask where null); `firstRow`: the group's first row in the file. */
function readGroup(file: AsyncBuffer, md: FileMetaData, rg: FileMetaData["row_groups"][number], rows: number, cols: readonly PqColumn[], name: string, firstRow: number): ColumnValues[] {
  return cols.map((c) => {
    const chunk = rg.columns[c.index]!;
    const m = chunk.meta_data!;
    const from = Number(chunkStart(m));
    const bytes = new Uint8Array(file.slice(from, from + Number(m.total_compressed_size)) as ArrayBuffer);
    try {
      return c.list ? readListChunk(bytes, md, chunk, c, rows, firstRow, name) : readChunk(bytes, md, chunk, c, rows, name);
    } catch (err) {
      throw badParquet(name, err);
    }
  });
}

/**
 * The list columns' widths: the length of each one's first non-null row
 * (Parquet keeps no fixed size; every other row is checked against it as
 * it is read). Reads row groups until one is found.
 */
function withWidths(file: AsyncBuffer, md: FileMetaData, cols: PqColumn[], name: string): PqColumn[] {
  return cols.map((c) => {
    if (!c.list) return c;
    let first = 0;
    for (const rg of md.row_groups) {
      const rows = Number(rg.num_rows);
      const d = readGroup(file, md, rg, rows, [c], name, first)[0] as ListValues;
      if (d.from >= 0) return { ...c, width: d.width, widthRow: d.from };
      first += rows;
    }
    throw new DactError("FORMAT", `column ${JSON.stringify(c.name)} (${typeText(c.top, c.element)}) has no non-null row to tell the size of its lists; expected a tensor column with at least one row`, name);
  });
}


function labelNotice(file: string, labels: readonly PqColumn[], notice: (m: string) => void, what: string): void {
  if (labels.length) notice(`dact: ${file}: column${labels.length > 1 ? "s" : ""} ${labels.map((c) => `${c.name} (${typeText(c.element)})`).join(", ")} ${labels.length > 1 ? "are" : "is"} not numeric; ${what}`);
}

/** The array path: the numeric columns side by side, row group by row group. */
/** The head the array path gives for a table's numeric columns (also a --grad-output transform's X). */
function tableHead(num: readonly PqColumn[], rows: number): ArrayHead {
  const width = num.reduce((s, c) => s + c.width, 0);
  // A tensor column's names are not one per matrix column: no header then.
  return { shape: [rows, width], growing: false, dtype: matrixDtype(num), header: num.every((c) => !c.list) ? headerOf(num.map((c) => c.name)) : null, headerName: "the column names", valueNames: valueNamesOf(num), columnDtypes: columnDtypesOf(num), ...sourceDtypesOf(num, intDtypeOf), tableRows: true };
}

export async function readParquetArray(input: Input, sink: ArraySink, after: () => Promise<void>, notice: (m: string) => void): Promise<number[]> {
  const { file, md, cols: all } = await open(input);
  if (!sink.quietLabels) labelNotice(input.name, all.filter((c) => c.label), notice, "dropped (only Parquet or Arrow output of the same table keeps it)");
  if (all.every((c) => c.label)) throw new DactError("FORMAT", `has no numeric column (${all.map((c) => `${c.name}: ${typeText(c.element)}`).join(", ")}); expected at least one`, input.name);
  const num = withWidths(file, md, all.filter((c) => !c.label), input.name);
  const dtype = matrixDtype(num);
  const rows = Number(md.num_rows);
  const width = num.reduce((s, c) => s + c.width, 0);
  sink.begin(tableHead(num, rows));
  let start = 0;
  for (const rg of md.row_groups) {
    const n = Number(rg.num_rows);
    const data = readGroup(file, md, rg, n, num, input.name, start);
    const { values, missing } = interleave(num, data, n, dtype);
    sink.data(values, missing, values.length);
    await after();
    start += n;
  }
  return [rows, width];
}

/**
 * hyparquet-writer's dictionary keys values by SameValueZero, so -0 would
 * become the 0 beside it: a column holding a -0 is written PLAIN.
 */
function plainIfSigned(v: Float64Array | Float32Array): { encoding?: "PLAIN" } {
  for (let i = 0; i < v.length; i++) if (v[i] === 0 && 1 / v[i]! < 0) return { encoding: "PLAIN" };
  return {};
}

/** The codecs dact writes Parquet with (--compress). */
export type ParquetCodec = "SNAPPY" | "GZIP" | "UNCOMPRESSED";

/** --compression's name to the codec's. */
export function codecOf(name: "snappy" | "gzip" | "none" | undefined): ParquetCodec {
  return name === "gzip" ? "GZIP" : name === "none" ? "UNCOMPRESSED" : "SNAPPY";
}

/**
 * Page compressors. Gzip by zlib (its header has no timestamp: the same
 * bytes every run); Snappy by hyparquet-writer's.
 */
const COMPRESSORS = {
  SNAPPY: snappyCompress,
  GZIP: (b: Uint8Array) => new Uint8Array(zlib.gzipSync(b, { level: 6 })),
};

/**
 * A Parquet file assembled row group by row group: computed columns
 * encoded by hyparquet-writer, label columns copied as bytes. Nothing
 * varies between runs (created_by is "dact", no timestamps or ids).
 */
export class ParquetFileWriter {
  private readonly bw = new ByteWriter();
  private readonly rowGroups: FileMetaData["row_groups"] = [];
  private cols: ColumnChunk[] = [];
  private groupStart = 0;
  private numRows = 0n;
  private readonly resolve: ReturnType<typeof schemaPathResolver>;

  constructor(private readonly output: Output, private readonly schema: SchemaElement[], private readonly kv: KeyValue[] | undefined, private readonly codec: ParquetCodec = "SNAPPY") {
    this.resolve = schemaPathResolver(schema);
    this.bw.appendUint32(0x31524150);
  }

  /** hyparquet-writer's column encoder options: the codec chosen, statistics, 1 MiB pages. */
  private encoder(name: string, element: SchemaElement, schemaPath: SchemaElement[]) {
    return {
      columnName: name,
      element,
      schemaPath,
      codec: this.codec,
      compressors: COMPRESSORS,
      stats: true,
      pageSize: 1 << 20,
      columnIndex: false,
      offsetIndex: false,
    };
  }

  startGroup(): void {
    this.cols = [];
    this.groupStart = this.bw.offset;
  }

  /** A computed column: floats, null where `missing` (a list column: rows × width, row-major). */
  column(name: string, v: Float64Array | Float32Array, missing: Uint8Array | null, list?: { levels: ListLevels; width: number }): void {
    if (list) return this.listColumn(name, v, missing, list.levels, list.width);
    const path = this.resolve([name]);
    const schemaPath = path.map((n) => n.element);
    const element = schemaPath[schemaPath.length - 1]!;
    // A flat column's levels, built here (encodeNestedValues walks a JavaScript array of the values for them).
    let pageData: { values: ArrayLike<number | null>; definitionLevels: number[]; repetitionLevels: number[]; maxDefinitionLevel: number };
    if (element.repetition_type !== "OPTIONAL") {
      if (missing && missing.some((m) => m !== 0)) throw new DactError("WRITE", `column ${JSON.stringify(name)} is required (not nullable) but has missing values`);
      pageData = { values: v, definitionLevels: [], repetitionLevels: [], maxDefinitionLevel: 0 };
    } else if (!missing) {
      pageData = { values: v, definitionLevels: new Uint8Array(v.length).fill(1) as unknown as number[], repetitionLevels: [], maxDefinitionLevel: 1 };
    } else {
      const values: (number | null)[] = new Array(v.length);
      const defs = new Uint8Array(v.length) as unknown as number[]; // levels of 0 and 1: a byte each
      for (let i = 0; i < v.length; i++) {
        const m = missing[i] !== 0;
        values[i] = m ? null : v[i]!;
        defs[i] = m ? 0 : 1;
      }
      pageData = { values, definitionLevels: defs, repetitionLevels: [], maxDefinitionLevel: 1 };
    }
    const r = writeColumn({
      writer: this.bw,
      column: { ...this.encoder(name, element, schemaPath), ...plainIfSigned(v) },
      pageData: pageData as never,
    });
    this.cols.push(r.chunk);
  }

  /**
   * A list column of `width` values a row: every row a list (a null row
   * read as nulls is written as a list of nulls), null elements where
   * `missing` (the element must be nullable).
   */
  private listColumn(name: string, v: Float64Array | Float32Array, missing: Uint8Array | null, L: ListLevels, width: number): void {
    const path = this.resolve(L.path);
    const schemaPath = path.map((n) => n.element);
    const element = schemaPath[schemaPath.length - 1]!;
    const n = v.length;
    const rows = width ? n / width : 0;
    if (width === 0) throw new DactError("WRITE", `column ${JSON.stringify(name)} is a list of 0 values a row; expected at least one`);
    const hasMissing = missing !== null && missing.some((m) => m !== 0);
    if (hasMissing && L.maxDef === L.slot) throw new DactError("WRITE", `column ${JSON.stringify(name)}'s list elements are required (not nullable) but some are missing`);
    const defs = new Uint8Array(n) as unknown as number[];
    const reps = new Uint8Array(n) as unknown as number[];
    const values: (number | null)[] | Float64Array | Float32Array = hasMissing ? new Array(n) : v;
    for (let r = 0, i = 0; r < rows; r++) {
      for (let k = 0; k < width; k++, i++) {
        reps[i] = k === 0 ? 0 : 1;
        const m = hasMissing && missing![i] !== 0;
        defs[i] = m ? L.slot : L.maxDef;
        if (hasMissing) (values as (number | null)[])[i] = m ? null : v[i]!;
      }
    }
    const r = writeColumn({
      writer: this.bw,
      column: { ...this.encoder(name, element, schemaPath), ...plainIfSigned(v) },
      pageData: { values, definitionLevels: defs, repetitionLevels: reps, maxDefinitionLevel: L.maxDef } as never,
    });
    this.cols.push(r.chunk);
  }

  /** A column chunk copied from the input: its bytes and its footer entry, offsets moved. */
  async raw(chunk: ColumnChunk, bytes: Uint8Array): Promise<void> {
    const m = chunk.meta_data!;
    const from = chunkStart(m);
    const shift = BigInt(this.bw.offset) - from;
    // Written straight to the output, not through the encoder's buffer.
    await this.flush();
    await this.output.write(bytes);
    this.bw.offset += bytes.length;
    this.cols.push({
      file_offset: chunk.file_offset + shift,
      meta_data: {
        ...m,
        data_page_offset: m.data_page_offset + shift,
        dictionary_page_offset: from !== m.data_page_offset ? m.dictionary_page_offset! + shift : undefined,
        index_page_offset: undefined,
        statistics: undefined,
        bloom_filter_offset: undefined,
        bloom_filter_length: undefined,
        size_statistics: undefined,
        geospatial_statistics: undefined,
      },
    } as ColumnChunk);
  }

  endGroup(rows: number): void {
    let total = 0n;
    for (const c of this.cols) total += c.meta_data?.total_uncompressed_size ?? 0n;
    this.rowGroups.push({ columns: this.cols, total_byte_size: total, num_rows: BigInt(rows), total_compressed_size: BigInt(this.bw.offset - this.groupStart) } as FileMetaData["row_groups"][number]);
    this.numRows += BigInt(rows);
  }

  async flush(): Promise<void> {
    if (this.bw.index === 0) return;
    const bytes = Buffer.from(this.bw.getBytes()); // a copy: the writer's buffer is reused
    this.bw.index = 0;
    await this.output.write(bytes);
  }

  async finish(): Promise<void> {
    const md = { version: 2, created_by: "dact", schema: this.schema, num_rows: this.numRows, row_groups: this.rowGroups, key_value_metadata: this.kv } as unknown as FileMetaData;
    writeMetadata(this.bw, md);
    this.bw.appendUint32(0x31524150);
    await this.flush();
  }
}

/** A float column's schema entry for a result dtype. */
function floatElement(name: string, dtype: "f2" | "f4" | "f8", repetition: SchemaElement["repetition_type"] = "OPTIONAL"): SchemaElement {
  if (dtype === "f2") return { name, type: "FIXED_LEN_BYTE_ARRAY", type_length: 2, logical_type: { type: "FLOAT16" }, repetition_type: repetition };
  return { name, type: dtype === "f4" ? "FLOAT" : "DOUBLE", repetition_type: repetition };
}

/**
 * Parquet to Parquet: each row group becomes one row group; numeric
 * columns are computed (floats keep their width, integers become double),
 * label columns are copied byte for byte; the schema's order, names and
 * key-value metadata (pandas' "pandas" key) are kept. ARROW:schema, which
 * would describe integer columns that are now double, is dropped when an
 * integer column was computed.
 */
export async function transformParquet(input: Input, output: Output, ctx: TransformContext): Promise<void> {
  const { ra, file, md, cols: all } = await open(input);
  const widths = withWidths(file, md, all.filter((c) => !c.label), input.name);
  const cols = all.map((c) => (c.label ? c : widths.shift()!));
  const num = cols.filter((c) => !c.label);
  // --grad-output: G ⊙ f'(x), each column in the promotion of its dtype and G's (the stage decides, once G's head is read).
  const grad = ctx.grad ? await ctx.grad.begin(tableHead(num, Number(md.num_rows))) : null;
  const gradDtypes = grad ? (grad.columnDtypes ?? columnDtypesOf(num).map(() => grad.dtype)) : null;
  const outDtype = new Map<PqColumn, FloatDType>();
  let at = 0;
  for (const c of num) {
    outDtype.set(c, gradDtypes ? gradDtypes.slice(at, at + c.width).reduce(promote) : (ctx.dtype ?? resultDtype(c.kind)));
    at += c.width;
  }
  const schema: SchemaElement[] = md.schema.map((el, i) => {
    const c = cols.find((c) => c.schemaIndex === i);
    if (!c || c.label) return el;
    const to = outDtype.get(c)!;
    if (to !== resultDtype(c.kind) || c.kind === "int") return floatElement(el.name, to === "bf16" ? "f4" : to, el.repetition_type);
    return el;
  });
  const changed = num.some((c) => c.kind === "int" || outDtype.get(c) !== c.kind);
  // pandas' description of each computed flat column: its stored float dtype now.
  const stored = new Map(num.filter((c) => c.width === 1 && !c.list).map((c) => [c.name, outDtype.get(c)!] as const));
  const kv = md.key_value_metadata?.filter((k) => !(changed && k.key === "ARROW:schema")).map((k) => (k.key === "pandas" && typeof k.value === "string" ? { ...k, value: pandasMetadataFor(k.value, stored) } : k));
  const w = new ParquetFileWriter(output, schema, kv, codecOf(ctx.compression));
  let start = 0;
  for (const rg of md.row_groups) {
    const rows = Number(rg.num_rows);
    w.startGroup();
    // --grad-output: the group's numeric columns side by side through G (G streams in C order, row by row).
    const group = ctx.grad ? readGroup(file, md, rg, rows, num, input.name, start) : null;
    const graded = group ? await gradColumns(ctx.grad!, num, group, rows, gradDtypes!) : null;
    // Column by column, each written out before the next is read: memory is one column chunk's worth (with G: the group's).
    for (const c of cols) {
      if (c.label) {
        const chunk = rg.columns[c.index]!;
        const m = chunk.meta_data!;
        const from = chunkStart(m);
        const len = Number(m.total_compressed_size);
        await w.raw(chunk, Buffer.from(file.slice(Number(from), Number(from) + len) as ArrayBuffer));
      } else {
        const d = group ? group[num.indexOf(c)]! : readGroup(file, md, rg, rows, [c], input.name, start)[0]!;
        const own = resultDtype(c.kind);
        // f'(x) in float64, rounded once to the output dtype (--dtype), not to the column's first; with G, G ⊙ f'(x) rounded once.
        const out = graded ? graded[num.indexOf(c)]!.values : castColumn(deriveColumn(ctx.kernel, ctx.dtype ?? own, d.values), ctx.dtype ?? own);
        w.column(c.name, out, d.missing, c.list && { levels: c.list, width: c.width });
        await w.flush();
      }
    }
    w.endGroup(rows);
    await w.flush();
    start += rows;
  }
  void ra;
  await ctx.grad?.finish([Number(md.num_rows), num.reduce((s, c) => s + c.width, 0)]);
  await w.finish();
}

/** The array path into Parquet: one float column per matrix column, null where missing. */
export class ParquetArrayWriter extends TableArrayWriter {
  private w: ParquetFileWriter | null = null;

  constructor(private readonly output: Output, source: string | undefined, dtype?: FloatDType | undefined, private readonly compression?: "snappy" | "gzip" | "none" | undefined) {
    super(source, dtype);
  }

  protected start(): void {
    const d = this.dtype === "bf16" ? "f4" : this.dtype; // bfloat16 values are exact in float32
    const schema: SchemaElement[] = [{ name: "schema", num_children: this.names.length, repetition_type: "REQUIRED" }, ...this.names.map((n) => floatElement(n, d))];
    this.w = new ParquetFileWriter(this.output, schema, undefined, codecOf(this.compression));
  }

  protected emit(cols: Float64Array[], missing: (Uint8Array | null)[], rows: number): void {
    const w = this.w!;
    w.startGroup();
    cols.forEach((c, j) => w.column(this.names[j]!, c, missing[j]!));
    w.endGroup(rows);
  }

  async flush(): Promise<void> {
    await this.w?.flush();
  }

  protected async finish(): Promise<void> {
    await this.w!.finish();
  }
}
