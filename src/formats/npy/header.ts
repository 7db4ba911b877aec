import { DactError } from "../../errors.js";
import { parseDescr, type DType } from "./dtype.js";
import { LiteralError, parsePyLiteral, pyRepr, type PyValue } from "./literal.js";

export const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
/** numpy's `max_header_size` default: longer headers are refused as unsafe. */
export const MAX_HEADER_SIZE = 10000;
const ARRAY_ALIGN = 64;
/** numpy's NPY_MAXDIMS. */
const MAX_DIMS = 64;
/** numpy pads the header so the growth axis can reach this many digits in place. */
const GROWTH_AXIS_MAX_DIGITS = 21;

export interface NpyHeader {
  readonly version: 1 | 2 | 3;
  readonly dtype: DType;
  readonly fortranOrder: boolean;
  readonly shape: readonly number[];
  /** Number of elements: the product of the shape. */
  readonly count: number;
  /** The exact shape, when a dimension of an empty array is 2^53 or more (numpy reads those). */
  readonly bigShape?: readonly bigint[];
  /** Byte offset of the first data byte. */
  readonly dataOffset: number;
}

/**
 * Validates a decoded header text the way numpy's _read_array_header does:
 * a literal dict with exactly the keys descr, fortran_order and shape.
 * `base` is the file offset of the text, for positions in messages.
 */
export function parseHeaderText(text: string, version: 1 | 2 | 3, base: number, file?: string): Omit<NpyHeader, "dataOffset" | "version"> {
  let d: PyValue;
  try {
    d = parsePyLiteral(text, { allowLongSuffix: version < 3 });
  } catch (e) {
    if (e instanceof LiteralError) {
      throw new DactError("NPY_HEADER", `header is not a Python literal: ${e.message}`, file, { offset: base + e.index });
    }
    throw e;
  }
  const at = { offset: base };
  if (d.t !== "dict") throw new DactError("NPY_HEADER", `header is ${pyRepr(d).slice(0, 60)}; expected a dict`, file, at);
  const byKey = new Map<string, PyValue>();
  for (const [k, v] of d.entries) byKey.set(k.t === "str" ? k.v : `<${pyRepr(k)}>`, v);
  const keys = [...byKey.keys()].sort();
  if (keys.join(",") !== "descr,fortran_order,shape") {
    throw new DactError(
      "NPY_HEADER",
      `header has keys [${keys.map((k) => pyRepr({ t: "str", v: k })).join(", ")}]; expected exactly 'descr', 'fortran_order' and 'shape'`,
      file,
      at,
    );
  }
  const descr = byKey.get("descr")!;
  const fo = byKey.get("fortran_order")!;
  const shapeV = byKey.get("shape")!;
  if (descr.t === "list") throw new DactError("NPY_DTYPE", `unsupported dtype ${pyRepr(descr).slice(0, 80)} (structured); expected a plain numeric dtype such as '<f8'`, file, at);
  if (descr.t !== "str") throw new DactError("NPY_HEADER", `descr is ${pyRepr(descr).slice(0, 60)}; expected a dtype string such as '<f8'`, file, at);
  if (fo.t !== "bool") throw new DactError("NPY_HEADER", `fortran_order is ${pyRepr(fo).slice(0, 60)}; expected True or False`, file, at);
  if (shapeV.t !== "tuple" || !shapeV.items.every((x) => x.t === "int")) {
    throw new DactError("NPY_HEADER", `shape is ${pyRepr(shapeV).slice(0, 60)}; expected a tuple of integers`, file, at);
  }
  const dtype = parseDescr(descr.v, file, at);
  if (shapeV.items.length > MAX_DIMS) {
    throw new DactError("NPY_SHAPE", `shape has ${shapeV.items.length} dimensions; expected at most ${MAX_DIMS} (numpy's limit)`, file, at);
  }
  const dims = shapeV.items.map((x) => (x as { v: bigint }).v);
  if (dims.some((x) => x < 0n)) throw new DactError("NPY_SHAPE", `shape ${pyRepr(shapeV)} has a negative dimension; expected sizes >= 0`, file, at);
  let count = 1n;
  for (const x of dims) count *= x;
  const limit = BigInt(Number.MAX_SAFE_INTEGER);
  // An empty array may have any dimension numpy can hold (it has no data); a non-empty one must fit in memory.
  if (count > 0n && (dims.some((x) => x > limit) || count * BigInt(dtype.size) > limit)) {
    throw new DactError("NPY_SHAPE", `shape ${pyRepr(shapeV).slice(0, 80)} overflows: its size in bytes is over 2^53; expected a size that fits in memory addresses`, file, at);
  }
  if (dims.some((x) => x >= 1n << 63n)) throw new DactError("NPY_SHAPE", `shape ${pyRepr(shapeV).slice(0, 80)} has a dimension of 2^63 or more; expected sizes numpy can hold (intp)`, file, at);
  const big = dims.some((x) => x > limit);
  return { dtype, fortranOrder: fo.v, shape: dims.map(Number), count: Number(count), ...(big ? { bigShape: dims } : {}) };
}

/** Python's repr of a tuple of ints: plain digits, never JavaScript's exponent form (1e+21). */
function tupleRepr(shape: readonly (number | bigint)[]): string {
  const ints = shape.map((d) => {
    if (typeof d === "bigint") return d.toString();
    if (!Number.isSafeInteger(d) || d < 0) throw new Error(`unreachable: shape ${d} reached the .npy writer unchecked`);
    return BigInt(d).toString();
  });
  return ints.length === 1 ? `(${ints[0]},)` : `(${ints.join(", ")})`;
}

/**
 * The header exactly as np.save writes it (numpy/lib/_format_impl.py,
 * _write_array_header and _wrap_header): keys sorted, Python reprs, spare
 * spaces for the growth axis, padding to a 64-byte boundary and a final
 * newline; version 1.0 unless the header needs a 4-byte length.
 */
export function encodeHeader(descr: string, fortranOrder: boolean, shape: readonly (number | bigint)[]): Buffer {
  let h = `{'descr': '${descr}', 'fortran_order': ${fortranOrder ? "True" : "False"}, 'shape': ${tupleRepr(shape)}, }`;
  if (shape.length > 0) {
    const growth = String(shape[fortranOrder ? shape.length - 1 : 0]);
    h += " ".repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - growth.length));
  }
  const body = Buffer.from(h, "latin1");
  const hlen = body.length + 1;
  for (const [major, lenSize] of [[1, 2], [2, 4]] as const) {
    const padlen = ARRAY_ALIGN - ((MAGIC.length + 2 + lenSize + hlen) % ARRAY_ALIGN);
    const total = hlen + padlen;
    if (lenSize === 2 && total > 0xffff) continue;
    const out = Buffer.alloc(MAGIC.length + 2 + lenSize + total, 0x20);
    MAGIC.copy(out, 0);
    out[6] = major;
    out[7] = 0;
    if (lenSize === 2) out.writeUInt16LE(total, 8);
    else out.writeUInt32LE(total, 8);
    body.copy(out, MAGIC.length + 2 + lenSize);
    out[out.length - 1] = 0x0a;
    return out;
  }
  throw new Error("unreachable: header too large for version 2.0");
}

/**
 * np.save writes fortran_order=True only for an array that is Fortran- but
 * not C-contiguous. An elementwise result keeps the input's layout, and an
 * array with at most one dimension larger than 1 (or no elements) is both.
 */
export function savedFortranOrder(fortranInput: boolean, shape: readonly number[]): boolean {
  if (!fortranInput) return false;
  if (shape.some((d) => d === 0)) return false;
  return shape.filter((d) => d !== 1).length > 1;
}
