/**
 * Numbers in text, both ways.
 *
 * Reading accepts exactly what Python's float() accepts (ASCII subset):
 * surrounding whitespace, a sign, digits with single underscores between
 * them, a fraction, an exponent, and nan/inf/infinity in any case. Each
 * number becomes the nearest double. JS's Number() is wrong for this job
 * ("" and " " are 0, "0x10" is 16, "Infinity" but not "inf"), so the
 * grammar is checked here and Number() only does the rounding.
 *
 * The parser works on bytes, so the CSV scanner never makes a string for a
 * plain number: up to 15 significant digits with a power of ten up to 22,
 * digits × 10^k is exact in one rounding (Clinger's fast path); up to 19
 * digits and most powers of ten, double-double arithmetic decides
 * (decimal.ts); the rest goes through Number() on the cleaned text.
 */

import { eightDigits, groupsToDouble, POW10_8 } from "./decimal.js";
import { formatRepr } from "./repr.js";

export const enum CellStatus {
  Number = 0,
  Missing = 1,
  Invalid = 2,
}

/** Set by parseNumberBytes: what the last cell was. A field, not an object, to keep the hot loop allocation-free. */
export let cellStatus: CellStatus = CellStatus.Number;
/** Set by parseNumberBytes: the index just past the cell (at the delimiter, or `end`). */
export let cellEnd = 0;

interface Latin1Sliceable {
  latin1Slice(start: number, end: number): string;
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function lower(c: number): number {
  return c | 0x20;
}

function matchWord(buf: Buffer, i: number, end: number, word: string): boolean {
  if (end - i < word.length) return false;
  for (let k = 0; k < word.length; k++) if (lower(buf[i + k]!) !== word.charCodeAt(k)) return false;
  return true;
}

/**
 * Parses the cell that starts at `start` and ends at the next `delim` byte
 * or at `end` (pass delim = -1 for "no delimiter"). Returns the value and
 * sets cellStatus and cellEnd.
 *
 * With `signOnly`, a number written with more than 15 significant digits
 * (beyond Clinger's fast path; trailing zeros count), or one the rounding
 * declines, comes back as ±1 when it is certainly nonzero and
 * finite-or-infinite of that sign: enough for kernels such as relu's that
 * look only at the sign, zero and NaN (see Activation.signOnly). Zero,
 * underflow to zero, NaN and everything on the fast path are still exact.
 */
export function parseNumberBytes(buf: Buffer, start: number, end: number, delim: number, signOnly = false, point = 46): number {
  let i = start;
  while (i < end && isSpace(buf[i]!) && buf[i] !== delim) i++;
  if (i === end || buf[i] === delim) {
    cellEnd = i;
    cellStatus = CellStatus.Missing;
    return NaN;
  }
  const numStart = i;
  let negative = false;
  let c = buf[i]!;
  if (c === 43 || c === 45) {
    negative = c === 45;
    i++;
  }
  let value: number;
  let slow = false;
  c = i < end ? buf[i]! : 0;
  if (c === 0x6e || c === 0x4e || c === 0x69 || c === 0x49) {
    // nan, inf, infinity
    if (matchWord(buf, i, end, "nan")) {
      value = NaN;
      i += 3;
    } else if (matchWord(buf, i, end, "infinity")) {
      value = negative ? -Infinity : Infinity;
      i += 8;
    } else if (matchWord(buf, i, end, "inf")) {
      value = negative ? -Infinity : Infinity;
      i += 3;
    } else {
      return invalid(buf, start, end, delim, point);
    }
  } else {
    // Significant digits in int32 groups of 8, 8 and 3 (see decimal.ts):
    // integer arithmetic, where a double multiply-add a digit was a chain
    // of 3 ns a digit. q: the power of ten of the last digit kept.
    let g1 = 0;
    let g2 = 0;
    let g3 = 0;
    let sig = 0;
    let q = 0;
    let digits = 0;
    let prevDigit = false;
    let v8 = 0;
    // integer part. (This loop and the fraction's are alike on purpose: the
    // hottest code in dact, where a shared helper would cost a call a digit.)
    for (; i < end; i++) {
      c = buf[i]!;
      if (c >= 48 && c <= 57) {
        digits++;
        prevDigit = true;
        if (sig === 0 && c === 48) continue;
        if (sig < 8) g1 = g1 * 10 + (c - 48);
        else if (sig < 16) g2 = g2 * 10 + (c - 48);
        else if (sig < 19) g3 = g3 * 10 + (c - 48);
        else {
          q++;
          if (c !== 48) slow = true;
          continue;
        }
        sig++;
      } else if (c === 95 && prevDigit && i + 1 < end && buf[i + 1]! >= 48 && buf[i + 1]! <= 57) {
        prevDigit = false;
      } else break;
    }
    if (i < end && buf[i] === point) {
      i++;
      prevDigit = false;
      for (; i < end; i++) {
        c = buf[i]!;
        if (c >= 48 && c <= 57) {
          digits++;
          prevDigit = true;
          if (sig === 0 && c === 48) q--;
          else if (sig <= 11 && i + 8 <= end && (v8 = eightDigits(buf, i)) >= 0) {
            // Eight digits at once (see eightDigits): the first 8 - s complete
            // the group being filled (s digits in it), the last s start the next.
            const s = sig & 7;
            const a = s === 0 ? v8 : Math.floor(v8 / POW10_8[s]!);
            const rest = v8 - a * POW10_8[s]!;
            if (sig < 8) {
              g1 = g1 * POW10_8[8 - s]! + a;
              g2 = rest;
            } else {
              g2 = g2 * POW10_8[8 - s]! + a;
              g3 = rest;
            }
            sig += 8;
            q -= 8;
            digits += 7;
            i += 7;
          } else if (sig < 8) {
            g1 = g1 * 10 + (c - 48);
            sig++;
            q--;
          } else if (sig < 16) {
            g2 = g2 * 10 + (c - 48);
            sig++;
            q--;
          } else if (sig < 19) {
            g3 = g3 * 10 + (c - 48);
            sig++;
            q--;
          } else if (c !== 48) slow = true;
        } else if (c === 95 && prevDigit && i + 1 < end && buf[i + 1]! >= 48 && buf[i + 1]! <= 57) {
          prevDigit = false;
        } else break;
      }
      // "1_.5" and "1._5" are rejected by Python; the loops above only take
      // an underscore between two digits, which covers both.
    }
    if (digits === 0) return invalid(buf, start, end, delim, point);
    let exp = 0;
    if (i < end && (buf[i] === 101 || buf[i] === 69)) {
      i++;
      let expNeg = false;
      if (i < end && (buf[i] === 43 || buf[i] === 45)) {
        expNeg = buf[i] === 45;
        i++;
      }
      let expDigits = 0;
      prevDigit = false;
      for (; i < end; i++) {
        c = buf[i]!;
        if (c >= 48 && c <= 57) {
          if (exp < 100000) exp = exp * 10 + (c - 48);
          expDigits++;
          prevDigit = true;
        } else if (c === 95 && prevDigit && i + 1 < end && buf[i + 1]! >= 48 && buf[i + 1]! <= 57) {
          prevDigit = false;
        } else break;
      }
      if (expDigits === 0) return invalid(buf, start, end, delim, point);
      if (expNeg) exp = -exp;
    }
    // More than 19 significant digits (slow) is left to Number(), as is
    // what groupsToDouble cannot decide.
    // A sign-only kernel (relu) needs no rounding of a long number: beyond
    // Clinger's 15 digits (the double-double step's whole cost) a number of
    // magnitude >= 1e-300 is certainly nonzero, so its sign is its value
    // there. Up to 15 digits stays exact (header sniffing reads small integers).
    value = slow || (signOnly && sig > 15) ? NaN : groupsToDouble(g1, g2, g3, sig, q + exp);
    if (value !== value) {
      // |x| >= 1e-300: certainly a nonzero number, so its sign is all a
      // sign-only kernel needs. Otherwise Number() on the text (with its sign).
      if (signOnly && sig - 1 + q + exp > -300) value = negative ? -1 : 1;
      else value = slowDecimal(buf, numStart, i, point);
    } else if (negative) value = -value;
  }
  // trailing whitespace, then the delimiter or the end
  while (i < end && buf[i] !== delim && isSpace(buf[i]!)) i++;
  if (i < end && buf[i] !== delim) return invalid(buf, start, end, delim, point);
  cellEnd = i;
  cellStatus = CellStatus.Number;
  return value;
}

/** Number() on the text, underscores dropped and a decimal comma made a point (rare: off the hot path). */
function slowDecimal(buf: Buffer, from: number, to: number, point: number): number {
  // latin1Slice: Buffer's own native decoder, without toString's argument handling.
  let text = (buf as unknown as Latin1Sliceable).latin1Slice(from, to);
  if (text.includes("_")) text = text.replace(/_/g, "");
  return Number(point === 46 ? text : text.replace(String.fromCharCode(point), "."));
}

/**
 * The cell is not an ASCII number. If it has non-ASCII bytes it may still be
 * one by Python's float(): Unicode whitespace around it (NBSP, U+2003,
 * U+0085...) and decimal digits of any script. Otherwise Invalid.
 */
function invalid(buf: Buffer, start: number, end: number, delim: number, point: number): number {
  let i = start;
  let high = false;
  while (i < end && buf[i] !== delim) {
    if (buf[i]! >= 0x80) high = true;
    i++;
  }
  cellEnd = i;
  cellStatus = CellStatus.Invalid;
  return high ? unicodeNumber(buf, start, i, point) : NaN;
}

/** A cell with non-ASCII bytes, by float()'s rules (kept out of the hot parser, which stays small enough to inline). */
function unicodeNumber(buf: Buffer, start: number, stop: number, point: number): number {
  const ascii = pythonAscii(buf.toString("utf8", start, stop));
  if (ascii === null) return NaN;
  const b = Buffer.from(ascii, "latin1");
  const v = parseNumberBytes(b, 0, b.length, -1, false, point);
  cellEnd = stop;
  return v;
}

/** Python's str.isspace() characters (str.strip() removes them; float() ignores them around a number). */
const PY_SPACE = /^[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/gu;
const ND = /\p{Nd}/u;

/**
 * The ASCII spelling float() would parse: Python whitespace stripped, and
 * every Unicode decimal digit (category Nd) replaced by its ASCII digit.
 * Nd digits come in contiguous runs of ten starting at zero (a Unicode
 * stability policy), so a digit's value is its distance from the start of
 * its run, modulo 10. Null when non-ASCII remains (not a number then).
 */
export function pythonAscii(s: string): string | null {
  const t = s.replace(PY_SPACE, "");
  let out = "";
  for (const ch of t) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) {
      out += ch;
      continue;
    }
    if (!ND.test(ch)) return null;
    let start = cp;
    while (ND.test(String.fromCodePoint(start - 1))) start--;
    out += String((cp - start) % 10);
  }
  return out;
}

/**
 * Why a cell that looks almost like a number is not one, for the error
 * message: a Unicode minus, a decimal comma, a thousands separator.
 */
export function nearNumberHint(cell: string, decimalComma: boolean): string {
  const t = cell.trim();
  if (/^[\u2212\u2012\u2013\ufe63\uff0d][\d.,]/u.test(t)) return ` (its minus is U+${t.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}, not the ASCII "-")`;
  if (!decimalComma && /^[-+]?\d+,\d+$/.test(t)) return ' (a decimal comma? pass --decimal ","; or a thousands separator?)';
  if (/^[-+]?\d{1,3}([,.' \u00a0\u202f]\d{3})+([.,]\d+)?$/u.test(t)) return " (a thousands separator? write the number without it)";
  if (decimalComma && /^[-+]?\d+\.\d+$/.test(t)) return ' (a decimal point, but --decimal is ",")';
  return "";
}

/** The same grammar on a string (for cells that came through csv-parse). */
export function parseNumberText(s: string, point = 46): number {
  const b = Buffer.from(s, "utf8");
  return parseNumberBytes(b, 0, b.length, -1, false, point);
}

/**
 * The text dact writes for a double by default: Python's repr (repr.ts),
 * with NaN, inf and -inf.
 */
export function formatNumber(x: number): string {
  return formatRepr(x);
}
