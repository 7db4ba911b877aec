/**
 * The shape of a format registry entry (index.ts holds the entries): what
 * a format can read and write, and the options those take. Apart from the
 * registry so that a format's own module (tables.ts) can name its entry's
 * type without importing the registry that imports it.
 */
import type { Format } from "../types.js";
import type { Input, Output, RandomAccess } from "../io.js";
import type { ArraySink, ArrayWriter, FloatDType } from "./array.js";
import type { TransformContext } from "./context.js";
import type { Printf } from "./text/printf.js";
import type { CsvTextOptions, HeaderMode } from "./csv/reader.js";
import type { ContainerReader, ContainerWriter } from "./container.js";

/** Text-format options from the command line (--delimiter, --header, and CSV's own). */
export interface ReadOptions extends CsvTextOptions {
  delimiter?: string | undefined;
  header?: HeaderMode | undefined;
  /** The kernel looks only at signs: text readers may skip exact parsing of long numbers. */
  signOnly?: boolean | undefined;
}

export interface WriteOptions {
  /** CSV/TSV delimiter, when not the format's own. */
  delimiter?: string | undefined;
  /** .npy: the stored dtype (--dtype). */
  dtype?: FloatDType | undefined;
  /** CSV: the decimal separator written. */
  decimal?: "." | "," | undefined;
  /** CSV, TSV, JSON: --float-format (null or absent: the default layout). */
  floatFormat?: Printf | null | undefined;
  /** The input's name, for messages. */
  source?: string | undefined;
  /** Parquet: --compression, the page codec (default snappy). */
  compression?: "snappy" | "gzip" | "none" | undefined;
}

/** A same-format run that keeps the input's layout (line endings, header, nesting). */
export type Transform = (input: Input, output: Output, ctx: TransformContext) => Promise<void>;

export interface FormatBase {
  readonly name: Format;
  /** Lower-case extensions, with the dot; the first is the one batch outputs take. */
  readonly extensions: readonly string[];
  /** Content detection on the first bytes (and their UTF-8 text, BOM and leading space removed). */
  sniff(head: Buffer, text: string): boolean;
}

/** A format that holds one array. */
export interface ArrayFormat extends FormatBase {
  readonly kind: "array";
  /** Whether the output keeps a CSV header (else it is dropped with a notice). */
  readonly keepsHeader: boolean;
  transform(opts: ReadOptions): Promise<Transform>;
  /**
   * Whether the transform takes --grad-output (TransformContext.grad) for
   * this input, keeping a layout the array path would drop (a table's labels,
   * keys and column types); absent or false: --grad-output takes the array path.
   */
  gradTransform?(input: Input): Promise<boolean>;
  /** Reads the input as one array into `sink`, calling `after` after each input chunk; returns the shape. */
  read(input: Input, opts: ReadOptions, sink: ArraySink, after: () => Promise<void>, notice: (m: string) => void): Promise<number[]>;
  writer(output: Output, opts: WriteOptions): Promise<ArrayWriter>;
}

/** A format that holds named arrays (container.ts). */
export interface ContainerFormat extends FormatBase {
  readonly kind: "container";
  open(ra: RandomAccess, file: string): Promise<ContainerReader>;
  /**
   * Input that must be spooled first (gzip data, a pipe): its header checked
   * from the first bytes, before any spooling, and the most bytes the
   * container can hold by that header (null: the header does not say).
   */
  spoolLimit(input: Input): Promise<number | null>;
  writer(output: Output, opts: WriteOptions): Promise<ContainerWriter>;
}

export type FormatSpec = ArrayFormat | ContainerFormat;
