/**
 * Numbers as Python and numpy write them (issue 28), against Python's own
 * output (fixtures/make_numfmt.py): repr(float) for the default layout,
 * FMT % x for --float-format on a million doubles and on every kind of
 * exact decimal tie, str(np.float32) and str(np.float16) for narrow
 * arrays, and pandas' to_csv / json.dumps / np.savetxt for whole files.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { writeShortest } from "../src/formats/text/decimal.js";
import { formatPrintf, notJsonNumber, parseFloatFormat, writePrintf, type Printf } from "../src/formats/text/printf.js";
import { formatNarrow, formatRepr } from "../src/formats/text/repr.js";
import { matrix, writeMatrix } from "../src/index.js";
import { dact, workdir } from "./workdir.js";
import { xorshift32 } from "./helpers.js";

/** A 1-D float64 .npy. */
function npyF8(values: number[]): Buffer {
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${values.length},), }`;
  header += " ".repeat(63 - ((10 + header.length) % 64)) + "\n";
  const h = Buffer.alloc(10);
  Buffer.from("\x93NUMPY", "latin1").copy(h);
  h[6] = 1;
  h.writeUInt16LE(header.length, 8);
  const body = Buffer.alloc(8 * values.length);
  values.forEach((v, i) => body.writeDoubleLE(v, 8 * i));
  return Buffer.concat([h, Buffer.from(header, "latin1"), body]);
}

const DIR = path.join(__dirname, "..", "fixtures", "numfmt");

function load<T>(name: string): T {
  return JSON.parse(gunzipSync(readFileSync(path.join(DIR, name))).toString("utf8")) as T;
}

interface Summary {
  chunks: string[];
  first: string[];
}

/** xorshift32 (helpers.ts), as make_numfmt.py's. */
const xorshift = (seed: number): (() => number) => xorshift32(seed).next;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
function fromBits(hi: number, lo: number): number {
  u32[1] = hi >>> 0;
  u32[0] = lo >>> 0;
  return f64[0]!;
}

const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000];

/** make_numfmt.py's doubles(): the same four kinds from the same integers. */
function doubles(n: number, seed: number): Float64Array {
  const r = xorshift(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const kind = i % 4;
    let x: number;
    if (kind === 0) {
      const hi = r();
      x = fromBits(hi, r());
    } else if (kind === 1) {
      const hi = ((r() & 0x800fffff) | ((1023 - 40 + (r() % 100)) << 20)) >>> 0;
      x = fromBits(hi, r());
    } else if (kind === 2) {
      const k = r() >>> 8;
      const e = r() % 30;
      x = k / 2 ** e;
      if (r() & 1) x = -x;
    } else {
      const m = r() % 2000001;
      x = (m - 1000000) / POW10[r() % 7]!;
    }
    out[i] = x;
  }
  return out;
}

function digest(texts: string[]): string {
  return createHash("sha256").update(texts.join("\n")).digest("hex").slice(0, 16);
}

/** Every output equals Python's: the first ones one by one (a failure names its value), the rest by chunk digest. */
function matches(what: string, values: ArrayLike<number>, n: number, chunk: number, want: Summary, text: (x: number) => string): void {
  for (let i = 0; i < want.first.length; i++) {
    const got = text(values[i]!);
    if (got !== want.first[i]) expect(got, `${what} of ${values[i]} (value ${i})`).toBe(want.first[i]);
  }
  const texts: string[] = new Array(chunk);
  for (let c = 0; c * chunk < n; c++) {
    const len = Math.min(chunk, n - c * chunk);
    texts.length = len;
    for (let i = 0; i < len; i++) texts[i] = text(values[c * chunk + i]!);
    expect(digest(texts), `${what}: values ${c * chunk}..${c * chunk + len - 1} differ from Python's (rerun make_numfmt.py to list them)`).toBe(want.chunks[c]);
  }
}

const million = load<{ n: number; chunk: number; seed: number; formats: Record<string, Summary> }>("million.json.gz");
const xs = doubles(million.n, million.seed);

describe("the default layout is Python's repr", () => {
  it(`on ${million.n} doubles of every kind`, () => {
    matches("repr", xs, million.n, million.chunk, million.formats["repr"]!, (x) => (x !== x ? "nan" : formatRepr(x)));
  });

  it("the writers' byte path (writeShortest's repr layout) is formatRepr wherever it answers", () => {
    const out = Buffer.alloc(64);
    let answered = 0;
    for (let i = 0; i < xs.length; i += 3) {
      const x = xs[i]!;
      const p = writeShortest(x, out, 0, 46, true);
      if (p < 0) continue;
      answered++;
      const s = out.toString("latin1", 0, p);
      if (s !== formatRepr(x)) expect(s, `x = ${x}`).toBe(formatRepr(x));
    }
    expect(answered).toBeGreaterThan(xs.length / 3 / 2);
  });

  it.each([
    [1, "1.0"],
    [-0, "-0.0"],
    [0, "0.0"],
    [1e-8, "1e-08"],
    [3.925628202155633e-5, "3.925628202155633e-05"],
    [1e-4, "0.0001"],
    [1e16, "1e+16"],
    [1e15, "1000000000000000.0"],
    [123456789012345678, "1.2345678901234568e+17"],
    [5e-324, "5e-324"],
    [Infinity, "inf"],
    [-Infinity, "-inf"],
    [NaN, "NaN"],
  ])("%d is %s", (x, s) => {
    expect(formatRepr(x)).toBe(s);
  });
});

describe("--float-format is Python's FMT % x", () => {
  for (const [fmt, want] of Object.entries(million.formats)) {
    if (fmt === "repr") continue;
    const n = want.chunks.length * million.chunk >= million.n ? million.n : want.chunks.length * million.chunk;
    it(`${fmt} on ${n} doubles`, () => {
      const f = parseFloatFormat(fmt)!;
      matches(fmt, xs, n, million.chunk, want, (x) => formatPrintf(x, f));
    });
  }

  it("the writers' byte path (writePrintf) is formatPrintf wherever it answers, ties and their neighbours included", () => {
    const out = Buffer.alloc(64);
    const ties = load<Record<string, [string, string][]>>("ties.json.gz");
    for (const fmt of Object.keys(million.formats)) {
      if (fmt === "repr") continue;
      const f = parseFloatFormat(fmt)!;
      const tieValues = (ties[fmt] ?? []).map(([hex]) => Buffer.from(hex, "hex").readDoubleLE(0));
      let answered = 0;
      for (const x of [...xs.subarray(0, 30_000), ...tieValues]) {
        const p = writePrintf(x, f, out, 0, 46);
        if (p < 0) continue;
        answered++;
        if (out.toString("latin1", 0, p) !== formatPrintf(x, f)) expect(out.toString("latin1", 0, p), `${fmt} % ${x}`).toBe(formatPrintf(x, f));
      }
      // It takes %e and %g without width or "#", up to 19 digits, of doubles in 1e-270..1e290 (kind 0, any bits, is half outside).
      if (fmt === "%.18e" || fmt === "%.17g" || fmt === "%.6g") expect(answered, fmt).toBeGreaterThan(20_000);
    }
  });

  const ties = load<Record<string, [string, string][]>>("ties.json.gz");
  it.each(Object.keys(ties))("%s on exact decimal ties at its rounding digit and their neighbours", (fmt) => {
    const f = parseFloatFormat(fmt)!;
    const rows = ties[fmt]!;
    expect(rows.length).toBeGreaterThan(800);
    for (const [hex, text] of rows) {
      const x = Buffer.from(hex, "hex").readDoubleLE(0);
      const got = formatPrintf(x, f);
      if (got !== text) expect(got, `${fmt} % ${x}`).toBe(text);
    }
  });

  it.each([
    ["%.2f", 0.125, "0.12"],
    ["%.2f", 0.375, "0.38"],
    ["%.0f", 0.5, "0"],
    ["%.0f", 2.5, "2"],
    ["%.0f", -0.4, "-0"],
    ["%.0e", 9.5, "1e+01"],
    ["%.18e", 2 ** -28, "3.725290298461914062e-09"],
    ["%05.1f", Infinity, "00inf"],
    ["%+f", NaN, "+nan"],
    ["%f", -NaN, "nan"],
    ["%E", -Infinity, "-INF"],
    ["%#.3g", 1, "1.00"],
    ["%.3f", 1e22, "10000000000000000000000.000"],
    ["%-8.1f|", 1.25, "1.2     |"],
  ])("%s of %d is %j", (fmt, x, want) => {
    const bar = fmt.endsWith("|");
    const f = parseFloatFormat(bar ? fmt.slice(0, -1) : fmt)!;
    expect(formatPrintf(x, f) + (bar ? "|" : "")).toBe(want);
  });

  it("a decimal comma replaces the point", () => {
    expect(formatPrintf(-1.5, parseFloatFormat("%.3e")!, 44)).toBe("-1,500e+00");
  });

  it.each(["%d", "%s", "%.6g %.6g", "x%.3f", "%.101f", "%1000f", "%", "%.6"])("%j is a usage error", (fmt) => {
    expect(() => parseFloatFormat(fmt)).toThrow(expect.objectContaining({ code: "USAGE" }));
  });

  it.each([
    ["%+.3e", true],
    ["%08.3f", true],
    ["%#.0f", true],
    ["%#g", true],
    ["%#.3e", false],
    ["%-10.3g", false],
    ["% .3f", false],
    ["%10.3f", false],
    ["%.17g", false],
  ])("JSON refuses %s: %s", (fmt, refused) => {
    expect(notJsonNumber(parseFloatFormat(fmt) as Printf) !== null).toBe(refused);
  });
});

describe("float32 and float16 arrays: their own shortest digits, as numpy writes them", () => {
  const narrow = load<{ f4: Summary & { seed: number; n: number; chunk: number }; f2: Summary & { n: number; chunk: number } }>("narrow.json.gz");

  it(`str(np.float32) on ${narrow.f4.n} float32 values of every binade`, () => {
    const r = xorshift(narrow.f4.seed);
    const f = new Float32Array(1);
    const b = new Uint32Array(f.buffer);
    const values = new Float64Array(narrow.f4.n);
    for (let i = 0; i < values.length; ) {
      b[0] = r();
      if (Number.isFinite(f[0]!)) values[i++] = f[0]!;
    }
    matches("float32", values, values.length, narrow.f4.chunk, narrow.f4, (x) => formatNarrow(x, "f4"));
  });

  it("str(np.float16) on every finite float16", () => {
    const values: number[] = [];
    for (let h = 0; h < 65536; h++) {
      const e = (h >> 10) & 0x1f;
      const m = h & 0x3ff;
      if (e === 31) continue;
      const v = e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15);
      values.push(h & 0x8000 ? -v : v);
    }
    expect(values.length).toBe(narrow.f2.n);
    matches("float16", values, values.length, narrow.f2.chunk, narrow.f2, (x) => formatNarrow(x, "f2"));
  });
});

describe("whole files as pandas, json.dumps and np.savetxt write them", () => {
  const expected = (name: string) => readFileSync(path.join(DIR, name), "utf8");
  const run = (args: string[]) => {
    const d = workdir();
    const r = dact(["relu", ...args, "-o", path.join(d, "out")], { cwd: DIR });
    expect(r.status, r.stderr.toString()).toBe(0);
    return readFileSync(path.join(d, "out"), "utf8");
  };

  it.each([
    ["csv", "frame.csv"],
    ["json", "frame.json"],
    ["jsonl", "frame.jsonl"],
  ])("float64 to %s: %s (relu'(1) * G = G)", (to, file) => {
    expect(run(["ones.npy", "--grad-output", "frame.npy", "--to", to])).toBe(expected(file));
  });

  it("float32 to CSV: pandas' to_csv of the float32 frame", () => {
    expect(run(["ones32.npy", "--grad-output", "frame32.npy", "--to", "csv"])).toBe(expected("frame32.csv"));
  });

  it.each([
    ["%.6g", "frame.6g.csv"],
    ["%.17g", "frame.17g.csv"],
    ["%.18e", "frame.18e.csv"],
    ["%.3f", "frame.3f.csv"],
    ["%.0f", "frame.0f.csv"],
  ])("--float-format %s is np.savetxt(fmt=...)", (fmt, file) => {
    expect(run(["ones.npy", "--grad-output", "frame.npy", "--to", "csv", "--float-format", fmt])).toBe(expected(file));
  });

  it("a CSV's own numbers, same format: --float-format and --decimal", () => {
    const d = workdir();
    writeFileSync(path.join(d, "m.csv"), "x;y\n-1,5;2,25\n");
    const r = dact(["relu", "m.csv", "--decimal", ",", "--float-format", "%.2f"], { cwd: d });
    expect([r.status, r.stdout.toString()]).toEqual([0, "x;y\n0,00;1,00\n"]);
  });

  it("NaN is NaN in the default layout and nan by --float-format, first cell or not; JSON writes null", () => {
    const d = workdir();
    writeFileSync(path.join(d, "m.csv"), "nan,1,nan\n");
    expect(dact(["relu", "m.csv"], { cwd: d }).stdout.toString()).toBe("nan,1.0,nan\n"); // an NA token is copied back
    writeFileSync(path.join(d, "m.npy"), npyF8([NaN, 1, NaN, -2]));
    expect(dact(["relu", "m.npy", "--to", "csv"], { cwd: d }).stdout.toString()).toBe("NaN\n1.0\nNaN\n0.0\n");
    expect(dact(["relu", "m.npy", "--to", "csv", "--float-format", "%.3f"], { cwd: d }).stdout.toString()).toBe("nan\n1.000\nnan\n0.000\n");
    expect(dact(["relu", "m.npy", "--to", "json"], { cwd: d }).stdout.toString()).toBe("[null,1.0,null,0.0]\n");
  });

  it("a JSON file's own numbers, same format: --float-format", () => {
    const d = workdir();
    writeFileSync(path.join(d, "m.json"), "[[0.125, -1],\n[2, null]]");
    const r = dact(["relu", "m.json", "--at-zero", "0.5", "--float-format", "%.3e"], { cwd: d });
    expect([r.status, r.stdout.toString()]).toEqual([0, "[[1.000e+00,0.000e+00],[1.000e+00,null]]\n"]);
    writeFileSync(path.join(d, "m.jsonl"), "[0.125,-1]\n");
    expect(dact(["relu", "m.jsonl", "--float-format", "%.1f"], { cwd: d }).stdout.toString()).toBe("[1.0,0.0]\n");
  });

  it("--decimal , with a comma between cells quotes the numbers that have a comma, as pandas' to_csv(decimal=\",\") does", () => {
    const d = workdir();
    writeFileSync(path.join(d, "m.csv"), '"0,5",-1,"2,5e-07",1e-20\n');
    const r = dact(["relu", "m.csv", "--decimal", ",", "--delimiter", ","], { cwd: d });
    expect([r.status, r.stdout.toString()]).toEqual([0, '"1,0","0,0","1,0","1,0"\n']);
    const f = dact(["relu", "m.csv", "--decimal", ",", "--delimiter", ",", "--float-format", "%.2e"], { cwd: d });
    expect([f.status, f.stdout.toString()]).toEqual([0, '"1,00e+00","0,00e+00","1,00e+00","1,00e+00"\n']);
    // G ⊙ f′: NaN, -0.0, an exponent, inf (pandas: NaN is written empty; dact writes NaN, as everywhere).
    writeFileSync(path.join(d, "g.csv"), 'NaN,"-0,5",1e-07,inf\n');
    const n = dact(["relu", "m.csv", "--grad-output", "g.csv", "-o", "out.csv", "--decimal", ",", "--delimiter", ","], { cwd: d });
    expect(n.status).toBe(0);
    expect(readFileSync(path.join(d, "out.csv"), "utf8")).toBe('NaN,"-0,0",1e-07,inf\n');
  });

  it("JSON output refuses a format that is not always a JSON number; binary output refuses any", () => {
    const d = workdir();
    writeFileSync(path.join(d, "m.csv"), "0.5,-1\n");
    const j = dact(["sigmoid", "m.csv", "--to", "json", "--float-format", "%+.3e"], { cwd: d });
    expect(j.status).toBe(2);
    expect(j.stderr.toString()).toMatch(/option --float-format: found "%\+\.3e" for JSON output; expected/);
    expect(j.stdout.toString()).toBe("");
    const n = dact(["sigmoid", "m.csv", "-o", "m.npy", "--float-format", "%.3e"], { cwd: d });
    expect(n.status).toBe(2);
    expect(n.stderr.toString()).toMatch(/option --float-format: npy output/);
    const ok = dact(["sigmoid", "m.csv", "--to", "json", "--float-format", "%.3e"], { cwd: d });
    expect([ok.status, ok.stdout.toString()]).toEqual([0, "[[2.350e-01,1.966e-01]]\n"]);
  });

  it("the library's writeMatrix takes floatFormat, checked as the option is", async () => {
    const d = workdir();
    const m = matrix([0.125, 2.5, -1e-5, 1], [2, 2]);
    await writeMatrix(path.join(d, "m.csv"), m, { floatFormat: "%.2f" });
    expect(readFileSync(path.join(d, "m.csv"), "utf8")).toBe("0.12,2.50\n-0.00,1.00\n");
    await writeMatrix(path.join(d, "r.csv"), m);
    expect(readFileSync(path.join(d, "r.csv"), "utf8")).toBe("0.125,2.5\n-1e-05,1.0\n");
    await expect(writeMatrix(path.join(d, "m.npy"), m, { floatFormat: "%.2f" })).rejects.toMatchObject({ code: "USAGE" });
    await expect(writeMatrix(path.join(d, "m.json"), m, { floatFormat: "%+.2f" })).rejects.toMatchObject({ code: "USAGE" });
    await expect(writeMatrix(path.join(d, "x.csv"), m, { floatFormat: "%d" })).rejects.toMatchObject({ code: "USAGE" });
  });
});
