import { DactError } from "../../errors.js";
import { Spool, type Output } from "../../io.js";
import { OutBuffer, shapeText, sizeOf, type ArrayHead, type ArrayWriter, type FloatDType, type Values } from "../array.js";
import { resultBatch, type ResultBatch } from "./elements.js";
import { encodeHeader } from "./header.js";
import { npyDescr } from "./dtype.js";

export interface NpyWriterOptions {
  /** The dtype to store (--dtype); default: the head's. */
  dtype?: FloatDType | undefined;
}

/**
 * What the writer does about the header, whose shape must come first:
 * - "pending": begin() not called yet;
 * - "written": the shape was known at begin(), the header is out;
 * - "reserved": the first dimension is still growing and the output is
 *   seekable: a header with a 0 there was written, and end() overwrites it
 *   in place. np.save pads the header so the growth axis can take 21 digits
 *   without changing its length, so the patched header is byte-identical to
 *   what np.save writes for the final shape;
 * - "spooling": growing, on a pipe: the body goes to a Spool, and end()
 *   writes the header and then the spooled body.
 */
type HeaderState = { kind: "pending" } | { kind: "written" } | { kind: "reserved"; length: number } | { kind: "spooling"; spool: Spool };

/** The one .npy writer: np.save's bytes for a C-order array of floats. */
export class NpyWriter implements ArrayWriter {
  private readonly out: OutBuffer;
  private state: HeaderState = { kind: "pending" };
  private dtype: FloatDType = "f8";
  private batch: ResultBatch | null = null;
  private count = 0;

  constructor(private readonly output: Output, private readonly opts: NpyWriterOptions = {}) {
    this.out = new OutBuffer(output);
  }

  begin(head: ArrayHead): void {
    this.dtype = this.opts.dtype ?? head.dtype;
    if (!head.growing) {
      this.out.bytes(encodeHeader(npyDescr(this.dtype), false, head.bigShape ?? head.shape));
      this.state = { kind: "written" };
    } else if (this.output.patch) {
      const h = encodeHeader(npyDescr(this.dtype), false, [0, ...head.shape.slice(1)]);
      this.out.bytes(h);
      this.state = { kind: "reserved", length: h.length };
    } else {
      this.state = { kind: "spooling", spool: new Spool() };
    }
  }

  write(values: Values, _missing: Uint8Array | null, n: number): void {
    if (n === 0) return;
    let b = this.batch;
    if (!b || b.values.length < n) b = this.batch = resultBatch(this.dtype, Math.max(n, Math.min(1 << 16, 2 * (b?.values.length ?? 512)))); // grows: small members stay small
    // Missing values are already NaN; storing rounds once to the dtype.
    const v = b.values;
    for (let i = 0; i < n; i++) v[i] = values[i]!;
    const bytes = b.bytes(n);
    if (this.state.kind === "spooling") this.state.spool.write(bytes);
    else this.out.bytes(bytes);
    this.count += n;
  }

  flush(): Promise<void> {
    return this.out.flush();
  }

  async end(shape: readonly number[]): Promise<void> {
    if (this.count !== sizeOf(shape)) {
      throw new DactError("SHAPE", `found ${this.count} values for shape ${shapeText(shape)}; expected ${sizeOf(shape)}`, this.output.name);
    }
    const st = this.state;
    if (st.kind === "reserved") {
      await this.out.flush();
      const h = encodeHeader(npyDescr(this.dtype), false, shape);
      if (h.length !== st.length) throw new Error(`unreachable: .npy header length changed from ${st.length} to ${h.length}`);
      this.output.patch!(0, h);
    } else if (st.kind === "spooling") {
      this.out.bytes(encodeHeader(npyDescr(this.dtype), false, shape));
      await this.out.flush();
      for await (const chunk of st.spool.chunks()) await this.output.write(chunk);
    } else {
      await this.out.flush();
    }
  }
}
