import { float16 } from "../float16.js";
import type { DType } from "./dtype.js";
import type { FloatDType } from "../array.js";
import { bf16ToNumber, numberToBf16 } from "../bfloat16.js";
import type { NumSrc } from "../../activations/types.js";

/**
 * Views a batch of native-order element bytes as numbers a kernel can read.
 * Most dtypes are a typed-array view with no copy; int64/uint64 (BigInt),
 * bool (any nonzero byte is True) and float16 (no native array on Node 20)
 * are decoded into a reused Float64Array.
 */
export function elementReader(t: DType): (bytes: Uint8Array, count: number) => NumSrc {
  const buf = (b: Uint8Array) => b.buffer;
  let decoded = new Float64Array(0);
  const room = (n: number) => (decoded.length >= n ? decoded : (decoded = new Float64Array(n)));
  switch (`${t.kind}${t.size}`) {
    case "i1": return (b, n) => new Int8Array(buf(b), b.byteOffset, n);
    case "u1": return (b, n) => new Uint8Array(buf(b), b.byteOffset, n);
    case "i2": return (b, n) => new Int16Array(buf(b), b.byteOffset, n);
    case "u2": return (b, n) => new Uint16Array(buf(b), b.byteOffset, n);
    case "i4": return (b, n) => new Int32Array(buf(b), b.byteOffset, n);
    case "u4": return (b, n) => new Uint32Array(buf(b), b.byteOffset, n);
    case "f4": return (b, n) => new Float32Array(buf(b), b.byteOffset, n);
    case "f8": return (b, n) => new Float64Array(buf(b), b.byteOffset, n);
    case "b1":
      return (b, n) => {
        const out = room(n);
        for (let i = 0; i < n; i++) out[i] = b[i] !== 0 ? 1 : 0;
        return out;
      };
    case "i8":
      return (b, n) => {
        const src = new BigInt64Array(buf(b), b.byteOffset, n);
        const out = room(n);
        for (let i = 0; i < n; i++) out[i] = Number(src[i]!); // rounds to nearest, as numpy's cast
        return out;
      };
    case "u8":
      return (b, n) => {
        const src = new BigUint64Array(buf(b), b.byteOffset, n);
        const out = room(n);
        for (let i = 0; i < n; i++) out[i] = Number(src[i]!);
        return out;
      };
    case "v2":
      return (b, n) => {
        const src = new Uint16Array(buf(b), b.byteOffset, n);
        const out = room(n);
        for (let i = 0; i < n; i++) out[i] = bf16ToNumber(src[i]!);
        return out;
      };
    case "f2":
      return (b, n) => {
        const table = half();
        const src = new Uint16Array(buf(b), b.byteOffset, n);
        const out = room(n);
        for (let i = 0; i < n; i++) out[i] = table[src[i]!]!;
        return out;
      };
  }
  throw new Error(`unreachable: no reader for ${t.descr}`);
}

let halfTable: Float64Array | null = null;
/** Every float16 bit pattern's value, decoded once by @petamoriken/float16. */
function half(): Float64Array {
  if (halfTable) return halfTable;
  const t = new Float64Array(65536);
  const dv = new DataView(new ArrayBuffer(2));
  const { getFloat16 } = float16();
  for (let bits = 0; bits < 65536; bits++) {
    dv.setUint16(0, bits, true);
    t[bits] = getFloat16(dv, 0, true);
  }
  return (halfTable = t);
}

/**
 * Output element storage for a result dtype. The kernel writes numbers into
 * `values`; `bytes()` gives the little-endian bytes to write. float32 output
 * rounds once when stored; float16 output is computed in float64 and
 * rounded once by @petamoriken/float16 (round-half-even, like numpy's cast).
 */
export interface ResultBatch {
  values: Float64Array | Float32Array;
  bytes(n: number): Uint8Array;
}

export function resultBatch(dtype: FloatDType, n: number): ResultBatch {
  if (dtype === "f8") {
    const values = new Float64Array(n);
    return { values, bytes: (k) => new Uint8Array(values.buffer, 0, k * 8) };
  }
  if (dtype === "f4") {
    const values = new Float32Array(n);
    return { values, bytes: (k) => new Uint8Array(values.buffer, 0, k * 4) };
  }
  const values = new Float64Array(n);
  const out = new Uint16Array(n);
  const encode = dtype === "bf16" ? numberToBf16 : null;
  return {
    values,
    bytes(k) {
      if (encode) for (let i = 0; i < k; i++) out[i] = encode(values[i]!);
      else {
        const dv = new DataView(out.buffer);
        const { setFloat16 } = float16();
        for (let i = 0; i < k; i++) setFloat16(dv, i * 2, values[i]!, true);
      }
      return new Uint8Array(out.buffer, 0, k * 2);
    },
  };
}
