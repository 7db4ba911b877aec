/**
 * decimal.ts against the engine's own conversions, which it replaces on the
 * hot path and keeps as the reference: every number it writes must be
 * String(x) byte for byte, every number it reads Number(text) bit for bit,
 * and when it is unsure it must say so (the caller then asks the engine).
 * The fallback rates are checked too, so that the fast paths stay in use.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { eightDigits, groupsToDouble, writeShortest } from "../src/formats/text/decimal.js";
import { cellStatus, CellStatus, parseNumberBytes } from "../src/formats/text/number.js";
import { formatRepr } from "../src/formats/text/repr.js";
import { wasmJsonNumber, wasmNumber, wasmRepr } from "../src/wasm/text.js";
import { xorshift32 } from "./helpers.js";

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** A deterministic stream of 32-bit values (xorshift32, helpers.ts), so failures reproduce. */
const rng = (seed: number): (() => number) => xorshift32(seed).next;

function fromBits(hi: number, lo: number): number {
  u32[1] = hi >>> 0;
  u32[0] = lo >>> 0;
  return f64[0]!;
}

function next(x: number): number {
  f64[0] = x;
  if (u32[0] === 0xffffffff) {
    u32[0] = 0;
    u32[1]!++;
  } else u32[0]!++;
  return f64[0]!;
}

const out = Buffer.alloc(64);

/** writeShortest's text, or null when it declined. */
function written(x: number, point = 46): string | null {
  const p = writeShortest(x, out, 0, point);
  return p < 0 ? null : out.toString("latin1", 0, p);
}

/** The doubles a formatter must get right: every binade, both layouts' edges, short decimals, neighbours of powers of ten. */
function doubles(n: number, seed: number): number[] {
  const r = rng(seed);
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = fromBits(r(), r());
    if (Number.isFinite(x)) xs.push(x);
    xs.push((r() / 2 ** 32 - 0.5) * 10 ** ((r() % 60) - 30));
    xs.push(Math.round(r() % 2000000) / 10 ** (r() % 9));
    const p = 10 ** ((r() % 44) - 22);
    xs.push(p, next(p), -next(next(p)));
    const s = 1 / (1 + Math.exp(-((r() / 2 ** 32) * 20 - 10)));
    xs.push(s * (1 - s));
  }
  // Layout thresholds: 1e21 switches to exponent form, and so does 1e-7.
  for (const edge of [1e21, 1e-7, 1e-6, 1e20, 123456789012345680000]) xs.push(edge, next(edge), -edge);
  return xs;
}

describe("writeShortest is String(x), byte for byte", () => {
  it("on random doubles of every kind, or it declines", () => {
    let declined = 0;
    let total = 0;
    for (const x of doubles(60_000, 17)) {
      total++;
      const s = written(x);
      if (s === null) declined++;
      else if (s !== String(x)) expect(s, `x = ${x}`).toBe(String(x));
    }
    // It declines outside 1e-260..1e290, on zero, powers of two and near ties.
    expect(declined / total).toBeLessThan(0.1);
  });

  it("with repr = true, the same digits in Python's repr layout: formatRepr (checked against Python in numfmt.test.ts)", () => {
    let declined = 0;
    let total = 0;
    for (const x of doubles(60_000, 17)) {
      total++;
      const p = writeShortest(x, out, 0, 46, true);
      if (p < 0) declined++;
      else if (out.toString("latin1", 0, p) !== formatRepr(x)) expect(out.toString("latin1", 0, p), `x = ${x}`).toBe(formatRepr(x));
    }
    expect(declined / total).toBeLessThan(0.1);
  });

  it("declines almost never on the values activation derivatives produce", () => {
    const r = rng(5);
    let declined = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const x = (r() / 2 ** 32) * 16 - 8;
      const s = 1 / (1 + Math.exp(-x));
      const v = s * (1 - s);
      const t = written(v);
      if (t === null) declined++;
      else if (t !== String(v)) expect(t, `x = ${v}`).toBe(String(v));
    }
    expect(declined).toBeLessThan(n / 1000);
  });

  it("writes the decimal separator it is given", () => {
    expect(written(0.1234567890123, 44)).toBe("0,1234567890123");
    expect(written(-2.5e-12, 44)).toBe("-2,5e-12");
    expect(written(1.5e300, 44)).toBe(null); // outside the table: String() decides
  });

  it("declines on what it cannot be sure of: zero, specials, powers of two, extremes", () => {
    for (const x of [0, -0, NaN, Infinity, -Infinity, 0.5, 1024, 2 ** -60, 5e-324, 1e-300, Number.MAX_VALUE]) expect(written(x), String(x)).toBe(null);
  });

  it("property: any double it writes is String(x)", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (x) => {
        const s = written(x);
        return s === null || s === String(x);
      }),
      { numRuns: 50_000 },
    );
  });
});

/** The exact decimal expansion of a double (BigInt arithmetic), as digits and a point position. */
function exactDecimal(x: number): string {
  f64[0] = x;
  const e = (u32[1]! >>> 20) & 0x7ff;
  let m = (BigInt(u32[1]! & 0xfffff) << 32n) | BigInt(u32[0]!);
  if (e !== 0) m |= 1n << 52n;
  const exp = (e === 0 ? 1 : e) - 1075;
  if (exp >= 0) return (m << BigInt(exp)).toString();
  const digits = (m * 5n ** BigInt(-exp)).toString().padStart(-exp + 1, "0");
  return `${digits.slice(0, digits.length + exp)}.${digits.slice(digits.length + exp)}`;
}

/** The midpoint between x and the next double up, exactly, as decimal text. */
function midpoint(x: number): string {
  const a = exactDecimal(x);
  const b = exactDecimal(next(x));
  // (a + b) / 2 on decimal strings: scale both to integers.
  const frac = Math.max(a.split(".")[1]?.length ?? 0, b.split(".")[1]?.length ?? 0) + 1;
  const toInt = (s: string) => {
    const [i, f = ""] = s.split(".");
    return BigInt(i + f.padEnd(frac, "0"));
  };
  const sum = (toInt(a) + toInt(b)) / 2n;
  const t = sum.toString().padStart(frac + 1, "0");
  return `${t.slice(0, t.length - frac)}.${t.slice(t.length - frac)}`.replace(/\.?0+$/, "");
}

/**
 * Reads text as the CSV parser does (its fast path is groupsToDouble, its
 * fallback Number()) and as the JSON parser does; both must be
 * Number(text). Returns whether the fast path declined.
 */
function readsAsNumber(text: string): { declined: boolean } {
  const b = Buffer.from(text, "latin1");
  const want = Number(text.replace(/_/g, ""));
  const v = fastPath(text);
  if (v === v && !Object.is(v, want)) expect.fail(`groupsToDouble(${text}) = ${v}, Number() = ${want}`);
  const w = parseNumberBytes(b, 0, b.length, -1);
  if (cellStatus !== CellStatus.Number || !Object.is(w, want)) expect.fail(`parseNumberBytes(${text}) = ${w} (status ${cellStatus}), Number() = ${want}`);
  // The JSON Lines reader's wasm parser (Eisel-Lemire), on what is a JSON number: Number() or a decline (NaN).
  if (JSON_NUMBER.test(text)) {
    const x = wasmJsonNumber(text);
    if (x === x && !Object.is(x, want)) expect.fail(`the wasm parser read ${text} as ${x}; Number() = ${want}`);
    wasmRead++;
    if (x !== x) wasmDeclined++;
  }
  // The CSV reader's wasm parser: Number() or a decline (underscores, nan and inf are always declined).
  const c = wasmNumber(text, false);
  if (c === c && !Object.is(c, want)) expect.fail(`the wasm CSV parser read ${text} as ${c}; Number() = ${want}`);
  return { declined: v !== v };
}

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/;
let wasmRead = 0;
let wasmDeclined = 0;

/** The digits of a decimal text as the parsers' int32 groups, through groupsToDouble (NaN: declined). */
function fastPath(text: string): number {
  const m = /^([-+]?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/.exec(text.replace(/_/g, ""));
  if (!m) return NaN;
  const digits = (m[2]! + (m[3] ?? "")).replace(/^0+/, "");
  let q = Number(m[4] ?? 0) - (m[3] ?? "").length;
  let sig = digits.replace(/0+$/, "").length;
  if (sig > 19) return NaN;
  const kept = digits.slice(0, Math.max(sig, Math.min(19, digits.length)));
  q += digits.length - kept.length;
  sig = kept.length;
  const g1 = Number(kept.slice(0, 8) || 0);
  const g2 = Number(kept.slice(8, 16) || 0);
  const g3 = Number(kept.slice(16, 19) || 0);
  const v = groupsToDouble(g1, g2, g3, sig, q);
  return m[1] === "-" ? -v : v;
}

describe("reading is Number(text), bit for bit", () => {
  it("on 16- to 19-digit spellings of random doubles, with few declines", () => {
    let declined = 0;
    let total = 0;
    for (const x of doubles(15_000, 23)) {
      if (x === 0) continue;
      for (const text of [x.toPrecision(16), x.toPrecision(17), x.toPrecision(19), x.toExponential(18), String(x)]) {
        total++;
        if (readsAsNumber(text).declined) declined++;
      }
    }
    expect(declined / total).toBeLessThan(0.15);
  });

  it("on exact halfway points and their neighbours (ties to even, or a decline)", () => {
    const r = rng(99);
    for (let i = 0; i < 3000; i++) {
      // Integers in [2^53, 2^63): their midpoints have at most 19 digits.
      const x = fromBits(0x43400000 + (r() % 0xa00000), r());
      const m = midpoint(x);
      readsAsNumber(m);
      const d = m.split("");
      const last = d.length - 1;
      d[last] = String((Number(d[last]) + 1) % 10);
      readsAsNumber(d.join(""));
      // Fractions: the midpoint has too many digits; its first 19 and 20 are near ties.
      const y = (r() / 2 ** 32) * 10 ** ((r() % 20) - 10) + 1e-12;
      const my = midpoint(y);
      const sig = my.replace(/^[0.]+/, "").replace(".", "");
      const lead = my.length - my.replace(/^[0.]+/, "").length;
      for (const n of [17, 18, 19, 20, 25]) {
        const cut = my.slice(0, lead + n + (my.slice(lead, lead + n + 1).includes(".") ? 1 : 0));
        if (sig.length > n) readsAsNumber(cut);
      }
      readsAsNumber(my);
    }
  });

  it("on the spellings Python's float() and CSV files use", () => {
    for (const text of [
      "0.1",
      "-0.0",
      "000123.4500",
      "1_000.000_1",
      "12345678901234567890",
      "1234567890123456789",
      "123456789012345678900000",
      "0.00000000000000000000012345678901234567",
      "1.2345678901234567e-300",
      "9.999999999999999999e22",
      "9007199254740993",
      "9007199254740992.5",
      "1e-400",
      "1e400",
      "-1.7976931348623157e308",
      "2.2250738585072011e-308",
      "4.9e-324",
      ".5",
      "5.",
      "+.5e+1",
      "0e999999",
    ]) {
      readsAsNumber(text);
    }
  });

  it("property: any 1-22 digit decimal with any exponent", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[1-9][0-9]{0,21}$/), fc.integer({ min: 0, max: 22 }), fc.integer({ min: -330, max: 330 }), fc.boolean(), (digits, pointAt, e, neg) => {
        const at = Math.min(pointAt, digits.length);
        const text = `${neg ? "-" : ""}${digits.slice(0, at) || "0"}.${digits.slice(at)}e${e}`;
        readsAsNumber(text);
      }),
      { numRuns: 30_000 },
    );
  });

  it("groupsToDouble takes Clinger's fast path exactly and declines beyond its table", () => {
    expect(groupsToDouble(12345678, 1234567, 0, 15, -14)).toBe(1.23456781234567);
    expect(groupsToDouble(1, 0, 0, 1, 400)).toBeNaN();
    expect(groupsToDouble(0, 0, 0, 0, 5)).toBe(0);
  });
});

describe("eight digits at a time (the parsers' SWAR step)", () => {
  it("is the value of eight ASCII digits, and -1 when any byte is not one", () => {
    const r = rng(8);
    const b = Buffer.alloc(10);
    for (let n = 0; n < 20_000; n++) {
      const text = String(r() % 100_000_000).padStart(8, "0");
      b.write(text, 1, "latin1");
      expect(eightDigits(b, 1)).toBe(Number(text));
    }
    // Every byte that is not a digit, at every position, among digits.
    for (let at = 0; at < 8; at++) {
      for (let byte = 0; byte < 256; byte++) {
        b.write("98765432", 1, "latin1");
        b[1 + at] = byte;
        const isDigit = byte >= 0x30 && byte <= 0x39;
        if (isDigit !== eightDigits(b, 1) >= 0) expect.fail(`byte ${byte} at ${at}: ${eightDigits(b, 1)}`);
      }
    }
  });

  it("reads every split of a digit run between integer part, fraction, groups and underscores as Number() does", () => {
    const r = rng(31);
    for (let n = 0; n < 20_000; n++) {
      const len = 1 + (r() % 30);
      let digits = "";
      for (let k = 0; k < len; k++) digits += String(r() % 10);
      const at = r() % (len + 1);
      const zeros = "0".repeat(r() % 4);
      let frac = zeros + digits.slice(at);
      // An underscore between two digits now and then (Python's float() takes it).
      const u = r() % 40;
      if (u > 0 && u < frac.length) frac = `${frac.slice(0, u)}_${frac.slice(u)}`;
      const text = `${r() % 2 ? "-" : ""}${digits.slice(0, at) || "0"}.${frac}${r() % 3 ? "" : `e${(r() % 80) - 40}`}`;
      readsAsNumber(text);
    }
  });

  it("leaves what the reader refuses refused: a stray byte inside an eight-digit run", () => {
    for (const text of ["0.1234_", "0.12345678x", "0.1234567/8", "0.12345:678", "0.123__45678", "1.2345678901234567890e", "0.1234567\u00ff9"]) {
      const b = Buffer.from(text, "latin1");
      parseNumberBytes(b, 0, b.length, -1);
      expect(cellStatus, text).toBe(CellStatus.Invalid);
    }
  });
});

describe("sign-only reading (relu)", () => {
  it("keeps sign, zero and NaN of every number, exact values up to 15 digits, and +-1 beyond", () => {
    const r = rng(77);
    const signOf = (x: number) => (x !== x ? "nan" : Object.is(x, -0) ? "-0" : x === 0 ? "0" : x > 0 ? "+" : "-");
    for (let n = 0; n < 30_000; n++) {
      const x = fromBits(r(), r());
      if (!Number.isFinite(x)) continue;
      for (const text of [x.toPrecision(17), String(x), x.toPrecision(1 + (r() % 21)), `${x < 0 ? "-" : ""}0.${"0".repeat(r() % 3)}${String(r()).padStart(10, "0")}${String(r())}`]) {
        const b = Buffer.from(text, "latin1");
        const exact = parseNumberBytes(b, 0, b.length, -1);
        const v = parseNumberBytes(b, 0, b.length, -1, true);
        expect(signOf(v), text).toBe(signOf(exact));
        // Digits as written from the first nonzero one (trailing zeros count: the parser does not look ahead).
        const sig = text.replace(/e.*$/, "").replace(/[-.]/g, "").replace(/^0+/, "").length;
        // Clinger's fast path (up to 15 digits, in fixed notation here a power of ten within 10^+-22) stays exact;
        // what groupsToDouble declines (1e23, beyond its table) was +-1 before too.
        if (sig <= 15) {
          if (!text.includes("e")) expect(Object.is(v, exact), text).toBe(true);
        } else if (Math.abs(exact) >= 1e-299) expect(Math.abs(v), text).toBe(1); // below, Number() decides (underflow to zero)
      }
    }
    for (const [text, want] of [["-0.00000000000000000000", -0], ["1.00000000000000000000e-400", 0], ["-1234567890123456789e-350", -0], ["12345678901234567", 1], ["-9.8765432109876543e-290", -1], ["1", 1], ["2", 2], ["-0.5", -0.5]] as const) {
      const b = Buffer.from(text, "latin1");
      expect(Object.is(parseNumberBytes(b, 0, b.length, -1, true), want), text).toBe(true);
    }
  });
});

describe("the JSON Lines reader's wasm parser (Eisel-Lemire) is Number(text), bit for bit", () => {
  it("on every JSON number the tests above read, declining only beyond 19 significant digits", () => {
    // readsAsNumber checked each value; here, that the corpora reached it.
    expect(wasmRead).toBeGreaterThan(100_000);
    expect(wasmDeclined / wasmRead).toBeLessThan(0.2);
  });

  it("property: any 1-19 digit decimal with any exponent, with no decline", () => {
    let declined = 0;
    fc.assert(
      fc.property(fc.stringMatching(/^[1-9][0-9]{0,18}$/), fc.integer({ min: 0, max: 19 }), fc.integer({ min: -345, max: 330 }), fc.boolean(), (digits, pointAt, e, neg) => {
        const at = Math.min(pointAt, digits.length);
        const text = `${neg ? "-" : ""}${digits.slice(0, at) || "0"}${at < digits.length ? "." + digits.slice(at) : ""}e${e}`;
        const x = wasmJsonNumber(text);
        if (x !== x) declined++;
        else if (!Object.is(x, Number(text))) expect.fail(`${text}: wasm ${x}, Number() ${Number(text)}`);
      }),
      { numRuns: 50_000 },
    );
    // 128 bits decide all but a few in 10^5 (the all-ones low word outside q in [-27, 55]).
    expect(declined).toBeLessThan(5);
  });

  it("on the halfway points between integers beyond 2^53, and one unit either side", () => {
    const r = rng(7);
    for (let i = 0; i < 20_000; i++) {
      const x = fromBits(0x43400000 + (r() % 0xa00000), r());
      const m = BigInt(midpoint(x));
      for (const t of [m - 1n, m, m + 1n]) {
        const text = t.toString();
        const v = wasmJsonNumber(text);
        // Up to 19 significant digits: never a decline. Beyond: a decline or the right value.
        const ok = Object.is(v, Number(text)) || (v !== v && text.replace(/0+$/, "").length > 19);
        if (!ok) expect.fail(`${text}: wasm ${v}, Number() ${Number(text)}`);
      }
    }
  });

  it("at the extremes: zero, subnormals, the largest double, overflow and underflow", () => {
    for (const text of ["0", "-0", "0.0e5", "5e-324", "4.9406564584124654e-324", "2.4703282292062328e-324", "2.4703282292062327e-324", "2.2250738585072011e-308", "2.2250738585072014e-308", "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "1e309", "1e-343", "1e-342", "9999999999999999999e-343", "1e99999", "-1e-99999", "1E5", "1e+5"]) {
      expect(Object.is(wasmJsonNumber(text), Number(text)), text).toBe(true);
    }
  });

  it("declines (NaN) what is not a JSON number, for the reader's own errors", () => {
    for (const text of ["01", "-01", "1.", ".5", "+1", "1e", "1e+", "-", "--1", "1.5.", "0x10", "Infinity", "-Infinity", "NaN", "1_000", "", " 1"]) {
      expect(wasmJsonNumber(text), text).toBeNaN();
    }
  });
});

describe("the CSV reader's wasm parser takes a subset of parseNumberBytes' grammar, with the same values", () => {
  for (const point of [46, 44]) {
    it(`property: any string of number characters (decimal ${point === 46 ? "point" : "comma"}): a decline, or parseNumberBytes' number bit for bit`, () => {
      const chars = `0123456789+-eE_ ${String.fromCharCode(point)}${point === 46 ? "," : "."}`.split("");
      let taken = 0;
      fc.assert(
        fc.property(fc.array(fc.constantFrom(...chars), { minLength: 0, maxLength: 24 }), (cs) => {
          const text = cs.join("");
          const x = wasmNumber(text, false, point);
          if (x !== x) return;
          const b = Buffer.from(text, "latin1");
          const y = parseNumberBytes(b, 0, b.length, -1, false, point);
          if (cellStatus !== CellStatus.Number || !Object.is(x, y)) expect.fail(`${text}: wasm ${x}, parseNumberBytes ${y} (status ${cellStatus})`);
          taken++;
        }),
        { numRuns: 100_000 },
      );
      // Most random strings are no number; enough were to make the check count.
      expect(taken).toBeGreaterThan(1000);
    });
  }

  it("reads CSV spellings JSON does not allow, and declines what the reference parser must see", () => {
    for (const text of ["+1", "007.50", ".5", "5.", "-.5e-3", "+.5E+1", "0000", "-0.0"]) expect(Object.is(wasmNumber(text, false), Number(text)), text).toBe(true);
    expect(wasmNumber("1,5", false, 44)).toBe(1.5);
    for (const text of ["1_000", "inf", "-inf", "nan", "NaN", "Infinity", ".", "-", "+", "e5", "1e", "1e+", "--1", "+-1", " 1", "1 ", "123456789012345678901234"]) expect(wasmNumber(text, false), text).toBeNaN();
  });
});

describe("the wasm formatter is writeShortest (repr layout), byte for byte, declines included", () => {
  it("on random doubles of every kind, both separators, and their negatives", () => {
    let declined = 0;
    let total = 0;
    for (const x of doubles(40_000, 5)) {
      for (const v of [x, -x]) {
        for (const point of [46, 44]) {
          const p = writeShortest(v, out, 0, point, true);
          const js = p < 0 ? null : out.toString("latin1", 0, p);
          const w = wasmRepr(v, point);
          // expect() on every value cost seconds: compare, and fail with the value.
          if (w !== js) expect.fail(`${v} (point ${point}): wasm ${w}, writeShortest ${js}`);
          total++;
          if (js === null) declined++;
        }
      }
    }
    // Every layout is reached (exponents both ways, fixed with and without a fraction), and few decline.
    expect(declined / total).toBeLessThan(0.05);
  });

  it("in every layout: 0.000ddd, d.ddde-XX, d.ddde+XXX, dddd.0 and ddd.ddd", () => {
    for (const x of [0.00012345, 1.5e-5, 1.2345e-300, 6.02e23, 1.7e308 / 3, 123456789012345.0, 1234567890123456.7, 12345678901234567.0, 3.25, 0.1, 0.5, 99.5, 1e16 + 2, 1e-4 + 1e-20]) {
      for (const v of [x, -x]) {
        const p = writeShortest(v, out, 0, 46, true);
        if (p >= 0) expect(wasmRepr(v), `${v}`).toBe(out.toString("latin1", 0, p));
        expect(wasmRepr(v) ?? formatRepr(v), `${v}`).toBe(formatRepr(v));
      }
    }
  });
});
