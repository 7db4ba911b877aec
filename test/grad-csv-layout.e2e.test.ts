/**
 * --grad-output on CSV/TSV through the binary keeps the text layout the
 * plain run keeps, on every path: -o, stdout, stdin, gzip in and out,
 * --order 2, batch (--out-dir with --grad-output-dir, --shard). Oracles:
 * fixtures/grad-layout/<case>/expected.* (fixtures/make_grad_layout.py:
 * numpy's G * np.heaviside(X, 0) written in X's layout), and the plain run
 * itself (G of ones: the same bytes).
 */
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { FIXTURES } from "./helpers.js";
import { dact, workdir } from "./workdir.js";

const ROOT = path.join(FIXTURES, "grad-layout");
const CASES = readdirSync(ROOT).sort();
/** Each case's file extension and the options it is read with. */
function caseOf(name: string): { dir: string; ext: string; opts: string[]; format: string } {
  const dir = path.join(ROOT, name);
  const x = readdirSync(dir).find((f) => f.startsWith("x."))!;
  const ext = x.slice(2);
  return { dir, ext, opts: name === "decimal-comma" ? ["--decimal", ","] : [], format: ext === "tsv" ? "tsv" : "csv" };
}

function ok(r: ReturnType<typeof dact>): Buffer {
  expect(r.status).toBe(0);
  return r.stdout;
}

describe("--grad-output keeps a CSV/TSV input's layout (numpy's G * heaviside(X, 0) in X's layout)", () => {
  it("the fixtures cover every layout feature", () => {
    expect(CASES).toEqual(["bom-crlf-comments", "decimal-comma", "mixed-endings-na", "sep-hint", "tsv-crlf", "whitespace"]);
  });

  it.each(CASES)("%s: -o gives numpy's numbers in X's layout; G of ones gives the plain run's bytes", (name) => {
    const { dir, ext, opts } = caseOf(name);
    const d = workdir();
    const x = path.join(dir, `x.${ext}`);
    ok(dact(["relu", x, "--grad-output", path.join(dir, "g.npy"), "-o", `out.${ext}`, ...opts], { cwd: d }));
    expect(readFileSync(path.join(d, `out.${ext}`)).toString()).toBe(readFileSync(path.join(dir, `expected.${ext}`)).toString());
    ok(dact(["relu", x, "-o", `plain.${ext}`, ...opts], { cwd: d }));
    ok(dact(["relu", x, "--grad-output", path.join(dir, "ones.npy"), "-o", `ones.${ext}`, ...opts], { cwd: d }));
    expect(readFileSync(path.join(d, `ones.${ext}`)).equals(readFileSync(path.join(d, `plain.${ext}`)))).toBe(true);
    // A text G in X's own delimiter and decimal: the same.
    ok(dact(["relu", x, "--grad-output", path.join(dir, `g.${ext}`), "-o", `out2.${ext}`, ...opts], { cwd: d }));
    expect(readFileSync(path.join(d, `out2.${ext}`)).toString()).toBe(readFileSync(path.join(dir, `expected.${ext}`)).toString());
  });

  it.each(CASES)("%s: stdout, stdin, gzip input and gzip output", (name) => {
    const { dir, ext, opts, format } = caseOf(name);
    const d = workdir();
    const x = path.join(dir, `x.${ext}`);
    const g = path.join(dir, "g.npy");
    const want = readFileSync(path.join(dir, `expected.${ext}`));
    expect(ok(dact(["relu", x, "--grad-output", g, ...opts])).equals(want)).toBe(true);
    expect(ok(dact(["relu", "--format", format, "--grad-output", g, ...opts], { input: readFileSync(x) })).equals(want)).toBe(true);
    writeFileSync(path.join(d, `x.${ext}.gz`), gzipSync(readFileSync(x)));
    expect(ok(dact(["relu", `x.${ext}.gz`, "--grad-output", g, ...opts], { cwd: d })).equals(want)).toBe(true);
    ok(dact(["relu", x, "--grad-output", g, "-o", `out.${ext}.gz`, ...opts], { cwd: d }));
    expect(gunzipSync(readFileSync(path.join(d, `out.${ext}.gz`))).equals(want)).toBe(true);
    // G gzipped, as a pipe of X's format too.
    writeFileSync(path.join(d, "g.npy.gz"), gzipSync(readFileSync(g)));
    expect(ok(dact(["relu", `x.${ext}.gz`, "--grad-output", "g.npy.gz", ...opts], { cwd: d })).equals(want)).toBe(true);
  });

  it.each(CASES)("%s: --order 2 (gelu'', nonzero) with G of ones is the plain --order 2 run's bytes", (name) => {
    const { dir, ext, opts } = caseOf(name);
    const x = path.join(dir, `x.${ext}`);
    const plain = ok(dact(["gelu", "--order", "2", x, ...opts]));
    const ones = ok(dact(["gelu", "--order", "2", x, "--grad-output", path.join(dir, "ones.npy"), ...opts]));
    expect(ones.toString()).toBe(plain.toString());
    // The same run with a G of twos differs where gelu'' is nonzero: the check is not vacuous.
    expect(ok(dact(["gelu", "--order", "2", x, "--grad-output", "2", ...opts])).toString()).not.toBe(plain.toString());
  });

  it("batch: --out-dir with --grad-output-dir keeps each file's layout, and so does each --shard", () => {
    const d = workdir();
    const names = CASES.filter((c) => c !== "decimal-comma"); // --decimal , would apply to every file of the batch
    for (const sub of ["in", "g", "ones"]) mkdirSync(path.join(d, sub));
    for (const name of names) {
      const { dir, ext } = caseOf(name);
      copyFileSync(path.join(dir, `x.${ext}`), path.join(d, "in", `${name}.${ext}`));
      copyFileSync(path.join(dir, `g.${ext}`), path.join(d, "g", `${name}.${ext}`));
      copyFileSync(path.join(dir, `ones.${ext}`), path.join(d, "ones", `${name}.${ext}`));
    }
    ok(dact(["relu", "in", "--out-dir", "out", "--grad-output-dir", "g", "-q"], { cwd: d }));
    for (const s of ["0/2", "1/2"]) ok(dact(["relu", "in", "--out-dir", "sharded", "--grad-output-dir", "g", "--shard", s, "-q"], { cwd: d }));
    ok(dact(["relu", "in", "--out-dir", "plain", "-q"], { cwd: d }));
    ok(dact(["relu", "in", "--out-dir", "one", "--grad-output-dir", "ones", "-q"], { cwd: d }));
    for (const name of names) {
      const { dir, ext } = caseOf(name);
      const want = readFileSync(path.join(dir, `expected.${ext}`)).toString();
      const f = `${name}.${ext}`;
      expect(readFileSync(path.join(d, "out", f)).toString(), f).toBe(want);
      expect(readFileSync(path.join(d, "sharded", f)).toString(), f).toBe(want);
      expect(readFileSync(path.join(d, "one", f)).equals(readFileSync(path.join(d, "plain", f))), f).toBe(true);
    }
  });
});
