/**
 * Arrow IPC checked before apache-arrow sees it. apache-arrow trusts the
 * bytes: a flatbuffer offset out of range sends its decoder into a loop that
 * no signal stops, a buffer past the message body reads as nulls, a record
 * batch longer than its columns is padded with nulls, and a metadata length
 * of 0 inside a file's block list reads as the end of the stream. So each
 * message's flatbuffer is verified here (every table, vector and string in
 * bounds), and a record batch's length, field nodes and buffers are checked
 * against its body and the schema, as pyarrow's reader does; a file's footer
 * is verified and every block in it must be the message it says.
 *
 * Messages: `file: byte N: <found>; <expected>` (FORMAT), N an offset in the
 * input.
 */
import { DactError } from "../../errors.js";
import type { RandomAccess } from "../../io.js";

const EXPECT = "a well-formed Arrow IPC file or stream";

/** Bounds-checked reads of one flatbuffer (a message's metadata or the footer) at `base` in the input. */
class Fb {
  private readonly dv: DataView;
  /** Tables visited: a flatbuffer has fewer tables than bytes, so more means a cycle. */
  private visits = 0;
  constructor(
    readonly b: Uint8Array,
    readonly base: number,
    readonly name: string,
    readonly what: string,
  ) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  fail(at: number, found: string): never {
    throw new DactError("FORMAT", `${this.what}: ${found}; expected ${EXPECT}`, this.name, { offset: this.base + Math.max(0, Math.min(at, this.b.length)) });
  }
  need(at: number, n: number, what: string): void {
    if (!(at >= 0 && n >= 0 && at + n <= this.b.length)) this.fail(at, `${what} at ${this.base + at}..${this.base + at + n}, outside its ${this.b.length} bytes (${this.base}..${this.base + this.b.length})`);
  }
  u16(at: number): number {
    return this.dv.getUint16(at, true);
  }
  i16(at: number): number {
    return this.dv.getInt16(at, true);
  }
  i32(at: number): number {
    return this.dv.getInt32(at, true);
  }
  u32(at: number): number {
    return this.dv.getUint32(at, true);
  }
  /** A non-negative int64 as a number. */
  count(at: number, what: string): number {
    const v = this.dv.getBigInt64(at, true);
    if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(at, `${what} ${v}`);
    return Number(v);
  }
  root(): Table {
    this.need(0, 4, "the root offset");
    const r = this.u32(0);
    if (r + 4 > this.b.length) this.fail(0, `a root offset of ${r}, past its ${this.b.length} bytes`);
    return this.table(r, "the root table");
  }
  table(pos: number, what: string): Table {
    if (++this.visits > this.b.length) this.fail(pos, `more tables than bytes (a cycle)`);
    this.need(pos, 4, what);
    const vt = pos - this.i32(pos);
    this.need(vt, 4, `${what}'s vtable`);
    const vtSize = this.u16(vt);
    const tSize = this.u16(vt + 2);
    if (vtSize < 4 || vtSize % 2 !== 0) this.fail(vt, `${what}'s vtable of ${vtSize} bytes`);
    this.need(vt, vtSize, `${what}'s vtable`);
    if (tSize < 4) this.fail(vt, `${what} of ${tSize} bytes`);
    this.need(pos, tSize, what);
    for (let slot = vt + 4; slot < vt + vtSize; slot += 2) {
      const off = this.u16(slot);
      if (off !== 0 && (off < 4 || off >= tSize)) this.fail(slot, `${what}'s field ${(slot - vt - 4) / 2} at ${off}, outside its ${tSize} bytes`);
    }
    return new Table(this, pos, vt, vtSize, tSize, what);
  }
}

class Table {
  constructor(
    readonly fb: Fb,
    readonly pos: number,
    readonly vt: number,
    readonly vtSize: number,
    readonly tSize: number,
    readonly what: string,
  ) {}
  /** Field i's position, null when absent; its `size` bytes lie within the table. */
  field(i: number, size: number): number | null {
    const slot = 4 + 2 * i;
    if (slot + 2 > this.vtSize) return null;
    const off = this.fb.u16(this.vt + slot);
    if (off === 0) return null;
    if (off + size > this.tSize) this.fb.fail(this.pos, `${this.what}'s field ${i} at ${off}+${size}, past its ${this.tSize} bytes`);
    return this.pos + off;
  }
  u8(i: number, def = 0): number {
    const p = this.field(i, 1);
    return p === null ? def : this.fb.b[p]!;
  }
  i16(i: number, def = 0): number {
    const p = this.field(i, 2);
    return p === null ? def : this.fb.i16(p);
  }
  i32(i: number, def = 0): number {
    const p = this.field(i, 4);
    return p === null ? def : this.fb.i32(p);
  }
  count(i: number, what: string): number {
    const p = this.field(i, 8);
    return p === null ? 0 : this.fb.count(p, what);
  }
  private ref(i: number, what: string): number | null {
    const p = this.field(i, 4);
    if (p === null) return null;
    const target = p + this.fb.u32(p);
    this.fb.need(target, 4, what);
    return target;
  }
  table(i: number, what: string): Table | null {
    const r = this.ref(i, what);
    return r === null ? null : this.fb.table(r, what);
  }
  /** A vector of `elem`-byte elements: the position of its first element and its length. */
  vector(i: number, elem: number, what: string): { pos: number; len: number } | null {
    const r = this.ref(i, what);
    if (r === null) return null;
    const len = this.fb.u32(r);
    this.fb.need(r + 4, len * elem, `${what} (${len} × ${elem} bytes)`);
    return { pos: r + 4, len };
  }
  /** A vector of tables. */
  tables(i: number, what: string): Table[] {
    const v = this.vector(i, 4, what);
    if (!v) return [];
    const out: Table[] = [];
    for (let k = 0; k < v.len; k++) {
      const p = v.pos + 4 * k;
      out.push(this.fb.table(p + this.fb.u32(p), `${what} ${k}`));
    }
    return out;
  }
  string(i: number, what: string): void {
    this.vector(i, 1, what);
  }
}

/** Arrow's Type union (Schema.fbs). */
const TIMESTAMP = 10;
const UNION = 14;
const FIXED_SIZE_LIST = 16;
const RUN_END_ENCODED = 22;
/** List, FixedSizeList, Map, LargeList, ListView, LargeListView: one child field. */
const ONE_CHILD = new Set([12, 16, 17, 21, 25, 26]);

function keyValues(t: Table, i: number, what: string): void {
  for (const kv of t.tables(i, what)) {
    kv.string(0, `${what} key`);
    kv.string(1, `${what} value`);
  }
}

/** A schema field: how many field nodes it takes in a record batch (a dictionary-encoded field: one, its indices). */
interface FieldInfo {
  nodes: number;
}

function field(t: Table, depth: number): FieldInfo {
  if (depth > 64) t.fb.fail(t.pos, "a schema nested more than 64 deep");
  t.string(0, "a field name");
  const typeType = t.u8(2);
  const type = t.table(3, "a field type");
  if (type && typeType === TIMESTAMP) type.string(1, "a timezone");
  if (type && typeType === UNION) type.vector(1, 4, "a union's type ids");
  const dict = t.table(4, "a dictionary encoding");
  if (dict) dict.table(1, "a dictionary index type");
  const children = t.tables(5, "a field's children");
  const want = ONE_CHILD.has(typeType) ? 1 : typeType === RUN_END_ENCODED ? 2 : -1;
  if (want >= 0 && children.length !== want) t.fb.fail(t.pos, `a field of type ${typeType} (a list, map or run-end encoding) with ${children.length} children`);
  if (typeType === FIXED_SIZE_LIST && type && type.i32(0) < 0) t.fb.fail(type.pos, `a fixed-size list of ${type.i32(0)} values`);
  let nodes = 1;
  for (const c of children) nodes += field(c, depth + 1).nodes;
  keyValues(t, 6, "field metadata");
  return { nodes: dict ? 1 : nodes };
}

export interface SchemaInfo {
  /** Each top-level field's first field node in a record batch, and the nodes a batch has. */
  readonly firstNode: number[];
  readonly nodes: number;
  readonly names: string[];
}

function schemaOf(t: Table): SchemaInfo {
  const firstNode: number[] = [];
  const names: string[] = [];
  let nodes = 0;
  for (const f of t.tables(1, "a schema field")) {
    firstNode.push(nodes);
    names.push(fieldName(f));
    nodes += field(f, 0).nodes;
  }
  keyValues(t, 2, "schema metadata");
  t.vector(3, 8, "schema features");
  return { firstNode, nodes, names };
}

function fieldName(t: Table): string {
  const v = t.vector(0, 1, "a field name");
  return v ? Buffer.from(t.fb.b.subarray(v.pos, v.pos + v.len)).toString("utf8") : "";
}

const HEADER = ["none", "a schema", "a dictionary batch", "a record batch", "a tensor", "a sparse tensor"];

export interface Message {
  /** 1 schema, 2 dictionary batch, 3 record batch. */
  readonly type: number;
  readonly bodyLength: number;
  readonly schema?: SchemaInfo;
}

/**
 * Verifies one message's metadata (`meta`, at `base` in the input) and, for
 * a batch, its field nodes and buffers against its body and `schema`.
 */
export function checkMessage(meta: Uint8Array, base: number, name: string, schema: SchemaInfo | null, what: string): Message {
  const fb: Fb = new Fb(meta, base, name, what);
  const m = fb.root();
  const type = m.u8(1);
  const header = m.table(2, "the message header");
  const bodyLength = m.count(3, "a body length of");
  keyValues(m, 4, "message metadata");
  if (!header || type < 1 || type > 3) fb.fail(m.pos, `a message of type ${HEADER[type] ?? type}${header ? "" : " with no header"}`);
  if (type === 1) return { type, bodyLength, schema: schemaOf(header) };
  const batch = type === 2 ? header.table(1, "the dictionary's record batch") : header;
  if (!batch) fb.fail(header.pos, "a dictionary batch without its data");
  const length = batch.count(0, "a length of");
  const nodes = batch.vector(1, 16, "the field nodes");
  const buffers = batch.vector(2, 16, "the buffers");
  batch.table(3, "the compression");
  batch.vector(4, 8, "the variadic buffer counts");
  for (let k = 0; buffers && k < buffers.len; k++) {
    const p = buffers.pos + 16 * k;
    const off = fb.count(p, `buffer ${k}'s offset`);
    const len = fb.count(p + 8, `buffer ${k}'s length`);
    if (off + len > bodyLength) fb.fail(p, `buffer ${k} at ${off}..${off + len} of the body, past its end (the body has ${bodyLength} bytes)`);
  }
  const nodeLen = (k: number) => fb.count(nodes!.pos + 16 * k, `field node ${k}'s length`);
  for (let k = 0; nodes && k < nodes.len; k++) {
    const n = nodeLen(k);
    const nulls = fb.count(nodes.pos + 16 * k + 8, `field node ${k}'s null count`);
    if (nulls > n) fb.fail(nodes.pos + 16 * k, `field node ${k} with ${nulls} nulls in ${n} values`);
  }
  if (type === 3 && schema) {
    if ((nodes?.len ?? 0) < schema.nodes) fb.fail(batch.pos, `a record batch of ${nodes?.len ?? 0} field nodes, where the schema's ${schema.names.length} columns take ${schema.nodes}`);
    schema.firstNode.forEach((k, c) => {
      const n = nodeLen(k);
      if (n !== length) fb.fail(nodes!.pos + 16 * k, `a record batch of length ${length} whose column ${JSON.stringify(schema.names[c])} has ${n} values`);
    });
  } else if (type === 2 && nodes && nodes.len > 0 && nodeLen(0) !== length) fb.fail(nodes.pos, `a dictionary of length ${length} whose values have ${nodeLen(0)}`);
  return { type, bodyLength };
}

const CONTINUATION = 0xffffffff;

/** A message's prefix (continuation marker, metadata length) at `at`: the metadata length and where the metadata starts; length 0 is the end-of-stream marker. */
function prefix(read: (at: number, n: number) => Uint8Array | null, at: number): { len: number; start: number } | null {
  const p = read(at, 4);
  if (!p) return null;
  const dv = new DataView(p.buffer, p.byteOffset, 4);
  if (dv.getUint32(0, true) !== CONTINUATION) return { len: dv.getInt32(0, true), start: at + 4 };
  const q = read(at + 4, 4);
  if (!q) return null;
  return { len: new DataView(q.buffer, q.byteOffset, 4).getInt32(0, true), start: at + 8 };
}

/**
 * The file format: its footer verified, and every block in it a message of
 * its kind whose metadata and body lie between the leading magic and the
 * footer. Returns nothing; throws a FORMAT DactError.
 */
export function checkArrowFile(ra: RandomAccess, name: string): void {
  const readAt = (at: number, n: number): Buffer => {
    const b = Buffer.alloc(n);
    if (ra.read(at, n, b) !== n) throw new DactError("INPUT_CHANGED", `found ${n} bytes fewer than its size at byte ${at}; expected the file not to change while it is read`, name);
    return b;
  };
  const size = ra.size;
  const footerLen = Buffer.from(readAt(size - 10, 4)).readInt32LE(0);
  const footerStart = size - 10 - footerLen;
  if (footerLen <= 0 || footerStart < 8) throw new DactError("FORMAT", `the footer: a length of ${footerLen} bytes, in a file of ${size}; expected ${EXPECT}`, name, { offset: size - 10 });
  const fb: Fb = new Fb(readAt(footerStart, footerLen), footerStart, name, "the footer");
  const footer = fb.root();
  const schemaT = footer.table(1, "the footer's schema");
  if (!schemaT) fb.fail(footer.pos, "no schema in the footer");
  const schema = schemaOf(schemaT);
  const blocks = (i: number, kind: number, what: string) => {
    const v = footer.vector(i, 24, what);
    for (let k = 0; v && k < v.len; k++) {
      const p = v.pos + 24 * k;
      const offset = fb.count(p, `${what} ${k}'s offset`);
      const metaLen = fb.i32(p + 8);
      const bodyLen = fb.count(p + 16, `${what} ${k}'s body length`);
      const where = `${what} ${k} (at byte ${offset})`;
      if (offset < 8 || metaLen <= 0 || offset + metaLen + bodyLen > footerStart) fb.fail(p, `${where} of ${metaLen} + ${bodyLen} bytes, outside the file's data (bytes 8..${footerStart})`);
      const pre = prefix((at, n) => (at + n <= offset + metaLen ? readAt(at, n) : null), offset);
      if (!pre || pre.len <= 0 || pre.start + pre.len > offset + metaLen) {
        const found = !pre ? "no room for a message" : pre.len === 0 ? "metadata length 0 (the end-of-stream marker)" : `metadata length ${pre.len}, where the block gives ${metaLen} bytes`;
        throw new DactError("FORMAT", `${where}: ${found}; expected ${kind === 3 ? "a record batch" : "a dictionary batch"}, as the footer says`, name, { offset });
      }
      const m = checkMessage(readAt(pre.start, pre.len), pre.start, name, schema, where);
      if (m.type !== kind) throw new DactError("FORMAT", `${where}: ${HEADER[m.type]}; expected ${kind === 3 ? "a record batch" : "a dictionary batch"}, as the footer says`, name, { offset });
      if (offset + metaLen + m.bodyLength > footerStart) throw new DactError("FORMAT", `${where}: a body of ${m.bodyLength} bytes at byte ${offset + metaLen}, past the file's data (to byte ${footerStart}); expected ${EXPECT}`, name, { offset });
    }
  };
  blocks(2, 2, "dictionary block");
  blocks(3, 3, "record batch block");
}

/** An async byte source read in exact amounts. */
class Bytes {
  private chunks: Uint8Array[] = [];
  private have = 0;
  pos = 0;
  private done = false;
  constructor(private readonly it: AsyncIterator<Uint8Array>) {}
  /** `n` bytes, or fewer at the end of the input. */
  async take(n: number): Promise<Uint8Array> {
    while (this.have < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else if (r.value.length) {
        this.chunks.push(r.value);
        this.have += r.value.length;
      }
    }
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const m = Math.min(n, all.length);
    const out = all.subarray(0, m);
    this.chunks = m < all.length ? [all.subarray(m)] : [];
    this.have -= m;
    this.pos += m;
    return out;
  }
}

/**
 * The stream format, checked message by message as it passes: the schema
 * first, then batches checked against it; the bytes after the end-of-stream
 * marker are not read.
 */
export async function* checkedStream(src: AsyncIterable<Uint8Array>, name: string): AsyncGenerator<Uint8Array> {
  const bytes = new Bytes(src[Symbol.asyncIterator]());
  let schema: SchemaInfo | null = null;
  const short = (at: number, what: string, n: number, got: number) => new DactError("FORMAT", `the stream ends after ${got} of the ${n} bytes of ${what}; expected ${EXPECT} (cut short?)`, name, { offset: at + got });
  for (let index = 0; ; index++) {
    const at = bytes.pos;
    const first = await bytes.take(4);
    if (first.length === 0 && index > 0) return; // no end-of-stream marker: pyarrow reads that too
    if (first.length < 4) throw short(at, "a message's length", 4, first.length);
    const parts = [first];
    let len = Buffer.from(first).readInt32LE(0);
    if (len === -1) {
      const second = await bytes.take(4);
      if (second.length < 4) throw short(at + 4, "a message's length", 4, second.length);
      parts.push(second);
      len = Buffer.from(second).readInt32LE(0);
    }
    if (len === 0) {
      if (!schema) throw new DactError("FORMAT", `the end-of-stream marker before any schema; expected ${EXPECT}`, name, { offset: at });
      yield Buffer.concat(parts);
      return;
    }
    const metaAt = bytes.pos;
    if (len < 0) throw new DactError("FORMAT", `a message metadata length of ${len}; expected ${EXPECT}`, name, { offset: metaAt - 4 });
    const meta = await bytes.take(len);
    if (meta.length < len) throw short(metaAt, "a message's metadata", len, meta.length);
    const m = checkMessage(meta, metaAt, name, schema, `message ${index}`);
    if (!schema && m.type !== 1) throw new DactError("FORMAT", `message ${index}: ${HEADER[m.type]} before the schema; expected the schema first`, name, { offset: at });
    if (m.type === 1) {
      if (schema) throw new DactError("FORMAT", `message ${index}: a second schema; expected one schema, then batches`, name, { offset: at });
      schema = m.schema!;
    }
    const bodyAt = bytes.pos;
    const body = await bytes.take(m.bodyLength);
    if (body.length < m.bodyLength) throw short(bodyAt, `message ${index}'s body`, m.bodyLength, body.length);
    parts.push(Buffer.from(meta), Buffer.from(body));
    yield Buffer.concat(parts);
  }
}
