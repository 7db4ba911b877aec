/**
 * .npz: a zip of .npy members, as np.savez (stored) and np.savez_compressed
 * (deflated) write it, zip64 included. The zip container is read and
 * written here; each member is a .npy through the existing codec, and
 * deflate and CRC-32 are node:zlib's.
 *
 * Why not a zip library: the well-kept streaming ones (yauzl/yazl) read
 * from a seekable file and write with their own layout, and the container
 * is small and fully specified (APPNOTE 4.3, zip64 4.5.3); what matters is
 * that np.load reads what we write, which the fixtures check, and that our
 * output is byte-stable (fixed 1980-01-01 times, like numpy 2's own).
 */
import { Readable } from "node:stream";
import * as zlib from "node:zlib";
import { DactError } from "../../errors.js";
import { Input, type Output, type RandomAccess } from "../../io.js";
import type { ArrayWriter, FloatDType, IntDType } from "../array.js";
import { unsafeMemberName, yielder, type ContainerReader, type ContainerWriter, type MemberInfo, type MemberPlan } from "../container.js";
import { readNpyArray } from "../npy/codec.js";
import { NpyDecoder } from "../npy/decoder.js";
import { intDtype, resultDtype } from "../npy/dtype.js";
import { NpyWriter } from "../npy/writer.js";

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const EOCD64_LOCATOR = 0x07064b50;
const DESCRIPTOR = 0x08074b50;
const MAX32 = 0xffffffff;

interface Entry extends MemberInfo {
  readonly file: string;
  /** The name's bytes in the central directory, compared with the local header's. */
  readonly rawName: Buffer;
  /** Where the data starts (after the local header), once checked. */
  start: number;
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localOffset: number;
}

function u64(b: Buffer, at: number): number {
  const v = b.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError("zip64 value over 2^53");
  return Number(v);
}

/** The zip64 extended-information extra field's values that the fixed fields left at 0xFFFFFFFF. */
function zip64Extra(extra: Buffer, need: { size: boolean; compressed: boolean; offset: boolean }): { size?: number; compressed?: number; offset?: number } {
  for (let i = 0; i + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(i);
    const len = extra.readUInt16LE(i + 2);
    if (id === 0x0001) {
      let p = i + 4;
      const out: { size?: number; compressed?: number; offset?: number } = {};
      if (need.size && p + 8 <= i + 4 + len) (out.size = u64(extra, p)), (p += 8);
      if (need.compressed && p + 8 <= i + 4 + len) (out.compressed = u64(extra, p)), (p += 8);
      if (need.offset && p + 8 <= i + 4 + len) out.offset = u64(extra, p);
      return out;
    }
    i += 4 + len;
  }
  return {};
}

/**
 * For input that must be spooled (gzip data, a pipe): its first bytes are a
 * zip's (a local file header, or the end record of an empty archive),
 * checked before anything is spooled. A zip names its size only at its end:
 * no limit.
 */
export async function npzStart(input: Input): Promise<null> {
  const head = await input.peek(4);
  const sig = head.length === 4 ? head.readUInt32LE(0) : -1;
  if (sig !== LOCAL && sig !== EOCD) throw new DactError("NPZ", `starts with ${head.length ? `bytes ${[...head].map((b) => b.toString(16).padStart(2, "0")).join(" ")}` : "nothing"}; expected a zip archive (PK\\x03\\x04), as np.savez writes`, input.name, { offset: 0 });
  return null;
}

/** Opens an .npz: the central directory at its end names the members; each member's .npy header gives its shape. */
export async function readNpz(ra: RandomAccess, file: string): Promise<ContainerReader> {
  const fail = (detail: string, offset: number) => new DactError("NPZ", detail, file, { offset });
  // The end of central directory record: in the last 64 KiB + 22 bytes.
  const tailLen = Math.min(ra.size, 0xffff + 22);
  const tail = Buffer.alloc(tailLen);
  ra.read(ra.size - tailLen, tailLen, tail);
  let eocd = -1;
  for (let i = tailLen - 22; i >= 0; i--) if (tail.readUInt32LE(i) === EOCD) {
    eocd = i;
    break;
  }
  if (eocd < 0) throw fail("no end of central directory record; expected a whole zip archive (cut short?)", ra.size);
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  const eocdAt = ra.size - tailLen + eocd;
  try {
    if (eocd >= 20 && tail.readUInt32LE(eocd - 20) === EOCD64_LOCATOR) {
      const at = u64(tail, eocd - 20 + 8);
      const rec = Buffer.alloc(56);
      if (ra.read(at, 56, rec) !== 56 || rec.readUInt32LE(0) !== EOCD64) throw fail("zip64 end of central directory record missing; expected one where its locator points", at);
      count = u64(rec, 32);
      cdSize = u64(rec, 40);
      cdOffset = u64(rec, 48);
    }
  } catch (e) {
    if (e instanceof RangeError) throw fail("a zip64 size over 2^53; expected sizes that fit in memory addresses", eocdAt);
    throw e;
  }
  if (cdOffset + cdSize > eocdAt) throw fail(`central directory at ${cdOffset} (${cdSize} bytes) runs past its end record; expected a whole zip archive`, eocdAt);
  const cd = Buffer.alloc(cdSize);
  ra.read(cdOffset, cdSize, cd);
  const entries: Entry[] = [];
  const seen = new Set<string>();
  const pause = yielder(); // signals act between entries, however many
  for (let i = 0, k = 0; k < count; k++) {
    await pause();
    if (i + 46 > cd.length || cd.readUInt32LE(i) !== CENTRAL) throw fail(`central directory entry ${k + 1} is not where the directory says; expected a whole zip archive`, cdOffset + i);
    const flags = cd.readUInt16LE(i + 8);
    const method = cd.readUInt16LE(i + 10);
    const crc = cd.readUInt32LE(i + 16);
    let compressedSize = cd.readUInt32LE(i + 20);
    let size = cd.readUInt32LE(i + 24);
    const nameLen = cd.readUInt16LE(i + 28);
    const extraLen = cd.readUInt16LE(i + 30);
    const commentLen = cd.readUInt16LE(i + 32);
    let localOffset = cd.readUInt32LE(i + 42);
    const name = cd.toString(flags & 0x800 ? "utf8" : "latin1", i + 46, i + 46 + nameLen);
    const z = zip64Extra(cd.subarray(i + 46 + nameLen, i + 46 + nameLen + extraLen), { size: size === MAX32, compressed: compressedSize === MAX32, offset: localOffset === MAX32 });
    size = z.size ?? size;
    compressedSize = z.compressed ?? compressedSize;
    localOffset = z.offset ?? localOffset;
    if (flags & 1) throw fail(`member ${JSON.stringify(name)} is encrypted; expected an .npz as np.savez writes it`, cdOffset + i);
    if (method !== 0 && method !== 8) throw fail(`member ${JSON.stringify(name)} uses compression method ${method}; expected stored (0) or deflate (8), as np.savez and np.savez_compressed write`, cdOffset + i);
    if (!name.endsWith(".npy")) throw fail(`member ${JSON.stringify(name)} is not a .npy; expected an .npz of arrays (np.savez)`, cdOffset + i);
    const unsafe = unsafeMemberName(name.slice(0, -4));
    if (unsafe) throw fail(`member ${JSON.stringify(name)} has ${unsafe}; expected a name no unzip can take for a path outside its folder`, cdOffset + i);
    if (seen.has(name)) throw fail(`member ${JSON.stringify(name)} is in the archive twice; expected each name once (np.savez never writes two)`, cdOffset + i);
    seen.add(name);
    entries.push({ name: name.slice(0, -4), file: name, rawName: Buffer.from(cd.subarray(i + 46, i + 46 + nameLen)), start: -1, method, crc, compressedSize, size, localOffset, shape: [], dtype: "f8", compressed: method === 8 });
    i += 46 + nameLen + extraLen + commentLen;
  }
  // Each local header: there, naming the member as the directory does
  // (Python's zipfile: "File name in directory and header differ"), and its
  // data before the next member's header: entries that overlap (zip bombs
  // that reuse one deflate stream) are refused, as zipfile's "Overlapped entries".
  const h = Buffer.alloc(30);
  const local = Buffer.alloc(0xffff);
  for (const e of entries) {
    await pause();
    if (ra.read(e.localOffset, 30, h) !== 30 || h.readUInt32LE(0) !== LOCAL) throw fail(`member ${JSON.stringify(e.file)} has no local header at ${e.localOffset}; expected a whole zip archive`, e.localOffset);
    const nameLen = h.readUInt16LE(26);
    const got = ra.read(e.localOffset + 30, nameLen, local);
    if (got !== nameLen || !local.subarray(0, nameLen).equals(e.rawName)) {
      throw fail(`member ${JSON.stringify(e.file)} is named ${JSON.stringify(local.toString("latin1", 0, got))} in its local header; expected the name the central directory gives`, e.localOffset + 30);
    }
    e.start = e.localOffset + 30 + nameLen + h.readUInt16LE(28);
    if (e.start + e.compressedSize > ra.size) throw fail(`member ${JSON.stringify(e.file)} runs past the end of the file; expected a whole zip archive`, e.start);
  }
  const byOffset = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  for (let k = 0; k < byOffset.length; k++) {
    const e = byOffset[k]!;
    const next = k + 1 < byOffset.length ? byOffset[k + 1]!.localOffset : cdOffset;
    if (e.start + e.compressedSize > next) {
      throw fail(`member ${JSON.stringify(e.file)} (data at ${e.start}, ${e.compressedSize} bytes) overlaps ${k + 1 < byOffset.length ? `member ${JSON.stringify(byOffset[k + 1]!.file)} at ${next}` : `the central directory at ${next}`}; expected members that do not overlap`, e.start);
    }
  }
  const dataStart = (e: Entry): number => e.start;
  /** The member's bytes, inflated if deflated, checked against its CRC-32 and size. */
  async function* bytes(e: Entry): AsyncGenerator<Buffer> {
    const start = dataStart(e);
    async function* raw(): AsyncGenerator<Buffer> {
      for (let pos = 0; pos < e.compressedSize; ) {
        const buf = Buffer.allocUnsafe(Math.min(1 << 20, e.compressedSize - pos));
        const got = ra.read(start + pos, buf.length, buf);
        if (got === 0) throw fail(`member ${JSON.stringify(e.file)} ends early; expected ${e.compressedSize} bytes`, start + pos);
        pos += got;
        yield buf.subarray(0, got);
      }
    }
    let crc = 0;
    let n = 0;
    const src = e.method === 8 ? Readable.from(raw()).pipe(zlib.createInflateRaw()) : raw();
    try {
      for await (const b of src as AsyncIterable<Buffer>) {
        crc = zlib.crc32(b, crc);
        n += b.length;
        yield b;
      }
    } catch (err) {
      if (err instanceof DactError) throw err;
      throw fail(`member ${JSON.stringify(e.file)} is not valid deflate data (${(err as Error).message}); expected an intact archive`, start);
    }
    if (n !== e.size || crc !== e.crc) throw fail(`member ${JSON.stringify(e.file)} is corrupt: ${n !== e.size ? `${n} bytes, expected ${e.size}` : "its CRC-32 does not match"}; expected an intact archive`, start);
  }
  // Each member's shape and dtype, from its .npy header (the first bytes only).
  const members: Entry[] = [];
  for (const e of entries) {
    await pause();
    let info: { shape: readonly number[]; dtype: FloatDType; sourceDtype: IntDType | undefined } | null = null;
    const dec = new NpyDecoder({ header: (h) => (info = { shape: h.bigShape ? h.shape : h.shape, dtype: resultDtype(h.dtype), sourceDtype: intDtype(h.dtype) }), data: () => {} }, `${file}:${e.file}`);
    const it = bytes(e);
    try {
      for (let r = await it.next(); !r.done && info === null; r = await it.next()) dec.push(r.value.subarray(0, Math.min(r.value.length, 1 << 16)));
    } finally {
      await it.return(undefined);
    }
    if (info === null) dec.end(); // throws the .npy error
    const got = info as unknown as { shape: readonly number[]; dtype: FloatDType; sourceDtype: IntDType | undefined };
    members.push({ ...e, shape: got.shape, dtype: got.dtype, sourceDtype: got.sourceDtype });
  }
  const byName = new Map(members.map((m) => [m.name, m]));
  return {
    members,
    metadata: null,
    async read(name, sink, after, notice) {
      const e = byName.get(name)!;
      return readNpyArray(new Input(`${file}:${e.file}`, e.file, bytes(e)), sink, after, notice);
    },
    memberInput(name) {
      const e = byName.get(name)!;
      return new Input(`${file}:${e.file}`, e.file, bytes(e));
    },
  };
}

/** A member being written: its bytes counted and CRC'd, deflated or stored, into the archive. */
class MemberOutput implements Output {
  crc = 0;
  size = 0;
  compressedSize = 0;
  private readonly deflate: zlib.DeflateRaw | null;
  private queue: Promise<void> = Promise.resolve();
  private error: unknown = null;

  constructor(private readonly archive: Output, compress: boolean, readonly name: string) {
    this.deflate = compress ? zlib.createDeflateRaw({ level: 6 }) : null;
    this.deflate?.on("data", (b: Buffer) => {
      this.compressedSize += b.length;
      this.queue = this.queue.then(() => archive.write(b)).catch((e) => void (this.error ??= e));
    });
    this.deflate?.on("error", (e) => (this.error ??= e));
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.error) throw this.error;
    this.crc = zlib.crc32(chunk, this.crc);
    this.size += chunk.length;
    if (!this.deflate) {
      this.compressedSize += chunk.length;
      await this.archive.write(chunk);
      return;
    }
    if (!this.deflate.write(Buffer.from(chunk))) await new Promise((r) => this.deflate!.once("drain", r));
    await this.queue;
  }

  /** Ends the member's data (the archive itself is committed by the pipeline). */
  async commit(): Promise<void> {
    if (this.deflate) {
      await new Promise<void>((resolve) => {
        this.deflate!.once("end", () => resolve());
        this.deflate!.end();
      });
      await this.queue;
    }
    if (this.error) throw this.error;
  }

  async abort(): Promise<void> {
    this.deflate?.destroy();
  }
}

/** DOS date 1980-01-01 00:00:00, as numpy 2's np.savez stamps its members: byte-stable output. */
const DOS_TIME = 0;
const DOS_DATE = 0x0021;

/**
 * The .npz writer: members in the order given, each a .npy as np.save
 * writes it, stored or deflated, followed by a zip64 data descriptor (the
 * sizes are known only after the data, and the output may be a pipe); the
 * central directory at the end, with zip64 records where sizes or offsets
 * need them.
 */
export class NpzWriter implements ContainerWriter {
  private offset = 0;
  private readonly names = new Set<string>();
  private readonly central: { name: Buffer; method: number; crc: number; compressed: number; size: number; offset: number }[] = [];

  constructor(private readonly output: Output) {}

  plan(members: readonly MemberPlan[]): readonly MemberPlan[] {
    return members;
  }

  private async put(b: Uint8Array): Promise<void> {
    this.offset += b.length;
    await this.output.write(b);
  }

  member(plan: MemberPlan): ArrayWriter {
    const raw = this.rawMember(plan);
    const npy = new NpyWriter(raw.output, { dtype: plan.dtype === plan.head.dtype ? undefined : plan.dtype });
    return {
      begin: (h) => npy.begin(h),
      write: (v, m, n) => npy.write(v, m, n),
      flush: () => npy.flush(),
      end: async (shape) => {
        await npy.end(shape);
        await raw.end();
      },
    };
  }

  /** The next member as .npy bytes: a local header before the first byte, the data descriptor and a central directory entry at end(). */
  rawMember(plan: MemberPlan): { output: Output; end(): Promise<void> } {
    const unsafe = unsafeMemberName(plan.name);
    if (unsafe) throw new DactError("NPZ", `array ${JSON.stringify(plan.name)} has ${unsafe}; expected a member name no unzip can take for a path outside its folder (rename it, or write .safetensors)`, this.output.name);
    if (this.names.has(plan.name)) throw new DactError("NPZ", `array ${JSON.stringify(plan.name)} would be written twice; expected each name once`, this.output.name);
    this.names.add(plan.name);
    const name = Buffer.from(`${plan.name}.npy`, "utf8");
    const start = this.offset;
    const method = plan.compressed ? 8 : 0;
    const local = Buffer.alloc(30 + name.length + 20);
    local.writeUInt32LE(LOCAL, 0);
    local.writeUInt16LE(45, 4); // zip64
    local.writeUInt16LE(0x0008 | 0x0800, 6); // data descriptor follows; UTF-8 name
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(0, 14);
    local.writeUInt32LE(MAX32, 18);
    local.writeUInt32LE(MAX32, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(20, 28);
    name.copy(local, 30);
    local.writeUInt16LE(0x0001, 30 + name.length); // zip64 extra: sizes in the descriptor
    local.writeUInt16LE(16, 32 + name.length);
    let wroteHeader = false;
    const counting: Output = {
      name: this.output.name,
      write: async (b) => {
        if (!wroteHeader) {
          wroteHeader = true;
          await this.put(local);
        }
        await this.put(b);
      },
      commit: async () => {},
      abort: async () => {},
    };
    const member = new MemberOutput(counting, plan.compressed, this.output.name);
    return {
      output: member,
      end: async () => {
        await member.commit();
        if (!wroteHeader) {
          wroteHeader = true;
          await this.put(local);
        }
        const d = Buffer.alloc(24);
        d.writeUInt32LE(DESCRIPTOR, 0);
        d.writeUInt32LE(member.crc >>> 0, 4);
        d.writeBigUInt64LE(BigInt(member.compressedSize), 8);
        d.writeBigUInt64LE(BigInt(member.size), 16);
        await this.put(d);
        this.central.push({ name, method, crc: member.crc >>> 0, compressed: member.compressedSize, size: member.size, offset: start });
      },
    };
  }

  async end(): Promise<void> {
    const cdStart = this.offset;
    for (const e of this.central) {
      const big = e.compressed >= MAX32 || e.size >= MAX32 || e.offset >= MAX32;
      const extra = big ? Buffer.alloc(28) : Buffer.alloc(0);
      if (big) {
        extra.writeUInt16LE(0x0001, 0);
        extra.writeUInt16LE(24, 2);
        extra.writeBigUInt64LE(BigInt(e.size), 4);
        extra.writeBigUInt64LE(BigInt(e.compressed), 12);
        extra.writeBigUInt64LE(BigInt(e.offset), 20);
      }
      const c = Buffer.alloc(46);
      c.writeUInt32LE(CENTRAL, 0);
      c.writeUInt16LE(0x032d, 4); // made by: Unix, 4.5
      c.writeUInt16LE(45, 6);
      c.writeUInt16LE(0x0008 | 0x0800, 8);
      c.writeUInt16LE(e.method, 10);
      c.writeUInt16LE(DOS_TIME, 12);
      c.writeUInt16LE(DOS_DATE, 14);
      c.writeUInt32LE(e.crc, 16);
      c.writeUInt32LE(big ? MAX32 : e.compressed, 20);
      c.writeUInt32LE(big ? MAX32 : e.size, 24);
      c.writeUInt16LE(e.name.length, 28);
      c.writeUInt16LE(extra.length, 30);
      c.writeUInt32LE(0o100644 * 0x10000, 38); // external attributes: a regular file, rw-r--r--
      c.writeUInt32LE(big ? MAX32 : e.offset, 42);
      await this.put(Buffer.concat([c, e.name, extra]));
    }
    const cdSize = this.offset - cdStart;
    const n = this.central.length;
    const needs64 = n >= 0xffff || cdSize >= MAX32 || cdStart >= MAX32;
    if (needs64) {
      const rec = Buffer.alloc(56);
      rec.writeUInt32LE(EOCD64, 0);
      rec.writeBigUInt64LE(44n, 4);
      rec.writeUInt16LE(0x032d, 12);
      rec.writeUInt16LE(45, 14);
      rec.writeBigUInt64LE(BigInt(n), 24);
      rec.writeBigUInt64LE(BigInt(n), 32);
      rec.writeBigUInt64LE(BigInt(cdSize), 40);
      rec.writeBigUInt64LE(BigInt(cdStart), 48);
      const loc = Buffer.alloc(20);
      loc.writeUInt32LE(EOCD64_LOCATOR, 0);
      loc.writeBigUInt64LE(BigInt(this.offset), 8);
      loc.writeUInt32LE(1, 16);
      await this.put(Buffer.concat([rec, loc]));
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(EOCD, 0);
    end.writeUInt16LE(needs64 ? 0xffff : n, 8);
    end.writeUInt16LE(needs64 ? 0xffff : n, 10);
    end.writeUInt32LE(needs64 ? MAX32 : cdSize, 12);
    end.writeUInt32LE(needs64 ? MAX32 : cdStart, 16);
    await this.put(end);
  }
}

