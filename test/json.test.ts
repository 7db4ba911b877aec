import { readdirSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DactError } from "../src/errors.js";
import { transformJson } from "../src/formats/json/codec.js";
import { memoryInput, MemoryOutput } from "../src/io.js";
import { chunkings, derive, fixture, FIXTURES, IDENTITY } from "./helpers.js";

const VALID = path.join(FIXTURES, "json", "valid");

describe("json: the same output as Python's json + np.heaviside, in the documented layout", () => {
  for (const file of readdirSync(VALID)) {
    const ext = path.extname(file);
    const stem = file.slice(0, -ext.length);
    const input = fixture("json", "valid", file);
    for (const h0 of ["0", "0.5", "1"]) {
      const want = fixture("json", "expected", `${stem}.h0=${h0}${ext}`).toString("utf8");
      it(`${file} at-zero=${h0}, every chunking`, async () => {
        for (const c of chunkings(file.length * 3 + h0.length, input.length)) {
          const { bytes } = await derive(input, "relu", { "at-zero": h0 }, c.sizes, ext === ".json" ? "json" : "jsonl");
          expect(bytes.toString("utf8"), `chunking ${c.name}`).toBe(want);
        }
      });
    }
  }
});


async function runJson(text: string, opts: { lines?: boolean; sizes?: number[] } = {}): Promise<string> {
  const out = new MemoryOutput();
  await transformJson(memoryInput(Buffer.from(text), "m.json", opts.sizes), out, { kernel: IDENTITY.kernel({}), notice: () => {} }, opts.lines ?? false);
  return out.bytes().toString("utf8");
}

async function jsonError(text: string, opts: { lines?: boolean; sizes?: number[] } = {}): Promise<DactError> {
  try {
    await runJson(text, opts);
  } catch (e) {
    if (e instanceof DactError) return e;
    throw e;
  }
  throw new Error(`expected an error for ${JSON.stringify(text)}`);
}

describe("json: strict RFC 8259, errors with line and column", () => {
  it.each([
    ["[1,2,]", "JSON_SYNTAX", "1:6"],
    ["[01]", "JSON_SYNTAX", "1:2"],
    ["[nan]", "JSON_SYNTAX", "1:2"],
    ["[inf]", "JSON_SYNTAX", "1:2"],
    ["[-NaN]", "JSON_SYNTAX", "1:2"],
    ["[+Infinity]", "JSON_SYNTAX", "1:2"],
    ["[1] // c", "JSON_SYNTAX", "1:5"],
    ["/* c */ [1]", "JSON_SYNTAX", "1:1"],
    ['["1"]', "JSON_SYNTAX", "1:2"],
    ["[true]", "JSON_SYNTAX", "1:2"],
    ['{"a": [1]}', "JSON_SYNTAX", "1:1"],
    ["[1]\n[2]", "JSON_SYNTAX", "2:1"],
    ["[1 2]", "JSON_SYNTAX", "1:4"],
    ["[1,,2]", "JSON_SYNTAX", "1:4"],
    ["[+1]", "JSON_SYNTAX", "1:2"],
    ["[.5]", "JSON_SYNTAX", "1:2"],
    ["[1.]", "JSON_SYNTAX", "1:2"],
    ["[1e]", "JSON_SYNTAX", "1:2"],
    ["[0x10]", "JSON_SYNTAX", "1:2"],
    ["[1", "JSON_SYNTAX", "1:3"],
    ["", "JSON_SYNTAX", "1:1"],
    ["   \n ", "JSON_SYNTAX", "2:2"],
    ["[nul]", "JSON_SYNTAX", "1:2"],
    ["[[1,2],\n [3]]", "JSON_SHAPE", "2:4"],
    ["[[1,2],[3,4,5]]", "JSON_SHAPE", "1:13"],
    ["[1,[2]]", "JSON_SHAPE", "1:4"],
    ["[[1],2]", "JSON_SHAPE", "1:6"],
    ["[[[]],[1]]", "JSON_SHAPE", "1:8"],
    ["[".repeat(100000), "JSON_DEPTH", "1:65"],
    ["[".repeat(65) + "]".repeat(65), "JSON_DEPTH", "1:65"],
  ])("%j -> %s at %s", async (text, code, where) => {
    for (const sizes of [[1], [2], [7], [1 << 20]]) {
      const e = await jsonError(text, { sizes });
      expect(e.code, e.message).toBe(code);
      expect(e.message.startsWith(`dact: m.json:${where}: found `) || e.message.startsWith(`dact: m.json:${where}: empty input`), e.message).toBe(true);
      expect(e.message).toMatch(/; expected /);
    }
  });

  it("64 levels of nesting are fine (numpy's limit on dimensions)", async () => {
    const doc = "[".repeat(64) + "1" + "]".repeat(64);
    expect(await runJson(doc)).toBe(doc.replace("1", "1.0") + "\n");
  });
});

describe("json lines", () => {
  it("keeps one line per input line, blank lines and endings included", async () => {
    expect(await runJson("[1,-2]\r\n\n[[3]]\n4", { lines: true })).toBe("[1.0,-2.0]\r\n\n[[3.0]]\n4.0");
  });
  it("errors name the line", async () => {
    const e = await jsonError("[1]\n[2,\n3]\n", { lines: true });
    expect(e.message).toMatch(/^dact: m\.json:2:4: found a line break; expected/);
    const f = await jsonError("[1]\n[2]\n[3,x]\n", { lines: true });
    expect(f.message).toMatch(/^dact: m\.json:3:4: /);
  });
  it("each line has its own shape", async () => {
    expect(await runJson("[1,2]\n[3]\n", { lines: true })).toBe("[1.0,2.0]\n[3.0]\n");
  });
});

/** Documents from a small alphabet of JSON pieces: mostly invalid, often valid. */
const piece = fc.constantFrom("[", "]", ",", "1", "-0", "2.5e-3", "null", " ", "\n", "01", "1.", '"a"', "{}", "true", "NaN", "-", "1e400", "]]", "[[");
const doc = fc.array(piece, { maxLength: 14 }).map((p) => p.join(""));

function isRectangularNumeric(v: unknown): boolean {
  // What dact accepts, stated independently: numbers/null at the same depth everywhere, equal lengths per depth.
  const shape: number[] = [];
  let leaf = -1;
  const walk = (x: unknown, d: number): boolean => {
    if (d > 64) return false;
    if (Array.isArray(x)) {
      if (leaf >= 0 && d >= leaf) return false;
      if (shape[d] === undefined) shape[d] = x.length;
      else if (shape[d] !== x.length) return false;
      return x.every((y) => walk(y, d + 1));
    }
    if (typeof x !== "number" && x !== null) return false;
    if (leaf < 0) leaf = d;
    return leaf === d && shape.length <= d;
  };
  return walk(v, 0);
}

describe("json properties (fast-check)", () => {
  // The reference is Python's json.loads: RFC 8259 plus NaN, Infinity and
  // -Infinity (what json.dumps writes). NaN comes back from dact as null.
  it("accepts exactly the documents json.loads accepts that are rectangular numeric arrays", async () => {
    await fc.assert(
      fc.asyncProperty(doc, async (text) => {
        let ref: unknown;
        let valid = true;
        try {
          ref = JSON.parse(text.replace(/NaN/g, "null"));
          valid = isRectangularNumeric(ref);
        } catch {
          valid = false;
        }
        let ours: string | null = null;
        try {
          ours = await runJson(text);
        } catch (e) {
          if (!(e instanceof DactError)) throw e;
        }
        expect(ours !== null, `${JSON.stringify(text)}: dact ${ours === null ? "rejected" : "accepted"}`).toBe(valid);
        if (ours !== null) {
          const back = JSON.parse(ours);
          expect(JSON.stringify(back)).toBe(JSON.stringify(ref));
        }
      }),
      { numRuns: 3000, seed: 99 },
    );
  });

  const value = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, 5e-324, 1e-310, 1, -1), fc.constant(null));
  const matrix = fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 })).chain(([r, c]) => fc.array(fc.array(value, { minLength: c, maxLength: c }), { minLength: r, maxLength: r }));

  it("round trip through an identity kernel, the same for every chunking", async () => {
    await fc.assert(
      fc.asyncProperty(matrix, fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }), async (m, sizes) => {
        const text = JSON.stringify(m, null, sizes[0]! % 3);
        const a = await runJson(text);
        const b = await runJson(text, { sizes });
        expect(b).toBe(a);
        const back = JSON.parse(a) as (number | null)[][];
        expect(back.length).toBe(m.length);
        m.forEach((row, r) => row.forEach((v, c) => expect(Object.is(back[r]![c], v === null ? null : v) || (v === 0 && back[r]![c] === 0)).toBe(true)));
      }),
      { numRuns: 300, seed: 4 },
    );
  });
});
