/**
 * dact compare and --check stream both sides: peak RSS stays under 100 MB
 * on two 400 MB .npy files (issue 25), read from /proc/PID/status VmHWM
 * while the process runs (no GNU time needed). Slow (about 20 s on a busy
 * 2-core machine): `npm run test:slow`.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { npyBytes } from "../helpers.js";
import { BIN, workdir } from "../workdir.js";

const N = 50_000_000; // 400 MB of float64

/** Writes a (N/1000, 1000) float64 .npy in 8 MB slices; `bump` changes a few values. */
function writeNpy(file: string, bump: boolean): void {
  const fd = openSync(file, "w");
  writeSync(fd, npyBytes("<f8", `(${N / 1000}, 1000)`));
  const slice = new Float64Array(1 << 20);
  for (let s = 0; s < N; s += slice.length) {
    for (let i = 0; i < slice.length; i++) slice[i] = Math.sin(s + i);
    if (bump && s % (1 << 24) === 0) slice[17] = slice[17]! + 1e-3;
    writeSync(fd, new Uint8Array(slice.buffer, 0, Math.min(slice.length, N - s) * 8));
  }
  closeSync(fd);
}

/** Runs bin/dact.js; resolves with its exit status, stdout and the peak RSS (VmHWM) in MB. */
function peak(args: string[]): Promise<{ status: number | null; stdout: string; mb: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let kb = 0;
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stdout += d));
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.pid}/status`, "utf8"));
        if (m) kb = Math.max(kb, Number(m[1]));
      } catch {
        // the process has just exited
      }
    }, 10);
    p.on("error", reject);
    p.on("close", (status) => {
      clearInterval(poll);
      resolve({ status, stdout, mb: kb / 1024 });
    });
  });
}

describe.skipIf(process.platform !== "linux")("peak memory of streamed comparisons (reads /proc, Linux only)", () => {
  it("dact compare and --check of two 400 MB .npy files stay under 100 MB", { timeout: 300_000 }, async () => {
    const d = workdir();
    const a = path.join(d, "a.npy");
    const b = path.join(d, "b.npy");
    writeNpy(a, false);
    writeNpy(b, true);
    const c = await peak(["compare", a, b]);
    expect(c.status, c.stdout).toBe(1);
    expect(c.stdout).toContain(`Mismatched elements: 3 / ${N} (`);
    expect(c.mb).toBeGreaterThan(0);
    expect(c.mb).toBeLessThan(100);
    // identity would need an activation; the derivative of hardtanh on sin(k) is 1 everywhere: compared against a file of ones.
    const ones = path.join(d, "ones.npy");
    const fd = openSync(ones, "w");
    writeSync(fd, npyBytes("<f8", `(${N / 1000}, 1000)`));
    const slice = new Float64Array(1 << 20).fill(1);
    for (let s = 0; s < N; s += slice.length) writeSync(fd, new Uint8Array(slice.buffer, 0, Math.min(slice.length, N - s) * 8));
    closeSync(fd);
    const k = await peak(["hardtanh", a, "--check", ones, "--min-val", "-2", "--max-val", "2"]);
    expect(k.status, k.stdout).toBe(0);
    expect(k.mb).toBeGreaterThan(0);
    expect(k.mb).toBeLessThan(100);
  });
});
