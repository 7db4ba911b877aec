import type { TransformContext } from "../context.js";
import type { Input, Output } from "../../io.js";
import { NpyDecoder } from "./decoder.js";
import { resultDescr } from "./dtype.js";
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
  let descr: "<f2" | "<f4" | "<f8" = "<f8";
  const { kernel } = ctx;
  const decoder = new NpyDecoder(
    {
      header(h) {
        descr = resultDescr(h.dtype);
        read = elementReader(h.dtype);
        queue.push(encodeHeader(descr, savedFortranOrder(h.fortranOrder, h.shape), h.shape));
      },
      data(bytes, n) {
        const src = read!(bytes, n);
        let batch = free.pop();
        if (!batch || batch.values.length < n) batch = resultBatch(descr, Math.max(n, 1 << 17));
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
  for await (const chunk of input.chunks()) {
    decoder.push(chunk);
    await drain();
  }
  decoder.end();
  await drain();
  if (decoder.trailingBytes > 0) {
    ctx.notice(`dact: ${input.name}: ignored ${decoder.trailingBytes} bytes after the array data, as numpy does`);
  }
}
