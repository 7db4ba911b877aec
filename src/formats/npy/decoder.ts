import { DactError } from "../../errors.js";
import { MAGIC, MAX_HEADER_SIZE, parseHeaderText, type NpyHeader } from "./header.js";

export interface NpyDecoderEvents {
  header(h: NpyHeader): void;
  /**
   * Whole elements in native (little-endian) byte order. `bytes.byteOffset`
   * is a multiple of the element size, so typed-array views fit. The buffer
   * is reused after the call returns: consume it synchronously.
   */
  data(bytes: Uint8Array, count: number): void;
}

/**
 * What the decoder is waiting for. The prelude phases gather bytes in
 * `pre`; the data phase copies into an aligned scratch buffer.
 */
type Phase =
  | { kind: "prelude" } // magic, version and header length: 8 bytes, then 2 or 4 more
  | { kind: "header"; version: 1 | 2 | 3; length: number; start: number } // header text of `length` bytes at `start`
  | { kind: "data"; header: NpyHeader; remaining: number } // `remaining` body bytes still to come
  | { kind: "trailing"; header: NpyHeader }; // body complete; counting extra bytes

const SCRATCH = 1 << 20; // a multiple of every element size

/**
 * A push parser for .npy: feed it chunks of any size with push(), then call
 * end(). It never holds more than the header and one scratch buffer, so a
 * file of any size streams in flat memory. Errors are DactErrors with a byte
 * offset.
 */
export class NpyDecoder {
  private phase: Phase = { kind: "prelude" };
  private pre: Buffer = Buffer.alloc(0);
  private consumed = 0; // bytes seen before the current chunk
  private scratch: Uint8Array | null = null;
  private fill = 0;
  /** Bytes after the end of the array data; numpy ignores them and so do we, with a notice. */
  trailingBytes = 0;

  constructor(private readonly events: NpyDecoderEvents, private readonly file?: string) {}

  push(chunk: Uint8Array): void {
    let pos = 0;
    while (pos < chunk.length) {
      const ph = this.phase;
      if (ph.kind === "prelude" || ph.kind === "header") {
        pos = this.gather(chunk, pos);
      } else if (ph.kind === "data") {
        pos = this.copyData(ph, chunk, pos);
      } else {
        this.trailingBytes += chunk.length - pos;
        pos = chunk.length;
      }
    }
    this.consumed += chunk.length;
    const ph = this.phase;
    if (ph.kind === "data" || ph.kind === "trailing") this.flush(ph.kind === "data" ? ph.header.dtype.size : 1, ph.kind === "trailing");
  }

  /** Checks that the input held a whole array. */
  end(): NpyHeader {
    const ph = this.phase;
    const total = this.consumed;
    if (ph.kind === "prelude") {
      if (total === 0) throw new DactError("NPY_MAGIC", "empty input; expected a .npy file starting with \\x93NUMPY", this.file, { offset: 0 });
      this.checkPrelude(true);
      throw new DactError("NPY_TRUNCATED", `file ends inside the preamble after ${total} bytes; expected at least ${this.preludeLength()} bytes`, this.file, { offset: total });
    }
    if (ph.kind === "header") {
      throw new DactError("NPY_TRUNCATED", `array header: expected ${ph.length} bytes, found ${total - ph.start}`, this.file, { offset: ph.start });
    }
    if (ph.kind === "data") {
      const need = ph.header.count * ph.header.dtype.size;
      throw new DactError("NPY_TRUNCATED", `array data: expected ${need} bytes, found ${need - ph.remaining}`, this.file, { offset: ph.header.dataOffset });
    }
    return ph.header;
  }

  private preludeLength(): number {
    const major = this.pre[6];
    return major === 1 ? 10 : 12;
  }

  /**
   * Validates the magic and version once all 8 bytes are in (or at the end
   * of a shorter input), so a message never depends on how the input was cut.
   */
  private checkPrelude(atEnd = false): void {
    const p = this.pre;
    if (p.length < 8 && !atEnd) return;
    const m = Math.min(p.length, MAGIC.length);
    if (!p.subarray(0, m).equals(MAGIC.subarray(0, m))) {
      const head = p.subarray(0, Math.min(p.length, 8));
      const hex = [...head].map((b) => b.toString(16).padStart(2, "0")).join(" ");
      throw new DactError("NPY_MAGIC", `bad magic: found bytes ${hex} (${JSON.stringify(head.toString("latin1"))}); expected \\x93NUMPY`, this.file, { offset: 0 });
    }
    if (p.length >= 8) {
      const major = p[6]!;
      const minor = p[7]!;
      if (!(major >= 1 && major <= 3 && minor === 0)) {
        throw new DactError("NPY_VERSION", `unknown format version ${major}.${minor}; expected 1.0, 2.0 or 3.0`, this.file, { offset: 6 });
      }
    }
  }

  private gather(chunk: Uint8Array, pos: number): number {
    const ph = this.phase as Extract<Phase, { kind: "prelude" | "header" }>;
    const want = ph.kind === "prelude" ? (this.pre.length < 8 ? 8 : this.preludeLength()) : ph.start + ph.length;
    const take = Math.min(want - this.pre.length, chunk.length - pos);
    this.pre = Buffer.concat([this.pre, chunk.subarray(pos, pos + take)]);
    pos += take;
    if (ph.kind === "prelude") {
      this.checkPrelude();
      if (this.pre.length === want && want > 8) {
        const version = this.pre[6] as 1 | 2 | 3;
        const length = version === 1 ? this.pre.readUInt16LE(8) : this.pre.readUInt32LE(8);
        if (length > MAX_HEADER_SIZE) {
          throw new DactError("NPY_HEADER_SIZE", `header length ${length} is over numpy's limit; expected at most ${MAX_HEADER_SIZE} bytes`, this.file, { offset: 8 });
        }
        this.phase = { kind: "header", version, length, start: want };
        if (length === 0) this.parseHeader();
      }
    } else if (this.pre.length === want) {
      this.parseHeader();
    }
    return pos;
  }

  private parseHeader(): void {
    const ph = this.phase as Extract<Phase, { kind: "header" }>;
    const raw = this.pre.subarray(ph.start);
    let text: string;
    if (ph.version === 3) {
      try {
        text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(raw);
      } catch {
        throw new DactError("NPY_HEADER", "version 3.0 header is not valid UTF-8; expected a UTF-8 Python literal", this.file, { offset: ph.start });
      }
      if (text.length > MAX_HEADER_SIZE) {
        throw new DactError("NPY_HEADER_SIZE", `header length ${text.length} characters is over numpy's limit; expected at most ${MAX_HEADER_SIZE}`, this.file, { offset: 8 });
      }
    } else {
      text = raw.toString("latin1");
    }
    const h = parseHeaderText(text, ph.version, ph.start, this.file);
    const header: NpyHeader = { ...h, version: ph.version, dataOffset: ph.start + ph.length };
    this.pre = Buffer.alloc(0);
    const bytes = header.count * header.dtype.size;
    this.phase = bytes > 0 ? { kind: "data", header, remaining: bytes } : { kind: "trailing", header };
    this.scratch = bytes > 0 ? new Uint8Array(Math.min(SCRATCH, bytes + 8)) : null;
    this.events.header(header);
  }

  private copyData(ph: Extract<Phase, { kind: "data" }>, chunk: Uint8Array, pos: number): number {
    const scratch = this.scratch!;
    const take = Math.min(chunk.length - pos, scratch.length - this.fill, ph.remaining);
    scratch.set(chunk.subarray(pos, pos + take), this.fill);
    this.fill += take;
    ph.remaining -= take;
    if (this.fill === scratch.length) this.flush(ph.header.dtype.size, false);
    if (ph.remaining === 0) {
      this.flush(ph.header.dtype.size, false);
      this.phase = { kind: "trailing", header: ph.header };
    }
    return pos + take;
  }

  /** Emits the whole elements in scratch and keeps a partial one for the next chunk. */
  private flush(size: number, none: boolean): void {
    if (none || !this.scratch || this.fill < size) return;
    const scratch = this.scratch;
    const whole = this.fill - (this.fill % size);
    const header = (this.phase as { header: NpyHeader }).header;
    if (header.dtype.bigEndian) {
      const b = Buffer.from(scratch.buffer, scratch.byteOffset, whole);
      if (size === 2) b.swap16();
      else if (size === 4) b.swap32();
      else if (size === 8) b.swap64();
    }
    this.events.data(scratch.subarray(0, whole), whole / size);
    scratch.copyWithin(0, whole, this.fill);
    this.fill -= whole;
  }
}
