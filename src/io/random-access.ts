/**
 * An input as positional reads, for containers read out of order: a regular
 * file directly, anything else through an unlinked temporary file. Split out
 * of src/io.ts.
 */
import * as fs from "node:fs";
import { DactError } from "../errors.js";
import { closeQuietly, describeSystemError, writeAllSync } from "./common.js";
import type { Input } from "./input.js";
import { openUnlinkedTemp } from "./spool.js";

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
