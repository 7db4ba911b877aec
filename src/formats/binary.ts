/**
 * Binary files dact does not read, named from their first bytes, so that
 * they get a one-line error that says what they are and what to do,
 * never an attempt to read them as text. And the guard every text reader
 * runs: NUL bytes or invalid UTF-8 are binary data, not CSV or JSON.
 */
import { isUtf8 } from "node:buffer";
import { DactError } from "../errors.js";

function startsWith(head: Uint8Array, bytes: readonly number[] | string): boolean {
  const b = typeof bytes === "string" ? [...bytes].map((c) => c.charCodeAt(0)) : bytes;
  return head.length >= b.length && b.every((x, i) => head[i] === x);
}

/** The name of the first member of a zip archive, from its first local file header. */
export function firstZipMember(head: Uint8Array): string | null {
  if (!startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || head.length < 30) return null;
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const len = dv.getUint16(26, true);
  if (30 + len > head.length) return null;
  return Buffer.from(head.subarray(30, 30 + len)).toString("utf8");
}

/**
 * What a binary file is, when it is one of the kinds people try (and the
 * way forward), or null. npz, .npy and .safetensors are detected by their
 * formats' own sniffing, before this.
 */
export function describeBinary(head: Uint8Array): string | null {
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) {
    const first = firstZipMember(head) ?? "";
    if (first === "[Content_Types].xml" || /^(xl|word|ppt)\//.test(first)) return "an Office file (a zip of XML: .xlsx?); expected CSV: save the sheet as CSV, or pandas.read_excel(f).to_csv(...)";
    if (/(^|\/)data\.pkl$|(^|\/)version$|\.pkl$/.test(first) || first.startsWith("archive/")) return "a PyTorch checkpoint (torch.save's zip); expected .npy, .npz or .safetensors: load it with torch and save the tensors with numpy or safetensors";
    return `a zip archive without .npy members (first: ${JSON.stringify(first.slice(0, 60))}); expected an .npz as np.savez writes it`;
  }
  if (head[0] === 0x80 && head[1]! >= 2 && head[1]! <= 5) return "a Python pickle (a legacy torch.save, or np.save of objects with allow_pickle); expected .npy, .npz or .safetensors: unpickle it in Python and save arrays with np.save";
  if (startsWith(head, [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a])) return "an HDF5 file (h5py, Keras .h5); expected .npy, .npz or .safetensors: read the dataset with h5py and np.save it";
  if (startsWith(head, "PAR1")) return "a Parquet file; expected CSV or .npy: pandas.read_parquet(f).to_csv(...)";
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47])) return "a PNG image; expected a matrix of numbers";
  if (startsWith(head, "%PDF")) return "a PDF document; expected a matrix of numbers";
  if (startsWith(head, "SQLite format 3\0")) return "an SQLite database; expected CSV or .npy";
  if (startsWith(head, "GGUF")) return "a GGUF model file; expected .npy, .npz or .safetensors";
  if (startsWith(head, [0x7f, 0x45, 0x4c, 0x46])) return "an executable (ELF); expected a matrix of numbers";
  return null;
}

/** Bytes a UTF-8 sequence starting with lead byte `b` has (1 for a bad lead, so the check fails on it). */
function seqLength(b: number): number {
  return b < 0xc0 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : b < 0xf8 ? 4 : 1;
}

/** The offset of the first byte that is not valid UTF-8 in b (b is known to be invalid). */
function firstInvalid(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const n = seqLength(b[i]!);
    if (!isUtf8(b.subarray(i, i + n))) return i;
    i += n;
  }
  return b.length;
}

/**
 * Checks the bytes of a text format as they stream: a NUL byte, or bytes
 * that are not UTF-8, mean binary data (or another encoding). A sequence
 * cut by a chunk boundary is checked when its rest arrives.
 */
export class TextGuard {
  private carry: Uint8Array = new Uint8Array(0);
  private seen = 0;

  constructor(private readonly what: string, private readonly file: string | undefined) {}

  private fail(offset: number, why: string): DactError {
    return new DactError("BINARY", `binary data (${why}); expected ${this.what} text${why.startsWith("invalid") ? " in UTF-8 (for a Windows-1252 file: iconv -f cp1252 -t utf-8)" : ""}`, this.file, { offset });
  }

  /**
   * Checks a chunk and returns the bytes ready to parse: a UTF-8 sequence
   * cut at the chunk's end is held back and put in front of the next
   * chunk's bytes, so the parser never sees half a character. `bad` is the
   * index in `text` of the first bad byte (-1: none): the reader parses the
   * bytes before it first (an error there comes first, whatever the
   * chunking), then throws error().
   */
  take(input: Uint8Array): { text: Buffer; bad: number } {
    const held = this.carry.length;
    const chunk = held ? Buffer.concat([this.carry, input]) : Buffer.from(input.buffer, input.byteOffset, input.length);
    const base = this.seen - held;
    this.seen += input.length;
    this.carry = new Uint8Array(0);
    const nul = chunk.indexOf(0);
    let end = nul >= 0 ? nul : chunk.length;
    if (nul < 0) {
      // A sequence cut at the end waits for the next chunk.
      for (let k = 1; k <= 3 && end - k >= 0; k++) {
        const b = chunk[end - k]!;
        if (b >= 0xc0) {
          if (seqLength(b) > k) end -= k;
          break;
        }
        if (b < 0x80) break;
      }
      if (end < chunk.length) this.carry = Uint8Array.from(chunk.subarray(end));
    }
    const body = chunk.subarray(0, end);
    if (!isUtf8(body)) {
      const at = firstInvalid(body);
      this.pending = this.fail(base + at, "invalid UTF-8");
      return { text: body, bad: at };
    }
    if (nul >= 0) {
      this.pending = this.fail(base + nul, "a NUL byte");
      return { text: body, bad: nul };
    }
    return { text: body, bad: -1 };
  }

  /**
   * Hands `parse` the checked text of a chunk; at a bad byte, parses what
   * comes before it first (an error there is earlier, whatever the
   * chunking), then throws the binary-data error.
   */
  feed(input: Uint8Array, parse: (text: Buffer) => void): void {
    const { text, bad } = this.take(input);
    if (bad >= 0) {
      if (bad > 0) parse(text.subarray(0, bad));
      throw this.error();
    }
    if (text.length > 0) parse(text);
  }

  private pending: DactError | null = null;

  /** The error for the bad byte check() found. */
  error(): DactError {
    return this.pending!;
  }

  end(): void {
    if (this.carry.length) throw this.fail(this.seen - this.carry.length, "invalid UTF-8: a character cut at the end");
  }
}
