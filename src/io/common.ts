/**
 * Small helpers the io modules share: stdio's name, the read chunk size,
 * system errors in words, closing fds and streams, writing a whole chunk.
 * Split out of src/io.ts (which re-exports what it always exported).
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import { DactError } from "../errors.js";

export const STDIO = "-";
export const READ_CHUNK = 1 << 20;

/** A net.Socket over an fd (FIFOs, sockets); node:net is loaded only then, not at every start-up. */
export function socket(opts: import("node:net").SocketConstructorOpts): import("node:net").Socket {
  const { Socket } = createRequire(import.meta.url)("node:net") as typeof import("node:net");
  return new Socket(opts);
}

/** A short random suffix for temporary file names (opened with O_EXCL, so a clash fails safely). */
export function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 10);
}

export function describeSystemError(err: unknown): string {
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

/** Destroys a stream and waits until its fd is closed. */
export function closeStream(s: { destroy(): void; closed?: boolean; once(ev: "close", f: () => void): void }): Promise<void> {
  if (s.closed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    s.once("close", () => resolve());
    s.destroy();
  });
}

export function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    /* already closed */
  }
}

/** Writes all of `chunk` to `fd`, naming `name` in the error. */
export function writeAllSync(fd: number, chunk: Uint8Array, name: string): void {
  let off = 0;
  try {
    while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off);
  } catch (err) {
    throw new DactError("WRITE", `cannot write: ${describeSystemError(err)}`, name);
  }
}
