import { DactError, type Position } from "../../errors.js";
import type { FloatDType, IntDType } from "../array.js";

/** The element types dact reads from .npy; all others are rejected by name. "v" is bfloat16 (ml_dtypes saves it as '<V2'). */
export type Kind = "b" | "i" | "u" | "f" | "v";

export interface DType {
  readonly kind: Kind;
  /** Bytes per element. */
  readonly size: 1 | 2 | 4 | 8;
  /** True for big-endian multi-byte data (`>`), which is swapped on read. */
  readonly bigEndian: boolean;
  /** The descr as found in the header, for messages. */
  readonly descr: string;
}

const SUPPORTED: Record<string, readonly number[]> = { b: [1], i: [1, 2, 4, 8], u: [1, 2, 4, 8], f: [2, 4, 8] };

const KIND_NAMES: Record<string, string> = {
  c: "complex",
  O: "object: its data is a Python pickle",
  U: "unicode string",
  S: "byte string",
  a: "byte string",
  V: "void/structured",
  M: "datetime64",
  m: "timedelta64",
};

const EXPECTED = "expected bool, int8..int64, uint8..uint64 or float16/float32/float64 (|b1 <i4 <f8 ...)";

/**
 * np.dtype()'s other spellings of the dtypes dact reads, as real writers
 * emit them: one-character codes (with a byte order: '<d', '=f', '?') and
 * names ('float32', 'double', 'bool'). Sizes are numpy's on 64-bit Linux.
 */
const CODES: Record<string, string> = { "?": "b1", b: "i1", B: "u1", h: "i2", H: "u2", i: "i4", I: "u4", l: "i8", L: "u8", q: "i8", Q: "u8", p: "i8", P: "u8", e: "f2", f: "f4", d: "f8" };
const NAMES: Record<string, string> = {
  bool: "b1", bool_: "b1", int8: "i1", int16: "i2", int32: "i4", int64: "i8", uint8: "u1", uint16: "u2", uint32: "u4", uint64: "u8",
  float16: "f2", float32: "f4", float64: "f8", half: "f2", single: "f4", double: "f8", float: "f8", int: "i8", int_: "i8", uint: "u8",
  byte: "i1", ubyte: "u1", short: "i2", ushort: "u2", intc: "i4", uintc: "u4", long: "i8", ulong: "u8", longlong: "i8", ulonglong: "u8", intp: "i8", uintp: "u8",
};
const REJECTED_NAMES: Record<string, string> = { longdouble: "longdouble", float128: "longdouble", complex64: "complex", complex128: "complex", complex: "complex", object: "object: its data is a Python pickle", str: "unicode string", bytes: "byte string", datetime64: "datetime64", timedelta64: "timedelta64", g: "longdouble", G: "complex", F: "complex", D: "complex", O: "object", U: "unicode string", S: "byte string", M: "datetime64", m: "timedelta64" };

/** Parses a .npy `descr` as np.dtype() reads it: `<f8`, `>i2`, `|b1`, `<d`, `?`, `float32`, and `<V2` (bfloat16, as ml_dtypes saves it). */
export function parseDescr(descr: string, file: string | undefined, pos: Position): DType {
  const fail = (what: string) => new DactError("NPY_DTYPE", `unsupported dtype ${JSON.stringify(descr)}${what}; ${EXPECTED}`, file, pos);
  const named = /^([<>|=]?)(.+)$/s.exec(descr);
  if (!named) throw fail(" (no type: an empty descr, or a byte order alone)"); // np.dtype('') is an error too
  const [, order0, body0] = named as unknown as [string, string, string];
  if (REJECTED_NAMES[body0]) throw fail(` (${REJECTED_NAMES[body0]})`);
  // A name takes no byte order (np.dtype('>float64') is an error); a one-character code does.
  const alias = order0 === "" ? NAMES[body0] : undefined;
  const spelled = alias !== undefined ? `=${alias}` : CODES[body0] !== undefined ? `${order0}${CODES[body0]}` : descr;
  const m = /^([<>|=]?)([a-zA-Z])(\d*)(.*)$/s.exec(spelled);
  if (!m) throw fail("");
  const [, order, kind, sizeText, rest] = m as unknown as [string, string, string, string, string];
  const size = Number(sizeText);
  if (kind === "V" && size === 2 && rest === "") return { kind: "v", size: 2, bigEndian: order === ">", descr };
  if (KIND_NAMES[kind]) throw fail(` (${KIND_NAMES[kind]})`);
  if (kind === "f" && (size === 12 || size === 16)) throw fail(" (longdouble)");
  if (rest !== "" || !SUPPORTED[kind] || !SUPPORTED[kind]!.includes(size)) throw fail("");
  return { kind: kind as Kind, size: size as DType["size"], bigEndian: order === ">" && size > 1, descr };
}

/**
 * numpy's result dtype for heaviside and the other derivatives: a float
 * input keeps its width, bool and integer inputs become float64; always
 * written little-endian.
 */
export function resultDtype(t: DType): FloatDType {
  if (t.kind === "v") return "bf16";
  if (t.kind === "f") return t.size === 2 ? "f2" : t.size === 4 ? "f4" : "f8";
  return "f8";
}

/** A bool or integer dtype's short name (b1, i1..i8, u1..u8), for NumPy's promotion of a gradient (ArrayHead.sourceDtype); undefined for floats. */
export function intDtype(t: DType): IntDType | undefined {
  if (t.kind === "b") return "b1";
  if (t.kind === "i" || t.kind === "u") return `${t.kind}${t.size}` as IntDType;
  return undefined;
}

/** The .npy descr np.save writes for a result dtype (bfloat16: ml_dtypes' '<V2'). */
export function npyDescr(d: FloatDType): string {
  return d === "bf16" ? "<V2" : `<${d}`;
}
