/**
 * Options under --check and --check-dir (docs/golden.md, "Options under
 * --check"): a check checks what the same command with -o (or --out-dir)
 * would have written. Options that shape the output apply to the result
 * compared and to the golden --update, --pending and DACT_UPDATE write;
 * an option the golden's format cannot take is a usage error (exit 2, one
 * line, nothing written). The oracle for a golden's bytes is dact's own -o
 * (or --out-dir) with the same options.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES, npyBytes, userEnv } from "./helpers.js";
import { dact, workdir, type Run } from "./workdir.js";

// Two C-order members (f8 and f4): a golden from memory is C order, where -o keeps a Fortran-order member's layout (docs/golden.md).
const NPZ = path.join(FIXTURES, "containers", "positional.npz");
const noCI = userEnv();
const ci = userEnv({ CI: "true" });
const ciForce = userEnv({ CI: "true", DACT_UPDATE: "force" });

/** A folder with x.npy (float64, 2 x 3, values with many digits under gelu'), x.csv (the same with a header) and c.npz (two members). */
function inputs(): string {
  const d = workdir();
  const x = new Float64Array([-1.5, 0.25, 2, 3, -0.1, 0.7]);
  writeFileSync(path.join(d, "x.npy"), npyBytes("<f8", "(2, 3)", x));
  writeFileSync(path.join(d, "x.csv"), "a,b,c\n-1.5,0.25,2\n3,-0.1,0.7\n");
  copyFileSync(NPZ, path.join(d, "c.npz"));
  return d;
}

/** The dtype an .npy file stores ("<f4"). */
function npyDescr(bytes: Buffer): string {
  return /'descr': '([^']+)'/.exec(bytes.subarray(0, 256).toString("latin1"))![1]!;
}

function ok(r: Run): void {
  expect(r.status, r.stderr).toBe(0);
}

/** One line, exit 2, nothing on stdout, the option named. */
function refused(r: Run, fragment: string): void {
  expect(r.status).toBe(2);
  expect(r.stdout.length).toBe(0);
  expect(r.stderr.split("\n")).toHaveLength(2);
  expect(r.stderr).toContain(fragment);
}

/** [input, golden, options]: each option with a golden whose format takes it. */
const FITTING: [string, string, string[]][] = [
  ["x.npy", "g.npy", ["--dtype", "f4"]],
  ["x.npy", "g.npy", ["--dtype", "f2"]],
  ["x.npy", "g.npy.gz", ["--dtype", "bf16"]],
  ["x.npy", "g.csv", ["--float-format", "%.3f"]],
  ["x.npy", "g.csv", ["--float-format", "%10.4e", "--decimal", ","]],
  ["x.npy", "g.csv", ["--decimal", ","]],
  ["x.npy", "g.tsv", ["--float-format", "%+.2e"]],
  ["x.npy", "g.json", ["--float-format", "%.6g"]],
  ["x.npy", "g.jsonl", ["--float-format", "%.4e"]],
  ["x.csv", "g.csv", ["--float-format", "%.3f"]],
  ["x.npy", "g.parquet", ["--dtype", "f4", "--compression", "gzip"]],
  ["x.npy", "g.arrow", ["--dtype", "f2"]],
  ["c.npz", "g.npz", ["--compress"]],
  ["c.npz", "g.npz", ["--dtype", "bf16", "--compress"]],
  ["c.npz", "g.safetensors", ["--dtype", "f4"]],
  ["x.npy", "golden", ["--to", "csv", "--float-format", "%.2f"]],
  ["x.npy", "g.csv", ["--to", "csv", "--float-format", "%.2f"]],
];

describe("--check with an option that shapes the output: --update writes what -o writes, then --check passes", () => {
  it.each(FITTING)("%s --check %s %j", (input, golden, opts) => {
    const d = inputs();
    ok(dact(["gelu", input, "-o", `o-${golden}`, ...opts], { cwd: d }));
    const written = dact(["gelu", input, "--check", golden, "--update", ...opts], { cwd: d, env: noCI });
    ok(written);
    expect(written.stderr).toContain(`wrote ${golden}`);
    const bytes = readFileSync(path.join(d, golden));
    expect(bytes.equals(readFileSync(path.join(d, `o-${golden}`)))).toBe(true);
    const mtime = statSync(path.join(d, golden)).mtimeMs;
    // The same options pass, under CI too; --update again writes nothing (byte-stable).
    ok(dact(["gelu", input, "--check", golden, ...opts], { cwd: d, env: ci }));
    const again = dact(["gelu", input, "--check", golden, "--update", ...opts], { cwd: d, env: noCI });
    ok(again);
    expect(again.stderr).not.toContain("wrote");
    expect(readFileSync(path.join(d, golden)).equals(bytes)).toBe(true);
    expect(statSync(path.join(d, golden)).mtimeMs).toBe(mtime);
  });

  it.each([
    ["DACT_UPDATE=1", noCI, ["--dtype", "f4"], "g.npy"],
    ["CI with DACT_UPDATE=force", ciForce, ["--dtype", "f4"], "g.npy"],
    ["DACT_UPDATE=1, text", noCI, ["--float-format", "%.3f"], "g.csv"],
  ] as const)("%s writes the same golden as --update", (_name, env, opts, golden) => {
    const d = inputs();
    ok(dact(["gelu", "x.npy", "-o", `o-${golden}`, ...opts], { cwd: d }));
    ok(dact(["gelu", "x.npy", "--check", golden, ...opts], { cwd: d, env: { ...env, DACT_UPDATE: env["DACT_UPDATE"] ?? "1" } }));
    expect(readFileSync(path.join(d, golden)).equals(readFileSync(path.join(d, `o-${golden}`)))).toBe(true);
  });

  it("under CI, --update writes no new golden (with its options or without)", () => {
    const d = inputs();
    const r = dact(["gelu", "x.npy", "--check", "g.npy", "--update", "--dtype", "f4"], { cwd: d, env: ci });
    expect(r.status).toBe(1);
    expect(existsSync(path.join(d, "g.npy"))).toBe(false);
  });

  it("--pending writes NAME.new.EXT as -o would", () => {
    const d = inputs();
    ok(dact(["gelu", "x.npy", "-o", "o.csv", "--float-format", "%.3f"], { cwd: d }));
    const r = dact(["gelu", "x.npy", "--check", "g.csv", "--pending", "--float-format", "%.3f"], { cwd: d, env: noCI });
    expect(r.status).toBe(1);
    expect(readFileSync(path.join(d, "g.new.csv")).equals(readFileSync(path.join(d, "o.csv")))).toBe(true);
  });

  it("an input read once (stdin): the golden from memory is the same", () => {
    const d = inputs();
    ok(dact(["gelu", "x.npy", "-o", "o.npy", "--dtype", "f4"], { cwd: d }));
    const stdin = readFileSync(path.join(d, "x.npy"));
    ok(dact(["gelu", "--check", "g.npy", "--update", "--dtype", "f4"], { cwd: d, env: noCI, input: stdin }));
    expect(readFileSync(path.join(d, "g.npy")).equals(readFileSync(path.join(d, "o.npy")))).toBe(true);
    ok(dact(["gelu", "--check", "g.npy", "--dtype", "f4"], { cwd: d, env: ci, input: stdin }));
  });
});

describe("what is compared", () => {
  it("--dtype: the result rounded to it, and the golden must store it; --update rewrites a golden stored otherwise", () => {
    const d = inputs();
    ok(dact(["gelu", "x.npy", "--check", "g.npy", "--update"], { cwd: d, env: noCI }));
    expect(npyDescr(readFileSync(path.join(d, "g.npy")))).toBe("<f8");
    // The float32 values pass numpy's rtol 1e-7 against the float64 golden, but -o --dtype f4 writes float32.
    const r = dact(["gelu", "x.npy", "--check", "g.npy", "--dtype", "f4"], { cwd: d, env: ci });
    expect(r.status).toBe(1);
    expect(r.stdout.toString()).toContain("g.npy: stored as f8; expected f4 (--dtype f4)");
    ok(dact(["gelu", "x.npy", "--check", "g.npy", "--dtype", "f4", "--update"], { cwd: d, env: noCI }));
    expect(npyDescr(readFileSync(path.join(d, "g.npy")))).toBe("<f4");
    ok(dact(["gelu", "x.npy", "--check", "g.npy", "--dtype", "f4"], { cwd: d, env: ci }));
    // Without --dtype only the values count: float32's rounding (at most 2^-24 relative) is within rtol 1e-7.
    ok(dact(["gelu", "x.npy", "--check", "g.npy"], { cwd: d, env: ci }));
  });

  it("--dtype bf16: values far from float64's are compared rounded, so the bf16 golden passes and a float32 one fails", () => {
    const d = inputs();
    ok(dact(["gelu", "c.npz", "--check", "g.safetensors", "--dtype", "bf16", "--update"], { cwd: d, env: noCI }));
    ok(dact(["gelu", "c.npz", "--check", "g.safetensors", "--dtype", "bf16"], { cwd: d, env: ci }));
    const f4 = dact(["gelu", "c.npz", "--check", "g.safetensors", "--dtype", "f4"], { cwd: d, env: ci });
    expect(f4.status).toBe(1);
  });

  it("--float-format: the values the text holds; a golden written without it differs, and --update rewrites it", () => {
    const d = inputs();
    ok(dact(["gelu", "x.npy", "--check", "g.csv", "--update"], { cwd: d, env: noCI }));
    const r = dact(["gelu", "x.npy", "--check", "g.csv", "--float-format", "%.3f"], { cwd: d, env: ci });
    expect(r.status).toBe(1);
    ok(dact(["gelu", "x.npy", "--check", "g.csv", "--float-format", "%.3f", "--update"], { cwd: d, env: noCI }));
    expect(readFileSync(path.join(d, "g.csv"), "utf8")).toBe("-0.127,0.695,1.085\n1.012,0.420,0.977\n");
    // And the full-precision result no longer matches the 3-digit golden.
    expect(dact(["gelu", "x.npy", "--check", "g.csv"], { cwd: d, env: ci }).status).toBe(1);
    // A format that writes the same numbers passes: the comparison is of values, not bytes.
    ok(dact(["gelu", "x.npy", "--check", "g.csv", "--float-format", "%8.3f"], { cwd: d, env: ci }));
  });

  it("--decimal: the golden is read with it, as it was written", () => {
    const d = inputs();
    ok(dact(["gelu", "x.npy", "--check", "g.csv", "--decimal", ",", "--update"], { cwd: d, env: noCI }));
    expect(readFileSync(path.join(d, "g.csv"), "utf8")).toContain("0,6953733548836359;");
    ok(dact(["gelu", "x.npy", "--check", "g.csv", "--decimal", ","], { cwd: d, env: ci }));
    // A first row of such numbers in exponent form (--float-format %e) is data, not a header.
    writeFileSync(path.join(d, "e.csv"), "-1,2747e-01;6,9537e-01\n1,5;2,5\n");
    const r = dact(["relu", "e.csv", "--decimal", ",", "--to", "json"], { cwd: d });
    ok(r);
    expect(r.stdout.toString()).toBe("[[0.0,1.0],[1.0,1.0]]\n");
  });
});

describe("an option the golden cannot take is a usage error: one line, exit 2, nothing written", () => {
  it.each([
    [["x.npy", "--check", "g.npy", "--to", "csv"], "options --to csv and --check g.npy: found two different formats for the golden"],
    [["x.npy", "--check", "g.npy", "--float-format", "%.3f"], "option --float-format: the golden g.npy is npy, which holds binary numbers"],
    [["x.npy", "--check", "g.parquet", "--float-format", "%.3f"], "option --float-format: the golden g.parquet is parquet"],
    [["x.npy", "--check", "g.csv", "--dtype", "f4"], "option --dtype: the golden g.csv is csv, which has no dtype"],
    [["x.npy", "--check", "g.json", "--dtype", "f8"], "option --dtype: the golden g.json is json, which has no dtype"],
    [["x.npy", "--check", "g.parquet", "--dtype", "bf16"], "option --dtype: the golden g.parquet is parquet, which has no bfloat16 type"],
    [["x.npy", "--check", "g.npy", "--compress"], "option --compress: found npy golden"],
    [["x.npy", "--check", "g.npz", "--compression", "gzip"], "option --compression: found npz golden"],
    [["x.npy", "--check", "g.json", "--float-format", "%+.3f"], "option --float-format: found \"%+.3f\" for the JSON golden g.json"],
    [["x.npy", "--check", "g.npy", "--decimal", ","], "option --decimal: x.npy is npy and the golden npy"],
    [["x.npy", "--check", "golden", "--float-format", "%.3f"], "option --float-format: the golden golden is npy"],
  ])("%j", (args, fragment) => {
    const d = inputs();
    const before = readdirSync(d).sort();
    for (const env of [noCI, ciForce]) {
      refused(dact(["gelu", ...args], { cwd: d, env }), fragment);
      refused(dact(["gelu", ...args, "--update"], { cwd: d, env }), fragment);
      expect(readdirSync(d).sort()).toEqual(before);
    }
    refused(dact(["gelu", ...args, "--pending"], { cwd: d, env: noCI }), fragment);
    expect(readdirSync(d).sort()).toEqual(before);
  });

  it("an existing golden is left alone", () => {
    const d = inputs();
    ok(dact(["gelu", "x.npy", "--check", "g.npy", "--update"], { cwd: d, env: noCI }));
    const bytes = readFileSync(path.join(d, "g.npy"));
    refused(dact(["gelu", "x.npy", "--check", "g.npy", "--update", "--float-format", "%.3f"], { cwd: d, env: noCI }), "option --float-format");
    expect(readFileSync(path.join(d, "g.npy")).equals(bytes)).toBe(true);
  });
});

describe("--check-dir: each golden is what --out-dir would have written", () => {
  /** in/ with x.npy, y.csv (decimal commas, as European Excel writes) and c.npz. */
  function tree(): string {
    const d = inputs();
    mkdirSync(path.join(d, "in"));
    for (const f of ["x.npy", "c.npz"]) copyFileSync(path.join(d, f), path.join(d, "in", f));
    writeFileSync(path.join(d, "in", "y.csv"), "a;b;c\n-1,5;0,25;2\n3;-0,1;0,7\n");
    return d;
  }

  it.each([
    [["--dtype", "f4", "--float-format", "%.3f", "--decimal", ","]],
    [["--dtype", "bf16", "--compress"]],
    [["--decimal", ","]],
    [["--to", "json", "--float-format", "%.2e", "--key", "a", "--decimal", ","]],
  ])("%j: --update writes --out-dir's bytes, options fitted to each file; then the check passes", (opts) => {
    const d = tree();
    const out = dact(["gelu", "in", "--out-dir", "od", "--keep-paths", ...opts], { cwd: d });
    const upd = dact(["gelu", "in", "--check-dir", "gd", "--update", ...opts], { cwd: d, env: noCI });
    // --to csv cannot hold c.npz's two arrays: an error for that file in both, the others written.
    expect(upd.status).toBe(out.status === 0 ? 0 : 2);
    const names = readdirSync(path.join(d, "od")).sort();
    expect(readdirSync(path.join(d, "gd")).sort()).toEqual(names);
    for (const f of names) expect(readFileSync(path.join(d, "gd", f)).equals(readFileSync(path.join(d, "od", f))), f).toBe(true);
    const check = dact(["gelu", "in", "--check-dir", "gd", ...opts], { cwd: d, env: ci });
    expect(check.stderr).toContain(`${names.length} ok, 0 differ`);
    const again = dact(["gelu", "in", "--check-dir", "gd", "--update", ...opts], { cwd: d, env: noCI });
    expect(again.stderr).toContain(" 0 written");
  });

  it("under CI, --update=force writes the goldens with their options", () => {
    const d = tree();
    ok(dact(["gelu", "in", "--out-dir", "od", "--dtype", "f4", "--decimal", ","], { cwd: d }));
    expect(dact(["gelu", "in", "--check-dir", "gd", "--update", "--dtype", "f4", "--decimal", ","], { cwd: d, env: ci }).status).toBe(1);
    ok(dact(["gelu", "in", "--check-dir", "gd", "--update=force", "--dtype", "f4", "--decimal", ","], { cwd: d, env: ci }));
    expect(npyDescr(readFileSync(path.join(d, "gd", "x.npy")))).toBe("<f4");
    expect(readFileSync(path.join(d, "gd", "c.npz")).equals(readFileSync(path.join(d, "od", "c.npz")))).toBe(true);
  });

  it.each([
    [["--to", "csv", "--dtype", "f4"], "option --dtype: found only csv golden, in all 3 inputs of the run"],
    [["--to", "npy", "--float-format", "%.3f"], "option --float-format: found only npy golden, in all 3 inputs of the run"],
    [["--compression", "gzip"], "option --compression: found only"],
    [["--skip-existing"], "option --skip-existing: found with --check-dir"],
    [["--resume", "log.jsonl"], "option --resume: found with --check-dir"],
  ])("%j is refused before anything is read or written", (opts, fragment) => {
    const d = tree();
    refused(dact(["gelu", "in", "--check-dir", "gd", "--update", ...opts], { cwd: d, env: noCI }), fragment);
    expect(existsSync(path.join(d, "gd"))).toBe(false);
  });
});
