/**
 * Corrupt Arrow IPC and Parquet (the red team's repro, fixtures/make_hostile.py):
 * each valid file is patched here byte by byte, as the repro did, and dact
 * must refuse it in one line (exit 2, FORMAT), naming the file and what it
 * found, with nothing on stdout and no output file: never NaN rows made up,
 * a hang or a stack trace. pyarrow refuses every one of these.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { FIXTURES, userEnv } from "./helpers.js";
import { BIN, dact, workdir } from "./workdir.js";

const H = path.join(FIXTURES, "hostile");

function patched(src: string, edits: [number, (b: number) => number][]): Buffer {
  const b = Buffer.from(readFileSync(path.join(H, src)));
  for (const [i, f] of edits) b[i] = f(b[i]!);
  return b;
}

/** Runs dact on `bytes` (named `name`) into `out`; asserts one refusal line matching `found`. */
function refused(name: string, bytes: Buffer, found: RegExp, out = "out.csv"): string {
  const d = workdir();
  writeFileSync(path.join(d, name), bytes);
  // Not dact(): apache-arrow's loops ignored SIGTERM, so the timeout kills.
  const run = spawnSync(process.execPath, [BIN, "relu", name, "-o", out], { cwd: d, env: userEnv(), timeout: 20_000, killSignal: "SIGKILL", input: "" });
  const r = { status: run.status, signal: run.signal, stdout: run.stdout, stderr: run.stderr.toString() };
  expect(r.signal).toBeNull();
  expect(r.status).toBe(2);
  const lines = r.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^dact: ${name.replace(".", "\\.")}: `));
  expect(lines[0]).toMatch(found);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout.length).toBe(0);
  if (out !== "-") expect(existsSync(path.join(d, out))).toBe(false);
  return lines[0]!;
}

const set = (v: number) => () => v;

describe("Arrow IPC: a corrupt file or stream is one FORMAT error", () => {
  it("the valid sources are read (the patches below are what breaks them)", () => {
    for (const f of ["t.arrow", "t.arrows", "t.parquet"]) {
      const d = workdir();
      writeFileSync(path.join(d, f), readFileSync(path.join(H, f)));
      const r = dact(["relu", f, "-o", "-", "--to", "csv"], { cwd: d });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.toString().trim().split("\n")).toHaveLength(5);
    }
  });
  it("rows.arrow: a record batch of length 65284 over 4 values (made 65281 NaN rows)", () => {
    refused("rows.arrow", patched("t.arrow", [[201, set(0xff)]]), /byte 256: .*length 65284 .*column "f" has 4 values/);
  });
  it("a batch and its column both 65284 long over buffers of 4 values: the buffers are checked", () => {
    refused("rows2.arrow", patched("t.arrow", [[201, set(0xff)], [257, set(0xff)]]), /column "f": 65284 values .*bitmap holds \d+; expected 65284/);
  });
  it("eos.arrow: a block in the footer whose metadata length is 0 (read as the end of the stream, exit 0)", () => {
    refused("eos.arrow", patched("t.arrow", [[132, set(0)]]), /byte 128: record batch block 0 .*metadata length 0/);
  });
  it("hang.arrow: the flatbuffer root offset out of range (apache-arrow looped forever, deaf to SIGTERM)", () => {
    const d = workdir();
    writeFileSync(path.join(d, "hang.arrow"), patched("t.arrow", [[137, (b) => b ^ 0x80]]));
    // Its own spawn: the loop ignored SIGTERM, so a timeout must kill.
    const r = spawnSync(process.execPath, [BIN, "relu", "hang.arrow", "-o", "out.csv"], { cwd: d, env: userEnv(), timeout: 20_000, killSignal: "SIGKILL", input: "" });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(2);
    expect(r.stderr.toString().trim()).toMatch(/^dact: hang\.arrow: byte 136: .*root offset of 32788[^\n]*$/);
    expect(r.stdout.length).toBe(0);
    expect(existsSync(path.join(d, "out.csv"))).toBe(false);
  });
  it("a footer whose block points past the data", () => {
    refused("block.arrow", patched("t.arrow", [[0x168, set(0xf0)]]), /record batch block 0 .*outside the file's data/);
  });
  it("oob.arrows: a buffer 2.5 GB past a 40-byte body (read as nulls)", () => {
    refused("oob.arrows", patched("t.arrows", [[227, set(0x96)]]), /byte 224: .*buffer 1 at 2516582408\.\.2516582440 .*body has 40 bytes/);
  });
  it("bomb.arrows: a batch length of 1.3e14 (RangeError: Invalid typed array length)", () => {
    refused("bomb.arrows", patched("t.arrows", [[197, set(0x77)]]), /length 130841883705348 .*column "f" has 4 values/, "-");
  });
  it("a field whose name is left out of the footer reads as pyarrow reads it: named \"\" (it crashed CSV's header)", () => {
    const d = workdir();
    writeFileSync(path.join(d, "noname.arrow"), patched("t.arrow", [[416, set(0)]]));
    const r = dact(["relu", "noname.arrow", "-o", "-", "--to", "csv"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.toString().split("\n").slice(1, 5)).toEqual(["0.0", "0.0", '""', "1.0"]); // relu' of -1, 0, null, 2
  });
  for (const [size, found] of [[-2, /a fixed-size list of -2 values/], [1 << 30, /column "f" is a fixed-size list of 1073741824 values; expected at most 16777216/]] as const) {
    it(`a fixed-size list of ${size} values (an invalid array length in the head)`, () => {
      const b = Buffer.from(readFileSync(path.join(H, "fsl.arrows")));
      const at = b.indexOf(Buffer.from("0600080004000600000002000000", "hex")) + 10; // the FixedSizeList type table's listSize
      expect(b.readInt32LE(at)).toBe(2);
      b.writeInt32LE(size, at);
      refused("fsl.arrows", b, found);
    });
  }
  it("a stream cut inside a body", () => {
    refused("cut.arrows", readFileSync(path.join(H, "t.arrows")).subarray(0, 300), /ends after .* bytes of message 1's body/);
  });
});

describe("Parquet: a corrupt footer is one FORMAT error", () => {
  it("crash.parquet: a column chunk's metadata cut short (RangeError in readGroup)", () => {
    refused("crash.parquet", patched("t.parquet", [[157, set(0)]]), /byte 115: the footer: row group 0, column chunk 0 /);
  });
  it("a column chunk's size past the footer", () => {
    // ColumnMetaData's total_uncompressed_size and total_compressed_size (thrift i64s, 0x16, zigzag varint 0xde 0x01 = 111): the second made 0x7f de = 8175.
    const b = readFileSync(path.join(H, "t.parquet"));
    const at = b.indexOf(Buffer.from("16de0116de01", "hex"));
    expect(at).toBeGreaterThan(115);
    refused("size.parquet", patched("t.parquet", [[at + 5, set(0x7f)]]), /byte 115: the footer: row group 0, column chunk 0 \(f\) at bytes 4\.\.\d+, outside the file's data \(bytes 4\.\.115\)/);
  });
  for (const [out, to] of [["out.npy", []], ["-", ["--to", "json"]], ["out.csv", []]] as const) {
    it(`num_rows 5 over row groups of 4 rows (-o ${out} ${to.join(" ")}): an error naming both`, () => {
      const d = workdir();
      writeFileSync(path.join(d, "n5.parquet"), patched("t.parquet", [[141, set(0x0a)]]));
      const r = dact(["relu", "n5.parquet", "-o", out, ...to], { cwd: d });
      expect(r.status).toBe(2);
      const lines = r.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^dact: n5\.parquet: byte 115: the footer: num_rows 5, but its row groups hold 4 rows/);
      expect(r.stdout.length).toBe(0);
      if (out !== "-") expect(existsSync(path.join(d, out))).toBe(false);
    });
  }
});
