// A new user's findings: the unknown-command list, the option name in a
// library error, unknown output extensions, float16 input at float64 output.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { knownExtensions } from "../src/formats/index.js";
import { DactError } from "../src/errors.js";
import { derivative, matrix, readMatrix, writeMatrix, type Matrix } from "../src/index.js";
import { ACTIVATIONS } from "../src/activations/registry.js";
import { dact, workdir } from "./workdir.js";

describe("unknown command", () => {
  it("names every registered subcommand, derived from the program", () => {
    const r = dact(["gelux", "x.csv"]);
    expect(r.status).toBe(2);
    // every subcommand that dact --help lists (activations and help aside) is in the one-line message
    const all = dact(["--help"]).stdout.toString();
    const start = all.indexOf("\nCommands:\n");
    const help = all.slice(start, all.indexOf("\n\n", start + 1));
    const acts = new Set(ACTIVATIONS.map((a) => a.name));
    const names = [...help.matchAll(/^ {2}([a-z][a-z0-9-]*) /gm)].map((m) => m[1]!).filter((n) => n !== "help" && !acts.has(n));
    for (const n of ["list", "compare", "review", "merge-reports", "completion"]) expect(names).toContain(n);
    const tail = r.stderr.slice(r.stderr.lastIndexOf(";"));
    for (const n of names) expect(tail).toContain(n);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe("library option error", () => {
  it("names the option once", () => {
    let e: unknown;
    try {
      derivative("relu", [1], { atZero: "abc" } as never);
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(DactError);
    expect((e as DactError).code).toBe("USAGE");
    expect((e as DactError).message).not.toMatch(/option option/);
    expect((e as DactError).message).toMatch(/at-zero/);
  });
});

const FIX = path.join(__dirname, "..", "fixtures");
const nums = (csv: string) => csv.split(/[,\n]/).filter((c) => c !== "").map(Number);

describe("-o with an extension no format has", () => {
  it("is a usage error without --to, and writes nothing", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "1,-2\n0,3\n");
    for (const ext of [".xlsx", ".pt", ".h5", ".bin", ".xlsx.gz"]) {
      const r = dact(["relu", "x.csv", "-o", `out${ext}`], { cwd: d });
      expect(r.status, ext).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      // the message lists the registry's extensions
      for (const known of knownExtensions()) expect(r.stderr).toContain(known);
      expect(existsSync(path.join(d, `out${ext}`))).toBe(false);
    }
    expect(readdirSync(d)).toEqual(["x.csv"]);
  });

  it("with --to, or with no extension, writes as before; batch names are untouched", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "1,-2\n0,3\n");
    expect(dact(["relu", "x.csv", "-o", "out.dat", "--to", "json"], { cwd: d }).status).toBe(0);
    expect(JSON.parse(readFileSync(path.join(d, "out.dat"), "utf8"))).toEqual([[1, 0], [0, 1]]);
    expect(dact(["relu", "x.csv", "-o", "out"], { cwd: d }).status).toBe(0);
    expect(nums(readFileSync(path.join(d, "out"), "utf8"))).toEqual([1, 0, 0, 1]);
    // a batch input named directly, of an unknown extension, keeps its name
    writeFileSync(path.join(d, "data.dat"), "1,-2\n");
    const b = dact(["relu", "data.dat", "--format", "csv", "--out-dir", "o", "-q"], { cwd: d });
    expect(b.status).toBe(0);
    expect(nums(readFileSync(path.join(d, "o", "data.dat"), "utf8"))).toEqual([1, 0]);
  });
});

// --dtype wider than the input: f'(x) in float64, rounded once to the OUTPUT
// dtype (docs/activations.md), not first to the input's 16 bits. The
// expectation is the library's float64 derivative of the same (widened) values.
describe("--dtype wider than a 16-bit input", () => {
  const X = [0.3, 1.7, -2.1, 0.5, -0.7, 3.25];
  const wide = (m: Matrix): Matrix => ({ ...m, dtype: "f8" });
  const setup = async () => {
    const d = workdir();
    await writeMatrix(path.join(d, "h.npy"), matrix(X), { dtype: "f2", fsync: false });
    await writeMatrix(path.join(d, "h.npz"), matrix(X), { dtype: "f2", key: "a", fsync: false });
    await writeMatrix(path.join(d, "g.npy"), matrix([2, -1, 0.5, 3, 1, -0.25]), { dtype: "f2", fsync: false });
    const x = await readMatrix(path.join(d, "h.npy"));
    expect(x.dtype).toBe("f2");
    return { d, x };
  };
  const run = (d: string, args: string[]) => {
    const r = dact(args, { cwd: d });
    expect(r.status).toBe(0);
  };

  it("float16 .npy, .npz, and into Parquet/Arrow, --dtype f8: the float64 result", async () => {
    const { d, x } = await setup();
    const want = derivative("gelu", wide(x));
    // the 16-bit-first result differs: the test can fail
    expect(Array.from(derivative("gelu", x).data)).not.toEqual(Array.from(want.data));
    run(d, ["gelu", "h.npy", "--dtype", "f8", "-o", "o.npy"]);
    const o = await readMatrix(path.join(d, "o.npy"));
    expect(o.dtype).toBe("f8");
    expect(Array.from(o.data)).toEqual(Array.from(want.data));
    run(d, ["gelu", "h.npz", "--dtype", "f8", "-o", "o.npz"]);
    expect(Array.from((await readMatrix(path.join(d, "o.npz"), { key: "a" })).data)).toEqual(Array.from(want.data));
    for (const ext of [".parquet", ".arrow"]) {
      run(d, ["gelu", "h.npy", "--dtype", "f8", "-o", `o${ext}`]);
      expect(Array.from((await readMatrix(path.join(d, `o${ext}`))).data), ext).toEqual(Array.from(want.data));
    }
  });

  it("with --grad-output and with --order 2", async () => {
    const { d, x } = await setup();
    const g = await readMatrix(path.join(d, "g.npy"));
    const f1 = derivative("gelu", wide(x)).data;
    run(d, ["gelu", "h.npy", "--dtype", "f8", "--grad-output", "g.npy", "-o", "og.npy"]);
    expect(Array.from((await readMatrix(path.join(d, "og.npy"))).data)).toEqual(Array.from(f1, (v, i) => v * g.data[i]!));
    run(d, ["gelu", "h.npy", "--dtype", "f8", "--order", "2", "-o", "o2.npy"]);
    expect(Array.from((await readMatrix(path.join(d, "o2.npy"))).data)).toEqual(Array.from(derivative("gelu", wide(x), { order: 2 }).data));
  });

  it("bfloat16 .safetensors --dtype f4 and float16 Parquet --dtype f8", async () => {
    const d = workdir();
    const b = await readMatrix(path.join(FIX, "containers", "bf16.safetensors"), { key: "w" });
    expect(b.dtype).toBe("bf16");
    run(d, ["gelu", path.join(FIX, "containers", "bf16.safetensors"), "--dtype", "f4", "-o", "o.safetensors"]);
    const o = await readMatrix(path.join(d, "o.safetensors"), { key: "w" });
    expect(o.dtype).toBe("f4");
    expect(Array.from(o.data)).toEqual(Array.from(derivative("gelu", wide(b)).data, Math.fround));
    const p = await readMatrix(path.join(FIX, "tables", "float16.parquet"));
    expect(p.dtype).toBe("f2");
    run(d, ["gelu", path.join(FIX, "tables", "float16.parquet"), "--dtype", "f8", "-o", "o.parquet"]);
    const op = await readMatrix(path.join(d, "o.parquet"));
    expect(Array.from(op.data)).toEqual(Array.from(derivative("gelu", wide(p)).data));
  });
});

describe("CSV label columns into Parquet/Arrow", () => {
  it("are named in the one-line drop notice, as for .npy; a plain CSV says nothing", async () => {
    const d = workdir();
    writeFileSync(path.join(d, "mixed.csv"), "step,name,a,b\n1,x,0.5,-1\n2,y,-2,3\n");
    writeFileSync(path.join(d, "plain.csv"), "a,b\n0.5,-1\n-2,3\n");
    for (const ext of [".parquet", ".arrow", ".arrows"]) {
      for (const extra of [[], ["--grad-output", "2"]]) {
        const r = dact(["gelu", "mixed.csv", "--index-col", "step", ...extra, "-o", `x${ext}`], { cwd: d });
        expect(r.status).toBe(0);
        const lines = r.stderr.trim().split("\n");
        expect(lines, ext).toHaveLength(1);
        expect(lines[0]).toContain('"step"');
        expect(lines[0]).toContain('"name"');
        expect(lines[0]).toContain(ext.slice(1));
        expect((await readMatrix(path.join(d, `x${ext}`))).shape).toEqual([2, 2]);
      }
      const p = dact(["gelu", "plain.csv", "-o", `p${ext}`], { cwd: d });
      expect(p.status).toBe(0);
      expect(p.stderr).toBe("");
    }
  });
});
