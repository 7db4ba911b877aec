import { DactError, type Position } from "../../errors.js";

/** The element types dact reads from .npy; all others are rejected by name. */
export type Kind = "b" | "i" | "u" | "f";

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
  O: "object",
  U: "unicode string",
  S: "byte string",
  a: "byte string",
  V: "void/structured",
  M: "datetime64",
  m: "timedelta64",
};

const EXPECTED = "expected bool, int8..int64, uint8..uint64 or float16/float32/float64 (|b1 <i4 <f8 ...)";

/** Parses a .npy `descr` typestr such as `<f8`, `>i2` or `|b1`. */
export function parseDescr(descr: string, file: string | undefined, pos: Position): DType {
  const m = /^([<>|=]?)([a-zA-Z])(\d*)(.*)$/s.exec(descr);
  const fail = (what: string) => new DactError("NPY_DTYPE", `unsupported dtype ${JSON.stringify(descr)}${what}; ${EXPECTED}`, file, pos);
  if (!m) throw fail("");
  const [, order, kind, sizeText, rest] = m as unknown as [string, string, string, string, string];
  if (KIND_NAMES[kind]) throw fail(` (${KIND_NAMES[kind]})`);
  const size = Number(sizeText);
  if (kind === "f" && (size === 12 || size === 16)) throw fail(" (longdouble)");
  if (rest !== "" || !SUPPORTED[kind] || !SUPPORTED[kind]!.includes(size)) throw fail("");
  return { kind: kind as Kind, size: size as DType["size"], bigEndian: order === ">" && size > 1, descr };
}

/**
 * numpy's result dtype for heaviside and the other derivatives: a float
 * input keeps its width, bool and integer inputs become float64; always
 * written little-endian.
 */
export function resultDescr(t: DType): "<f2" | "<f4" | "<f8" {
  if (t.kind === "f") return t.size === 2 ? "<f2" : t.size === 4 ? "<f4" : "<f8";
  return "<f8";
}
