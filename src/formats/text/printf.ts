/**
 * --float-format: C's printf conversions %e, %f and %g (and %E %F %G) for
 * one double, byte for byte as Python's `FMT % x` and `np.savetxt(fmt=FMT)`
 * write them (glibc's printf agrees: all three round the exact binary value
 * to the nearest decimal, ties to even).
 *
 * JavaScript's toFixed / toExponential also round the exact binary value
 * (V8 falls back to bignum arithmetic where its fast path cannot decide),
 * but an exact tie goes up in magnitude: (0.125).toFixed(2) is "0.13",
 * where printf writes "0.12". A tie is rare and cheap to recognise: x is a
 * tie at the digit of 10^q exactly when 2x / 10^q is an odd integer, that
 * is x = M * 2^(q-1) with M odd (and 5^q dividing M when q > 0). Then the
 * engine's digits are moved down one unit whenever they end in an odd
 * digit (the other candidate is the even one).
 */
import { DactError } from "../../errors.js";
import { rounded as roundedBytes, roundedDigits, roundedDigitsInto, roundedExp, roundedFrom } from "./decimal.js";

export interface Printf {
  /** The text the user wrote, for messages. */
  readonly text: string;
  readonly conv: "e" | "f" | "g";
  readonly upper: boolean;
  /** Digits after the point (e, f), or significant digits (g; 0 means 1). */
  readonly precision: number;
  readonly width: number;
  /** Flags as C has them: - left-justify, + always a sign, space a space for no sign, # alternate form, 0 zero padding. */
  readonly minus: boolean;
  readonly plus: boolean;
  readonly space: boolean;
  readonly alt: boolean;
  readonly zero: boolean;
}

/** Precision and width above this are refused (the engine's toFixed and toExponential take up to 100 digits). */
export const MAX_PRECISION = 100;
const MAX_WIDTH = 400;

/**
 * Parses --float-format's value: `%[flags][width][.precision]conv` with
 * conv one of e E f F g G; a missing precision is 6, as in C. Null for
 * `shortest` (the default layout). Anything else is a usage error.
 */
export function parseFloatFormat(s: string, option = "--float-format"): Printf | null {
  if (s === "shortest") return null;
  const m = /^%([-+ #0]*)(\d*)(?:\.(\d*))?([eEfFgG])$/.exec(s);
  const expected = 'expected "shortest" or a printf conversion %[flags][width][.precision]e|f|g such as %.6g, %.17g, %.18e, %10.3f';
  if (!m) throw new DactError("USAGE", `option ${option}: found ${JSON.stringify(s)}; ${expected}`);
  const flags = m[1]!;
  const width = m[2] ? Number(m[2]) : 0;
  const precision = m[3] === undefined ? 6 : m[3] === "" ? 0 : Number(m[3]);
  if (precision > MAX_PRECISION || width > MAX_WIDTH) {
    throw new DactError("USAGE", `option ${option}: found ${JSON.stringify(s)}; expected a precision up to ${MAX_PRECISION} and a width up to ${MAX_WIDTH}`);
  }
  const c = m[4]!;
  return {
    text: s,
    conv: c.toLowerCase() as "e" | "f" | "g",
    upper: c !== c.toLowerCase(),
    precision,
    width,
    minus: flags.includes("-"),
    plus: flags.includes("+"),
    space: flags.includes(" "),
    alt: flags.includes("#"),
    zero: flags.includes("0"),
  };
}

/**
 * Why `f`'s output would not always be a JSON number, or null when it
 * always is: JSON has no "+" sign, no leading zeros and no bare point
 * ("1."). Spaces from a width or the space flag are JSON whitespace.
 */
export function notJsonNumber(f: Printf): string | null {
  if (f.plus) return 'the "+" flag writes "+1.5", and JSON numbers have no plus sign';
  if (f.zero && !f.minus && f.width > 1) return 'the "0" flag pads with leading zeros ("0001.5"), which JSON numbers cannot have';
  if (f.alt && (f.conv === "g" || f.precision === 0)) return 'the "#" flag here writes a bare point ("1."), which JSON numbers cannot have';
  return null;
}

/** The most characters formatPrintf can return for `f`. */
export function maxPrintfChars(f: Printf): number {
  // %f of 1.8e308: 309 integer digits; %e: a 3-digit exponent; a sign, a point.
  const body = f.conv === "f" ? 309 + 2 + f.precision : f.precision + 8;
  return Math.max(f.width, body + 1);
}


/** ax * 2^k for k up to ~1200, without overflowing the power of two. */
function scale2(ax: number, k: number): number {
  return k > 1000 ? ax * 2 ** 600 * 2 ** (k - 600) : ax * 2 ** k;
}

/** Whether ax = (n + 1/2) * 10^q exactly for an integer n: a tie when rounding at the digit of 10^q. */
function isTie(ax: number, q: number): boolean {
  const y = scale2(ax, 1 - q); // = M when ax = M * 2^(q-1)
  if (!(y % 2 === 1)) return false; // not an odd integer (an integer >= 2^53 is even)
  if (q <= 0) return true;
  return q <= 22 && y % 5 ** q === 0;
}

/**
 * ax.toExponential(n) rounded half to even, as printf and numpy's Dragon4
 * round (the engine rounds an exact tie up).
 */
export function toExponentialEven(ax: number, n: number): string {
  const s = ax.toExponential(n);
  const at = s.indexOf("e");
  if ((s.charCodeAt(at - 1) & 1) === 0 || !isTie(ax, Number(s.slice(at + 1)) - n)) return s;
  return s.slice(0, at - 1) + String.fromCharCode(s.charCodeAt(at - 1) - 1) + s.slice(at);
}

/** s with its last digit one lower (that digit is odd, so nothing borrows). */
function down(s: string): string {
  return s.slice(0, -1) + String.fromCharCode(s.charCodeAt(s.length - 1) - 1);
}

function lastOdd(s: string): boolean {
  return (s.charCodeAt(s.length - 1) & 1) === 1;
}

/** %.Nf of a finite ax >= 0. */
function fixed(ax: number, n: number): string {
  // toFixed switches to exponent form from 1e21: such a double is an integer, exact in BigInt.
  if (ax >= 1e21) return n > 0 ? `${BigInt(ax)}.${"0".repeat(n)}` : String(BigInt(ax));
  const s = ax.toFixed(n);
  return lastOdd(s) && isTie(ax, -n) ? down(s) : s;
}

/** The significand's digits (n + 1 of them, no point) and the decimal exponent of ax rounded to n + 1 significant digits. */
let expDigits = "";
let expPower = 0;
function rounded(ax: number, n: number): void {
  if (ax === 0) {
    expDigits = "0".repeat(n + 1);
    expPower = 0;
    return;
  }
  const fast = roundedDigits(ax, n); // the engine's toExponential is slow from 18 digits on
  if (fast !== null) {
    expDigits = fast;
    expPower = roundedExp;
    return;
  }
  const s = ax.toExponential(n); // "d.ddde+X"
  const at = s.indexOf("e");
  let d = n > 0 ? s[0] + s.slice(2, at) : s.slice(0, at);
  const x = Number(s.slice(at + 1));
  if (lastOdd(d) && isTie(ax, x - n)) d = down(d);
  expDigits = d;
  expPower = x;
}

function exponent(x: number): string {
  const a = x < 0 ? -x : x;
  return (x < 0 ? "-" : "+") + (a < 10 ? "0" : "") + a;
}

/** %.Ne of a finite ax >= 0. */
function scientific(ax: number, n: number, alt: boolean): string {
  rounded(ax, n);
  const d = expDigits;
  const mant = n > 0 ? `${d[0]}.${d.slice(1)}` : alt ? `${d}.` : d;
  return `${mant}e${exponent(expPower)}`;
}

/** %.Pg of a finite ax >= 0: %e's rounding to P digits, then fixed when the exponent X is in [-4, P), trailing zeros dropped unless #. */
function general(ax: number, p: number, alt: boolean): string {
  if (p === 0) p = 1;
  rounded(ax, p - 1);
  const d = expDigits;
  const x = expPower;
  let int: string;
  let frac: string;
  let exp = "";
  if (x >= -4 && x < p) {
    if (x >= 0) {
      int = d.slice(0, x + 1);
      frac = d.slice(x + 1);
    } else {
      int = "0";
      frac = "0".repeat(-x - 1) + d;
    }
  } else {
    int = d[0]!;
    frac = d.slice(1);
    exp = `e${exponent(x)}`;
  }
  if (!alt) {
    let k = frac.length;
    while (k > 0 && frac.charCodeAt(k - 1) === 48) k--;
    frac = frac.slice(0, k);
    return (frac ? `${int}.${frac}` : int) + exp;
  }
  return `${int}.${frac}${exp}`;
}

/**
 * `f.text % x` as Python writes it, with `point` (46 ".", 44 ",") as the
 * decimal separator. NaN is "nan" (never signed by its sign bit, as
 * Python), infinities "inf"; the "0" flag pads them with zeros too, as
 * Python does ("%05f" % inf is "00inf").
 */
export function formatPrintf(x: number, f: Printf, point = 46): string {
  let body: string;
  const negative = x === x && (x < 0 || (x === 0 && 1 / x < 0));
  const ax = negative ? -x : x;
  if (x !== x) body = "nan";
  else if (ax === Infinity) body = "inf";
  else if (f.conv === "f") body = f.alt && f.precision === 0 ? `${fixed(ax, 0)}.` : fixed(ax, f.precision);
  else if (f.conv === "e") body = scientific(ax, f.precision, f.alt);
  else body = general(ax, f.precision, f.alt);
  if (f.upper) body = body.toUpperCase();
  if (point !== 46) body = body.replace(".", ",");
  const sign = negative ? "-" : f.plus ? "+" : f.space ? " " : "";
  const pad = f.width - sign.length - body.length;
  if (pad <= 0) return sign + body;
  if (f.minus) return sign + body + " ".repeat(pad);
  if (f.zero) return sign + "0".repeat(pad) + body;
  return " ".repeat(pad) + sign + body;
}

/**
 * formatPrintf for the common case, straight into out at p without a
 * string: %e and %g (up to 19 significant digits) of a finite nonzero x,
 * with no width and no "#". Returns the index after it, or -1 for the
 * caller to take formatPrintf (anything else, or digits it cannot be sure
 * of). Needs 30 bytes of room.
 */
export function writePrintf(x: number, f: Printf, out: Uint8Array, p: number, point: number): number {
  if (f.width !== 0 || f.alt || f.conv === "f" || !(x !== 0 && x - x === 0)) return -1;
  const g = f.conv === "g";
  const prec = g ? (f.precision === 0 ? 1 : f.precision) : f.precision + 1; // significant digits
  const x10 = roundedDigitsInto(x < 0 ? -x : x, prec - 1);
  if (x10 !== x10) return -1;
  const d = roundedBytes;
  const from = roundedFrom;
  if (x < 0) out[p++] = 45;
  else if (f.plus) out[p++] = 43;
  else if (f.space) out[p++] = 32;
  let end = 24; // digits to write: [from, end)
  if (g) {
    while (end > from + 1 && d[end - 1] === 48) end--; // %g drops trailing zeros
    if (x10 >= -4 && x10 < prec) {
      if (x10 >= 0) {
        const intEnd = from + x10 + 1;
        for (let i = from; i < intEnd; i++) out[p++] = i < end ? d[i]! : 48;
        if (end > intEnd) {
          out[p++] = point;
          for (let i = intEnd; i < end; i++) out[p++] = d[i]!;
        }
      } else {
        out[p++] = 48;
        out[p++] = point;
        for (let i = -1; i > x10; i--) out[p++] = 48;
        for (let i = from; i < end; i++) out[p++] = d[i]!;
      }
      return p;
    }
  }
  out[p++] = d[from]!;
  if (end > from + 1) {
    out[p++] = point;
    for (let i = from + 1; i < end; i++) out[p++] = d[i]!;
  }
  out[p++] = f.upper ? 69 : 101;
  let e = x10;
  out[p++] = e < 0 ? 45 : 43;
  if (e < 0) e = -e;
  if (e >= 100) out[p++] = 48 + ((e / 100) | 0);
  out[p++] = 48 + (((e / 10) | 0) % 10);
  out[p++] = 48 + (e % 10);
  return p;
}
