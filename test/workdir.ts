/**
 * The one end-to-end harness, after xsv's tests/workdir.rs: each test gets
 * its own folder, removed when the test file is done, and every command run
 * through `dact()` is remembered so a failing test prints the command, its
 * exit status, stdout and stderr.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncOptions } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, onTestFailed, onTestFinished } from "vitest";
import { ROOT, userEnv } from "./helpers.js";

export const BIN = path.join(ROOT, "bin", "dact.js");
/** Preload for `node --require`: prints the peak RSS at exit (see the file). */
export const PEAK_RSS = path.join(ROOT, "test", "peak-rss.cjs");

/**
 * A fresh folder, removed when the test that made it finishes (or, made
 * outside a test, when its describe block or file is done).
 */
export function workdir(prefix = "dact-test-"): string {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  const remove = () => rmSync(d, { recursive: true, force: true });
  try {
    onTestFinished(remove);
  } catch {
    afterAll(remove);
  }
  return d;
}

export interface Run {
  args: string[];
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

function describeRun(r: Run, cwd?: string): string {
  const out = r.stdout.length > 2000 ? `${r.stdout.subarray(0, 2000).toString()}… (${r.stdout.length} bytes)` : r.stdout.toString();
  return [`$ dact ${r.args.map((a) => JSON.stringify(a)).join(" ")}${cwd ? `   (in ${cwd})` : ""}`, `exit status: ${r.status}${r.signal ? ` (signal ${r.signal})` : ""}`, `stdout: ${out}`, `stderr: ${r.stderr}`].join("\n");
}

/** Runs the real binary (in a user's environment unless `env` is given); on a test failure the run is printed. */
export function dact(args: string[], opts: { input?: Buffer | string; cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): Run {
  const o: SpawnSyncOptions = { input: opts.input ?? Buffer.alloc(0), cwd: opts.cwd, env: opts.env ?? userEnv(), maxBuffer: 1 << 28, timeout: opts.timeout ?? 60_000 };
  const r = spawnSync(process.execPath, [BIN, ...args], o);
  const run: Run = { args, status: r.status, signal: r.signal, stdout: r.stdout as Buffer, stderr: (r.stderr as Buffer).toString() };
  onTestFailed(() => console.error(describeRun(run, opts.cwd)));
  return run;
}

/** Starts the binary without waiting (for signals and pipes). */
export function dactAsync(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: opts.env ?? userEnv(), stdio: ["pipe", "pipe", "pipe"] });
}

/**
 * Runs the CLI in a child that reports its peak RSS, for memory assertions
 * without timing. The peak is VmHWM from /proc/self/status, which belongs to
 * the child's own address space: getrusage's ru_maxrss (and so
 * process.resourceUsage) carries the forking parent's peak across exec, and
 * a test worker holding 100 MB would be charged to the child.
 */
export function dactMeasured(args: string[], opts: { cwd?: string } = {}): Run & { maxRssMB: number } {
  const r = spawnSync(process.execPath, [path.join(ROOT, "test", "measured-main.mjs"), ...args], { cwd: opts.cwd, env: userEnv(), maxBuffer: 1 << 28, input: Buffer.alloc(0) });
  const stderr = (r.stderr as Buffer).toString();
  const m = /maxRSS=(\d+)/.exec(stderr);
  const run = { args, status: r.status, signal: r.signal, stdout: r.stdout as Buffer, stderr: stderr.replace(/\nmaxRSS=\d+\n$/, ""), maxRssMB: m ? Number(m[1]) / 1024 : NaN };
  onTestFailed(() => console.error(describeRun(run, opts.cwd)));
  return run;
}
