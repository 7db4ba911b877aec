/**
 * The format registry: one entry per format, as the activation registry has
 * one per activation. Detection, the pipeline, conversion, compare and the
 * library API look formats up here; nothing else needs to know which
 * formats exist. Codecs are loaded on first use, so start-up pays only for
 * the one a run needs.
 *
 * Adding a format: a folder under formats/ with a reader that pushes into
 * an ArraySink and an ArrayWriter (see array.ts), and one entry below.
 */
import * as path from "node:path";
import { DactError } from "../errors.js";
import type { Format } from "../types.js";
import type { Input } from "../io.js";
import { MAGIC } from "./npy/header.js";
import { describeBinary } from "./binary.js";
import { withoutGz } from "./gzip.js";
import { isCommentLine, tabCellsHoldSpacedNumbers } from "./csv/sniff.js";
import { sniffNpz } from "./npz/sniff.js";
import { sniffSafetensors } from "./safetensors/sniff.js";
import { ARROW_FORMATS, PARQUET_FORMAT } from "./tables.js";

export const FORMAT_NAMES: readonly Format[] = ["csv", "tsv", "json", "jsonl", "npy", "npz", "safetensors", "parquet", "arrow", "arrows"];
export type { Format };

export type { ArrayFormat, ContainerFormat, FormatBase, FormatSpec, ReadOptions, Transform, WriteOptions } from "./spec.js";
import type { ArrayFormat, FormatSpec, ReadOptions } from "./spec.js";

/**
 * CSV and TSV: one codec, two defaults. CSV sniffs the delimiter when none
 * is given (and takes ";" with a decimal comma); TSV is tab-separated.
 */
function csvLike(name: "csv" | "tsv", extensions: string[], delimiter: string | undefined, sniff: FormatSpec["sniff"]): ArrayFormat {
  const csvOpts = (o: ReadOptions) => ({ delimiter: o.delimiter ?? delimiter, header: o.header ?? "auto", maxLine: o.maxLine, decimal: o.decimal, comment: o.comment, naValues: o.naValues, labels: o.labels, columns: o.columns, notice: o.notice });
  return {
    kind: "array",
    name,
    extensions,
    keepsHeader: true,
    sniff,
    async transform(o) {
      const { transformCsv } = await import("./csv/codec.js");
      return (i, out, c) => transformCsv(i, out, c, csvOpts(o));
    },
    // --grad-output keeps the text layout too (BOM, comments, line endings, delimiter): the transform takes the GradStage.
    gradTransform: async () => true,
    async read(input, o, sink, after) {
      const { readCsvArray } = await import("./csv/codec.js");
      return readCsvArray(input, { ...csvOpts(o), signOnly: o.signOnly }, sink, after);
    },
    async writer(output, o) {
      const { CsvWriter } = await import("./csv/writer.js");
      const d = o.delimiter === "whitespace" ? " " : (o.delimiter ?? delimiter ?? (o.decimal === "," ? ";" : ","));
      return new CsvWriter(output, { delimiter: d, decimal: o.decimal, source: o.source, floatFormat: o.floatFormat });
    },
  };
}

function jsonLike(name: "json" | "jsonl", extensions: string[], lines: boolean, sniff: FormatSpec["sniff"]): ArrayFormat {
  return {
    kind: "array",
    name,
    extensions,
    keepsHeader: false,
    sniff,
    async transform(o) {
      const { transformJson } = await import("./json/codec.js");
      const records = await import("./json/records.js");
      return async (i, out, c) => {
        // pandas' records (orient="records", lines or not) and orient="split": a table with named columns.
        const layout = await records.recordsLayout(i, lines);
        if (layout) return records.transformRecords(i, out, c, layout, o);
        if (o.columns?.length) throw new DactError("USAGE", `option --columns: ${i.name} is an array without named columns; expected a CSV/TSV file or a pandas JSON table (records or split)`);
        return transformJson(i, out, c, lines);
      };
    },
    async gradTransform(input) {
      // pandas' tables keep their keys and labels with --grad-output, JSON Lines arrays their line endings;
      // JSON arrays go through the array path (their layout is fixed: the same bytes).
      if (lines) return true;
      const records = await import("./json/records.js");
      return (await records.recordsLayout(input, lines)) !== null;
    },
    async read(input, o, sink, after) {
      const { readJsonArray } = await import("./json/codec.js");
      const records = await import("./json/records.js");
      const layout = await records.recordsLayout(input, lines);
      if (layout) return records.readRecords(input, layout, o, sink, after);
      if (o.columns?.length) throw new DactError("USAGE", `option --columns: ${input.name} is an array without named columns; expected a CSV/TSV file or a pandas JSON table (records or split)`);
      return readJsonArray(input, { lines, signOnly: o.signOnly }, sink, after);
    },
    async writer(output, o) {
      const { JsonArrayWriter } = await import("./json/writer.js");
      return new JsonArrayWriter(output, lines, o.source, o.floatFormat);
    },
  };
}

/** One JSON array per line is JSON Lines; one document spread over lines is JSON. */
function looksLikeJsonLines(t: string): boolean {
  const firstLine = t.split("\n", 1)[0]!.trim();
  let depth = 0;
  for (const c of firstLine) depth += c === "[" ? 1 : c === "]" ? -1 : 0;
  return firstLine.startsWith("[") && depth === 0 && t.slice(firstLine.length).trim().startsWith("[");
}

/** In detection order: binary magic first, CSV last (it takes anything). */
export const FORMATS: readonly FormatSpec[] = [
  {
    kind: "container",
    name: "npz",
    extensions: [".npz"],
    sniff: (head) => sniffNpz(head),
    async open(ra, file) {
      const { readNpz } = await import("./npz/codec.js");
      return readNpz(ra, file);
    },
    async spoolLimit(input) {
      const { npzStart } = await import("./npz/codec.js");
      return npzStart(input);
    },
    async writer(output) {
      const { NpzWriter } = await import("./npz/codec.js");
      return new NpzWriter(output);
    },
  },
  {
    kind: "container",
    name: "safetensors",
    extensions: [".safetensors"],
    sniff: (head) => sniffSafetensors(head),
    async open(ra, file) {
      const { readSafetensors } = await import("./safetensors/codec.js");
      return readSafetensors(ra, file);
    },
    async spoolLimit(input) {
      const { safetensorsSize } = await import("./safetensors/codec.js");
      return safetensorsSize(input);
    },
    async writer(output) {
      const { SafetensorsWriter } = await import("./safetensors/codec.js");
      return new SafetensorsWriter(output);
    },
  },
  PARQUET_FORMAT,
  ...ARROW_FORMATS,
  {
    kind: "array",
    name: "npy",
    extensions: [".npy"],
    keepsHeader: false,
    sniff: (head) => head.length >= MAGIC.length && head.subarray(0, MAGIC.length).equals(MAGIC),
    async transform() {
      return (await import("./npy/codec.js")).transformNpy;
    },
    async read(input, _o, sink, after, notice) {
      const { readNpyArray } = await import("./npy/codec.js");
      return readNpyArray(input, sink, after, notice);
    },
    async writer(output, o) {
      const { NpyWriter } = await import("./npy/writer.js");
      return new NpyWriter(output, { dtype: o.dtype });
    },
  },
  jsonLike("jsonl", [".jsonl", ".ndjson"], true, (_h, t) => (t.startsWith("[") && looksLikeJsonLines(t)) || (t.startsWith("{") && /^\{[^\n]*\}\s*\n\s*\{/.test(t))),
  jsonLike("json", [".json"], false, (_h, t) => t.startsWith("[") || (t.startsWith("{") && t.includes('"columns"'))),
  csvLike("tsv", [".tsv", ".tab"], "\t", (h, t) => looksTsv(t, h.length < HEAD_BYTES)),
  // .txt is what np.savetxt writes (spaces, or its delimiter=): read as CSV with the delimiter sniffed.
  csvLike("csv", [".csv", ".txt"], undefined, () => true),
];

/** Every extension the registry knows, in registry order (for messages). */
export function knownExtensions(): string[] {
  return FORMATS.flatMap((f) => f.extensions);
}

export function formatSpec(name: Format): FormatSpec {
  return FORMATS.find((f) => f.name === name)!;
}

/** A single-array format's entry; a container here is a usage error the caller words. */
export function arrayFormat(name: Format): ArrayFormat {
  const f = formatSpec(name);
  if (f.kind !== "array") throw new Error(`unreachable: ${name} is a container`);
  return f;
}

/** The format an extension names, if any; under .gz, the name beneath it (x.csv.gz is CSV). */
export function formatFromPath(p: string): Format | undefined {
  const ext = path.extname(withoutGz(p)).toLowerCase();
  return FORMATS.find((f) => f.extensions.includes(ext))?.name;
}

const TEXT: readonly Format[] = ["csv", "tsv", "json", "jsonl"];
/** Single-array formats detected by magic bytes, before any text format. */
const BINARY_ARRAYS: readonly Format[] = ["npy", "parquet", "arrow", "arrows"];

/** Bytes of an input's start that detection looks at (less: the whole input). */
const HEAD_BYTES = 4096;

/**
 * Content that is tab-separated (stdin, or a file of no known extension):
 * a first line without a comma, and every line of the head (blank lines,
 * `#` comments and a last line that may be cut aside) holding the same
 * number of tab-separated cells, 2 or more (R's write.table header one
 * fewer). A tab among spaces (`1 2 3` then `4<TAB>5 6`) is not TSV: it is
 * read as CSV, whose sniffed delimiter then takes any whitespace, as the
 * same content in a .txt file is.
 */
function looksTsv(t: string, complete: boolean): boolean {
  if (!t.includes("\t") || t.split("\n", 1)[0]!.includes(",")) return false;
  const lines = t.split(/\r\n|\n|\r/);
  if (!complete && lines.length > 1) lines.pop();
  const rows = lines.filter((l) => l.trim() !== "" && !isCommentLine(l, "#"));
  const counts = rows.map((l) => l.split("\t").length);
  if (counts.length === 0 || tabCellsHoldSpacedNumbers(rows)) return false;
  const n = counts[counts.length > 1 ? 1 : 0]!;
  return n >= 2 && counts.every((c, k) => c === n || (k === 0 && c === n - 1));
}

/**
 * The input's format: the --format option, else the file extension, else
 * the content (each entry's sniff, in registry order). Binary content in a
 * text format, or a binary kind dact does not read, is a one-line error
 * that says what the file is.
 */
export async function detectFormat(input: Input, forced?: Format): Promise<Format> {
  const head = await input.peek(HEAD_BYTES);
  const bySniff = (): Format | undefined => {
    let text = head.toString("utf8");
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    text = text.trimStart();
    return FORMATS.find((f) => f.kind === "container" || BINARY_ARRAYS.includes(f.name) ? f.sniff(head, text) : false)?.name;
  };
  const chosen = forced ?? formatFromPath(input.path);
  const binary = bySniff();
  if (chosen) {
    if (TEXT.includes(chosen) && head.length > 0) {
      if (binary) throw new DactError("BINARY", `is ${binary === "npy" ? "a .npy file" : binary === "npz" ? "an .npz archive" : binary === "safetensors" ? "a .safetensors file" : `${binary === "parquet" ? "a Parquet" : "an Arrow IPC"} file`} (by its content), not ${chosen}; expected ${chosen} text (pass --format ${binary} to read it as what it is)`, input.name);
      const other = describeBinary(head);
      if (other) throw new DactError("BINARY", `is ${other}`, input.name);
    }
    return chosen;
  }
  if (binary) return binary;
  const other = describeBinary(head);
  if (other) throw new DactError("BINARY", `is ${other}`, input.name);
  let text = head.toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  text = text.trimStart();
  return FORMATS.find((f) => f.kind === "array" && !BINARY_ARRAYS.includes(f.name) && f.sniff(head, text))!.name;
}

export function parseFormat(s: string): Format {
  if ((FORMAT_NAMES as readonly string[]).includes(s)) return s as Format;
  throw new DactError("USAGE", `option --format: found ${JSON.stringify(s)}; expected one of ${FORMAT_NAMES.join(", ")}`);
}
