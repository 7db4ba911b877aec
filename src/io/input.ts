/**
 * Opening sources: files, stdin, FIFOs, sockets and devices as an Input that
 * is peeked at and then read in chunks; pump(), the readers' loop; inputs
 * over bytes in memory. Split out of src/io.ts.
 */
import * as fs from "node:fs";
import { DactError } from "../errors.js";
import { closeQuietly, closeStream, describeSystemError, READ_CHUNK, socket, STDIO } from "./common.js";
import { pendingFifos } from "./exit.js";

/**
 * A byte source that can be peeked at (for format detection) and then read in chunks.
 *
 * Who owns a chunk: every chunk that chunks() yields is the consumer's to
 * keep, across any await (gzip's read-ahead, spools, queues). A source that
 * refills one buffer (a regular file, read with readSync) says so with
 * `reusesBuffer`; its chunks are then copied on the way out of chunks().
 * Only pump() hands out the source's own buffer, to a push parser that is
 * done with it when push() returns (it is synchronous): the fast path.
 */
export class Input {
  private pending: Buffer[] = [];
  private done = false;
  private readonly iter: AsyncIterator<Buffer>;
  /** The source refills the buffer it yielded once asked for the next chunk. */
  private readonly reusesBuffer: boolean;

  private closed = false;
  /** Bytes read from the source so far. */
  bytesRead = 0;

  constructor(
    readonly name: string,
    readonly path: string,
    stream: AsyncIterable<Buffer>,
    private readonly onClose?: () => void | Promise<void>,
    /** A regular file's fd and size, for random access (containers). */
    readonly file?: { fd: number; size: number },
  ) {
    this.iter = stream[Symbol.asyncIterator]();
    this.reusesBuffer = REUSES_BUFFER in stream;
  }

  /**
   * Releases the file descriptor (idempotent); every path that opens an
   * Input closes it, and waits for it: a pipe's fd is closed by libuv
   * later, and a batch worker that moved on could otherwise have that fd
   * number closed under its next file.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.done = true;
    this.pending = [];
    for (const f of this.extraClosers) f();
    await this.onClose?.();
  }

  private readonly extraClosers: (() => void)[] = [];

  /** Something else to release when the input closes (a spool made from it). */
  onClosed(f: () => void): void {
    this.extraClosers.push(f);
  }

  private async next(): Promise<Buffer | null> {
    if (this.done) return null;
    let r: IteratorResult<Buffer>;
    try {
      r = await this.iter.next();
    } catch (err) {
      if (err instanceof DactError) throw err.withFile(this.name);
      throw new DactError("OPEN", `cannot read: ${describeSystemError(err)}`, this.name);
    }
    if (r.done) {
      this.done = true;
      return null;
    }
    const b = typeof r.value === "string" ? Buffer.from(r.value) : r.value;
    this.bytesRead += b.length;
    return b;
  }

  /** The first `n` bytes (fewer if the input is shorter), without consuming them. */
  async peek(n: number): Promise<Buffer> {
    let have = this.pending.reduce((s, b) => s + b.length, 0);
    while (have < n) {
      const b = await this.next();
      if (b === null) break;
      this.pending.push(Buffer.from(b)); // a copy: sources may reuse their buffers
      have += b.length;
    }
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = all.length ? [all] : [];
    return all.subarray(0, n);
  }

  /** The rest of the input, in chunks the consumer owns (see the class comment). */
  chunks(): AsyncGenerator<Buffer> {
    return this.read(this.reusesBuffer);
  }

  /** For pump() only: chunks that may be the source's own buffer, valid until the next is asked for. */
  transientChunks(): AsyncGenerator<Buffer> {
    return this.read(false);
  }

  private async *read(copy: boolean): AsyncGenerator<Buffer> {
    while (this.pending.length) {
      const b = this.pending.shift()!; // peek's copies
      if (b.length) yield b;
    }
    for (;;) {
      const b = await this.next();
      if (b === null) return;
      if (b.length) yield copy ? Buffer.from(b) : b;
    }
  }
}

/** Marks a chunk source that refills one buffer (Input copies its chunks for every consumer but pump). */
const REUSES_BUFFER = Symbol("dact.reusesBuffer");

/**
 * The loop every reader runs: each chunk of the input into a push parser,
 * then `after` (the writer writes out what that chunk produced, so memory
 * stays at a chunk's worth), then the parser's end().
 *
 * The one place that sees a reused read buffer: push() is synchronous and
 * must copy whatever it keeps of the chunk (the parsers keep only partial
 * tokens, copied); `after` never sees the chunk. This is what keeps a
 * large .npy read free of a copy per chunk.
 */
export async function pump(input: Input, parser: { push(chunk: Buffer): void; end(): unknown }, after: () => Promise<void>): Promise<void> {
  for await (const chunk of input.transientChunks()) {
    parser.push(chunk);
    await after();
  }
  parser.end();
}

/** Counts bytes as they pass, for progress bars (a source that reuses its buffer still does). */
function counted(src: AsyncIterable<Buffer>, total: number, progress: (read: number, total: number) => void): AsyncIterable<Buffer> {
  async function* gen(): AsyncGenerator<Buffer> {
    let read = 0;
    for await (const b of src) {
      read += b.length;
      progress(read, total);
      yield b;
    }
  }
  return REUSES_BUFFER in src ? reusing(gen()) : gen();
}

/** `chunks`, marked as refilling one buffer. */
function reusing(chunks: AsyncGenerator<Buffer>): AsyncIterable<Buffer> {
  return Object.assign(chunks, { [REUSES_BUFFER]: true });
}

const openAsync = (p: string, flags: number) => new Promise<number>((resolve, reject) => fs.open(p, flags, (err, fd) => (err ? reject(err) : resolve(fd))));

export async function openInput(p: string, progress?: (read: number, total: number) => void): Promise<Input> {
  if (p === STDIO) {
    if (process.stdin.isTTY) {
      throw new DactError(
        "USAGE",
        "no input: stdin is a terminal; give an input file, or pipe data in (dact relu data.csv, cat data.npy | dact relu)",
      );
    }
    // A folder on stdin (`dact relu < dir`) reads as EOF on Linux: empty
    // input, an empty result, exit 0. A pipe, tty, socket, device or file is data.
    let st: fs.Stats | undefined;
    try {
      st = fs.fstatSync(0);
    } catch {
      st = undefined; // fd 0 closed: Node reads it as empty, as before
    }
    if (st?.isDirectory()) throw new DactError("OPEN", "stdin is a folder; expected a file or a pipe (dact relu < data.csv)", "<stdin>");
    // Closed with the input: a run that ends early (an error in the first
    // bytes) must not wait for the writer of a pipe that is still open.
    return new Input("<stdin>", STDIO, progress ? counted(process.stdin, 0, progress) : process.stdin, () => closeStream(process.stdin));
  }
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(p);
  } catch (err) {
    throw new DactError("OPEN", `cannot open: ${describeSystemError(err)}`, p);
  }
  if (st.isDirectory()) throw new DactError("OPEN", "is a folder; expected a file", p);
  let fd: number;
  try {
    if (st.isFIFO()) {
      // open(2) on a FIFO waits for a writer: on the thread pool, so the
      // event loop (and with it every signal) stays live meanwhile.
      pendingFifos.add(p);
      try {
        fd = await openAsync(p, fs.constants.O_RDONLY);
      } finally {
        pendingFifos.delete(p);
      }
    } else fd = fs.openSync(p, "r");
    st = fs.fstatSync(fd); // what was opened, not what the path named a moment before
  } catch (err) {
    throw new DactError("OPEN", `cannot open: ${describeSystemError(err)}`, p);
  }
  // Pipes, sockets and devices can block a read indefinitely; a blocked
  // readSync would also block signal handlers and worker termination, so
  // they are read asynchronously. Regular files take the fast path.
  // A FIFO is read as a libuv pipe (epoll, like stdin), not on the thread
  // pool: a pool thread blocked in read(2) makes process.exit() hang, so
  // SIGINT/SIGTERM could not end the run.
  let chunks: AsyncIterable<Buffer>;
  let close: () => void | Promise<void>;
  if (st.isFile()) {
    chunks = reusing(readFileChunks(fd, st.size, p));
    close = () => closeQuietly(fd);
  } else if (st.isFIFO() || st.isSocket()) {
    const sock = socket({ fd, readable: true, writable: false });
    chunks = sock as AsyncIterable<Buffer>;
    close = () => closeStream(sock);
  } else {
    const stream = fs.createReadStream("", { fd, highWaterMark: READ_CHUNK });
    chunks = stream as AsyncIterable<Buffer>;
    close = () => closeStream(stream);
  }
  return new Input(p, p, progress ? counted(chunks, st.size, progress) : chunks, close, st.isFile() ? { fd, size: st.size } : undefined);
}

/**
 * Reads a file in large chunks with readSync. Measured on a 268 MB .npy,
 * fs streams and FileHandle reads spent more time waiting on the thread
 * pool round trip than reading (0.52 s vs 0.30 s end to end). Every few
 * chunks it yields to the event loop, so SIGINT/SIGTERM handlers still run.
 */
async function* readFileChunks(fd: number, size: number, name: string): AsyncGenerator<Buffer> {
  let total = 0;
  {
    // One buffer, reused (marked so by `reusing`: Input copies a chunk for
    // any consumer but pump's push parsers). Fresh buffers per chunk cost a
    // page fault per 4 KiB, measured at 0.1 s per 268 MB.
    const buf = Buffer.allocUnsafeSlow(READ_CHUNK);
    for (let k = 0; ; k++) {
      if (k % 16 === 15) await new Promise((r) => setImmediate(r));
      let n: number;
      try {
        n = fs.readSync(fd, buf, 0, READ_CHUNK, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EAGAIN") {
          await new Promise((r) => setTimeout(r, 5));
          k--;
          continue;
        }
        throw err;
      }
      if (n === 0) {
        // A file cut while it was read ends early, maybe inside a number: an
        // error, never a shorter result. (A file that grows is read to its end.)
        const now = fs.fstatSync(fd).size;
        if (total < size || now < size) {
          throw new DactError("INPUT_CHANGED", `file shrank while being read: ${size} bytes when opened, ${now} now, ${total} read; expected a file nobody changes meanwhile`, name, { offset: total });
        }
        return;
      }
      total += n;
      yield n === READ_CHUNK ? buf : buf.subarray(0, n);
    }
  }
}

/** An Input over bytes in memory, cut into chunks of the given sizes (cycled). */
export function memoryInput(data: Uint8Array, name = "<memory>", chunkSizes: readonly number[] = [1 << 20]): Input {
  async function* gen(): AsyncGenerator<Buffer> {
    let pos = 0;
    let k = 0;
    while (pos < data.length) {
      const size = Math.max(1, chunkSizes[k++ % chunkSizes.length]!);
      yield Buffer.from(data.subarray(pos, pos + size));
      pos += size;
    }
  }
  return new Input(name, name, gen());
}
