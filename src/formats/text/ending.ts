/** How a line ended in the input; text writers end it the same way. One enum for every text format. */
export const enum Ending {
  None = 0, // the last line, with no final newline
  LF = 1,
  CRLF = 2,
  CR = 3, // old Mac (Excel for Mac's "CSV (Macintosh)")
}

/** Writes `ending`'s bytes at out[p]; returns the new end. */
export function writeEnding(out: Uint8Array, p: number, ending: Ending): number {
  if (ending === Ending.CRLF || ending === Ending.CR) out[p++] = 13;
  if (ending === Ending.LF || ending === Ending.CRLF) out[p++] = 10;
  return p;
}

/** The length of a UTF-8 byte order mark at the start of `b` (3), or 0. */
export function bomLength(b: Uint8Array): number {
  return b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
}

/** Whether `b` (shorter than 3 bytes) could still be the start of a BOM. */
export function maybeBomPrefix(b: Uint8Array): boolean {
  return b.length < 3 && [0xef, 0xbb, 0xbf].slice(0, b.length).every((x, k) => b[k] === x);
}
