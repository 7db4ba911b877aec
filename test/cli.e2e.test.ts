/**
 * End-to-end: the real binary, in a temp folder per test, as a user runs it.
 * On failure the assertion message carries the command's stderr.
 */
import { spawnSync, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync, chmodSync, copyFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { fixture, FIXTURES, ROOT } from "./helpers.js";
import { needs } from "./machine.js";
import { BIN, dact, workdir } from "./workdir.js";



const IN = path.join(FIXTURES, "npy", "valid", "f8-le-C.npy");
const WANT = fixture("npy", "expected", "f8-le-C.h0=0.5.npy");

describe("dact relu on CSV and TSV, end to end", () => {
  it("file to stdout, with the error format of the issue", () => {
    const dir = workdir();
    writeFileSync(path.join(dir, "data.csv"), "1,2\n3,4\n5,abc\n");
    const r = dact(["relu", "data.csv"], { cwd: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('dact: data.csv:3:2: "abc" is not a number\n');
  });

  it("stdin CSV is detected from its content; TSV from its extension", () => {
    const r = dact(["relu", "--at-zero", "0.5"], { input: Buffer.from("a,b\n-1,0\n2,\n") });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe("a,b\n0.0,0.5\n1.0,\n");
    const dir = workdir();
    writeFileSync(path.join(dir, "m.tsv"), "1\t-1\r\n");
    const t = dact(["relu", "m.tsv"], { cwd: dir });
    expect(t.stdout.toString()).toBe("1.0\t0.0\r\n");
  });

  it("--delimiter, --header and --no-header", () => {
    expect(dact(["relu", "--delimiter", ";", "--format", "csv"], { input: Buffer.from("1;-1\n") }).stdout.toString()).toBe("1.0;0.0\n");
    expect(dact(["relu", "--header", "--format", "csv"], { input: Buffer.from("1,-1\n-1,1\n") }).stdout.toString()).toBe("1,-1\n0.0,1.0\n");
    const r = dact(["relu", "--no-header", "--format", "csv"], { input: Buffer.from("a,b\n") });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('dact: <stdin>:1:1: "a" is not a number\n');
    expect(dact(["relu", "--delimiter", "ab"], { input: Buffer.from("1\n") }).status).toBe(2);
  });

  it("an empty file gives empty output and exit 0", () => {
    const dir = workdir();
    writeFileSync(path.join(dir, "e.csv"), "");
    const r = dact(["relu", "e.csv", "-o", "out.csv"], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(path.join(dir, "out.csv"), "utf8")).toBe("");
  });

  it("streams: output appears before the input ends", async () => {
    const child = spawn(process.execPath, [BIN, "relu", "--format", "csv"], { stdio: ["pipe", "pipe", "pipe"] });
    child.stdin.on("error", () => {});
    const first = new Promise<string>((resolve) => child.stdout.once("data", (d: Buffer) => resolve(d.toString())));
    child.stdin.write("-1,2\n".repeat(200_000)); // 1 MB, and stdin stays open
    const got = await first;
    expect(got.startsWith("0.0,1.0\n")).toBe(true);
    child.stdin.end();
    await new Promise((r) => child.on("close", r));
  });

  it("| head returns at once on a large CSV, quietly", () => {
    const dir = workdir();
    writeFileSync(path.join(dir, "big.csv"), "-1.5,2.25,0\n".repeat(2_000_000));
    const r = spawnSync("sh", ["-c", `node "${BIN}" relu big.csv | head -n 2`], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe("0.0,1.0,0.0\n0.0,1.0,0.0\n");
    expect(r.stderr.toString()).toBe("");
  });
});

describe("dact relu on .npy, end to end", () => {
  it("file to file with -o", () => {
    const dir = workdir();
    const out = path.join(dir, "out.npy");
    const r = dact(["relu", "--at-zero", "0.5", IN, "-o", out]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(out).equals(WANT)).toBe(true);
    expect(readdirSync(dir)).toEqual(["out.npy"]);
  });

  it("stdin to stdout, detecting .npy from its magic", () => {
    const r = dact(["relu", "--at-zero", "0.5"], { input: readFileSync(IN) });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.equals(WANT)).toBe(true);
  });

  it("'-' names stdin, and the default at-zero is 0", () => {
    const r = dact(["relu", "-"], { input: readFileSync(IN) });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.equals(fixture("npy", "expected", "f8-le-C.h0=0.npy"))).toBe(true);
  });

  it("accepts a negative --at-zero", () => {
    const r = dact(["relu", "--at-zero", "-1", IN]);
    expect(r.status, r.stderr).toBe(0);
  });

  it("-o may name the input itself", () => {
    const dir = workdir();
    const f = path.join(dir, "x.npy");
    copyFileSync(IN, f);
    const r = dact(["relu", "--at-zero", "0.5", f, "-o", f]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(f).equals(WANT)).toBe(true);
  });

  it("a failed run leaves no partial file and keeps an existing one", () => {
    const dir = workdir();
    const out = path.join(dir, "out.npy");
    writeFileSync(out, "precious");
    const r = dact(["relu", path.join(FIXTURES, "npy", "invalid", "truncated-body.npy"), "-o", out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dact: .*truncated-body\.npy: byte 128: array data: expected 800 bytes, found 792\n$/);
    expect(readFileSync(out, "utf8")).toBe("precious");
    expect(readdirSync(dir)).toEqual(["out.npy"]);
  });

  it("usage errors exit 2 with one line and name the option", () => {
    const r = dact(["relu", "--at-zero", "abc", IN]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('dact: option --at-zero: found "abc"; expected a finite number\n');
    for (const bad of ["inf", "nan", "0x10", "", "1e999"]) {
      const q = dact(["relu", "--at-zero", bad, IN]);
      expect(q.status, bad).toBe(2);
      expect(q.stderr, bad).toMatch(/--at-zero/);
    }
  });

  it("unknown commands and options exit 2, with one line that says what", () => {
    const cmd = dact(["nope"]);
    expect(cmd.status).toBe(2);
    expect(cmd.stderr).toBe('dact: unknown activation or command "nope"; expected one of the 20 activations that dact list shows, or list, compare, review, merge-reports, completion\n');
    const opt = dact(["relu", "--bogus", IN]);
    expect(opt.status).toBe(2);
    expect(opt.stderr).toBe("dact: unknown option '--bogus' (run with --help for usage)\n");
  });

  it.each([
    [["relu", "--bogus", IN], "unknown option '--bogus'"],
    [["relu", IN, "--rtol"], "option '--rtol <r>' argument missing"],
    [["relu", IN, "--check", IN, "--tolerance", "foo"], "argument 'foo' is invalid"],
    [["relu", IN, "--compression", "zstd"], "argument 'zstd' is invalid"],
    [["completion", "powershell"], "'powershell' is invalid"],
    [["compare", IN], "missing required argument"],
  ])("commander's usage errors %j are one line, exit 2", (args, fragment) => {
    const r = dact(args);
    expect(r.status).toBe(2);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr.split("\n")).toHaveLength(2); // one line and its newline
    expect(r.stderr).toMatch(/^dact: .*\(run with --help for usage\)\n$/);
    expect(r.stderr).toContain(fragment);
  });

  it("a missing input names the file; a folder is refused", () => {
    const r = dact(["relu", "/nonexistent/x.npy"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("dact: /nonexistent/x.npy: cannot open: no such file or folder\n");
    const d = dact(["relu", workdir(), "--format", "npy"]);
    expect(d.status).toBe(2);
    expect(d.stderr).toMatch(/is a folder; expected a file/);
  });

  it("an unwritable output folder is named", () => {
    const r = dact(["relu", IN, "-o", "/nonexistent-dir/out.npy"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dact: \/nonexistent-dir\/out.npy: cannot create output in folder \/nonexistent-dir: no such file or folder\n$/);
  });

  it("--help lists activations, options and exit codes; --version prints the version", () => {
    const h = dact(["--help"]);
    expect(h.status).toBe(0);
    expect(h.stdout.toString()).toMatch(/relu/);
    expect(h.stdout.toString()).toMatch(/Exit status/);
    const sub = dact(["relu", "--help"]);
    expect(sub.stdout.toString()).toMatch(/--at-zero/);
    const v = dact(["--version"]);
    expect(v.status).toBe(0);
    expect(v.stdout.toString().trim()).toBe(`dact ${JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).version}`); // named, as rg --version and jq --version are
  });

  it("exits quietly when stdout is closed early", async () => {
    const big = fixture("npy", "valid", "chunks-f8.npy");
    const child = spawn("sh", ["-c", `node "${BIN}" relu | head -c 100 > /dev/null`], { stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdin.on("error", () => {});
    child.stdin.end(Buffer.concat([big, big.subarray(128), big.subarray(128)]).subarray(0, big.length));
    const code = await new Promise<number | null>((res) => child.on("close", res));
    expect(code).toBe(0);
    expect(stderr).toBe("");
  });

  it("JSON and JSON Lines by extension and by content", () => {
    const dir = workdir();
    writeFileSync(path.join(dir, "m.json"), "[[1,-2],[0,null]]");
    const r = dact(["relu", "m.json", "--at-zero", "0.5"], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe("[[1.0,0.0],[0.5,null]]\n");
    writeFileSync(path.join(dir, "r.ndjson"), "[1,-2]\n[0,3]\n");
    expect(dact(["relu", "r.ndjson"], { cwd: dir }).stdout.toString()).toBe("[1.0,0.0]\n[0.0,1.0]\n");
    expect(dact(["relu"], { input: Buffer.from("[1,-2]\n[0,3]\n") }).stdout.toString()).toBe("[1.0,0.0]\n[0.0,1.0]\n");
    expect(dact(["relu"], { input: Buffer.from("[[1,-2],\n [0,3]]\n") }).stdout.toString()).toBe("[[1.0,0.0],[0.0,1.0]]\n");
    writeFileSync(path.join(dir, "bad.json"), "[1,\n 2,]");
    const e = dact(["relu", "bad.json"], { cwd: dir });
    expect(e.status).toBe(2);
    expect(e.stderr).toBe('dact: bad.json:2:4: found "]" after ","; expected a number, null or "[" (no trailing commas in JSON)\n');
  });

  // Root reads every file, so as root (CI) the check runs as nobody through setpriv.
  it("an unreadable input is refused with its name", (ctx) => {
    const asRoot = process.getuid?.() === 0;
    if (asRoot) needs(ctx, "setpriv");
    const dir = workdir();
    chmodSync(dir, 0o755);
    const f = path.join(dir, "locked.npy");
    copyFileSync(IN, f);
    chmodSync(f, 0);
    const r = asRoot
      ? spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, BIN, "relu", f], { encoding: "utf8" })
      : spawnSync(process.execPath, [BIN, "relu", f], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toBe(`dact: ${f}: cannot open: permission denied\n`);
  });

  it("leaves no temporary file behind on success or failure", () => {
    const dir = workdir();
    dact(["relu", IN, "-o", path.join(dir, "a.npy")]);
    dact(["relu", path.join(FIXTURES, "npy", "invalid", "bad-magic.npy"), "-o", path.join(dir, "b.npy")]);
    expect(readdirSync(dir)).toEqual(["a.npy"]);
    expect(existsSync(path.join(dir, "b.npy"))).toBe(false);
  });
});
