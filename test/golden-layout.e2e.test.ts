/**
 * A golden written by --update (or --pending) is byte for byte the file -o
 * writes with the same input and options, in every format dact reads: a
 * CSV's BOM, comment lines, line endings and label columns, whitespace and
 * TSV input, pandas' records and split tables (JSON and JSON Lines), JSON
 * arrays, a Fortran-order .npy, .npz members stored, deflated and in
 * Fortran order, .safetensors, Parquet, Arrow (file and stream), gzip.
 * Before, goldens were written from the results in memory and lost that
 * layout (docs/golden.md). Each golden then passes --check, and a check of
 * other numbers against it fails (the check is not vacuous).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { FIXTURES } from "./helpers.js";
import { dact, workdir } from "./workdir.js";

/** Inputs: a name and its bytes (text made here, binary files from the fixtures). */
const TEXT: Record<string, string> = {
  "labels-bom-crlf.csv": "\ufeff# exported\r\n,a,b,name\r\n0,1.5,-2,x\r\n# half way\r\n1,0,3,y",
  "text-column.csv": "id,a,b\nr1,1,-2\nr2,NA,3\n",
  "r-quoted.csv": '"","c0","c1"\n"1",0.5,-1\n"2",2,0\n',
  "mixed-endings.csv": "a,b\n1,-1\r\n2,-2\r3,-3\n",
  "sep-hint.csv": "sep=;\na;b\n1;-2\n",
  "tabs.tsv": "a\tb\r\n1\t-2\r\n0\t3\r\n",
  "aligned.txt": "# x y\n 1.5   -2\n-0.5    3\n",
  "records.json": '[{"a":1.5,"b":-2,"id":"p"},{"a":0,"b":3,"id":"q"}]',
  "split.json": '{"columns":["a","b"],"index":[10,11],"data":[[1,-2],[0,3]]}',
  "records.jsonl": '{"a":1.5,"id":"p"}\r\n{"a":-1,"id":"q"}\r\n',
  "array.json": "[\n  [1, -2],\n  [0.5, 3]\n]\n",
  "arrays.jsonl": "[1,-2]\r\n[0.5,3]\r\n",
};
const BINARY: Record<string, string> = {
  "fortran.npy": "npy/valid/f8-le-F.npy",
  "stored.npz": "containers/stored.npz",
  "compressed.npz": "containers/compressed.npz",
  "all.safetensors": "containers/all.safetensors",
  "pandas-index.parquet": "tables/pandas-index.parquet",
  "pandas-index.arrow": "tables/pandas-index.arrow",
};
const NAMES = [...Object.keys(TEXT), ...Object.keys(BINARY), "pandas-index.arrows", "labels-bom-crlf.csv.gz", "fortran.npy.gz"];

/** A folder holding every input. */
function inputs(): string {
  const d = workdir();
  for (const [n, t] of Object.entries(TEXT)) writeFileSync(path.join(d, n), t);
  for (const [n, f] of Object.entries(BINARY)) copyFileSync(path.join(FIXTURES, f), path.join(d, n));
  writeFileSync(path.join(d, "labels-bom-crlf.csv.gz"), gzipSync(TEXT["labels-bom-crlf.csv"]!));
  writeFileSync(path.join(d, "fortran.npy.gz"), gzipSync(readFileSync(path.join(d, "fortran.npy"))));
  // An Arrow IPC stream: the Arrow file's table, as dact writes it.
  expect(dact(["relu", "pandas-index.arrow", "--to", "arrows", "-o", "pandas-index.arrows", "-q"], { cwd: d }).status).toBe(0);
  return d;
}

/** The bytes of a file, gunzipped when its name says so (a gzip header holds no time stamp here, but compare content). */
const bytes = (p: string) => (p.endsWith(".gz") ? gunzipSync(readFileSync(p)) : readFileSync(p));

describe("--update writes the bytes -o writes, in every format", () => {
  it.each(NAMES)("%s: --update, -o, then --check passes and a check of other numbers fails", (name) => {
    const d = inputs();
    const u = dact(["relu", name, "--check", `gold-${name}`, "--update"], { cwd: d });
    expect(u.status).toBe(0);
    expect(dact(["relu", name, "-o", `out-${name}`], { cwd: d }).status).toBe(0);
    expect(readFileSync(path.join(d, `gold-${name}`)).equals(readFileSync(path.join(d, `out-${name}`)))).toBe(true);
    const c = dact(["relu", name, "--check", `gold-${name}`], { cwd: d });
    expect(c.status).toBe(0);
    expect(c.stdout.toString() + c.stderr).not.toMatch(/Mismatched|does not exist/);
    // G ⊙ f'(x) with G = 3: every nonzero number differs.
    expect(dact(["relu", name, "--check", `gold-${name}`, "--grad-output", "3"], { cwd: d }).status).toBe(1);
  });

  it("a golden edited by hand (one number) fails its check, and --update writes -o's bytes back", () => {
    const d = inputs();
    const name = "labels-bom-crlf.csv";
    expect(dact(["relu", name, "--check", "g.csv", "--update"], { cwd: d }).status).toBe(0);
    const g = readFileSync(path.join(d, "g.csv")).toString();
    expect(g).toContain("1,0.0,1.0");
    writeFileSync(path.join(d, "g.csv"), g.replace("1,0.0,1.0", "1,0.0,1.5"));
    const r = dact(["relu", name, "--check", "g.csv"], { cwd: d });
    expect(r.status).toBe(1);
    expect(r.stdout.toString() + r.stderr).toMatch(/Mismatched elements: 1 \/ 4/);
    expect(dact(["relu", name, "--check", "g.csv", "--update"], { cwd: d }).status).toBe(0);
    expect(dact(["relu", name, "-o", "o.csv"], { cwd: d }).status).toBe(0);
    expect(readFileSync(path.join(d, "g.csv")).equals(readFileSync(path.join(d, "o.csv")))).toBe(true);
  });

  it.each([
    ["--grad-output (CSV: the layout kept, item of docs/formats.md)", "labels-bom-crlf.csv", ["--grad-output", "2.5"]],
    ["--float-format", "labels-bom-crlf.csv", ["--float-format", "%.3f"]],
    ["--order 2 (gelu'': not zero)", "records.json", ["--order", "2"]],
    ["--decimal , (golden read back with it)", "sep-hint.csv", ["--decimal", ","]],
    ["--index-col (a numeric column kept aside: the golden read with it)", "text-column.csv", ["--index-col", "a"]],
    ["--columns (the others pass through: the golden read with it)", "text-column.csv", ["--columns", "b"]],
    ["--comment %", "pct.csv", ["--comment", "%"]],
    ["--na-values", "na.csv", ["--na-values", "missing"]],
    ["--delimiter whitespace", "aligned.txt", ["--delimiter", "whitespace"]],
    ["--columns on pandas records", "records.json", ["--columns", "b"]],
    ["--compress", "stored.npz", ["--compress"]],
    ["--dtype f4", "fortran.npy", ["--dtype", "f4"]],
    ["--key", "all.safetensors", ["--key", "f32"]],
  ])("with %s: the golden is -o's bytes and passes its check", (_what, name, opts) => {
    const act = opts.includes("--order") ? "gelu" : "relu";
    // Other numbers for the failing check: G = 3, or (with a G already) another value at zero.
    const other = opts.includes("--grad-output") ? ["--at-zero", "0.5"] : ["--grad-output", "3"];
    const d = inputs();
    writeFileSync(path.join(d, "pct.csv"), "% made by hand\na,b\n1,-2\n% end\n");
    writeFileSync(path.join(d, "na.csv"), "a,b\n1,missing\n-1,2\n");
    const u = dact([act, name, "--check", `gold-${name}`, "--update", ...opts], { cwd: d });
    expect(u.status).toBe(0);
    expect(dact([act, name, "-o", `out-${name}`, ...opts], { cwd: d }).status).toBe(0);
    expect(readFileSync(path.join(d, `gold-${name}`)).equals(readFileSync(path.join(d, `out-${name}`)))).toBe(true);
    const c = dact([act, name, "--check", `gold-${name}`, ...opts], { cwd: d });
    expect(c.status).toBe(0);
    expect(dact([act, name, "--check", `gold-${name}`, ...opts, ...other], { cwd: d }).status).toBe(1);
  });

  it.each([
    ["labels-bom-crlf.csv", "gold.tsv"],
    ["labels-bom-crlf.csv", "gold.npy"],
    ["records.json", "gold.csv"],
    ["records.jsonl", "gold.json"],
    ["stored.npz", "gold.safetensors"],
    ["pandas-index.parquet", "gold.arrow"],
    ["fortran.npy", "gold.csv.gz"],
  ])("conversion %s to %s: the golden is -o's bytes", (name, golden) => {
    const d = inputs();
    expect(dact(["relu", name, "--check", golden, "--update"], { cwd: d }).status).toBe(0);
    const out = golden.replace("gold", "out");
    expect(dact(["relu", name, "-o", out], { cwd: d }).status).toBe(0);
    expect(bytes(path.join(d, golden)).equals(bytes(path.join(d, out)))).toBe(true);
    expect(dact(["relu", name, "--check", golden], { cwd: d }).status).toBe(0);
    expect(dact(["relu", name, "--check", golden, "--grad-output", "3"], { cwd: d }).status).toBe(1);
  });

  it.each([
    ["labels-bom-crlf.csv", "a,b\n1.0,0.0\n0.0,1.0\n", []],
    ["text-column.csv", "a,b\n1.0,0.0\nNaN,1.0\n", []],
    ["records.json", "[[1.0,0.0],[0.0,1.0]]\n", []],
    ["pct.csv", "a,b\n1.0,0.0\n", ["--comment", "%"]],
  ])("%s: a golden an earlier dact wrote (the numbers alone) still passes --check", (name, old, opts) => {
    const d = inputs();
    writeFileSync(path.join(d, "pct.csv"), "% made by hand\na,b\n1,-2\n% end\n");
    const ext = name.slice(name.lastIndexOf("."));
    writeFileSync(path.join(d, `old${ext}`), old);
    const r = dact(["relu", name, "--check", `old${ext}`, ...opts], { cwd: d });
    expect(r.status).toBe(0);
    // and is left alone by --update (it passes)
    expect(dact(["relu", name, "--check", `old${ext}`, "--update", ...opts], { cwd: d }).status).toBe(0);
    expect(readFileSync(path.join(d, `old${ext}`)).toString()).toBe(old);
  });

  it("stdin (read once: held, then written as -o writes it), gzip stdin too", () => {
    const d = inputs();
    const x = readFileSync(path.join(d, "labels-bom-crlf.csv"));
    expect(dact(["relu", "--format", "csv", "--check", "g1.csv", "--update"], { cwd: d, input: x }).status).toBe(0);
    expect(dact(["relu", "--format", "csv", "--check", "g2.csv", "--update"], { cwd: d, input: gzipSync(x) }).status).toBe(0);
    expect(dact(["relu", "labels-bom-crlf.csv", "-o", "o.csv"], { cwd: d }).status).toBe(0);
    const o = readFileSync(path.join(d, "o.csv"));
    expect(readFileSync(path.join(d, "g1.csv")).equals(o)).toBe(true);
    expect(readFileSync(path.join(d, "g2.csv")).equals(o)).toBe(true);
    expect(dact(["relu", "--format", "csv", "--check", "g1.csv"], { cwd: d, input: x }).status).toBe(0);
  });

  it("--pending writes NAME.new.EXT with -o's bytes; dact review --accept puts them in place", () => {
    const d = inputs();
    for (const name of ["labels-bom-crlf.csv", "records.json", "stored.npz"]) {
      const ext = name.slice(name.indexOf("."));
      const r = dact(["relu", name, "--check", `g${ext}`, "--pending"], { cwd: d });
      expect(r.status).toBe(1); // missing: the run fails, the pending file is written
      expect(dact(["relu", name, "-o", `o${ext}`], { cwd: d }).status).toBe(0);
      expect(readFileSync(path.join(d, `g.new${ext}`)).equals(readFileSync(path.join(d, `o${ext}`)))).toBe(true);
      expect(dact(["review", ".", "--accept"], { cwd: d }).status).toBe(0);
      expect(existsSync(path.join(d, `g.new${ext}`))).toBe(false);
      expect(readFileSync(path.join(d, `g${ext}`)).equals(readFileSync(path.join(d, `o${ext}`)))).toBe(true);
      expect(dact(["relu", name, "--check", `g${ext}`], { cwd: d }).status).toBe(0);
    }
  });

  it("batch: --check-dir --update writes every golden as --out-dir writes its output", () => {
    const d = inputs();
    mkdirSync(path.join(d, "in"));
    for (const name of NAMES) copyFileSync(path.join(d, name), path.join(d, "in", name));
    expect(dact(["relu", "in", "--check-dir", "gold", "--update", "-q"], { cwd: d }).status).toBe(0);
    expect(dact(["relu", "in", "--out-dir", "out", "-q"], { cwd: d }).status).toBe(0);
    const files = readdirSync(path.join(d, "gold")).sort();
    expect(files).toEqual([...NAMES].sort());
    for (const f of files) expect(readFileSync(path.join(d, "gold", f)).equals(readFileSync(path.join(d, "out", f))), f).toBe(true);
    expect(dact(["relu", "in", "--check-dir", "gold", "-q"], { cwd: d }).status).toBe(0);
    expect(dact(["relu", "in", "--check-dir", "gold", "--grad-output", "3", "-q"], { cwd: d }).status).toBe(1);
  });
});
