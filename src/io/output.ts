/**
 * Outputs. Output to a file is atomic: bytes go to a temporary file in the
 * same folder, which is renamed over the target only on commit (fsync'ed
 * unless --no-fsync). A failed or interrupted run removes the temporary file
 * and leaves any existing target untouched. Also stdout and FIFOs, devices,
 * and outputs in memory. Split out of src/io.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { BrokenPipe, DactError } from "../errors.js";
import { closeQuietly, describeSystemError, socket, STDIO, writeAllSync } from "./common.js";
import { throughGate, trackTemp } from "./exit.js";
import { kindOf, sweepDeadTemps, tempSuffix } from "./gate.js";

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
  /**
   * The target must be a regular file or nothing (implied by noFollow): a
   * device, FIFO or socket there is refused at once, never written into or
   * waited on. Batch outputs, goldens, pending goldens and reports; a single
   * run's -o may name /dev/null, /dev/stdout or a FIFO.
   */
  regularOnly?: boolean | undefined;
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
  if (st && !st.isFile() && (opts.regularOnly || opts.noFollow)) throw new DactError("WRITE", `found ${kindOf(st)}; expected a regular file or nothing there (dact replaces it by a rename, never writes into a device, FIFO or socket)`, p);
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
