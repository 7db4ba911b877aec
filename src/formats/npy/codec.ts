import { float32Of } from "../../wasm/index.js";
import type { TransformContext } from "../context.js";
import { WRITE_SLICE, type ArraySink, type FloatDType } from "../array.js";
import { pump, type Input, type Output } from "../../io.js";
import { NpyDecoder } from "./decoder.js";
import { grow } from "../../grow.js";
import { intDtype, npyDescr, resultDtype } from "./dtype.js";
import { elementReader, resultBatch, type ResultBatch } from "./elements.js";
import { encodeHeader, savedFortranOrder } from "./header.js";

/**
 * .npy in, .npy out: np.save(out, f'(np.load(in))), streamed. The header is
 * written as soon as it is read; each body chunk is converted, run through
 * the kernel and written before the next is read.
 */
export async function transformNpy(input: Input, output: Output, ctx: TransformContext): Promise<void> {
  const queue: Uint8Array[] = [];
  // Output batches are recycled once written: fresh ones would page-fault
  // their way through memory (see io.ts).
  const free: ResultBatch[] = [];
  const used: ResultBatch[] = [];
  let read: ReturnType<typeof elementReader> | null = null;
  let dtype: FloatDType = "f8";
  let kernel = ctx.kernel;
  let batchSize = 1 << 17;
  const decoder = new NpyDecoder(
    {
      header(h) {
        batchSize = Math.max(1, Math.min(1 << 17, h.count)); // a small array (an .npz of many) gets a small batch
        dtype = resultDtype(h.dtype);
        read = elementReader(h.dtype);
        // float32 to float32: the SIMD kernel, where there is one.
        if (dtype === "f4" && h.dtype.kind === "f" && h.dtype.size === 4) kernel = float32Of(ctx.kernel) ?? ctx.kernel;
        queue.push(encodeHeader(npyDescr(dtype), savedFortranOrder(h.fortranOrder, h.shape), h.bigShape ?? h.shape));
      },
      data(bytes, n) {
        const src = read!(bytes, n);
        let batch = free.pop();
        if (!batch || batch.values.length < n) batch = resultBatch(dtype, Math.max(n, batchSize));
        used.push(batch);
        kernel(src, batch.values, n);
        queue.push(batch.bytes(n));
      },
    },
    input.name,
  );
  const drain = async () => {
    for (const b of queue) await output.write(b);
    queue.length = 0;
    free.push(...used);
    used.length = 0;
  };
  await pump(input, decoder, drain); // the fast path: the file's read buffer, no copy
  await drain();
  if (decoder.trailingBytes > 0) {
    ctx.notice(`dact: ${input.name}: ignored ${decoder.trailingBytes} bytes after the array data, as numpy does`);
  }
}

/**
 * .npy in, as an array (any writer out): the header's shape and NumPy's
 * result dtype first, then the elements in C order. A Fortran-order array
 * with more than one dimension larger than 1 is held in memory and put in C
 * order at the end: its C order is not the file's order.
 */
export async function readNpyArray(input: Input, sink: ArraySink, after: () => Promise<void>, notice: (m: string) => void): Promise<number[]> {
  let read: ReturnType<typeof elementReader> | null = null;
  let fortran: { shape: readonly number[]; data: Float64Array; k: number } | null = null;
  let shape: readonly number[] = [];
  const decoder = new NpyDecoder(
    {
      header(h) {
        shape = h.shape;
        read = elementReader(h.dtype);
        sink.begin({ shape: h.shape, bigShape: h.bigShape, growing: false, dtype: resultDtype(h.dtype), sourceDtype: intDtype(h.dtype), header: null });
        // Never sized from the header's claim alone: it grows as data arrives.
        if (savedFortranOrder(h.fortranOrder, h.shape)) fortran = { shape: h.shape, data: new Float64Array(Math.min(h.count, 1 << 16)), k: 0 };
      },
      data(bytes, n) {
        const src = read!(bytes, n);
        if (!fortran) return sink.data(src, null, n);
        const f = fortran;
        f.data = grow(f.data, f.k, f.k + n);
        for (let i = 0; i < n; i++) f.data[f.k++] = src[i]!;
      },
    },
    input.name,
  );
  await pump(input, decoder, after);
  const f = fortran as { shape: readonly number[]; data: Float64Array; k: number } | null;
  if (f) {
    const c = fortranToC(f.data.subarray(0, f.k), f.shape);
    for (let s = 0; s < c.length; s += WRITE_SLICE) {
      sink.data(c.subarray(s, Math.min(c.length, s + WRITE_SLICE)), null, Math.min(WRITE_SLICE, c.length - s));
      await after();
    }
  }
  if (decoder.trailingBytes > 0) notice(`dact: ${input.name}: ignored ${decoder.trailingBytes} bytes after the array data, as numpy does`);
  return [...shape];
}

/** Reorders Fortran-order data (first index fastest) into C order. */
export function fortranToC(src: Float64Array, shape: readonly number[]): Float64Array {
  const n = src.length;
  const nd = shape.length;
  const out = new Float64Array(n);
  const idx = new Array<number>(nd).fill(0);
  // Walk C order; keep the Fortran offset of the current index.
  const fStride = new Array<number>(nd);
  let s = 1;
  for (let d = 0; d < nd; d++) {
    fStride[d] = s;
    s *= shape[d]!;
  }
  let f = 0;
  for (let c = 0; c < n; c++) {
    out[c] = src[f]!;
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]!++;
      f += fStride[d]!;
      if (idx[d]! < shape[d]!) break;
      f -= fStride[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}
