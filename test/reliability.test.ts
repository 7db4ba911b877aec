/**
 * Issue 14: what a red team broke in single-file runs and the library,
 * one test per numbered item.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, createReadStream, existsSync, linkSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { compare, DactError, derivative, matrix, readMatrix, writeMatrix } from "../src/index.js";
import { needs } from "./machine.js";
import { BIN, dact, dactAsync, workdir } from "./workdir.js";


function catchError(f: () => unknown): DactError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DactError);
    return e as DactError;
  }
  throw new Error("expected a DactError, got a result");
}

async function catchAsync(f: () => Promise<unknown>): Promise<DactError> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(DactError);
    return e as DactError;
  }
  throw new Error("expected a DactError, got a result");
}

describe("1. an input cut while it is read", () => {
  it("CSV: an error naming the file, no output committed", async () => {
    const d = workdir();
    const input = path.join(d, "big.csv");
    const row = "0.12345678901234567,-1.2345678901234567,2.5,-3.75\n";
    writeFileSync(input, row.repeat(400_000)); // 20 MB
    const fifo = path.join(d, "slow-reader");
    execFileSync("mkfifo", [fifo]);
    // dact writes into a FIFO read slowly, so it is mid-run when the input is cut.
    const child = spawn(process.execPath, [BIN, "gelu", input, "-o", fifo], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (b) => (stderr += b));
    const reader = createReadStream(fifo);
    let seen = 0;
    await new Promise<void>((resolve) =>
      reader.on("data", (b) => {
        seen += (b as Buffer).length;
        if (seen > 1_000_000 && statSync(input).size > 10_000_000) {
          truncateSync(input, 10_000_000); // mid-number, as the truncate did
          resolve();
        }
      }),
    );
    reader.resume();
    const code = await new Promise<number | null>((r) => child.on("close", r));
    expect(code).toBe(2);
    expect(stderr).toMatch(new RegExp(`^dact: ${input}: byte \\d+: file shrank while being read: 20000000 bytes when opened, 10000000 now`));
  });
});

describe("2. unbounded lines are capped, with a positioned error and bounded memory", () => {
  it("a header line, a single cell and /dev/zero", () => {
    const d = workdir();
    writeFileSync(path.join(d, "header.csv"), "a".repeat(3 << 20) + "\n1\n");
    writeFileSync(path.join(d, "cell.csv"), "1," + "1".repeat(6 << 20) + "\n");
    const h = dact(["relu", "header.csv", "--max-line-size", "1M"], { cwd: d });
    expect(h.status).toBe(2);
    expect(h.stderr).toBe("dact: header.csv:1:1: found a line longer than 1 MiB; expected shorter ones (a binary file? else raise the cap with --max-line-size)\n");
    const c = dact(["relu", "cell.csv", "--max-line-size", "5M"], { cwd: d });
    expect(c.status).toBe(2);
    expect(c.stderr).toBe("dact: cell.csv:1:2: found a cell longer than 5 MiB; expected shorter ones (a binary file? else raise the cap with --max-line-size)\n");
    // Raised cap: the same files are fine.
    expect(dact(["relu", "cell.csv", "--max-line-size", "64M"], { cwd: d }).stdout.toString()).toBe("1.0,1.0\n");
    const z = dact(["relu", "/dev/zero", "--max-line-size", "2M"], { timeout: 20_000 });
    expect(z.status).toBe(2);
    expect(z.stderr.split("\n")).toHaveLength(2);
    expect(dact(["relu", "x.csv", "--max-line-size", "1.5M"]).stderr).toMatch(/^dact: option --max-line-size: found "1.5M"; expected a size/);
  });
});

describe("3. replacing a file: owner, group, mode, read-only, hard links", () => {
  it("as root over a user's 0640 file: the user keeps owner, group and mode", (ctx) => {
    needs(ctx, "root");
    const d = workdir();
    chmodSync(d, 0o755);
    const out = path.join(d, "owned.csv");
    writeFileSync(out, "old\n");
    chownSync(out, 65534, 65534);
    chmodSync(out, 0o640);
    writeFileSync(path.join(d, "in.csv"), "-1,1\n");
    expect(dact(["relu", "in.csv", "-o", "owned.csv"], { cwd: d }).status).toBe(0);
    const st = statSync(out);
    expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([65534, 65534, 0o640]);
    expect(readFileSync(out, "utf8")).toBe("0.0,1.0\n");
  });

  it("a read-only target is refused unless --force, and kept", () => {
    const d = workdir();
    writeFileSync(path.join(d, "in.csv"), "-1,1\n");
    writeFileSync(path.join(d, "ro.csv"), "keep\n");
    chmodSync(path.join(d, "ro.csv"), 0o444);
    const r = dact(["relu", "in.csv", "-o", "ro.csv"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("dact: ro.csv: is read-only (mode 0444); expected a writable file (pass --force to replace it)\n");
    expect(readFileSync(path.join(d, "ro.csv"), "utf8")).toBe("keep\n");
    expect(readdirSync(d).sort()).toEqual(["in.csv", "ro.csv"]);
    expect(dact(["relu", "in.csv", "-o", "ro.csv", "--force"], { cwd: d }).status).toBe(0);
    expect(readFileSync(path.join(d, "ro.csv"), "utf8")).toBe("0.0,1.0\n");
    expect(statSync(path.join(d, "ro.csv")).mode & 0o777).toBe(0o444);
  });

  it("as an unprivileged user (setpriv to nobody): a file the user may not write is refused though the folder is writable", (ctx) => {
    needs(ctx, "root", "setpriv");
    const d = workdir();
    chmodSync(d, 0o777);
    writeFileSync(path.join(d, "in.csv"), "-1,1\n");
    writeFileSync(path.join(d, "theirs.csv"), "keep\n");
    chmodSync(path.join(d, "theirs.csv"), 0o644); // root's: readable by all, writable by root only
    const r = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, BIN, "relu", "in.csv", "-o", "theirs.csv"], { cwd: d, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toBe("dact: theirs.csv: is read-only (mode 0644); expected a writable file (pass --force to replace it)\n");
    expect(readFileSync(path.join(d, "theirs.csv"), "utf8")).toBe("keep\n");
  });

  it("a hard-linked target: replaced under this name, with a notice", () => {
    const d = workdir();
    writeFileSync(path.join(d, "in.csv"), "-1,1\n");
    writeFileSync(path.join(d, "a.csv"), "old\n");
    linkSync(path.join(d, "a.csv"), path.join(d, "b.csv"));
    const r = dact(["relu", "in.csv", "-o", "a.csv"], { cwd: d });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("dact: a.csv: had 2 hard links; only this name gets the new content (the other 1 keep the old)\n");
    expect(readFileSync(path.join(d, "a.csv"), "utf8")).toBe("0.0,1.0\n");
    expect(readFileSync(path.join(d, "b.csv"), "utf8")).toBe("old\n");
  });
});

describe("4. long names", () => {
  it("-o with a 244-byte name of CJK characters", () => {
    const d = workdir();
    writeFileSync(path.join(d, "in.csv"), "-1,1\n");
    const name = "数".repeat(80) + ".csv"; // 244 bytes
    expect(Buffer.byteLength(name)).toBe(244);
    const r = dact(["relu", "in.csv", "-o", name], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(path.join(d, name), "utf8")).toBe("0.0,1.0\n");
    expect(readdirSync(d).sort()).toEqual(["in.csv", name].sort());
  });
});

describe("5. SIGHUP and SIGQUIT clean up like SIGINT and SIGTERM", () => {
  it.each([
    ["SIGHUP", 129],
    ["SIGQUIT", 131],
  ] as const)("%s: exit %i, temporary file removed, target kept", async (signal, code) => {
    const d = workdir();
    writeFileSync(path.join(d, "out.csv"), "precious");
    const child = dactAsync(["relu", "-", "-o", "out.csv"], { cwd: d });
    child.stdin!.write("1,2\n".repeat(10_000)); // more than detection peeks at, so the output opens
    // Wait until the temporary file exists.
    for (let i = 0; i < 200 && !readdirSync(d).some((f) => f.endsWith(".dact-tmp")); i++) await new Promise((r) => setTimeout(r, 10));
    expect(readdirSync(d).some((f) => f.endsWith(".dact-tmp"))).toBe(true);
    child.kill(signal);
    const status = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    expect(status).toBe(code);
    expect(readdirSync(d)).toEqual(["out.csv"]);
    expect(readFileSync(path.join(d, "out.csv"), "utf8")).toBe("precious");
  });
});

describe("6. the library validates as the CLI does", () => {
  it("writeMatrix with a bad format or dtype throws before touching the file", async () => {
    const d = workdir();
    const keep = path.join(d, "keep.npy");
    writeFileSync(keep, "precious");
    expect((await catchAsync(() => writeMatrix(keep, matrix([1]), { format: "xml" as never }))).code).toBe("USAGE");
    expect((await catchAsync(() => writeMatrix(keep, matrix([1]), { dtype: "f3" as never }))).code).toBe("USAGE");
    expect((await catchAsync(() => writeMatrix(keep, { shape: [1000], data: new Float64Array(1), missing: null, dtype: "f8", header: null }))).code).toBe("SHAPE");
    expect(readFileSync(keep, "utf8")).toBe("precious");
    expect(readdirSync(d)).toEqual(["keep.npy"]);
  });

  it("readMatrix with an unknown format throws", async () => {
    expect((await catchAsync(() => readMatrix("x.csv", { format: "xml" as never }))).code).toBe("USAGE");
  });

  it("cyclic and over-deep arrays are errors, not aborts", () => {
    const cyc: unknown[] = [1];
    cyc.push(cyc);
    expect(catchError(() => derivative("relu", cyc as never)).code).toBe("SHAPE");
    const self: unknown[] = [];
    self.push(self);
    expect(catchError(() => derivative("relu", self as never)).code).toBe("SHAPE");
    let deep: unknown = [1];
    for (let i = 0; i < 20_000; i++) deep = [deep];
    expect(catchError(() => derivative("relu", deep as never)).detail).toMatch(/deeper than 64/);
  });

  it("strings and objects are errors naming their index, not NaN", () => {
    const e = catchError(() => derivative("relu", [[1, 2], [3, "4"]] as never));
    expect(e.code).toBe("USAGE");
    expect(e.detail).toBe('element [1][1]: found "4"; expected a number or null');
    expect(catchError(() => derivative("relu", [1, {}] as never)).detail).toBe("element [1]: found an object; expected a number or null");
  });

  it("unknown option keys and bad values are errors with a suggestion", () => {
    expect(catchError(() => derivative("relu", [[0]], { at_zero: 1 })).detail).toBe('relu options: found an unknown option "at_zero" (did you mean "at-zero"?); expected "at-zero", "order"');
    expect(catchError(() => derivative("relu", [[0]], { atzero: 0.5 })).detail).toMatch(/unknown option "atzero" \(did you mean "at-zero"\?\)/);
    for (const v of [{}, null, true]) expect(catchError(() => derivative("relu", [[0]], { "at-zero": v as never })).code).toBe("USAGE");
    expect(catchError(() => derivative("Relu", [0])).detail).toMatch(/did you mean relu\?/);
  });

  it("compare with a negative tolerance is an error, not a report of differences", async () => {
    expect((await catchAsync(() => compare(matrix([1]), matrix([1]), { rtol: -1 }))).code).toBe("USAGE");
  });
});

describe("7. shapes are Python ints, at most 64 dimensions", () => {
  it("--reshape with 1e21 is refused; a .npy with 3000 dimensions is refused", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "1\n");
    const r = dact(["relu", "x.csv", "--reshape", "1000000000000000000000,0", "--to", "npy"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dact: option --reshape: found "1000000000000000000000,0"; expected sizes below 2\^53/);
    const text = `{'descr': '<f8', 'fortran_order': False, 'shape': (${"1, ".repeat(3000)}), }`;
    const header = Buffer.from(text + " ".repeat(64 - ((12 + text.length + 1) % 64)) + "\n", "latin1");
    const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, 0, 0, 0, 0]);
    pre.writeUInt32LE(header.length, 8);
    writeFileSync(path.join(d, "deep.npy"), Buffer.concat([pre, header, Buffer.alloc(8)]));
    const n = dact(["relu", "deep.npy"], { cwd: d });
    expect(n.status).toBe(2);
    expect(n.stderr).toBe("dact: deep.npy: byte 12: shape has 3000 dimensions; expected at most 64 (numpy's limit)\n");
  });
});

describe("8. integer options take decimal integers only", () => {
  it.each(["1e1", "0x2", " 2 ", "2.0", "0", "-1"])("--jobs %j", (v) => {
    const r = dact(["relu", "a.csv", "b.csv", "--out-dir", "o", "--jobs", v]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`dact: option --jobs: found ${JSON.stringify(v)}; expected a whole number >= 1 in decimal digits\n`);
  });
});

describe("9. an empty stdin replacing a non-empty file", () => {
  it("gets a notice (the result is still written: empty input is valid)", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "1,2\n");
    const r = dact(["relu", "-o", "x.csv"], { cwd: d, input: "" });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("dact: x.csv: replaced 4 bytes with the result of an empty stdin\n");
    expect(readFileSync(path.join(d, "x.csv"), "utf8")).toBe("");
    // no notice for a new file, or for a file that was empty
    expect(dact(["relu", "-o", "x.csv"], { cwd: d, input: "" }).stderr).toBe("");
    expect(existsSync(path.join(d, "x.csv"))).toBe(true);
  });
});

describe("10. an unknown activation points to dact list and the closest names", () => {
  it.each([
    ["frobnicate", 'dact: unknown activation or command "frobnicate"; expected one of the 20 activations that dact list shows, or list, compare, review, merge-reports, completion\n'],
    ["Relu", 'dact: unknown activation or command "Relu" (did you mean relu?); expected one of the 20 activations that dact list shows, or list, compare, review, merge-reports, completion\n'],
    ["swish", 'dact: unknown activation or command "swish" (did you mean silu?); expected one of the 20 activations that dact list shows, or list, compare, review, merge-reports, completion\n'],
    ["LeakyReLU", 'dact: unknown activation or command "LeakyReLU" (did you mean leaky-relu?); expected one of the 20 activations that dact list shows, or list, compare, review, merge-reports, completion\n'],
  ])("%s", (name, message) => {
    const r = dact([name, "x.csv"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(message);
  });
});

describe("10b. an unknown option gets commander's suggestion inside the one line", () => {
  it.each([
    [["relu", "--from", "csv"], "dact: unknown option '--from' (did you mean --format? run with --help for usage)\n"],
    [["relu", "--at-zeros", "1"], "dact: unknown option '--at-zeros' (did you mean --at-zero? run with --help for usage)\n"],
  ])("%j", (args, message) => {
    const r = dact(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(message);
  });
});
