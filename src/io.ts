/**
 * The only module that opens files, stdin and stdout. It turns a path (or
 * `-`) into an Input or an Output and puts the path into every error.
 *
 * Output to a file is atomic: bytes go to a temporary file in the same
 * folder, which is renamed over the target only on commit. A failed or
 * interrupted run removes the temporary file and leaves any existing target
 * untouched.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { BrokenPipe, DactError } from "./errors.js";
import { sweepDeadTemps, tempSuffix } from "./io/gate.js";

/** The gate for side files, folders and leftovers (src/io/gate.ts). */
export * from "./io/gate.js";

export const STDIO = "-";
const READ_CHUNK = 1 << 20;

/** A net.Socket over an fd (FIFOs, sockets); node:net is loaded only then, not at every start-up. */
function socket(opts: import("node:net").SocketConstructorOpts): import("node:net").Socket {
  const { Socket } = createRequire(import.meta.url)("node:net") as typeof import("node:net");
  return new Socket(opts);
}

/** A short random suffix for temporary file names (opened with O_EXCL, so a clash fails safely). */
function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 10);
}

function describeSystemError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case "ENOENT": return "no such file or folder";
    case "EACCES": case "EPERM": return "permission denied";
    case "EISDIR": return "is a folder; expected a file";
    case "ENOTDIR": return "a part of the path is not a folder";
    case "ENOSPC": return "no space left on device";
    case "EROFS": return "read-only file system";
    case "EDQUOT": return "disk quota exceeded";
    case "EMFILE": case "ENFILE": return "too many open files";
    case "EIO": return "input/output error";
    default: return e?.message ?? String(err);
  }
}

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

/**
 * Named FIFOs whose open(2) is waiting for a writer on the thread pool. A
 * pool thread blocked there keeps process.exit() from returning, so the
 * signal handlers release them (releaseBlockedOpens) before exiting.
 */
const pendingFifos = new Set<string>();

/** Batch inputs that are FIFOs: worker threads may be waiting on them (the main thread handles signals). */
export const batchFifos = new Set<string>();

/** Opens each FIFO we may wait on for writing, without blocking: that completes the blocked open. */
export function releaseBlockedOpens(): void {
  for (const p of [...pendingFifos, ...batchFifos]) {
    try {
      fs.closeSync(fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
    } catch {
      /* no reader waiting (ENXIO), or gone */
    }
  }
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

/** Positional reads of an input's bytes, for containers whose index is at the end (.npz) or that are read out of order (.safetensors). */
export interface RandomAccess {
  readonly size: number;
  /** Reads up to `len` bytes at `pos` into `into` (from its start); returns how many. */
  read(pos: number, len: number, into: Buffer): number;
}

/**
 * The input as random access: a regular file directly; anything else
 * (stdin, a pipe, gzip data) first copied into an unlinked temporary file,
 * so memory stays at one buffer whatever the size.
 */
export async function randomAccess(input: Input, limit?: { bytes: number; fail(): DactError }): Promise<RandomAccess> {
  const readAt = (fd: number, name: string) => (pos: number, len: number, into: Buffer) => {
    try {
      return fs.readSync(fd, into, 0, len, pos);
    } catch (err) {
      throw new DactError("OPEN", `cannot read: ${describeSystemError(err)}`, name);
    }
  };
  if (input.file) return { size: input.file.size, read: readAt(input.file.fd, input.name) };
  const fd = openUnlinkedTemp();
  let size = 0;
  input.onClosed(() => closeQuietly(fd)); // the spool goes with the input
  for await (const chunk of input.transientChunks()) { // written at once, synchronously
    // Never more than the container's header says it holds (`limit`).
    if (limit && size + chunk.length > limit.bytes) throw limit.fail();
    writeAllSync(fd, chunk, "<temporary spool file>");
    size += chunk.length;
  }
  return { size, read: readAt(fd, input.name) };
}

/** Destroys a stream and waits until its fd is closed. */
function closeStream(s: { destroy(): void; closed?: boolean; once(ev: "close", f: () => void): void }): Promise<void> {
  if (s.closed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    s.once("close", () => resolve());
    s.destroy();
  });
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

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    /* already closed */
  }
}

export interface Output {
  readonly name: string;
  /**
   * Writes bytes. The caller may reuse `chunk` once the returned promise
   * resolves, or at once when nothing is returned.
   */
  write(chunk: Uint8Array): Promise<void> | void;
  /** Flushes and, for files, renames the temporary file into place. */
  commit(): Promise<void>;
  /** Discards what was written; an existing target is left untouched. */
  abort(): Promise<void>;
  /**
   * Seekable outputs only: overwrites bytes already written at `offset`
   * (the .npy writer fills in a row count it learns at the end).
   */
  patch?(offset: number, bytes: Uint8Array): void;
  /** The size of the file this output replaces; -1 or undefined when there is none. */
  readonly replacedSize?: number;
}

/** Temporary files not yet committed; removed on SIGINT/SIGTERM. */
const liveTemps = new Set<string>();
export function trackTemp(path: string, live: boolean): void {
  if (live) liveTemps.add(path);
  else liveTemps.delete(path);
}

/**
 * The gate every thread passes to create a temporary file, shared by the
 * main thread with its batch workers (a SharedArrayBuffer): [0] is 1 once
 * the process is exiting, [1] counts threads inside. The signal handler
 * closes the gate and waits for those inside before it removes the
 * registered names, so no worker can create a file after the removal.
 */
let gate = new Int32Array(new SharedArrayBuffer(8));

/** The main thread's gate, for its workers (workerData). */
export function exitGate(): SharedArrayBuffer {
  return gate.buffer as SharedArrayBuffer;
}

/** In a worker: share the main thread's gate. */
export function useExitGate(buf: SharedArrayBuffer): void {
  gate = new Int32Array(buf);
}

/** Runs `create` (which makes a temporary file) unless the process is exiting. */
function throughGate<T>(create: () => T): T {
  Atomics.add(gate, 1, 1);
  try {
    if (Atomics.load(gate, 0) !== 0) throw new DactError("WRITE", "interrupted: the run is ending");
    return create();
  } finally {
    Atomics.sub(gate, 1, 1);
  }
}

/** Everything a signal handler must do before process.exit: temporary files, blocked FIFO opens. */
export function cleanupForExit(): void {
  Atomics.store(gate, 0, 1);
  // Those inside are between a check and an open(2): microseconds.
  for (let spins = 0; Atomics.load(gate, 1) > 0 && spins < 1e7; spins++);
  removeLiveTemps();
  releaseBlockedOpens();
}

export function removeLiveTemps(): void {
  for (const t of liveTemps) {
    try {
      fs.unlinkSync(t);
    } catch {
      /* already gone */
    }
  }
  liveTemps.clear();
}

/** Writes all of `chunk` to `fd`, naming `name` in the error. */
function writeAllSync(fd: number, chunk: Uint8Array, name: string): void {
  let off = 0;
  try {
    while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off);
  } catch (err) {
    throw new DactError("WRITE", `cannot write: ${describeSystemError(err)}`, name);
  }
}

/**
 * Writes with writeSync, for the same reason the input reads with readSync.
 * On commit the data and then the folder are fsync'ed around the rename, so
 * a crash right after dact exits cannot lose the committed file. The data
 * fsync runs on the libuv threadpool (fs.fsync), so the event loop, and
 * signals, stay live while the disk flushes; with `defer` (batch) the
 * commit returns at once and the fsync, close and rename finish in the
 * background while the caller goes on with its next file. `fsync: false`
 * (--no-fsync) skips both fsyncs: still atomic (rename), not durable.
 */
class FileOutput implements Output {
  private closed = false;
  constructor(
    readonly name: string,
    private readonly target: string,
    private readonly tmp: string,
    private fd: number,
    /** noFollow: refuse a symlink that appeared at the target meanwhile; replacedSize: the old file's size, -1 for none. */
    readonly info: { noFollow: boolean; replacedSize: number; fsync: boolean; syncFolder: boolean; defer: ((commit: Promise<void>) => void) | undefined },
  ) {}

  get replacedSize(): number {
    return this.info.replacedSize;
  }

  write(chunk: Uint8Array): void {
    writeAllSync(this.fd, chunk, this.name);
  }

  patch(offset: number, bytes: Uint8Array): void {
    try {
      fs.writeSync(this.fd, bytes, 0, bytes.length, offset);
    } catch (err) {
      throw new DactError("WRITE", `cannot write: ${describeSystemError(err)}`, this.name);
    }
  }

  async commit(): Promise<void> {
    const defer = this.info.defer;
    if (!defer) return this.finish();
    const done = this.finish();
    done.catch(() => {}); // the receiver handles it; never an unhandled rejection here
    defer(done);
  }

  private async finish(): Promise<void> {
    try {
      if (this.info.fsync) {
        const fd = this.fd;
        await new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
      }
      this.closed = true;
      fs.closeSync(this.fd);
      if (this.info.noFollow) {
        let link = false;
        try {
          link = fs.lstatSync(this.target).isSymbolicLink();
        } catch {
          /* nothing there: fine */
        }
        if (link) throw new DactError("WRITE", "is a symbolic link; expected a file or nothing there (batch outputs are never written through links)", this.name);
      }
      fs.renameSync(this.tmp, this.target);
      trackTemp(this.tmp, false);
      if (this.info.fsync && this.info.syncFolder) syncFolder(path.dirname(this.tmp));
    } catch (err) {
      await this.abort();
      if (err instanceof DactError) throw err;
      throw new DactError("WRITE", `cannot write: ${describeSystemError(err)}`, this.name);
    }
  }

  async abort(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      try {
        fs.closeSync(this.fd);
      } catch {
        /* closing a failed file can fail too */
      }
    }
    try {
      fs.unlinkSync(this.tmp);
    } catch {
      /* already gone */
    }
    trackTemp(this.tmp, false);
  }
}

/** fsync a folder, so a rename in it is on disk; some file systems refuse, which loses nothing else. */
export function syncFolder(dir: string): void {
  let fd = -1;
  try {
    fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    fs.fsyncSync(fd);
  } catch {
    /* EINVAL/EISDIR on some file systems */
  } finally {
    if (fd >= 0) closeQuietly(fd);
  }
}

/** Output to a stream: stdout, or a FIFO given with -o. */
class StreamOutput implements Output {
  private error: NodeJS.ErrnoException | null = null;

  constructor(readonly name: string, private readonly out: NodeJS.WritableStream & { writableNeedDrain: boolean; destroyed: boolean; off: NodeJS.EventEmitter["off"] }, private readonly close = false) {
    this.out.on("error", (e: NodeJS.ErrnoException) => {
      this.error = e;
    });
  }

  private check(): void {
    const e = this.error;
    if (!e) return;
    if (e.code === "EPIPE" || e.code === "ERR_STREAM_DESTROYED") throw new BrokenPipe();
    throw new DactError("WRITE", `cannot write: ${describeSystemError(e)}`, this.name);
  }

  write(chunk: Uint8Array): Promise<void> {
    this.check();
    // Resolves when the stream is done with `chunk` (so it may be reused) and
    // has room for more.
    return new Promise<void>((resolve, reject) => {
      const settle = () => {
        try {
          this.check();
          resolve();
        } catch (e) {
          reject(e);
        }
      };
      this.out.write(chunk, (err) => {
        if (err && !this.error) this.error = err;
        // Node emits 'drain' before it calls this callback, so ask whether
        // a drain is still due rather than what write() returned.
        if (!this.out.writableNeedDrain || this.error || this.out.destroyed) return settle();
        // Wait for room; a stream that fails or closes instead never drains.
        const done = () => {
          this.out.off("drain", done);
          this.out.off("close", done);
          this.out.off("error", done);
          settle();
        };
        this.out.on("drain", done);
        this.out.on("close", done);
        this.out.on("error", done);
      });
    });
  }

  commit(): Promise<void> {
    this.check();
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        try {
          this.check();
          resolve();
        } catch (e) {
          reject(e);
        }
      };
      if (this.close) this.out.end(done);
      else this.out.write("", done);
    });
  }

  async abort(): Promise<void> {
    if (this.close) (this.out as unknown as { destroy(): void }).destroy();
  }
}

/**
 * Writes straight to a target that is not a regular file (a device such as
 * /dev/null or /dev/full, a FIFO): there is nothing to rename over, and a
 * rename would replace the device node itself.
 */
class DirectOutput implements Output {
  constructor(readonly name: string, private readonly fd: number) {}
  write(chunk: Uint8Array): void {
    writeAllSync(this.fd, chunk, this.name);
  }
  async commit(): Promise<void> {
    fs.closeSync(this.fd);
  }
  async abort(): Promise<void> {
    try {
      fs.closeSync(this.fd);
    } catch {
      /* already closed */
    }
  }
}

export interface OutputOptions {
  /** Replace a read-only target (--force). */
  force?: boolean | undefined;
  /**
   * Batch outputs: never write through a symlink at the target path (an
   * error for that file), and check again just before the rename.
   */
  noFollow?: boolean | undefined;
  /** One-line notices (a split hard link). */
  notice?: ((m: string) => void) | undefined;
  /**
   * The temporary file's name, when the caller registered it already (batch:
   * the main thread names and tracks the temporary files of its workers, so
   * a signal at any moment finds them).
   */
  tempName?: string | undefined;
  /** fsync the data before the rename and the folder after it (default true; false: --no-fsync). */
  fsync?: boolean | undefined;
  /** fsync the folder after the rename (default true); batch syncs each output folder once at its end instead. */
  syncFolder?: boolean | undefined;
  /**
   * Batch: commit() returns at once and hands over the rest (fsync, close,
   * rename), which settles when the file is in place or rejects after
   * removing the temporary file.
   */
  defer?: ((commit: Promise<void>) => void) | undefined;
}

/** NAME_MAX on Linux and macOS, in bytes. */
const NAME_MAX = 255;

/** `name` cut to at most `max` UTF-8 bytes, on a character boundary. */
export function cutToBytes(name: string, max: number): string {
  if (Buffer.byteLength(name, "utf8") <= max) return name;
  let out = "";
  let bytes = 0;
  for (const ch of name) {
    const b = Buffer.byteLength(ch, "utf8");
    if (bytes + b > max) break;
    out += ch;
    bytes += b;
  }
  return out;
}

/** A temporary name beside `target`, unique and within NAME_MAX bytes. */
export function tempNameFor(target: string): string {
  const suffix = tempSuffix(); // names this host and pid: a later run removes the files of a dead one (sweepDeadTemps)
  return path.join(path.dirname(target), `.${cutToBytes(path.basename(target), NAME_MAX - 1 - suffix.length)}${suffix}`);
}

/** The existing target behind `p`, following a symlink the user named; null for a new file. */
function existingTarget(p: string, opts: OutputOptions): { target: string; st: fs.Stats } | null {
  let lst: fs.Stats;
  try {
    lst = fs.lstatSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new DactError("WRITE", `cannot open for writing: ${describeSystemError(err)}`, p);
  }
  if (!lst.isSymbolicLink()) return { target: p, st: lst };
  if (opts.noFollow) throw new DactError("WRITE", "is a symbolic link; expected a file or nothing there (batch outputs are never written through links)", p);
  let link = "";
  try {
    link = fs.readlinkSync(p);
    const target = fs.realpathSync(p);
    return { target, st: fs.statSync(target) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new DactError("WRITE", `is a dangling symbolic link (to ${link}); expected a link to an existing file, or a plain path`, p);
    if (code === "ELOOP") throw new DactError("WRITE", "is a symbolic link that loops; expected a link to an existing file, or a plain path", p);
    throw new DactError("WRITE", `cannot open for writing: ${describeSystemError(err)}`, p);
  }
}

/** Opens the output early, so an unwritable target fails before any input is read. */
export async function openOutput(p: string, opts: OutputOptions = {}): Promise<Output> {
  if (p === STDIO) return new StreamOutput("<stdout>", process.stdout);
  const found = existingTarget(p, opts);
  const st = found?.st ?? null;
  if (st?.isDirectory()) throw new DactError("WRITE", "is a folder; expected a file path", p);
  if (st?.isFIFO()) {
    // A pipe, written like stdout: a blocking writeSync would hold off signals.
    // Opened without blocking: with no reader yet that fails (ENXIO), and
    // it is tried again until one comes, with the event loop (and signals) live.
    for (;;) {
      try {
        return new StreamOutput(p, socket({ fd: fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK), readable: false, writable: true }), true);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENXIO") throw new DactError("WRITE", `cannot open for writing: ${describeSystemError(err)}`, p);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  if (st && !st.isFile()) {
    try {
      return new DirectOutput(p, fs.openSync(p, "w"));
    } catch (err) {
      throw new DactError("WRITE", `cannot open for writing: ${describeSystemError(err)}`, p);
    }
  }
  const target = found?.target ?? p;
  if (st && !opts.force) {
    // A file nobody may write, or that this user may not write, is kept:
    // replacing it only needs a writable folder, which says nothing of the file.
    let writable = (st.mode & 0o222) !== 0;
    if (writable) {
      try {
        fs.accessSync(target, fs.constants.W_OK);
      } catch {
        writable = false;
      }
    }
    if (!writable) throw new DactError("WRITE", `is read-only (mode ${(st.mode & 0o7777).toString(8).padStart(4, "0")}); expected a writable file (pass --force to replace it)`, p);
  }
  if (st && st.nlink > 1) opts.notice?.(`dact: ${p}: had ${st.nlink} hard links; only this name gets the new content (the other ${st.nlink - 1} keep the old)`);
  const mode = st ? st.mode & 0o7777 : 0o666;
  const tmp = opts.tempName ?? tempNameFor(path.resolve(target));
  const dir = path.dirname(tmp);
  // A single run clears what killed runs left in its folder (batch does it once per folder).
  if (opts.tempName === undefined) sweepDeadTemps(dir);
  let fd: number;
  try {
    trackTemp(tmp, true); // registered before it exists: a signal in between removes nothing that is not ours
    fd = throughGate(() => fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, mode));
  } catch (err) {
    trackTemp(tmp, false);
    throw new DactError("WRITE", `cannot create output in folder ${dir}: ${describeSystemError(err)}`, p);
  }
  if (st) {
    try {
      fs.fchmodSync(fd, mode); // the umask must not narrow an existing file's mode
      // Keep the owner (root can) and the group (an owner who is a member can).
      if (process.getuid?.() === 0) fs.fchownSync(fd, st.uid, st.gid);
      else if (st.gid !== process.getgid?.()) fs.fchownSync(fd, -1, st.gid);
    } catch {
      /* EPERM on the group: the file keeps the user's primary group */
    }
  }
  return new FileOutput(p, target, tmp, fd, { noFollow: opts.noFollow ?? false, replacedSize: st?.size ?? -1, fsync: opts.fsync ?? true, syncFolder: opts.syncFolder ?? true, defer: opts.defer });
}

/** An Output that collects bytes in memory: for the library API and tests. */
export class MemoryOutput implements Output {
  readonly chunks: Buffer[] = [];
  committed = false;
  constructor(readonly name = "<memory>") {}
  write(chunk: Uint8Array): void {
    this.chunks.push(Buffer.from(chunk)); // copy: writers may reuse their buffers
  }
  async commit(): Promise<void> {
    this.committed = true;
  }
  async abort(): Promise<void> {
    this.chunks.length = 0;
  }
  patch(offset: number, bytes: Uint8Array): void {
    const all = this.bytes();
    all.set(bytes, offset);
    this.chunks.length = 0;
    this.chunks.push(all);
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
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

/**
 * Bytes held back until the end of the input, for a writer that can only
 * write its first bytes last (a .npy header on a pipe): in memory up to
 * SPOOL_MEMORY, then in a temporary file that is unlinked as soon as it is
 * open, so nothing is left behind whatever ends the process.
 */
const SPOOL_MEMORY = 8 << 20;

export class Spool {
  private mem: Buffer[] = [];
  private memLength = 0;
  private fd = -1;
  private fileLength = 0;

  write(b: Uint8Array): void {
    if (this.fd < 0 && this.memLength + b.length <= SPOOL_MEMORY) {
      this.mem.push(Buffer.from(b));
      this.memLength += b.length;
      return;
    }
    if (this.fd < 0) this.fd = openUnlinkedTemp();
    writeAllSync(this.fd, b, "<temporary spool file>");
    this.fileLength += b.length;
  }

  /** The spooled bytes in order, then the spool is closed. */
  async *chunks(): AsyncGenerator<Buffer> {
    try {
      for (const b of this.mem) yield b;
      this.mem = [];
      if (this.fd < 0) return;
      for (let pos = 0; pos < this.fileLength; ) {
        // A fresh buffer per chunk: the consumer owns what it is given (see Input).
        const buf = Buffer.allocUnsafeSlow(Math.min(READ_CHUNK, this.fileLength - pos));
        const n = fs.readSync(this.fd, buf, 0, buf.length, pos);
        if (n === 0) throw new DactError("WRITE", "temporary spool file ended early");
        pos += n;
        yield buf.subarray(0, n);
      }
    } finally {
      this.close();
    }
  }

  close(): void {
    this.mem = [];
    if (this.fd >= 0) {
      try {
        fs.closeSync(this.fd);
      } catch {
        /* nothing to lose */
      }
      this.fd = -1;
    }
  }
}

function openUnlinkedTemp(): number {
  const dir = os.tmpdir();
  const p = path.join(dir, `.dact-spool.${process.pid}.${randomSuffix()}`);
  try {
    // Created and unlinked inside the gate: no signal can come between.
    return throughGate(() => {
      const fd = fs.openSync(p, "wx+", 0o600);
      fs.unlinkSync(p);
      return fd;
    });
  } catch (err) {
    if (err instanceof DactError) throw err;
    throw new DactError("WRITE", `cannot create a temporary spool file in ${dir}: ${describeSystemError(err)}`);
  }
}
