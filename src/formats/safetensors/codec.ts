/**
 * .safetensors, as huggingface/safetensors defines and validates it: an
 * 8-byte little-endian header length N (at most 100,000,000), N bytes of
 * UTF-8 JSON {name: {dtype, shape, data_offsets}, "__metadata__"?:
 * {string: string}}, then the data, whose tensors' offsets must be
 * contiguous from 0 and cover it exactly. Written as safetensors'
 * serializer writes it (tensors sorted by dtype, descending, then name;
 * compact JSON; padded with spaces to a multiple of 8).
 */
import { DactError } from "../../errors.js";
import { Spool, type Input, type Output, type RandomAccess } from "../../io.js";
import { OutBuffer, sizeOf, type ArrayHead, type ArrayWriter, type FloatDType, type Values } from "../array.js";
import { unsafeMemberName, type ContainerReader, type ContainerWriter, type MemberInfo, type MemberPlan } from "../container.js";
import { MAX_DEPTH, scanHeader } from "./header.js";
import type { DType } from "../npy/dtype.js";
import { intDtype, resultDtype } from "../npy/dtype.js";
import { elementReader, resultBatch, type ResultBatch } from "../npy/elements.js";

import { MAX_HEADER } from "./sniff.js";

/** The dtypes dact reads, as numpy element types, with safetensors' names. */
const DTYPES: Record<string, DType> = {
  F64: { kind: "f", size: 8, bigEndian: false, descr: "F64" },
  F32: { kind: "f", size: 4, bigEndian: false, descr: "F32" },
  F16: { kind: "f", size: 2, bigEndian: false, descr: "F16" },
  BF16: { kind: "v", size: 2, bigEndian: false, descr: "BF16" },
  I64: { kind: "i", size: 8, bigEndian: false, descr: "I64" },
  I32: { kind: "i", size: 4, bigEndian: false, descr: "I32" },
  I16: { kind: "i", size: 2, bigEndian: false, descr: "I16" },
  I8: { kind: "i", size: 1, bigEndian: false, descr: "I8" },
  U64: { kind: "u", size: 8, bigEndian: false, descr: "U64" },
  U32: { kind: "u", size: 4, bigEndian: false, descr: "U32" },
  U16: { kind: "u", size: 2, bigEndian: false, descr: "U16" },
  U8: { kind: "u", size: 1, bigEndian: false, descr: "U8" },
  BOOL: { kind: "b", size: 1, bigEndian: false, descr: "BOOL" },
};
const OTHER_DTYPES = ["F4", "F6_E2M3", "F6_E3M2", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "C64"];

/** safetensors' Dtype enum order (safetensors/src/tensor.rs), for the writer's sort. */
const ORDER = ["BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "C64", "F64", "I64", "U64"];
const STORED: Record<FloatDType, string> = { f2: "F16", f4: "F32", f8: "F64", bf16: "BF16" };

interface Tensor extends MemberInfo {
  readonly type: DType;
  readonly begin: number;
  readonly end: number;
}

/**
 * For input that is not a regular file (gzip data, a pipe), before any of
 * it is spooled: the header, read and checked from the stream's first
 * bytes, and the file's size as the header gives it, so the spool stops
 * there (a header that is wrong costs its own bytes, not the whole input).
 */
export async function safetensorsSize(input: Input): Promise<number> {
  const fail = (detail: string, offset: number) => new DactError("SAFETENSORS", detail, input.name, { offset });
  const pre = await input.peek(8);
  if (pre.length < 8) throw fail(`file ends after ${pre.length} bytes; expected an 8-byte header length`, 0);
  const n64 = pre.readBigUInt64LE(0);
  if (n64 > BigInt(MAX_HEADER)) throw fail(`header length ${n64} is over safetensors' limit; expected at most ${MAX_HEADER} bytes`, 0);
  const head = await input.peek(8 + Number(n64));
  const ra: RandomAccess = { size: head.length, read: (pos, len, into) => head.copy(into, 0, pos, Math.min(head.length, pos + len)) };
  return parseHeader(ra, input.name, false).end;
}

/** Reads and validates the header, as safetensors' read_metadata does, each violation one line. */
export function readSafetensors(ra: RandomAccess, file: string): ContainerReader {
  const fail = (detail: string, offset: number) => new DactError("SAFETENSORS", detail, file, { offset });
  const { tensors, metadata, dataStart } = parseHeader(ra, file, true);
  const byName = new Map(tensors.map((t) => [t.name, t]));
  return {
    members: tensors,
    metadata,
    async read(name, sink, after) {
      const t = byName.get(name)!;
      const read = elementReader(t.type);
      sink.begin({ shape: t.shape, growing: false, dtype: t.dtype, sourceDtype: t.sourceDtype, header: null });
      // Aligned for typed-array views: a fresh buffer, chunks a multiple of every element size.
      const buf = Buffer.allocUnsafeSlow(Math.max(8, Math.min(1 << 20, t.end - t.begin))); // whole elements either way
      for (let pos = dataStart + t.begin, end = dataStart + t.end; pos < end; ) {
        const want = Math.min(buf.length, end - pos);
        const got = ra.read(pos, want, buf);
        if (got !== want) throw fail(`file ended while tensor ${JSON.stringify(name)} was read; expected ${end - pos} more bytes`, pos + got);
        sink.data(read(buf, got / t.type.size), null, got / t.type.size);
        await after();
        pos += got;
      }
      return [...t.shape];
    },
  };
}

/** The header's tensors and where the data starts and ends; `whole`: `ra` is the whole file (its size is checked against the header). */
function parseHeader(ra: RandomAccess, file: string, whole: boolean): { tensors: Tensor[]; metadata: [string, string][] | null; dataStart: number; end: number } {
  const fail = (detail: string, offset: number) => new DactError("SAFETENSORS", detail, file, { offset });
  if (ra.size < 8) throw fail(`file ends after ${ra.size} bytes; expected an 8-byte header length`, 0);
  const pre = Buffer.alloc(8);
  ra.read(0, 8, pre);
  const n64 = pre.readBigUInt64LE(0);
  if (n64 > BigInt(MAX_HEADER)) throw fail(`header length ${n64} is over safetensors' limit; expected at most ${MAX_HEADER} bytes`, 0);
  const n = Number(n64);
  if (8 + n > ra.size) throw fail(`header length ${n} runs past the end of the file (${ra.size} bytes); expected a whole header`, 0);
  const raw = Buffer.allocUnsafe(n);
  ra.read(8, n, raw);
  let text: string;
  try {
    // ignoreBOM keeps a BOM, which JSON.parse then refuses, as safetensors does.
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(raw);
  } catch {
    throw fail("header is not valid UTF-8; expected UTF-8 JSON", 8);
  }
  const problem = scanHeader(text);
  if (problem?.kind === "depth") throw fail(`header nests deeper than ${MAX_DEPTH} levels; expected {name: {dtype, shape, data_offsets}, ...} (safetensors' JSON parser stops at ${MAX_DEPTH})`, 8);
  if (problem?.kind === "fraction") throw fail(`header has the number ${problem.token.slice(0, 40)}; expected integers (safetensors reads shapes and offsets as integers)`, 8);
  if (problem?.kind === "duplicate") throw fail(`header has the key ${JSON.stringify(problem.key)} twice in one object; expected each tensor name and field once`, 8);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw fail(`header is not JSON (${(e as Error).message.replace(/^Unexpected/, "unexpected")}); expected a JSON object`, 8);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw fail("header is not a JSON object; expected {name: {dtype, shape, data_offsets}, ...}", 8);
  let metadata: [string, string][] | null = null;
  const tensors: Tensor[] = [];
  for (const [name, v] of Object.entries(doc as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof v !== "object" || v === null || Array.isArray(v) || !Object.values(v).every((x) => typeof x === "string")) throw fail("__metadata__ is not a map of strings to strings; expected {key: \"value\"}", 8);
      metadata = Object.entries(v as Record<string, string>);
      continue;
    }
    const t = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const what = `tensor ${JSON.stringify(name)}`;
    const unsafe = unsafeMemberName(name);
    if (unsafe) throw fail(`${what} has ${unsafe}; expected a name that no .npz reader can take for a path (see docs/formats.md)`, 8);
    if (typeof t !== "object" || t === null) throw fail(`${what} is not an object; expected {dtype, shape, data_offsets}`, 8);
    if (typeof t.dtype !== "string") throw fail(`${what} has no dtype string; expected one such as "F32"`, 8);
    const type = DTYPES[t.dtype];
    if (!type) throw fail(`${what} has dtype ${JSON.stringify(t.dtype)}${OTHER_DTYPES.includes(t.dtype) ? " (not read by dact)" : ""}; expected F64, F32, F16, BF16, I8..I64, U8..U64 or BOOL`, 8);
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw fail(`${what} has shape ${JSON.stringify(t.shape)}; expected a list of sizes >= 0`, 8);
    const off = t.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0)) throw fail(`${what} has data_offsets ${JSON.stringify(off)}; expected [begin, end]`, 8);
    tensors.push({ name, type, shape: t.shape as number[], dtype: resultDtype(type), sourceDtype: intDtype(type), compressed: false, begin: off[0] as number, end: off[1] as number });
  }
  // Offsets: sorted, contiguous from 0, each as long as shape and dtype say, and covering the data exactly.
  const byOffset = [...tensors].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const t of byOffset) {
    if (t.begin !== at || t.end < t.begin) throw fail(`tensor ${JSON.stringify(t.name)} has data_offsets [${t.begin}, ${t.end}]; expected to start at ${at} (tensors must be contiguous, without gaps or overlap)`, 8);
    const bytes = sizeOf(t.shape) * t.type.size;
    if (!Number.isSafeInteger(bytes)) throw fail(`tensor ${JSON.stringify(t.name)} has a shape whose size overflows; expected a size below 2^53 bytes`, 8);
    if (t.end - t.begin !== bytes) throw fail(`tensor ${JSON.stringify(t.name)} has ${t.end - t.begin} bytes at data_offsets [${t.begin}, ${t.end}]; expected ${bytes} for shape [${t.shape.join(", ")}] of ${t.type.descr}`, 8);
    at = t.end;
  }
  const dataStart = 8 + n;
  if (whole && dataStart + at !== ra.size) throw fail(`the tensors cover ${at} bytes of data but the file has ${ra.size - dataStart}; expected them to cover it exactly`, dataStart + Math.min(at, ra.size - dataStart));
  return { tensors, metadata, dataStart, end: dataStart + at };
}

/** Raw little-endian elements of one tensor, into the writer's output (or its spool). */
class TensorWriter implements ArrayWriter {
  private batch: ResultBatch | null = null;
  count = 0;
  constructor(private readonly dtype: FloatDType, private readonly sink: (b: Uint8Array) => void, private readonly flushOut: () => Promise<void>, private readonly done: (shape: readonly number[]) => Promise<void>) {}
  begin(): void {}
  write(values: Values, _m: Uint8Array | null, n: number): void {
    if (n === 0) return;
    let b = this.batch;
    if (!b || b.values.length < n) b = this.batch = resultBatch(this.dtype, Math.max(n, Math.min(1 << 16, 2 * (b?.values.length ?? 512)))); // grows: small members stay small
    for (let i = 0; i < n; i++) b.values[i] = values[i]!;
    this.sink(b.bytes(n));
    this.count += n;
  }
  flush(): Promise<void> {
    return this.flushOut();
  }
  end(shape: readonly number[]): Promise<void> {
    return this.done(shape);
  }
}

/** Bytes of a UTF-8 string, for safetensors' name order (Rust compares String by bytes). */
function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/**
 * The .safetensors writer. With every shape known up front (a container
 * read, or a .npy) the header goes first and tensors stream after it; a
 * single array whose rows are still growing (CSV, JSON) is spooled, and
 * the header written when its size is known.
 */
export class SafetensorsWriter implements ContainerWriter {
  private readonly out: OutBuffer;
  private order: MemberPlan[] = [];
  private metadata: readonly (readonly [string, string])[] | null = null;
  private headerWritten = false;
  private spool: Spool | null = null;

  constructor(private readonly output: Output) {
    this.out = new OutBuffer(output);
  }

  plan(members: readonly MemberPlan[], metadata: readonly (readonly [string, string])[] | null): readonly MemberPlan[] {
    // The header's reserved key: a tensor of that name makes a file that no reader (the reference included) can load.
    if (members.some((m) => m.name === "__metadata__")) throw new DactError("KEY", `found a tensor named "__metadata__"; expected another name (safetensors reserves it for the header's metadata; name the input otherwise or pick the array with --key)`, this.output.name);
    this.metadata = metadata;
    this.order = [...members].sort((a, b) => ORDER.indexOf(STORED[b.dtype]) - ORDER.indexOf(STORED[a.dtype]) || byteCompare(a.name, b.name));
    if (this.order.every((m) => !m.head.growing)) this.writeHeader(this.order.map((m) => m.head.shape));
    return this.order;
  }

  private writeHeader(shapes: readonly (readonly number[])[]): void {
    const parts: string[] = [];
    if (this.metadata !== null) parts.push(`"__metadata__":{${this.metadata.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`);
    let at = 0;
    this.order.forEach((m, i) => {
      const stored = STORED[m.dtype];
      const bytes = sizeOf(shapes[i]!) * DTYPES[stored]!.size;
      parts.push(`${JSON.stringify(m.name)}:{"dtype":"${stored}","shape":[${shapes[i]!.join(",")}],"data_offsets":[${at},${at + bytes}]}`);
      at += bytes;
    });
    const json = Buffer.from(`{${parts.join(",")}}`, "utf8");
    const padded = Buffer.alloc(Math.ceil(json.length / 8) * 8, 0x20);
    json.copy(padded);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(padded.length));
    this.out.bytes(len);
    this.out.bytes(padded);
    this.headerWritten = true;
  }

  member(plan: MemberPlan): ArrayWriter {
    const head: ArrayHead = plan.head;
    if (!this.headerWritten) this.spool = new Spool();
    const expected = head.growing ? null : sizeOf(head.shape);
    const w: TensorWriter = new TensorWriter(
      plan.dtype,
      (b) => (this.spool ? this.spool.write(b) : this.out.bytes(b)),
      () => this.out.flush(),
      async (shape) => {
        if ((expected !== null && w.count !== expected) || w.count !== sizeOf(shape)) {
          throw new DactError("SHAPE", `found ${w.count} values for tensor ${JSON.stringify(plan.name)} of shape [${shape.join(", ")}]; expected ${sizeOf(shape)}`, this.output.name);
        }
        if (this.spool) {
          this.writeHeader([shape]);
          await this.out.flush();
          for await (const c of this.spool.chunks()) await this.output.write(c);
          this.spool = null;
        }
        await this.out.flush();
      },
    );
    return w;
  }

  async end(): Promise<void> {
    if (!this.headerWritten) this.writeHeader([]);
    await this.out.flush();
  }
}

export { DTYPES as SAFETENSORS_DTYPES };
