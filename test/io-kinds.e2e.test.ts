/**
 * Files that are not data where dact reads or writes data: a folder on
 * stdin, a device, FIFO or socket planted where a batch output, a golden or
 * a --report goes, and side files (--log, --report, the manifest) that name
 * each other. Each is one line on stderr, exit 2, and nothing written or
 * changed (the folder's bytes are compared before and after), at once.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { userEnv } from "./helpers.js";
import { BIN, dact, workdir } from "./workdir.js";

/** Every entry below `dir` with its kind and bytes (a device or FIFO is never read). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const p = path.join(dir, r);
      if (e.isDirectory()) {
        out[r + "/"] = "dir";
        walk(r);
      } else if (e.isFile()) out[r] = readFileSync(p).toString("base64");
      else {
        const st = lstatSync(p);
        out[r] = `${e.isFIFO() ? "fifo" : e.isCharacterDevice() ? "chr" : e.isSymbolicLink() ? "link" : "other"}:${st.rdev}:${st.ino}`;
      }
    }
  };
  walk("");
  return out;
}

/** One line on stderr, dact's format, no stack trace. */
const oneLine = /^dact: [^\n]+\n$/;

const isRoot = process.getuid?.() === 0;

/** A character device like /dev/null (1, 3) at `p`; needs root (CAP_MKNOD). */
function mknodNull(p: string): void {
  execFileSync("mknod", [p, "c", "1", "3"]);
}

describe("stdin that is a folder", () => {
  const run = (args: string[], cwd: string) => {
    const fd = openSync(cwd, "r"); // a folder opened for reading, as `< dir` does
    try {
      const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env: userEnv(), stdio: [fd, "pipe", "pipe"], timeout: 30_000 });
      return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
    } finally {
      closeSync(fd);
    }
  };

  it("is refused (exit 2, one line), not read as an empty input with exit 0", () => {
    const d = workdir();
    const r = run(["relu"], d);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(oneLine);
    expect(r.stderr).toContain("<stdin>");
    expect(r.stdout).toBe("");
  });

  it("never replaces -o with an empty result", () => {
    const d = workdir();
    writeFileSync(path.join(d, "o.npy"), "keep me");
    const before = snapshot(d);
    for (const args of [["relu", "-", "-o", "o.npy"], ["relu", "-o", "o.npy"]]) {
      const r = run(args, d);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(oneLine);
      expect(snapshot(d)).toEqual(before);
    }
  });

  it("a regular file, a pipe and /dev/null on stdin are still data", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "-1,2\n");
    const fd = openSync(path.join(d, "x.csv"), "r");
    try {
      const r = spawnSync(process.execPath, [BIN, "relu"], { cwd: d, env: userEnv(), stdio: [fd, "pipe", "pipe"] });
      expect(r.status).toBe(0);
      expect(r.stdout.toString()).toBe("0.0,1.0\n");
    } finally {
      closeSync(fd);
    }
    expect(dact(["relu"], { input: "-1,2\n", cwd: d }).stdout.toString()).toBe("0.0,1.0\n");
    const nul = openSync("/dev/null", "r");
    try {
      expect(spawnSync(process.execPath, [BIN, "relu"], { cwd: d, env: userEnv(), stdio: [nul, "pipe", "pipe"] }).status).toBe(0);
    } finally {
      closeSync(nul);
    }
  });
});
