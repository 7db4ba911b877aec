/**
 * Options that cannot apply to the run are usage errors, never ignored
 * (src/option-fit.ts; docs/formats.md, "Options that do not apply"). These
 * are the rules decided once the formats are known: after detection (one
 * input, its format sniffed or from its extension) and after the batch walk
 * (every input of the run). Each refusal is one line, exit 2, and nothing
 * is written; test/run-plan.test.ts holds the rules the command line alone
 * decides.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES } from "./helpers.js";
import { dact, workdir, type Run } from "./workdir.js";

const NPY = path.join(FIXTURES, "npy", "valid", "f8-le-C.npy");
const NPZ = path.join(FIXTURES, "containers", "stored.npz");
const PARQUET = path.join(FIXTURES, "tables", "float32.parquet");

/** One line, exit 2, the option named, nothing on stdout. */
function refused(r: Run, option: string): void {
  expect(r.status).toBe(2);
  expect(r.stdout.length).toBe(0);
  expect(r.stderr.split("\n")).toHaveLength(2);
  expect(r.stderr).toMatch(new RegExp(`^dact: option ${option}: `));
}

describe("one input: a CSV-reading option on a binary format is refused after detection", () => {
  it.each([
    [["--index-col", "0"], "--index-col"],
    [["--delimiter", ";"], "--delimiter"],
    [["--na-values", "X"], "--na-values"],
    [["--header"], "--header"],
    [["--no-header"], "--no-header"],
    [["--comment", "%"], "--comment"],
    [["--decimal", ","], "--decimal"],
    [["--max-line-size", "1M"], "--max-line-size"],
  ])("%j on .npy, to a file", (opt, name) => {
    const d = workdir();
    const r = dact(["relu", NPY, "-o", "out.npy", ...opt], { cwd: d });
    refused(r, name);
    expect(r.stderr).toContain("f8-le-C.npy is npy");
    expect(readdirSync(d)).toEqual([]);
  });

  it("by content: a .npy without an extension, and .npy on stdin", () => {
    const d = workdir();
    copyFileSync(NPY, path.join(d, "data"));
    const r = dact(["relu", "data", "-o", "out.csv", "--delimiter", ";"], { cwd: d });
    refused(r, "--delimiter");
    expect(readdirSync(d)).toEqual(["data"]);
    const s = dact(["relu", "--no-header"], { input: readFileSync(NPY) });
    refused(s, "--no-header");
  });

  it("a CSV option on a container (.npz) and on Parquet", () => {
    const d = workdir();
    refused(dact(["relu", NPZ, "-o", "out.npz", "--comment", "%"], { cwd: d }), "--comment");
    refused(dact(["relu", PARQUET, "-o", "out.parquet", "--na-values", "X"], { cwd: d }), "--na-values");
    // The Parquet wording for --index-col is kept.
    const p = dact(["relu", PARQUET, "-o", "out.parquet", "--index-col", "0"], { cwd: d });
    refused(p, "--index-col");
    expect(p.stderr).toContain("whose typed columns decide");
    expect(readdirSync(d)).toEqual([]);
  });

  it("--decimal still applies where it writes: .npy to CSV", () => {
    const d = workdir();
    const r = dact(["relu", NPY, "-o", "out.csv", "--decimal", ","], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(path.join(d, "out.csv"))).toBe(true);
  });

  it("the CSV options still apply to CSV input, whatever the output", () => {
    const d = workdir();
    writeFileSync(path.join(d, "in.csv"), "# note\nx;y\n1;NA\n-2;3\n");
    const r = dact(["relu", "in.csv", "-o", "out.npy", "--delimiter", ";", "--header", "--comment", "#", "--na-values", "NA", "--max-line-size", "1M"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(path.join(d, "out.npy"))).toBe(true);
  });
});

describe("one input to stdout: the output format is the detected input's", () => {
  it("--compress on .npy, --compression on .npz: refused, nothing on stdout", () => {
    refused(dact(["relu", NPY, "--compress"]), "--compress");
    refused(dact(["relu", NPZ, "--compression", "gzip"]), "--compression");
    const c = dact(["relu", NPY, "--compression", "gzip"]);
    refused(c, "--compression");
    expect(c.stderr).toContain("the output is npy");
  });

  it("--compress on .npz and --compression on Parquet apply", () => {
    const d = workdir();
    expect(dact(["relu", NPZ, "--compress", "-o", "o.npz"], { cwd: d }).status).toBe(0);
    expect(dact(["relu", PARQUET, "--compression", "gzip", "-o", "o.parquet"], { cwd: d }).status).toBe(0);
  });
});

describe("batch: an option is refused only if no input of the run can take it", () => {
  it("CSV and .npy together take the CSV options: each file as it can", () => {
    const d = workdir();
    const inp = path.join(d, "in");
    const out = path.join(d, "out");
    mkdirSync(inp);
    copyFileSync(NPY, path.join(inp, "a.npy"));
    writeFileSync(path.join(inp, "b.csv"), "1;-2\n3;4\n");
    const r = dact(["relu", inp, "--out-dir", out, "--delimiter", ";", "--no-header", "--summary", "json"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["a.npy", "b.csv"]);
  });

  it("only binary inputs (one without an extension, sniffed): refused before --out-dir is made", () => {
    const d = workdir();
    const inp = path.join(d, "in");
    mkdirSync(inp);
    copyFileSync(NPY, path.join(inp, "a.npy"));
    copyFileSync(NPY, path.join(d, "raw"));
    const r = dact(["relu", inp, "raw", "--out-dir", "out", "--delimiter", ";"], { cwd: d });
    refused(r, "--delimiter");
    expect(r.stderr).toContain("in all 2 inputs of the run");
    expect(existsSync(path.join(d, "out"))).toBe(false);
  });

  it("a CSV without its extension is sniffed as CSV: the option applies", () => {
    const d = workdir();
    writeFileSync(path.join(d, "table"), "1;-2\n3;4\n");
    copyFileSync(NPY, path.join(d, "a.npy"));
    const r = dact(["relu", "table", "a.npy", "--out-dir", "out", "--to", "csv", "--delimiter", ";"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
  });

  it("--compress with no .npz among the outputs; --check-dir with --compression", () => {
    const d = workdir();
    copyFileSync(NPY, path.join(d, "a.npy"));
    copyFileSync(NPZ, path.join(d, "b.npz"));
    refused(dact(["relu", "a.npy", "--out-dir", "out", "--compress"], { cwd: d }), "--compress");
    expect(existsSync(path.join(d, "out"))).toBe(false);
    // One .npz among them: --compress applies to it.
    const ok = dact(["relu", "a.npy", "b.npz", "--out-dir", "out2", "--compress"], { cwd: d });
    expect(ok.status, ok.stderr).toBe(0);
    refused(dact(["relu", "a.npy", "--check-dir", "gd", "--compression", "gzip"], { cwd: d }), "--compression");
    expect(existsSync(path.join(d, "gd"))).toBe(false);
  });

  it("with --shard, every shard judges the whole run: shards that drew only .npy files run too, and their union is the unsharded run", () => {
    const d = workdir();
    const inp = path.join(d, "in");
    mkdirSync(inp);
    writeFileSync(path.join(inp, "t.csv"), "1,-2\n3,4\n");
    for (let i = 0; i < 6; i++) copyFileSync(NPY, path.join(inp, `n${i}.npy`));
    const whole = dact(["relu", "in", "--out-dir", "whole", "--delimiter", ","], { cwd: d });
    expect(whole.status, whole.stderr).toBe(0);
    const names: string[] = [];
    for (let i = 0; i < 8; i++) {
      const r = dact(["relu", "in", "--out-dir", "sh", "--shard", `${i}/8`, "--delimiter", ",", "-q"], { cwd: d });
      expect(r.status, `shard ${i}/8: ${r.stderr}`).toBe(0);
    }
    if (existsSync(path.join(d, "sh"))) names.push(...readdirSync(path.join(d, "sh")));
    expect(names.sort()).toEqual(readdirSync(path.join(d, "whole")).sort());
  });

  it.each([
    ["--float-format", "%.3f"],
    ["--dtype", "f4"],
    ["--columns", "u"],
  ])("%s over a folder mixing CSV and .npy: applied where it fits, left out elsewhere; refused when it fits no file", (flag, value) => {
    const d = workdir();
    mkdirSync(path.join(d, "in"));
    mkdirSync(path.join(d, "only"));
    writeFileSync(path.join(d, "in", "b.csv"), "u,v\n-1.0,2.0\n0.0,3.0\n");
    copyFileSync(NPY, path.join(d, "in", "a.npy"));
    copyFileSync(NPY, path.join(d, "only", "a.npy"));
    const r = dact(["sigmoid", "in", "--out-dir", "o", flag, value, "--summary", "json"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stderr.trim().split("\n").at(-1)!)).toMatchObject({ written: 2, failed: 0 });
    // The .npy's output is the one a run without the option writes.
    const plain = dact(["sigmoid", "in/a.npy", "-o", "plain.npy"], { cwd: d });
    expect(plain.status).toBe(0);
    if (flag !== "--dtype") expect(readFileSync(path.join(d, "o", "a.npy")).equals(readFileSync(path.join(d, "plain.npy")))).toBe(true);
    if (flag === "--float-format") expect(readFileSync(path.join(d, "o", "b.csv"), "utf8")).toBe("u,v\n0.197,0.105\n0.250,0.045\n");
    const none = dact(["sigmoid", "only", "--out-dir", "o2", flag, value], { cwd: d });
    if (flag === "--dtype") expect(none.status).toBe(0); // .npy output takes --dtype
    else {
      refused(none, flag);
      expect(existsSync(path.join(d, "o2"))).toBe(false);
    }
  });
});
