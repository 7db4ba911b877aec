import { readdirSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import npyjs from "npyjs";
import { DactError } from "../src/errors.js";
import { encodeHeader } from "../src/formats/npy/header.js";
import { LiteralError, parsePyLiteral } from "../src/formats/npy/literal.js";
import { chunkings, derive, fixture, FIXTURES } from "./helpers.js";

const VALID = path.join(FIXTURES, "npy", "valid");
const names = readdirSync(VALID).filter((f) => f.endsWith(".npy")).map((f) => f.replace(/\.npy$/, ""));
const expectedFor = (name: string) =>
  readdirSync(path.join(FIXTURES, "npy", "expected"))
    .filter((f) => f.startsWith(`${name}.h0=`))
    .map((f) => ({ file: f, h0: f.slice(name.length + 4, -4) }));

describe("npy: byte-identical to np.save(np.heaviside(np.load(x), h0))", () => {
  it("has fixtures for every dtype, order, version and shape class", () => {
    expect(names.length).toBeGreaterThan(80);
    for (const n of names) expect(expectedFor(n).length, n).toBeGreaterThan(0);
  });

  for (const name of names) {
    const input = fixture("npy", "valid", `${name}.npy`);
    for (const { file, h0 } of expectedFor(name)) {
      const want = fixture("npy", "expected", file);
      it(`${name} at-zero=${h0}, every chunking`, async () => {
        for (const c of chunkings(name.length * 31 + Number(h0) * 7, input.length)) {
          const { bytes } = await derive(input, "relu", { "at-zero": h0 }, c.sizes, "npy");
          expect(bytes.equals(want), `chunking ${c.name}`).toBe(true);
        }
      });
    }
  }

  it("notices trailing bytes after the data, as numpy ignores them", async () => {
    const { notices } = await derive(fixture("npy", "valid", "trailing-bytes.npy"), "relu", {}, [1 << 20], "npy", "t.npy");
    expect(notices).toEqual(["dact: t.npy: ignored 8 bytes after the array data, as numpy does"]);
  });
});

describe("npy: rejected inputs", () => {
  const manifest = JSON.parse(fixture("npy", "invalid", "manifest.json").toString()) as Record<string, string>;
  it.each(Object.entries(manifest))("%s -> %s", async (file, code) => {
    const data = fixture("npy", "invalid", file);
    for (const c of chunkings(file.length, data.length)) {
      const err = await derive(data, "relu", {}, c.sizes, "npy", file).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, `chunking ${c.name}`).toBeInstanceOf(DactError);
      const e = err as DactError;
      expect(e.code, `${c.name}: ${e.message}`).toBe(code);
      expect(e.message.startsWith(`dact: ${file}: byte `), e.message).toBe(true);
      expect(e.message).not.toContain("\n");
    }
  });

  it("names the dtype it cannot read", async () => {
    const err = await derive(fixture("npy", "invalid", "dtype-complex.npy"), "relu", {}, undefined, "npy", "c.npy").catch((e: DactError) => e);
    expect((err as DactError).message).toMatch(/unsupported dtype "<c16" \(complex\)/);
  });

  it("says how many bytes were expected and found", async () => {
    const err = await derive(fixture("npy", "invalid", "truncated-body.npy"), "relu", {}, undefined, "npy", "t.npy").catch((e: DactError) => e);
    expect((err as DactError).message).toBe("dact: t.npy: byte 128: array data: expected 800 bytes, found 792");
  });
});

describe("npy header writer", () => {
  it.each([
    [[], false],
    [[0], false],
    [[3, 4], false],
    [[3, 4], true],
    [[123456789012, 1], false],
    [Array.from({ length: 30 }, () => 2), false],
  ] as [number[], boolean][])("shape %j fortran=%s is 64-aligned and parses back", (shape, fo) => {
    const h = encodeHeader("<f8", fo, shape);
    expect(h.length % 64).toBe(0);
    expect(h[h.length - 1]).toBe(0x0a);
    const text = h.subarray(10).toString("latin1");
    const d = parsePyLiteral(text);
    expect(d.t).toBe("dict");
  });
});

describe("python literal parser", () => {
  it.each([
    ["(3,)", { t: "tuple", items: [{ t: "int", v: 3n }] }],
    ["(3)", { t: "int", v: 3n }],
    ["()", { t: "tuple", items: [] }],
    ["'a\\'b'", { t: "str", v: "a'b" }],
    ['"<f8"', { t: "str", v: "<f8" }],
    ["True", { t: "bool", v: true }],
    ["  {'a': None}\n", { t: "dict", entries: [[{ t: "str", v: "a" }, { t: "none" }]] }],
  ])("%s", (text, want) => {
    expect(parsePyLiteral(text)).toEqual(want);
  });

  it.each(["__import__('os')", "(1,2", "{'a' 1}", "1 + 2", "[1,]]", "'abc", "0x10", "007", "(" .repeat(100) + ")".repeat(100), "f()", "{'a': b'x'}"])(
    "rejects %s",
    (text) => {
      // The literal parser's own error, with a position: not just any throw.
      expect(() => parsePyLiteral(text)).toThrow(LiteralError);
      try {
        parsePyLiteral(text);
      } catch (e) {
        expect((e as LiteralError).index).toBeGreaterThanOrEqual(0);
      }
    },
  );
});

const arrayBuffer = (b: Buffer): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer;

describe("npyjs, an independent reader, agrees with what dact writes", () => {
  const reader = new npyjs();
  for (const name of ["f8-le-C", "f4-be-C", "i2-be-F", "u8-le-C", "b1-le-C", "shape-3d-f8-C", "shape-big0-f4-C"]) {
    it(name, async () => {
      const input = fixture("npy", "valid", `${name}.npy`);
      const { bytes } = await derive(input, "relu", { "at-zero": 0.5 }, [333], "npy");
      const got = reader.parse(arrayBuffer(bytes));
      const want = reader.parse(arrayBuffer(fixture("npy", "expected", `${name}.h0=0.5.npy`)));
      expect(got.shape).toEqual(want.shape);
      expect(Array.from(got.data as Float64Array)).toEqual(Array.from(want.data as Float64Array));
    });
  }
});
