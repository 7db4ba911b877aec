/**
 * Fuzzing with fast-check, in CI with a fixed seed; `npm run fuzz -- --seed
 * N --seconds S` runs the same properties for longer (DACT_FUZZ_SEED,
 * DACT_FUZZ_SECONDS). The only acceptable outcomes for any input: a result,
 * the same for every chunking, or a DactError with a code and a position.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DactError } from "../src/errors.js";
import type { Format } from "../src/formats/index.js";
import { encodeHeader } from "../src/formats/npy/header.js";
import { LiteralError, parsePyLiteral } from "../src/formats/npy/literal.js";
import { memoryInput } from "../src/io.js";
import { readMatrix } from "../src/matrix.js";
import { derive, FIXTURES } from "./helpers.js";

const SEED = Number(process.env["DACT_FUZZ_SEED"] ?? 20261128);
const SECONDS = Number(process.env["DACT_FUZZ_SECONDS"] ?? 0);
/** CI: a fixed number of runs. npm run fuzz: as many as fit in the time. */
function budget(runs: number): fc.Parameters<unknown> {
  return SECONDS > 0
    ? { seed: SEED, numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: SECONDS * 1000, markInterruptAsFailure: false }
    : { seed: SEED, numRuns: runs };
}

const small = (dir: string, max: number) =>
  readdirSync(path.join(FIXTURES, dir))
    .map((f) => path.join(FIXTURES, dir, f))
    .filter((f) => f.endsWith(".npy") || f.endsWith(".csv") || f.endsWith(".tsv") || f.endsWith(".json") || f.endsWith(".jsonl") || f.endsWith(".ndjson"))
    .map((f) => readFileSync(f))
    .filter((b) => b.length <= max);

const SAMPLES: Partial<Record<Format, Buffer[]>> = {
  npy: small("npy/valid", 2048),
  csv: small("csv/valid", 4096).filter((b) => !b.includes(9)),
  tsv: small("csv/valid", 4096).filter((b) => b.includes(9)),
  json: small("json/valid", 4096),
  jsonl: [Buffer.from("[1,-2]\n[0,3]\n"), Buffer.from("1\n\n[[1],[2]]\r\n")],
};

type Outcome = { ok: true; bytes: Buffer } | { ok: false; code: string; message: string };

/** The in-memory path (conversion, compare, the library) must hold to the same rule. */
async function matrixOutcome(data: Uint8Array, format: Format, sizes: number[]): Promise<void> {
  try {
    const m = await readMatrix(memoryInput(data, "fuzz.in", sizes), format);
    expect(m.data.length).toBe(m.shape.reduce((a, b) => a * b, 1));
  } catch (e) {
    if (!(e instanceof DactError)) throw e;
    expect(e.position.line !== undefined || e.position.offset !== undefined, `no position: ${e.message}`).toBe(true);
  }
}

async function outcome(data: Uint8Array, format: Format, sizes: number[]): Promise<Outcome> {
  try {
    const { bytes } = await derive(data, "relu", { "at-zero": 0.5 }, sizes, format, "fuzz.in");
    return { ok: true, bytes };
  } catch (e) {
    if (!(e instanceof DactError)) throw e; // any other exception is a bug
    const p = e.position;
    expect(p.line !== undefined || p.offset !== undefined, `no position: ${e.message}`).toBe(true);
    expect(e.message.includes("\n"), e.message).toBe(false);
    return { ok: false, code: e.code, message: e.message };
  }
}

/** Bit flips, truncations, insertions and splices of a valid file. */
function mutated(format: Format) {
  const base = fc.constantFrom(...SAMPLES[format]!);
  const op = fc.oneof(
    fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
    fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 8 }) }),
    fc.record({ kind: fc.constant("splice" as const), at: fc.nat(), from: fc.constantFrom(...Object.values(SAMPLES).flat()), len: fc.integer({ min: 1, max: 64 }) }),
  );
  return fc.tuple(base, fc.array(op, { minLength: 1, maxLength: 4 })).map(([b, ops]) => {
    let buf = Buffer.from(b);
    for (const o of ops) {
      const at = buf.length ? o.at % (buf.length + 1) : 0;
      if (o.kind === "flip" && buf.length) buf[at % buf.length]! ^= 1 << o.bit;
      else if (o.kind === "truncate") buf = buf.subarray(0, at);
      else if (o.kind === "insert") buf = Buffer.concat([buf.subarray(0, at), o.bytes, buf.subarray(at)]);
      else if (o.kind === "splice") buf = Buffer.concat([buf.subarray(0, at), o.from.subarray(0, o.len), buf.subarray(at + o.len)]);
    }
    return buf;
  });
}

const chunking = fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 6 });
const FORMATS: Format[] = ["npy", "csv", "tsv", "json", "jsonl"];

describe("fuzz: every reader, random bytes and mutated files, random chunkings", () => {
  for (const format of FORMATS) {
    it(`${format}: a result or a positioned error, the same for every chunking`, async () => {
      const input = fc.oneof({ weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)) }, { weight: 4, arbitrary: mutated(format) });
      await fc.assert(
        fc.asyncProperty(input, chunking, async (data, sizes) => {
          const a = await outcome(data, format, sizes);
          const b = await outcome(data, format, [1 << 20]);
          await matrixOutcome(data, format, sizes);
          expect(a.ok).toBe(b.ok);
          if (a.ok && b.ok) expect(a.bytes.equals(b.bytes)).toBe(true);
          if (!a.ok && !b.ok) expect(a.message).toBe(b.message);
        }),
        budget(400),
      );
    });
  }

  it("the .npy header parser only ever says 'not a literal' (LiteralError)", () => {
    const alphabet = fc.constantFrom(..."{}()[],:'\"\\ \n\t0123456789-+.eEjLxTrueFalsNon_a\0".split(""));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 80 }).map((a) => a.join("")), (text) => {
        try {
          parsePyLiteral(text);
        } catch (e) {
          if (!(e instanceof LiteralError)) throw e;
        }
      }),
      budget(5000),
    );
  });
});

/** An independent statement of np.heaviside on stored values, and of np.save's bytes. */
function expectedNpy(descr: string, shape: number[], values: number[], h0: number): Buffer {
  const out = descr.endsWith("f4") ? new Float32Array(values.length) : new Float64Array(values.length);
  values.forEach((x, i) => (out[i] = Number.isNaN(x) ? NaN : x > 0 ? 1 : x < 0 ? 0 : h0));
  return Buffer.concat([encodeHeader(descr, false, shape), Buffer.from(out.buffer)]);
}

describe("fuzz: valid .npy files of every value class match np.heaviside, for every chunking", () => {
  const bits64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }); // every double, NaN payloads and subnormals included
  const special = fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 5e-324, -5e-324, 1.7976931348623157e308, 2.2250738585072014e-308);
  it("f8, f4 and i4, little- and big-endian", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("<f8", ">f8", "<f4", ">f4", "<i4", ">i4"),
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
        fc.array(fc.oneof(bits64, special), { minLength: 64, maxLength: 64 }),
        fc.constantFrom(0, 0.5, 1),
        chunking,
        async (descr, shape, pool, h0, sizes) => {
          const count = shape.reduce((a, b) => a * b, 1);
          const size = Number(descr.slice(2));
          const body = Buffer.alloc(count * size);
          const values: number[] = [];
          for (let i = 0; i < count; i++) {
            const v = pool[i % pool.length]!;
            if (descr.includes("i4")) body.writeInt32LE(Number(typeof v === "bigint" ? BigInt.asIntN(32, v) : Math.trunc(Number.isFinite(v) ? v % 2 ** 31 : 0)), i * 4);
            else if (size === 8) typeof v === "bigint" ? body.writeBigUInt64LE(v, i * 8) : body.writeDoubleLE(v, i * 8);
            else typeof v === "bigint" ? body.writeUInt32LE(Number(v & 0xffffffffn), i * 4) : body.writeFloatLE(v, i * 4);
            values.push(descr.includes("i4") ? body.readInt32LE(i * 4) : size === 8 ? body.readDoubleLE(i * 8) : body.readFloatLE(i * 4));
          }
          if (descr.startsWith(">")) size === 8 ? body.swap64() : body.swap32();
          const file = Buffer.concat([encodeHeader(descr, false, shape), body]);
          const want = expectedNpy(descr.includes("f4") ? "<f4" : "<f8", shape, values, h0);
          const { bytes } = await derive(file, "relu", { "at-zero": h0 }, sizes, "npy");
          expect(bytes.equals(want)).toBe(true);
        },
      ),
      budget(300),
    );
  });
});

describe("fuzz: the library API with random arguments", () => {
  it("every call succeeds or throws a DactError, and nothing is written before a throw", async () => {
    const { mkdtempSync, rmSync, existsSync, writeFileSync: write } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const api = await import("../src/index.js");
    const dir = mkdtempSync(path.join(tmpdir(), "dact-fuzz-api-"));
    try {
      const anything = fc.anything({ maxDepth: 3, withTypedArray: true, withBigInt: true, withNullPrototype: true });
      const names = fc.oneof(fc.constantFrom(...api.ACTIVATIONS.map((a) => a.name)), fc.string({ maxLength: 12 }), anything);
      const optionObjects = fc.oneof(
        anything,
        fc.dictionary(fc.constantFrom("at-zero", "atZero", "alpha", "beta", "threshold", "approximate", "lambd", "min-val", "maxVal", "negative-slope", "at_zero", "x"), anything, { maxKeys: 3 }),
      );
      const nested = fc.oneof(anything, fc.array(fc.oneof(fc.double(), fc.constant(null), fc.string(), anything), { maxLength: 5 }), fc.array(fc.array(fc.double(), { maxLength: 3 }), { maxLength: 3 }));
      const mat = fc.record({ shape: fc.oneof(anything, fc.array(fc.integer({ min: -1, max: 4 }), { maxLength: 3 })), data: fc.oneof(anything, fc.float64Array({ maxLength: 16 })), missing: anything, dtype: fc.oneof(anything, fc.constantFrom("f2", "f4", "f8", "f3")), header: anything }, { requiredKeys: [] });
      const writeOpts = fc.oneof(anything, fc.record({ format: fc.oneof(anything, fc.constantFrom("csv", "npy", "json", "xml")), dtype: fc.oneof(anything, fc.constantFrom("f2", "f4", "f3")), delimiter: anything }, { requiredKeys: [] }));
      const expectDactErrorOrOk = async (f: () => unknown) => {
        try {
          await f();
        } catch (e) {
          if (!(e instanceof DactError)) throw new Error(`not a DactError: ${(e as Error)?.stack ?? String(e)}`);
          expect(e.code).toMatch(/^[A-Z_]+$/);
        }
      };
      let k = 0;
      await fc.assert(
        fc.asyncProperty(names, nested, optionObjects, mat, writeOpts, anything, async (name, x, opts, m, wopts, tol) => {
          await expectDactErrorOrOk(() => api.derivative(name as string, x as never, opts as never));
          await expectDactErrorOrOk(() => api.derivative("relu", m as never, {}));
          await expectDactErrorOrOk(() => api.matrix(x as never));
          // writeMatrix: a throw leaves the existing file exactly as it was, and a new path absent.
          const keep = path.join(dir, `keep-${k}.npy`);
          const fresh = path.join(dir, `fresh-${k++}.csv`);
          write(keep, "precious");
          for (const target of [keep, fresh]) {
            try {
              await api.writeMatrix(target, m as never, wopts as never);
            } catch (e) {
              if (!(e instanceof DactError)) throw new Error(`not a DactError: ${(e as Error)?.stack ?? String(e)}`);
              if (target === keep) expect(readFileSync(keep, "utf8")).toBe("precious");
              else expect(existsSync(fresh)).toBe(false);
            }
          }
          await expectDactErrorOrOk(() => api.compare(api.matrix([1]), api.matrix([1]), tol as never));
          await expectDactErrorOrOk(() => api.readMatrix(keep, wopts as never));
        }),
        budget(300),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
