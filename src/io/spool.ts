/**
 * The Spool, and the unlinked temporary files it (and random access to a
 * stream) keeps bytes in. Split out of src/io.ts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DactError } from "../errors.js";
import { describeSystemError, randomSuffix, READ_CHUNK, writeAllSync } from "./common.js";
import { throughGate } from "./exit.js";

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

export function openUnlinkedTemp(): number {
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
