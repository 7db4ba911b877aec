/**
 * gzip, for every format: input that starts with the gzip magic is
 * decompressed as it streams (node:zlib; concatenated members too), and an
 * output path ending in .gz is compressed. The name under .gz says the
 * format (x.csv.gz is CSV).
 */
import { DactError } from "../errors.js";
import { Input, type Output } from "../io.js";
import { lazy } from "../lazy.js";

const zlib = lazy<typeof import("node:zlib")>("node:zlib");
const nodeStream = lazy<typeof import("node:stream")>("node:stream");

const MAGIC = [0x1f, 0x8b];

export function isGzip(head: Uint8Array): boolean {
  return head[0] === MAGIC[0] && head[1] === MAGIC[1];
}

/** A path without its .gz, for format detection and output names. */
export function withoutGz(p: string): string {
  return /\.gz$/i.test(p) ? p.slice(0, -3) : p;
}

/** The input, decompressed if it is gzip data (whatever its name). */
export async function maybeGunzip(input: Input): Promise<Input> {
  if (!isGzip(await input.peek(2))) return input;
  const gz = zlib().createGunzip();
  const source = nodeStream().Readable.from(input.chunks());
  source.on("error", (e) => gz.destroy(e));
  const stream = source.pipe(gz);
  async function* inflate(): AsyncGenerator<Buffer> {
    try {
      for await (const b of stream) yield b as Buffer;
    } catch (err) {
      if (err instanceof DactError) throw err;
      const e = err as NodeJS.ErrnoException;
      throw new DactError("FORMAT", `gzip data is corrupt or cut short (${e.code === "Z_BUF_ERROR" ? "unexpected end of file" : e.message.toLowerCase()}); expected a whole gzip file`, input.name);
    }
  }
  return new Input(input.name, withoutGz(input.path), inflate(), async () => {
    gz.destroy();
    await input.close();
  });
}

/**
 * Compresses into another Output. The gzip header has no time stamp (Node
 * writes MTIME 0), so the bytes are stable. No patch(): a .npy written
 * through it spools instead.
 */
export class GzipOutput implements Output {
  private readonly gz = zlib().createGzip({ level: 6 });
  private queue: Promise<void> = Promise.resolve();
  private error: unknown = null;

  constructor(private readonly inner: Output) {
    this.gz.on("data", (b: Buffer) => {
      this.queue = this.queue.then(() => inner.write(b)).catch((e) => {
        this.error ??= e;
      });
    });
    this.gz.on("error", (e) => (this.error ??= e));
  }

  get name(): string {
    return this.inner.name;
  }

  get replacedSize(): number | undefined {
    return this.inner.replacedSize;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.error) throw this.error;
    // A copy: the caller may reuse its buffer as soon as this resolves.
    if (!this.gz.write(Buffer.from(chunk))) await new Promise((r) => this.gz.once("drain", r));
    await this.queue;
  }

  async commit(): Promise<void> {
    // 'end' comes after the last 'data': every compressed byte is queued by then.
    await new Promise<void>((resolve) => {
      this.gz.once("end", () => resolve());
      this.gz.end();
    });
    await this.queue;
    if (this.error) {
      await this.inner.abort();
      throw this.error;
    }
    await this.inner.commit();
  }

  async abort(): Promise<void> {
    this.gz.destroy();
    await this.inner.abort();
  }
}
