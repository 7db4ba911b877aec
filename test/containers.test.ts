/**
 * Issue 11: .npz, .safetensors, bfloat16, gzip and binary files, against
 * what numpy, safetensors and ml_dtypes wrote (fixtures/make_containers.py).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { gzipSync, inflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { numberToBf16 } from "../src/formats/bfloat16.js";
import { memoryInput } from "../src/io.js";
import { readNamed } from "../src/matrix.js";
import { runDerivative } from "../src/pipeline.js";
import { FIXTURES, npyBytes } from "./helpers.js";
import { dact, workdir } from "./workdir.js";

const C = path.join(FIXTURES, "containers");
const EXP = path.join(C, "expected");

/** The members of a zip, by an extractor written apart from dact's reader (whole buffer, sync). */
function unzip(b: Buffer): Map<string, Buffer> {
  let eocd = b.length - 22;
  while (b.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  let n = b.readUInt16LE(eocd + 10);
  let at = b.readUInt32LE(eocd + 16);
  if (n === 0xffff) {
    const rec = Number(b.readBigUInt64LE(eocd - 20 + 8));
    n = Number(b.readBigUInt64LE(rec + 32));
    at = Number(b.readBigUInt64LE(rec + 48));
  }
  const out = new Map<string, Buffer>();
  for (let k = 0; k < n; k++) {
    const method = b.readUInt16LE(at + 10);
    const size = b.readUInt32LE(at + 20);
    const nameLen = b.readUInt16LE(at + 28);
    const extraLen = b.readUInt16LE(at + 30);
    const commentLen = b.readUInt16LE(at + 32);
    const local = b.readUInt32LE(at + 42);
    const name = b.toString("utf8", at + 46, at + 46 + nameLen);
    const start = local + 30 + b.readUInt16LE(local + 26) + b.readUInt16LE(local + 28);
    const data = b.subarray(start, start + size);
    out.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

describe(".npz: members byte-identical to np.save of each result", () => {
  it.each(["stored", "compressed", "positional", "one"])("%s.npz (relu, at-zero 0.5)", (name) => {
    const d = workdir();
    const r = dact(["relu", "--at-zero", "0.5", path.join(C, `${name}.npz`), "-o", path.join(d, "out.npz")]);
    expect(r.status, r.stderr).toBe(0);
    const members = unzip(readFileSync(path.join(d, "out.npz")));
    const want = readdirSync(EXP).filter((f) => f.startsWith(`${name}.`) && f.endsWith(".npy"));
    expect([...members.keys()].sort()).toEqual(want.map((f) => f.slice(name.length + 1)).sort());
    for (const f of want) expect(members.get(f.slice(name.length + 1))!.equals(readFileSync(path.join(EXP, f))), f).toBe(true);
    // Compressed members stay compressed; stored stay stored.
    const raw = readFileSync(path.join(d, "out.npz"));
    expect(raw.readUInt16LE(8)).toBe(name === "compressed" ? 8 : 0);
    // Byte-stable: a second run gives the same bytes.
    dact(["relu", "--at-zero", "0.5", path.join(C, `${name}.npz`), "-o", path.join(d, "again.npz")]);
    expect(readFileSync(path.join(d, "again.npz")).equals(raw)).toBe(true);
  });

  it("--key selects members, in the input's order; --compress deflates every member", () => {
    const d = workdir();
    expect(dact(["relu", path.join(C, "stored.npz"), "--key", "f4", "--key", "f8", "--compress", "-o", path.join(d, "sel.npz")]).status).toBe(0);
    const raw = readFileSync(path.join(d, "sel.npz"));
    expect([...unzip(raw).keys()]).toEqual(["f8.npy", "f4.npy"]);
    expect(raw.readUInt16LE(8)).toBe(8);
    const bad = dact(["relu", path.join(C, "stored.npz"), "--key", "nope", "-o", path.join(d, "x.npz")]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(`dact: ${path.join(C, "stored.npz")}: --key "nope": no array of that name; expected one of "f8", "f4", "f2", "i4", "u1", "b1", "fortran", "big_endian", "scalar", "empty"\n`);
    expect(existsSync(path.join(d, "x.npz"))).toBe(false);
  });
});

describe(".safetensors: byte-identical to safetensors.numpy.save_file", () => {
  it.each(["all", "bf16"])("%s.safetensors: every dtype, __metadata__ carried over", (name) => {
    const d = workdir();
    const r = dact(["relu", "--at-zero", "0.5", path.join(C, `${name}.safetensors`), "-o", path.join(d, "out.safetensors")]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(path.join(d, "out.safetensors")).equals(readFileSync(path.join(EXP, `${name}.safetensors`)))).toBe(true);
  });

  it("from stdin (spooled), and gzipped", () => {
    const want = readFileSync(path.join(EXP, "all.safetensors"));
    const r = dact(["relu", "--at-zero", "0.5", "--format", "safetensors"], { input: readFileSync(path.join(C, "all.safetensors")) });
    expect(r.stdout.equals(want)).toBe(true);
    const z = dact(["relu", "--at-zero", "0.5"], { input: gzipSync(readFileSync(path.join(C, "all.safetensors"))) });
    expect(z.status, z.stderr).toBe(0);
    expect(z.stdout.equals(want)).toBe(true);
  });
});

describe("bfloat16", () => {
  it("a .npy of bfloat16 (ml_dtypes' '<V2') gives ml_dtypes' np.save of the result", () => {
    const r = dact(["relu", "--at-zero", "0.5", path.join(C, "bf16.npy")]);
    expect(r.stdout.equals(readFileSync(path.join(EXP, "bf16.npy")))).toBe(true);
  });

  it("rounds float64 once to bfloat16; equal to ml_dtypes except where its cast through float32 rounds twice", () => {
    const rows = JSON.parse(readFileSync(path.join(C, "bf16-rounding.json"), "utf8")) as { x: string; ml_dtypes: number; round_once: number }[];
    let differ = 0;
    for (const row of rows) {
      const x = Number(row.x.replace("inf", "Infinity"));
      expect(numberToBf16(x), row.x).toBe(row.round_once);
      // ml_dtypes casts float64 -> float32 -> bfloat16: when float32 lands
      // exactly on a bfloat16 midpoint, ties-to-even can go the other way.
      if (row.ml_dtypes !== row.round_once) differ++;
      else expect(numberToBf16(x)).toBe(row.ml_dtypes);
    }
    expect(differ).toBeGreaterThan(0); // the table has such cases: e.g. 1.0039062500000002 -> 0x3f81 here, 0x3f80 in ml_dtypes
    expect(numberToBf16(1.0039062500000002)).toBe(0x3f81);
  });

  it("--dtype bf16 for .npy, .npz and .safetensors output", () => {
    const d = workdir();
    writeFileSync(path.join(d, "m.csv"), "-1.5,0.1\n");
    expect(dact(["gelu", "m.csv", "--dtype", "bf16", "-o", "g.npy"], { cwd: d }).status).toBe(0);
    expect(readFileSync(path.join(d, "g.npy")).toString("latin1", 10, 40)).toContain("'descr': '<V2'");
    expect(dact(["gelu", "m.csv", "--dtype", "bf16", "-o", "g.safetensors"], { cwd: d }).status).toBe(0);
    expect(readFileSync(path.join(d, "g.safetensors")).toString("latin1", 8, 60)).toContain('"dtype":"BF16"');
    const t = dact(["gelu", "m.csv", "--dtype", "bf16", "--to", "csv"], { cwd: d });
    expect(t.status).toBe(2);
    expect(t.stderr).toMatch(/option --dtype: csv output has no dtype/);
  });
});

describe("between containers and single arrays", () => {
  it("a container into a single-array format needs exactly one selected array", () => {
    const multi = dact(["relu", path.join(C, "stored.npz"), "--to", "csv"]);
    expect(multi.status).toBe(2);
    expect(multi.stderr).toBe(`dact: ${path.join(C, "stored.npz")}: holds 10 arrays ("f8", "f4", "f2", "i4", "u1", "b1", "fortran", "big_endian", "scalar", "empty"); expected one for csv output: pass --key NAME, or write .npz or .safetensors\n`);
    expect(dact(["relu", path.join(C, "stored.npz"), "--key", "f8", "--to", "csv"]).stdout.toString()).toBe("0.0,0.0,1.0\n0.0,1.0,0.0\n");
    expect(dact(["relu", path.join(C, "one.npz"), "--to", "json"]).stdout.toString()).toBe("[[0.0,0.0,1.0],[0.0,1.0,0.0]]\n");
  });

  it("a single array into a container is stored under the input's stem", async () => {
    const d = workdir();
    writeFileSync(path.join(d, "weights.csv"), "-1,2\n");
    expect(dact(["relu", "weights.csv", "-o", "w.npz"], { cwd: d }).status).toBe(0);
    expect([...unzip(readFileSync(path.join(d, "w.npz"))).keys()]).toEqual(["weights.npy"]);
    expect(dact(["relu", "weights.csv", "-o", "w.safetensors"], { cwd: d }).status).toBe(0);
    const named = await readNamed(memoryInput(readFileSync(path.join(d, "w.safetensors")), "w.safetensors"), "safetensors");
    expect(named.arrays.map(([n, m]) => [n, m.shape, Array.from(m.data)])).toEqual([["weights", [1, 2], [0, 1]]]);
    // stdin has no stem: arr_0, as np.savez names a positional array
    const s = dact(["relu", "--format", "csv", "--to", "npz"], { input: "1\n" });
    expect([...unzip(s.stdout).keys()]).toEqual(["arr_0.npy"]);
  });
});

describe("truncated and corrupt containers: one line, nothing written", () => {
  it.each(["stored.npz", "compressed.npz", "all.safetensors"])("%s cut at every 9th byte, and bytes flipped in its header", async (name) => {
    const bytes = readFileSync(path.join(C, name));
    const d = workdir();
    const ext = path.extname(name);
    const cases: Buffer[] = [];
    for (let cut = 0; cut < bytes.length; cut += 9) cases.push(bytes.subarray(0, cut));
    for (const at of [0, 4, 8, 9, 20, 40, 60, 100]) {
      const b = Buffer.from(bytes);
      b[at] = b[at]! ^ 0x5a;
      cases.push(b);
    }
    // The central directory at the end of an .npz, too.
    for (let at = bytes.length - 100; at < bytes.length; at += 7) {
      const b = Buffer.from(bytes);
      b[at] = b[at]! ^ 0xff;
      cases.push(b);
    }
    let errors = 0;
    for (const [k, b] of cases.entries()) {
      const src = path.join(d, `in${k}${ext}`);
      const out = path.join(d, `out${k}${ext}`);
      writeFileSync(src, b);
      try {
        await runDerivative({ activation: "relu", params: { "at-zero": 0 }, input: src, output: out, format: ext === ".npz" ? "npz" : "safetensors" }, () => {});
      } catch (e) {
        errors++;
        expect((e as Error).name, String(e)).toBe("DactError");
        expect((e as Error).message.split("\n")).toHaveLength(1);
        expect(existsSync(out), `${k}: output left after an error`).toBe(false);
      }
    }
    expect(errors).toBeGreaterThan(cases.length / 2);
    expect(readdirSync(d).filter((f) => f.includes("dact-tmp"))).toEqual([]);
  });

  it.each([
    ["a header longer than the limit", (() => { const b = Buffer.alloc(16); b.writeBigUInt64LE(100_000_001n); return b; })(), /header length 100000001 is over safetensors' limit/],
    ["a header past the end", (() => { const b = Buffer.alloc(16); b.writeBigUInt64LE(64n); b.write("{}", 8); return b; })(), /header length 64 runs past the end of the file/],
    ["overlapping offsets", st({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] }, b: { dtype: "F32", shape: [1], data_offsets: [2, 6] } }, 8), /tensor "b" has data_offsets \[2, 6\]; expected to start at 4/],
    ["a gap", st({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, 8), /tensor "a" has data_offsets \[4, 8\]; expected to start at 0/],
    ["a size that does not match", st({ a: { dtype: "F64", shape: [2], data_offsets: [0, 8] } }, 8), /tensor "a" has 8 bytes .*expected 16 for shape \[2\] of F64/],
    ["trailing bytes", st({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, 8), /the tensors cover 4 bytes of data but the file has 8/],
    ["an unknown dtype", st({ a: { dtype: "F8_E4M3", shape: [1], data_offsets: [0, 1] } }, 1), /dtype "F8_E4M3" \(not read by dact\)/],
    ["metadata that is not strings", st({ __metadata__: { a: 1 } }, 0), /__metadata__ is not a map of strings to strings/],
  ])("safetensors: %s", (_name, bytes, message) => {
    const d = workdir();
    writeFileSync(path.join(d, "x.safetensors"), bytes);
    const r = dact(["relu", "x.safetensors", "-o", "out.safetensors"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.split("\n")).toHaveLength(2);
    expect(readdirSync(d)).toEqual(["x.safetensors"]);
  });
});

function st(header: object, dataBytes: number): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, Buffer.alloc(dataBytes)]);
}

describe("chunk boundaries: containers read from any chunking of a pipe", () => {
  it.each([[1], [7], [4096]])("chunks of %i bytes", async (size) => {
    for (const name of ["compressed.npz", "all.safetensors"]) {
      const bytes = readFileSync(path.join(C, name));
      const a = await readNamed(memoryInput(bytes, name, [size]), name.endsWith(".npz") ? "npz" : "safetensors");
      const b = await readNamed(memoryInput(bytes, name), name.endsWith(".npz") ? "npz" : "safetensors");
      expect(a.arrays.map(([n, m]) => [n, m.shape, Array.from(m.data)])).toEqual(b.arrays.map(([n, m]) => [n, m.shape, Array.from(m.data)]));
    }
  });
});

describe("gzip", () => {
  it("x.csv.gz, x.npy.gz, x.jsonl.gz and stdin are read; -o x.gz compresses, byte-stable", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv.gz"), gzipSync("-1,2\n"));
    writeFileSync(path.join(d, "x.jsonl.gz"), gzipSync("[-1,2]\n"));
    writeFileSync(path.join(d, "x.npy.gz"), gzipSync(readFileSync(path.join(C, "bf16.npy"))));
    expect(dact(["relu", "x.csv.gz"], { cwd: d }).stdout.toString()).toBe("0.0,1.0\n");
    expect(dact(["relu", "x.jsonl.gz"], { cwd: d }).stdout.toString()).toBe("[0.0,1.0]\n");
    expect(dact(["relu", "--at-zero", "0.5", "x.npy.gz"], { cwd: d }).stdout.equals(readFileSync(path.join(EXP, "bf16.npy")))).toBe(true);
    expect(dact(["relu"], { input: gzipSync("-3,4\n") }).stdout.toString()).toBe("0.0,1.0\n");
    expect(dact(["relu", "x.csv.gz", "-o", "y.csv.gz"], { cwd: d }).status).toBe(0);
    const first = readFileSync(path.join(d, "y.csv.gz"));
    expect(first.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(dact(["relu", "y.csv.gz"], { cwd: d }).stdout.toString()).toBe("0.0,1.0\n");
    dact(["relu", "x.csv.gz", "-o", "z.csv.gz"], { cwd: d });
    expect(readFileSync(path.join(d, "z.csv.gz")).equals(first)).toBe(true);
    writeFileSync(path.join(d, "cut.csv.gz"), gzipSync("-1,2\n".repeat(1000)).subarray(0, 40));
    const cut = dact(["relu", "cut.csv.gz", "-o", "out.csv"], { cwd: d });
    expect(cut.status).toBe(2);
    expect(cut.stderr).toMatch(/^dact: cut\.csv\.gz: gzip data is corrupt or cut short/);
    expect(existsSync(path.join(d, "out.csv"))).toBe(false);
  });
});

describe("binary files dact does not read: one line that says what they are", () => {
  it.each([
    ["a.xlsx", Buffer.concat([Buffer.from([0x50, 0x4b, 3, 4]), Buffer.alloc(22), Buffer.from([19, 0, 0, 0]), Buffer.from("[Content_Types].xml")]), /is an Office file \(a zip of XML: \.xlsx\?\); expected CSV/],
    ["m.pt", Buffer.concat([Buffer.from([0x50, 0x4b, 3, 4]), Buffer.alloc(22), Buffer.from([16, 0, 0, 0]), Buffer.from("archive/data.pkl")]), /is a PyTorch checkpoint/],
    ["old.pt", Buffer.from([0x80, 0x02, 0x8a, 0x0a]), /is a Python pickle/],
    ["w.h5", Buffer.concat([Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(8)]), /is an HDF5 file/],
    ["nul.csv", Buffer.from("1,2\n3,\u00004\n"), /^dact: nul\.csv: byte 6: binary data \(a NUL byte\); expected CSV text\n$/],
    ["latin1.csv", Buffer.from("temp\u00e9rature\n1\n", "latin1"), /^dact: latin1\.csv: byte 4: binary data \(invalid UTF-8\); expected CSV text in UTF-8/],
    ["t.json", Buffer.from("[1,\u0000]"), /^dact: t\.json: byte 3: binary data \(a NUL byte\); expected JSON text\n$/],
    ["n.csv", Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]), Buffer.alloc(8)]), /^dact: n\.csv: is a \.npy file \(by its content\), not csv; expected csv text \(pass --format npy/],
  ])("%s", (name, bytes, message) => {
    const d = workdir();
    writeFileSync(path.join(d, name), bytes);
    const r = dact(["relu", name, "-o", "out.csv"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.split("\n")).toHaveLength(2);
    expect(existsSync(path.join(d, "out.csv"))).toBe(false);
  });
});

describe(".npy dtype spellings and huge empty shapes", () => {
  const npy = npyBytes;
  it.each([
    ["float32", Buffer.from(new Float32Array([-1, 2]).buffer), "<f4"],
    ["<d", Buffer.from(new Float64Array([-1, 2]).buffer), "<f8"],
    ["d", Buffer.from(new Float64Array([-1, 2]).buffer), "<f8"],
    ["double", Buffer.from(new Float64Array([-1, 2]).buffer), "<f8"],
    ["f", Buffer.from(new Float32Array([-1, 2]).buffer), "<f4"],
    ["uint8", Buffer.from([0, 2]), "<f8"],
    ["int16", Buffer.from(new Int16Array([-1, 2]).buffer), "<f8"],
    ["?", Buffer.from([0, 1]), "<f8"],
    ["bool", Buffer.from([0, 1]), "<f8"],
    ["e", Buffer.from(new Uint16Array([0xbc00, 0x4000]).buffer), "<f2"],
  ])("descr %j", (descr, data, out) => {
    const r = dact(["relu", "--format", "npy"], { input: npy(descr, "(2,)", data) });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.toString("latin1", 10, 30)).toContain(`'descr': '${out}'`);
  });

  it("an empty array with a dimension of 2**60 + 1 keeps it exactly", () => {
    const r = dact(["relu", "--format", "npy"], { input: npy("<f8", "(0, 1152921504606846977)", Buffer.alloc(0)) });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.toString("latin1")).toContain("'shape': (0, 1152921504606846977)");
  });
});

describe("compare and --check on containers, key by key", () => {
  it("names on one side only and differing shapes are differences (exit 1)", () => {
    const d = workdir();
    expect(dact(["relu", "--at-zero", "0.5", path.join(C, "stored.npz"), "--check", path.join(C, "stored.npz")]).status).toBe(1);
    expect(dact(["relu", path.join(C, "stored.npz"), "-o", path.join(d, "a.npz")]).status).toBe(0);
    expect(dact(["compare", path.join(d, "a.npz"), path.join(d, "a.npz")]).status).toBe(0);
    expect(dact(["relu", path.join(C, "stored.npz"), "--key", "f8", "--key", "f4", "-o", path.join(d, "b.npz")]).status).toBe(0);
    const r = dact(["compare", path.join(d, "a.npz"), path.join(d, "b.npz")]);
    expect(r.status).toBe(1);
    expect(r.stdout.toString()).toContain(`${path.join(d, "a.npz")} [f2]: no array of that name in ${path.join(d, "b.npz")}`);
    expect(dact(["relu", path.join(C, "stored.npz"), "--key", "f8", "--check", path.join(d, "b.npz")]).status).toBe(1);
    expect(dact(["relu", path.join(C, "stored.npz"), "--key", "f8", "--key", "f4", "--check", path.join(d, "b.npz")]).status).toBe(0);
  });

  it("batch mode over containers", () => {
    const d = workdir();
    const r = dact(["relu", "--at-zero", "0.5", path.join(C, "all.safetensors"), path.join(C, "one.npz"), "--out-dir", d]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(path.join(d, "all.safetensors")).equals(readFileSync(path.join(EXP, "all.safetensors")))).toBe(true);
  });
});
