/**
 * The registry entries of the table formats (Parquet, Arrow IPC file and
 * stream). Only the sniffers load with the registry; the codecs (and their
 * libraries) load on first use.
 */
import type { ArrayFormat } from "./spec.js";

const ARROW_MAGIC = Buffer.from("ARROW1");

export const PARQUET_FORMAT: ArrayFormat = {
  kind: "array",
  name: "parquet",
  extensions: [".parquet", ".pq"],
  keepsHeader: true,
  sniff: (head) => head.length >= 4 && head.subarray(0, 4).toString("latin1") === "PAR1",
  async transform() {
    const { transformParquet } = await import("./parquet/codec.js");
    return (i, o, c) => transformParquet(i, o, c);
  },
  // The table (label columns, pandas metadata, each column's type) is kept with --grad-output too.
  gradTransform: async () => true,
  async read(input, _o, sink, after, notice) {
    const { readParquetArray } = await import("./parquet/codec.js");
    return readParquetArray(input, sink, after, notice);
  },
  async writer(output, o) {
    const { ParquetArrayWriter } = await import("./parquet/codec.js");
    return new ParquetArrayWriter(output, o.source, o.dtype, o.compression);
  },
};

function arrowFormat(name: "arrow" | "arrows", extensions: string[], sniff: ArrayFormat["sniff"]): ArrayFormat {
  const file = name === "arrow";
  return {
    kind: "array",
    name,
    extensions,
    keepsHeader: true,
    sniff,
    async transform() {
      const { transformArrow } = await import("./arrow/codec.js");
      return (i, o, c) => transformArrow(i, o, c, file);
    },
    gradTransform: async () => true,
    async read(input, _o, sink, after, notice) {
      const { readArrowArray } = await import("./arrow/codec.js");
      return readArrowArray(input, sink, after, notice);
    },
    async writer(output, o) {
      const { ArrowArrayWriter } = await import("./arrow/codec.js");
      return new ArrowArrayWriter(output, o.source, file, o.dtype);
    },
  };
}

export const ARROW_FORMATS: readonly ArrayFormat[] = [
  // The IPC file format (Feather v2): "ARROW1" and padding, the stream, a footer.
  arrowFormat("arrow", [".arrow", ".feather", ".ipc"], (head) => head.length >= 6 && head.subarray(0, 6).equals(ARROW_MAGIC)),
  // The IPC stream format: a schema message after the continuation marker 0xFFFFFFFF.
  arrowFormat("arrows", [".arrows"], (head) => head.length >= 8 && head.readUInt32LE(0) === 0xffffffff && head.readInt32LE(4) > 0),
];
