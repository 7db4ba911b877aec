/**
 * Pathological but valid inputs, each bounded in time and memory (peak RSS
 * from /proc/self/status's VmHWM, see test/peak-rss.cjs), through the real binary.
 */
import { spawnSync } from "node:child_process";
import { openSync, readFileSync, writeFileSync, writeSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, PEAK_RSS, workdir as sharedWorkdir } from "./workdir.js";

const workdir = () => sharedWorkdir("dact-patho-");

/** Runs dact with test/peak-rss.cjs preloaded; returns status, stderr, CPU seconds and peak RSS in MB. */
function timed(args: string[], cwd: string, input?: Buffer) {
  const r = spawnSync(process.execPath, ["--require", PEAK_RSS, BIN, ...args], { cwd, input: input ?? "", maxBuffer: 1 << 28 });
  const err = r.stderr.toString();
  const m = /\nmaxRSS=(\d+) cpuMs=(\d+)\n$/.exec(err);
  return { status: r.status, stdout: r.stdout, stderr: (m ? err.slice(0, m.index) : err).trimEnd(), cpuSecs: m ? Number(m[2]) / 1000 : NaN, rssMB: m ? Number(m[1]) / 1024 : NaN };
}

describe("pathological inputs", () => {
  it("one CSV line of 100 MB: finishes, in bounded memory (a long row streams cell by cell)", () => {
    const d = workdir();
    const fd = openSync(path.join(d, "wide.csv"), "w");
    const piece = Buffer.from("-1.5,2,0,".repeat(1 << 16));
    for (let n = 0; n < (100 << 20); n += piece.length) writeSync(fd, piece);
    writeSync(fd, "7\n");
    closeSync(fd);
    const r = timed(["relu", "wide.csv", "-o", "out.csv"], d);
    expect(r.status, r.stderr).toBe(0);
    expect(r.cpuSecs).toBeLessThan(60); // CPU time: a loaded machine stretches wall time, not this
    expect(r.rssMB).toBeLessThan(400);
    const out = readFileSync(path.join(d, "out.csv"));
    expect(out.subarray(0, 24).toString()).toBe("0.0,1.0,0.0,0.0,1.0,0.0,");
    expect(out.subarray(-16).toString()).toBe("0.0,1.0,0.0,1.0\n"); // ...-1.5,2,0 then the final 7
  });

  it("10 million one-cell rows: flat memory", () => {
    const d = workdir();
    writeFileSync(path.join(d, "tall.csv"), "-1\n2\n".repeat(5_000_000));
    const r = timed(["relu", "tall.csv", "-o", "out.csv"], d);
    expect(r.status, r.stderr).toBe(0);
    expect(r.rssMB).toBeLessThan(150);
    expect(readFileSync(path.join(d, "out.csv")).subarray(0, 16).toString()).toBe("0.0\n1.0\n0.0\n1.0\n");
  });

  it("JSON nested 10000 deep: an error, never a stack overflow", () => {
    const d = workdir();
    writeFileSync(path.join(d, "deep.json"), "[".repeat(10_000) + "1" + "]".repeat(10_000));
    const r = timed(["relu", "deep.json"], d);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("dact: deep.json:1:65: found nesting deeper than 64 levels; expected at most 64 (numpy's limit on dimensions)");
  });

  it(".npy header at numpy's 10000-byte limit is read; one byte more is refused", () => {
    const d = workdir();
    const make = (len: number) => {
      const dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
      const header = Buffer.alloc(len, 0x20);
      header.write(dict, 0, "latin1");
      header[len - 1] = 0x0a;
      const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, 0, 0, 0, 0]);
      pre.writeUInt32LE(len, 8);
      return Buffer.concat([pre, header, Buffer.from(new Float64Array([-1, 1]).buffer)]);
    };
    writeFileSync(path.join(d, "at.npy"), make(10_000));
    writeFileSync(path.join(d, "over.npy"), make(10_001));
    const ok = timed(["relu", "at.npy"], d);
    expect(ok.status, ok.stderr).toBe(0);
    expect(Array.from(new Float64Array(ok.stdout.buffer.slice(ok.stdout.byteOffset + ok.stdout.length - 16, ok.stdout.byteOffset + ok.stdout.length)))).toEqual([0, 1]);
    const over = timed(["relu", "over.npy"], d);
    expect(over.status).toBe(2);
    expect(over.stderr).toBe("dact: over.npy: byte 8: header length 10001 is over numpy's limit; expected at most 10000 bytes");
  });

  const empties: [string, Buffer][] = [
    ["0 bytes", Buffer.alloc(0)],
    ["only a BOM", Buffer.from([0xef, 0xbb, 0xbf])],
    ["only whitespace", Buffer.from("  \n\t\r\n \n")],
  ];
  const expectations: Record<string, (name: string) => { status: number; stdout?: string; stderr?: RegExp }> = {
    csv: () => ({ status: 0, stdout: "" }),
    tsv: () => ({ status: 0, stdout: "" }),
    json: () => ({ status: 2, stderr: /empty input; expected a JSON number, null or array/ }),
    jsonl: (name) => ({ status: 0, stdout: name === "only whitespace" ? "\n\r\n\n" : "" }),
    npy: () => ({ status: 2, stderr: /^dact: <stdin>: byte 0: (empty input|bad magic)/ }),
  };
  for (const [name, data] of empties) {
    for (const format of Object.keys(expectations)) {
      it(`${name} as ${format}: ${expectations[format]!(name).status === 0 ? "empty output" : "one clear error"}`, () => {
        const want = expectations[format]!(name);
        const r = timed(["relu", "--format", format], tmpdir(), data);
        expect(r.status, r.stderr).toBe(want.status);
        if (want.stdout !== undefined) expect(r.stdout.toString()).toBe(want.stdout);
        if (want.stderr) expect(r.stderr).toMatch(want.stderr);
        expect(r.stderr.split("\n").length).toBeLessThanOrEqual(1);
      });
    }
  }
});
