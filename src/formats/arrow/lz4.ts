/**
 * The LZ4 frame format (lz4.org's frame spec), decoding only: what Arrow
 * IPC's LZ4_FRAME body compression holds (pyarrow's Feather default).
 * Written here: hyparquet-compressors has the block decoder but not the
 * frame (and does not say how many bytes a block gave), and lz4js, the npm
 * package with frames, has not been maintained since 2017. Blocks may be
 * linked (a match reaching into the blocks before): they are decoded into
 * one growing buffer. Checksums are skipped, not verified.
 */
const MAGIC = 0x184d2204;
const SKIPPABLE = 0x184d2a50;

function fail(what: string): never {
  // A plain Error: the Arrow reader's error handler names the file.
  throw new Error(`LZ4 frame: ${what}`);
}

class Out {
  buf: Uint8Array;
  n = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(Math.max(64, size));
  }
  room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const b = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }
}

/** One LZ4 block (sequences of literals and matches) appended to `out`. */
function block(src: Uint8Array, out: Out): void {
  let i = 0;
  const end = src.length;
  while (i < end) {
    const token = src[i++]!;
    let lit = token >> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (i >= end) fail("a block ends inside a literal length");
        b = src[i++]!;
        lit += b;
      } while (b === 255);
    }
    if (i + lit > end) fail("a block's literals run past its end");
    out.room(lit);
    out.buf.set(src.subarray(i, i + lit), out.n);
    out.n += lit;
    i += lit;
    if (i >= end) break; // the last sequence has literals only
    if (i + 2 > end) fail("a block ends inside a match offset");
    const off = src[i]! | (src[i + 1]! << 8);
    i += 2;
    if (off === 0 || off > out.n) fail(`a match offset of ${off} reaches before the data`);
    let len = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b: number;
      do {
        if (i >= end) fail("a block ends inside a match length");
        b = src[i++]!;
        len += b;
      } while (b === 255);
    }
    out.room(len);
    const buf = out.buf;
    let from = out.n - off;
    let to = out.n;
    // Byte by byte: a match may overlap the bytes it writes.
    for (let k = 0; k < len; k++) buf[to++] = buf[from++]!;
    out.n = to;
  }
}

/** Every frame in `src` (skippable frames skipped), decompressed. */
export function lz4FrameDecode(src: Uint8Array): Uint8Array {
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const out = new Out(src.length * 3);
  let i = 0;
  while (i < src.length) {
    if (i + 4 > src.length) fail(`${src.length - i} stray bytes after a frame`);
    const magic = view.getUint32(i, true);
    if ((magic & 0xfffffff0) === SKIPPABLE) {
      i += 8 + view.getUint32(i + 4, true);
      continue;
    }
    if (magic !== MAGIC) fail(`found 0x${magic.toString(16)} at byte ${i} where a frame starts`);
    i += 4;
    const flg = src[i]!;
    if (flg >> 6 !== 1) fail(`version ${flg >> 6} in the frame descriptor`);
    const blockChecksum = (flg & 0x10) !== 0;
    const contentSize = (flg & 0x08) !== 0;
    const contentChecksum = (flg & 0x04) !== 0;
    const dictId = (flg & 0x01) !== 0;
    if (dictId) fail("a frame with a dictionary id (no dictionary is known)");
    i += 2; // FLG, BD
    if (contentSize) {
      out.room(Number(view.getBigUint64(i, true)));
      i += 8;
    }
    i += 1; // header checksum
    for (;;) {
      if (i + 4 > src.length) fail("the data ends inside a frame");
      const word = view.getUint32(i, true);
      i += 4;
      if (word === 0) break; // end mark
      const size = word & 0x7fffffff;
      if (i + size > src.length) fail("a block runs past the end of the data");
      const data = src.subarray(i, i + size);
      if (word & 0x80000000) {
        out.room(size);
        out.buf.set(data, out.n);
        out.n += size;
      } else block(data, out);
      i += size + (blockChecksum ? 4 : 0);
    }
    if (contentChecksum) i += 4;
  }
  return out.buf.subarray(0, out.n);
}
