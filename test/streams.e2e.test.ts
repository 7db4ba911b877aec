/**
 * Issue 24 §3 and §5: a gradient that does not fit is always an error, a
 * run never exits 0 with work pending, and gzip input of any size.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { openInput, pump } from "../src/io.js";
import { ROOT } from "./helpers.js";
import { dact, workdir } from "./workdir.js";

/** A little-endian float64 .npy of `values`, shape (n,). */
function npy(values: Float64Array): Buffer {
  let h = `{'descr': '<f8', 'fortran_order': False, 'shape': (${values.length},), }`;
  const pad = 64 - ((10 + h.length + 1) % 64);
  h += " ".repeat(pad) + "\n";
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(h.length, 8);
  return Buffer.concat([head, Buffer.from(h, "latin1"), Buffer.from(values.buffer, values.byteOffset, values.byteLength)]);
}

/** Deterministic values with negatives, zeros and a spread of magnitudes. */
function values(n: number, seed = 1): Float64Array {
  const v = new Float64Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    v[i] = i % 97 === 0 ? 0 : ((s / 2147483648) * 2 - 1) * 10 ** ((i % 7) - 3);
  }
  return v;
}

const csv = (v: Float64Array, cols = 1) => {
  const rows: string[] = [];
  for (let i = 0; i < v.length; i += cols) rows.push(Array.from(v.subarray(i, i + cols), (x) => String(x)).join(","));
  return rows.join("\n") + "\n";
};
const json = (v: Float64Array) => JSON.stringify(Array.from(v));

/** Files in `d` that a run may have left behind (dact's temporary names). */
const leftovers = (d: string) => readdirSync(d, { recursive: true }).map(String).filter((f) => /dact-tmp|dact-spool/.test(f));

describe("§3 a gradient that does not fit is always an error", () => {
  const N = 1000;
  // Longer by 2^20 values and more: the case that exited 0 with nothing;
  // and the neighbours: longer by one, shorter by one and by a lot.
  const extras = [(1 << 20) + 5, 3 << 20, 1, -1, -(N - 1)];
  for (const gfmt of ["csv", "json", "npy", "csv.gz", "json.gz"] as const) {
    for (const extra of extras) {
      if (gfmt === "npy" && extra > 1 << 20) continue; // shape known up front: covered by the shape check below
      it(`X (${N},) with G .${gfmt} of ${N + extra} values: exit 2, SHAPE, nothing written (also --check)`, () => {
        const d = workdir();
        writeFileSync(path.join(d, "x.npy"), npy(values(N)));
        const g = values(N + extra, 7);
        const raw = gfmt.startsWith("csv") ? Buffer.from(csv(g)) : gfmt.startsWith("json") ? Buffer.from(json(g)) : npy(g);
        writeFileSync(path.join(d, `g.${gfmt}`), gfmt.endsWith(".gz") ? gzipSync(raw) : raw);
        const r = dact(["relu", "x.npy", "--grad-output", `g.${gfmt}`, "-o", "out.npy"], { cwd: d });
        expect(r.status).toBe(2);
        expect(r.stderr).toMatch(/^dact: x\.npy: the gradient g\.[a-z.]+ (has|ends)/);
        expect(r.stderr.trim().split("\n")).toHaveLength(1);
        expect(existsSync(path.join(d, "out.npy"))).toBe(false);
        expect(leftovers(d)).toEqual([]);
        // --check compares nothing with a G that does not fit: the same error.
        writeFileSync(path.join(d, "golden.npy"), npy(values(N)));
        const c = dact(["relu", "x.npy", "--grad-output", `g.${gfmt}`, "--check", "golden.npy"], { cwd: d });
        expect([c.status, c.stderr.split("\n").length]).toEqual([2, 2]);
        expect(c.stderr).toMatch(/the gradient/);
      });
    }
  }

  it("X a CSV (length unknown too) with a G longer by 2^20 values: exit 2 and no file", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), csv(values(5000)));
    writeFileSync(path.join(d, "g.csv"), csv(values(5000 + (1 << 20) + 1, 3)));
    const r = dact(["tanh", "x.csv", "--grad-output", "g.csv", "-o", "out.csv"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/the gradient g\.csv has more values than the input/);
    expect(readdirSync(d).sort()).toEqual(["g.csv", "x.csv"]);
  });

  it("into and between containers: a long CSV G into .npz, and .npz members of other lengths (gzipped too)", () => {
    const d = workdir();
    mkdirSync(path.join(d, "g"));
    writeFileSync(path.join(d, "x.csv"), csv(values(3000)));
    writeFileSync(path.join(d, "glong.csv"), csv(values(3000 + (1 << 20) + 1)));
    let r = dact(["relu", "x.csv", "--grad-output", "glong.csv", "-o", "out.npz"], { cwd: d });
    expect([r.status, r.stderr]).toEqual([2, expect.stringMatching(/^dact: x\.csv: the gradient glong\.csv has more values than the input[^\n]*\n$/)]);
    // x.npz and g/x.npz each hold a member "x": 3000 values against 3001 and 2999.
    writeFileSync(path.join(d, "x.npy"), npy(values(3000)));
    expect(dact(["relu", "x.npy", "-o", "x.npz"], { cwd: d }).status).toBe(0);
    for (const n of [3001, 2999]) {
      writeFileSync(path.join(d, "g", "x.npy"), npy(values(n, 2)));
      expect(dact(["relu", "g/x.npy", "-o", "g/x.npz"], { cwd: d }).status).toBe(0);
      writeFileSync(path.join(d, "g", "x.npz.gz"), gzipSync(readFileSync(path.join(d, "g", "x.npz"))));
      for (const g of ["g/x.npz", "g/x.npz.gz"]) {
        r = dact(["relu", "x.npz", "--grad-output", g, "-o", "out.npz"], { cwd: d });
        expect([n, g, r.status, r.stderr]).toEqual([n, g, 2, expect.stringMatching(/the gradient .* has shape \(\d+,\) and the input has \(3000,\)/)]);
      }
    }
    expect(existsSync(path.join(d, "out.npz"))).toBe(false);
    expect(leftovers(d)).toEqual([]);
  });

  it("to stdout: exit 2, and no partial document", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.npy"), npy(values(100)));
    writeFileSync(path.join(d, "g.csv"), csv(values(100 + (1 << 20) + 9)));
    const r = dact(["relu", "x.npy", "--grad-output", "g.csv", "--to", "csv"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/has more values than the input/);
  });

  it("batch with --grad-output-dir: the file with a long G fails (no hang), the others are written", () => {
    const d = workdir();
    for (const f of ["in", "g"]) mkdirSync(path.join(d, f));
    for (const name of ["a", "b", "c"]) writeFileSync(path.join(d, "in", `${name}.csv`), csv(values(2000)));
    // The gradient of in/x.csv is g/x.csv: a's is longer by 2^20 values, c's shorter, b's fits.
    writeFileSync(path.join(d, "g", "a.csv"), csv(values(2000 + (1 << 20) + 3)));
    writeFileSync(path.join(d, "g", "b.csv"), csv(values(2000, 5)));
    writeFileSync(path.join(d, "g", "c.csv"), csv(values(1999, 5)));
    const r = dact(["relu", "in", "--out-dir", "out", "--grad-output-dir", "g", "--jobs", "2"], { cwd: d, timeout: 60_000 });
    expect(r.signal).toBe(null);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/a\.csv: the gradient \S+ has more values than the input/);
    expect(r.stderr).toMatch(/c\.csv: the gradient \S+ ends after/);
    expect(readdirSync(path.join(d, "out"))).toEqual(["b.csv"]);
    expect(leftovers(d)).toEqual([]);
  });
});

describe("§3 bin/dact.js never exits 0 with main() pending", () => {
  /** bin/dact.js over a stand-in bundle whose main never settles and whose event loop empties. */
  function stub(d: string, body: string): ReturnType<typeof spawnSync> {
    mkdirSync(path.join(d, "bin"));
    mkdirSync(path.join(d, "dist"));
    copyFileSync(path.join(ROOT, "bin", "dact.js"), path.join(d, "bin", "dact.js"));
    copyFileSync(path.join(ROOT, "bin", "package.json"), path.join(d, "bin", "package.json"));
    writeFileSync(path.join(d, "dist", "dact.cjs"), body);
    return spawnSync(process.execPath, [path.join(d, "bin", "dact.js")], { encoding: "utf8", timeout: 20_000 });
  }

  it("a promise that can never settle: exit 2, one line, the temporary file removed", () => {
    const d = workdir();
    const tmp = path.join(d, ".out.dact-tmp");
    const r = stub(
      d,
      `const fs = require("fs");
       exports.cleanupForExit = () => fs.unlinkSync(${JSON.stringify(tmp)});
       exports.main = async () => { fs.writeFileSync(${JSON.stringify(tmp)}, "partial"); await new Promise(() => {}); return 0; };`,
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dact: internal error .*pending/);
    expect(existsSync(tmp)).toBe(false);
  });

  it("a main that settles keeps its code, and an explicit exit (a signal's) keeps its own", () => {
    expect(stub(workdir(), `exports.main = async () => 1;`).status).toBe(1);
    expect(stub(workdir(), `exports.main = async () => { await new Promise((r) => setTimeout(r, 50)); return 0; };`).status).toBe(0);
    expect(stub(workdir(), `exports.main = () => new Promise(() => setTimeout(() => process.exit(130), 20));`).status).toBe(130);
  });
});

describe("§5 gzip input of any size", () => {
  // Over 2 MiB compressed and uncompressed: the read buffer was reused under gzip's read-ahead.
  const N = 600_000;
  const x = values(N);
  const cases: [string, Buffer][] = [
    ["npy", npy(x)],
    ["csv", Buffer.from(csv(x, 4))],
    ["json", Buffer.from(json(x))],
  ];
  for (const [ext, raw] of cases) {
    it(`x.${ext}.gz of ${(raw.length / 2 ** 20).toFixed(1)} MiB: the same bytes as x.${ext}`, () => {
      const d = workdir();
      const gz = gzipSync(raw, { level: 1 });
      expect(gz.length).toBeGreaterThan(2 << 20);
      writeFileSync(path.join(d, `x.${ext}`), raw);
      writeFileSync(path.join(d, `z.${ext}.gz`), gz);
      const a = dact(["relu", `x.${ext}`, "-o", `a.${ext}`], { cwd: d });
      const b = dact(["relu", `z.${ext}.gz`, "-o", `b.${ext}`], { cwd: d });
      expect([a.status, b.status, b.stderr]).toEqual([0, 0, ""]);
      expect(readFileSync(path.join(d, `b.${ext}`)).equals(readFileSync(path.join(d, `a.${ext}`)))).toBe(true);
      // Through stdin too, and as a .npz member's source (a spool).
      const s = dact(["relu", "-", "--format", ext, "--to", ext], { cwd: d, input: gz });
      expect(s.status).toBe(0);
      expect(s.stdout.equals(readFileSync(path.join(d, `a.${ext}`)))).toBe(true);
    });
  }

  it("--grad-output g.npy.gz and g.csv.gz over 2 MiB: the same bytes as with g.npy", () => {
    const d = workdir();
    const g = values(N, 11);
    writeFileSync(path.join(d, "x.npy"), npy(x));
    writeFileSync(path.join(d, "x.npy.gz"), gzipSync(npy(x), { level: 1 }));
    writeFileSync(path.join(d, "g.npy"), npy(g));
    writeFileSync(path.join(d, "g.npy.gz"), gzipSync(npy(g), { level: 1 }));
    writeFileSync(path.join(d, "g.csv.gz"), gzipSync(Buffer.from(csv(g)), { level: 1 }));
    const want = dact(["silu", "x.npy", "--grad-output", "g.npy", "-o", "want.npy"], { cwd: d });
    expect(want.status).toBe(0);
    for (const [xs, gs] of [["x.npy", "g.npy.gz"], ["x.npy.gz", "g.npy.gz"], ["x.npy.gz", "g.csv.gz"]]) {
      const r = dact(["silu", xs!, "--grad-output", gs!, "-o", "got.npy"], { cwd: d });
      expect([xs, gs, r.status, r.stderr]).toEqual([xs, gs, 0, ""]);
      expect(readFileSync(path.join(d, "got.npy")).equals(readFileSync(path.join(d, "want.npy")))).toBe(true);
    }
  });

  it("--check against a golden, with a gzipped input and a gzipped golden over 2 MiB", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.npy"), npy(x));
    writeFileSync(path.join(d, "x.npy.gz"), gzipSync(npy(x), { level: 1 }));
    expect(dact(["relu", "x.npy", "-o", "golden.npy"], { cwd: d }).status).toBe(0);
    writeFileSync(path.join(d, "golden.npy.gz"), gzipSync(readFileSync(path.join(d, "golden.npy")), { level: 1 }));
    for (const golden of ["golden.npy", "golden.npy.gz"]) {
      const r = dact(["relu", "x.npy.gz", "--check", golden], { cwd: d, env: { ...process.env, CI: "", DACT_UPDATE: "" } });
      expect([golden, r.status, r.stderr]).toEqual([golden, 0, ""]);
    }
  });

  it("batch over gzipped inputs over 2 MiB: each output the same bytes as from the plain file", () => {
    const d = workdir();
    mkdirSync(path.join(d, "in"));
    writeFileSync(path.join(d, "in", "a.npy.gz"), gzipSync(npy(x), { level: 1 }));
    writeFileSync(path.join(d, "in", "b.csv.gz"), gzipSync(Buffer.from(csv(x, 4)), { level: 1 }));
    writeFileSync(path.join(d, "a.npy"), npy(x));
    writeFileSync(path.join(d, "b.csv"), csv(x, 4));
    const r = dact(["relu", "in", "--out-dir", "out", "--jobs", "2"], { cwd: d });
    expect([r.status, r.stderr]).toEqual([0, "2 written, 0 failed\n"]);
    expect(dact(["relu", "a.npy", "-o", "a.out.npy"], { cwd: d }).status).toBe(0);
    expect(dact(["relu", "b.csv", "-o", "b.out.csv"], { cwd: d }).status).toBe(0);
    const outs = readdirSync(path.join(d, "out")).sort();
    expect(outs).toHaveLength(2);
    const byExt = (e: string) => {
      const f = outs.find((o) => o.includes(e))!;
      const b = readFileSync(path.join(d, "out", f));
      return f.endsWith(".gz") ? gunzipSync(b) : b; // batch keeps the input's compression
    };
    expect(byExt(".npy").equals(readFileSync(path.join(d, "a.out.npy")))).toBe(true);
    expect(byExt(".csv").equals(readFileSync(path.join(d, "b.out.csv")))).toBe(true);
  });
});

describe("§5 who owns a chunk (src/io.ts)", () => {
  it("chunks() of a regular file are the consumer's to keep across awaits; pump still sees every byte once", async () => {
    const d = workdir();
    const bytes = Buffer.alloc(5 * (1 << 20) + 123);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >> 20)) & 0xff;
    writeFileSync(path.join(d, "f.bin"), bytes);
    const kept: Buffer[] = [];
    const input = await openInput(path.join(d, "f.bin"));
    try {
      await input.peek(10);
      for await (const c of input.chunks()) {
        kept.push(c); // kept, not copied, across the awaits below
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      await input.close();
    }
    expect(Buffer.concat(kept).equals(bytes)).toBe(true);
    // pump: a synchronous parser that copies what it keeps gets the same bytes.
    const seen: Buffer[] = [];
    const again = await openInput(path.join(d, "f.bin"));
    try {
      await pump(again, { push: (c) => void seen.push(Buffer.from(c)), end: () => {} }, () => new Promise((r) => setImmediate(r)));
    } finally {
      await again.close();
    }
    expect(Buffer.concat(seen).equals(bytes)).toBe(true);
  });
});
