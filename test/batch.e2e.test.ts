import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { fixture, FIXTURES } from "./helpers.js";
import { needs } from "./machine.js";
import { BIN, dact as run, workdir as sharedWorkdir } from "./workdir.js";

/** The shared harness, with this file's call shape (cwd second, stdout as text). */
const dact = (args: string[], cwd: string) => {
  const r = run(args, { cwd, input: "" });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr };
};

function workdir(): string {
  const d = sharedWorkdir("dact-batch-");
  mkdirSync(path.join(d, "in"));
  return d;
}

describe("batch mode", () => {
  it("runs every file in parallel; one bad file does not stop the others", () => {
    const d = workdir();
    writeFileSync(path.join(d, "in", "a.csv"), "1,-2\n0,3\n");
    writeFileSync(path.join(d, "in", "b.json"), "[[1,-1]]");
    writeFileSync(path.join(d, "in", "bad.csv"), "1,2\n3,abc\n");
    writeFileSync(path.join(d, "in", "c.npy"), fixture("npy", "valid", "f8-le-C.npy"));
    for (let i = 0; i < 12; i++) writeFileSync(path.join(d, "in", `s${i}.csv`), `${i - 6},1\n`);
    const inputs = readdirSync(path.join(d, "in")).map((f) => path.join("in", f));
    const r = dact(["relu", "--at-zero", "0.5", ...inputs, "--out-dir", "grads", "--jobs", "2"], d);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('dact: in/bad.csv:2:2: "abc" is not a number\n');
    expect(r.stderr.trim().split("\n").pop()).toBe("15 written, 1 failed");
    const out = readdirSync(path.join(d, "grads")).sort();
    expect(out).toEqual(inputs.map((i) => path.basename(i)).filter((f) => f !== "bad.csv").sort());
    expect(readFileSync(path.join(d, "grads", "a.csv"), "utf8")).toBe("1.0,0.0\n0.5,1.0\n");
    expect(readFileSync(path.join(d, "grads", "b.json"), "utf8")).toBe("[[1.0,0.0]]\n");
    expect(readFileSync(path.join(d, "grads", "c.npy")).equals(fixture("npy", "expected", "f8-le-C.h0=0.5.npy"))).toBe(true);
    expect(readFileSync(path.join(d, "grads", "s0.csv"), "utf8")).toBe("0.0,1.0\n");
  });

  it("all good: exit 0, and --to changes the extension", () => {
    const d = workdir();
    writeFileSync(path.join(d, "in", "a.csv"), "1,-2\n");
    writeFileSync(path.join(d, "in", "b.tsv"), "-1\t2\n");
    const r = dact(["relu", "in/a.csv", "in/b.tsv", "--out-dir", "out", "--to", "npy"], d);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe("2 written, 0 failed\n");
    expect(readdirSync(path.join(d, "out")).sort()).toEqual(["a.npy", "b.npy"]);
  });

  it("refuses colliding outputs, outputs over inputs, and several inputs without --out-dir", () => {
    const d = workdir();
    mkdirSync(path.join(d, "in", "x"));
    writeFileSync(path.join(d, "in", "a.csv"), "1\n");
    writeFileSync(path.join(d, "in", "x", "a.csv"), "1\n");
    // Same base name in two folders: the paths are mirrored (issue 13), not refused.
    let r = dact(["relu", "in/a.csv", "in/x/a.csv", "--out-dir", "out"], d);
    expect(r.status, r.stderr).toBe(0);
    expect([readdirSync(path.join(d, "out")).sort(), readdirSync(path.join(d, "out", "x"))]).toEqual([["a.csv", "x"], ["a.csv"]]);
    rmSync(path.join(d, "out"), { recursive: true });
    // The same file twice is a real collision.
    r = dact(["relu", "in/a.csv", "in/../in/a.csv", "--out-dir", "out"], d);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/would both be written to out\/a\.csv/);
    r = dact(["relu", "in/a.csv", "--out-dir", "in"], d);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/its output in\/a\.csv is the input in\/a\.csv/);
    r = dact(["relu", "in/a.csv", "in/x/a.csv"], d);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/expected --out-dir/);
    expect(readdirSync(d).sort()).toEqual(["in"]);
  });

  it("takes only the base name, so ../ cannot escape --out-dir", () => {
    const d = workdir();
    mkdirSync(path.join(d, "deep"));
    writeFileSync(path.join(d, "in", "a.csv"), "1\n");
    const r = dact(["relu", "../in/a.csv", "--out-dir", "o"], path.join(d, "deep"));
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(path.join(d, "deep", "o"))).toEqual(["a.csv"]);
  });
});

describe("compare and --check, end to end", () => {
  it("exit 0, 1 with a report, 2 on errors", () => {
    const d = workdir();
    writeFileSync(path.join(d, "a.csv"), "1,0\nNaN,inf\n");
    writeFileSync(path.join(d, "b.json"), "[[1,0],[null,1e999]]");
    writeFileSync(path.join(d, "c.json"), "[[1,0.5],[null,1e999]]");
    writeFileSync(path.join(d, "d.json"), "[1,0]");
    expect(dact(["compare", "a.csv", "b.json"], d).status).toBe(0);
    const diff = dact(["compare", "a.csv", "c.json"], d);
    expect(diff.status).toBe(1);
    expect(diff.stdout).toContain("Mismatched elements: 1 / 4 (25%)");
    expect(diff.stdout).toContain("[0, 1]: 0.0, 0.5");
    expect(dact(["compare", "a.csv", "c.json", "--atol", "0.5"], d).status).toBe(0);
    // Differing shapes are a failed comparison (exit 1), as assert_allclose treats them.
    const shapes = dact(["compare", "a.csv", "d.json"], d);
    expect(shapes.status).toBe(1);
    expect(shapes.stdout.toString()).toBe("a.csv vs d.json:\nNot equal to tolerance rtol=1e-07, atol=0.0\n\n(shapes (2, 2), (2,) mismatch)\n");
    expect(dact(["compare", "a.csv", "missing.json"], d).status).toBe(2);
  });

  it("--check computes, compares and writes nothing", () => {
    const d = workdir();
    const x = path.join(FIXTURES, "npy", "valid", "f8-le-C.npy");
    const golden = path.join(FIXTURES, "npy", "expected", "f8-le-C.h0=0.5.npy");
    const ok = dact(["relu", x, "--at-zero", "0.5", "--check", golden], d);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toBe("");
    const bad = dact(["relu", x, "--check", golden], d);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/Mismatched elements: \d+ \/ 12/);
    expect(readdirSync(d).sort()).toEqual(["in"]);
  });
});

describe("progress bar", () => {
  const big = (d: string) => {
    // 40 MB of float64: large enough to show a bar.
    const n = 5_000_000;
    const header = Buffer.from("\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (5000000,), }", "latin1");
    const pad = 128 - header.length - 1;
    const h = Buffer.concat([header, Buffer.alloc(pad, 0x20), Buffer.from("\n")]);
    writeFileSync(path.join(d, "big.npy"), Buffer.concat([h, Buffer.from(new Float64Array(n).fill(-1).buffer)]));
  };

  it("shows on a terminal", (ctx) => {
    needs(ctx, "script");
    const d = workdir();
    big(d);
    // script(1) runs the command on a pseudo-terminal.
    const r = spawnSync("script", ["-qec", `"${process.execPath}" "${BIN}" relu big.npy -o out.npy`, "/dev/null"], { cwd: d });
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toMatch(/dact \[.*\] \d+% \| \d+\/40 MB/);
  });

  it("is absent in a pipe", () => {
    const d = workdir();
    big(d);
    expect(dact(["relu", "big.npy", "-o", "out.npy"], d).stderr).toBe("");
  });

  it("is absent with --quiet on a terminal", (ctx) => {
    needs(ctx, "script");
    const d = workdir();
    big(d);
    const r = spawnSync("script", ["-qec", `"${process.execPath}" "${BIN}" relu big.npy -o out.npy --quiet`, "/dev/null"], { cwd: d });
    expect(r.stdout.toString()).not.toMatch(/dact \[/);
  });

  it("--progress forces it in a pipe; batch mode counts files", () => {
    const d = workdir();
    big(d);
    expect(dact(["relu", "big.npy", "-o", "out.npy", "--progress"], d).stderr).toMatch(/dact \[/);
    writeFileSync(path.join(d, "in", "a.csv"), "1\n");
    const r = dact(["relu", "in/a.csv", "--out-dir", "o", "--progress"], d);
    expect(r.stderr).toMatch(/1\/1 files/);
  });
});
