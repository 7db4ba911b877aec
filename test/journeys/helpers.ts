/**
 * What the journeys share: the installed dact (test/packed.ts), run as a
 * user runs it and printed when a test fails; the committed fixtures of
 * fixtures/make_journeys.py; and readers that take the outputs apart
 * without dact (a .npy header, a zip's members, a .safetensors header,
 * CSV cells) to hold them against numpy's and torch's bytes and values.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { inflateRawSync } from "node:zlib";
import { parse } from "csv-parse/sync";
import { expect, onTestFailed } from "vitest";
import { FIXTURES, userEnv } from "../helpers.js";
import { packed } from "../packed.js";

export const JOURNEYS = path.join(FIXTURES, "journeys");

/** Installing the tarball can take a while on a cold npm cache. */
export const JOURNEY_TIMEOUT = 300_000;

export interface Run {
  args: string[];
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs the installed `dact` (the package's bin, from its global prefix); printed if the test fails. */
export function dact(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; input?: string | Buffer }): Run {
  const r = spawnSync(packed().bin, args, { cwd: opts.cwd, env: opts.env ?? userEnv(), input: opts.input ?? "", maxBuffer: 1 << 28, timeout: 120_000 });
  const run: Run = { args, status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr.toString() };
  onTestFailed(() => console.error(`$ dact ${args.map((a) => JSON.stringify(a)).join(" ")}   (in ${opts.cwd})\nexit status: ${run.status}${run.signal ? ` (signal ${run.signal})` : ""}\nstdout: ${run.stdout.subarray(0, 2000).toString()}\nstderr: ${run.stderr}`));
  return run;
}

/** Starts the installed `dact` without waiting (for signals). */
export function dactAsync(args: string[], cwd: string): ChildProcess {
  return spawn(packed().bin, args, { cwd, env: userEnv(), stdio: ["ignore", "pipe", "pipe"] });
}

/** Copies a fixture folder or file of fixtures/journeys into dir. */
export function copyFixture(rel: string, dir: string, as = path.basename(rel)): string {
  const to = path.join(dir, as);
  cpSync(path.join(JOURNEYS, rel), to, { recursive: true });
  return to;
}

export const fixture = (rel: string): Buffer => readFileSync(path.join(JOURNEYS, rel));

/** A .npy file's parts: the header dict's text, the shape, and the data bytes. */
export function npyParts(b: Buffer): { header: string; descr: string; shape: number[]; data: Buffer } {
  expect(b.subarray(0, 6).toString("latin1")).toBe("\x93NUMPY");
  const major = b[6]!;
  const len = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = b.subarray(start, start + len).toString("latin1");
  const descr = /'descr': '([^']*)'/.exec(header)![1]!;
  const shape = /'shape': \(([^)]*)\)/.exec(header)![1]!.split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  return { header, descr, shape, data: b.subarray(start + len) };
}

/** float64 values of a '<f8' .npy. */
export function npyF8(b: Buffer): Float64Array {
  const p = npyParts(b);
  expect(p.descr).toBe("<f8");
  const copy = Buffer.from(p.data);
  return new Float64Array(copy.buffer, copy.byteOffset, copy.length / 8);
}

/** The members of a zip (.npz) by name, stored or deflated, read from the central directory. */
export function zipMembers(b: Buffer): Map<string, Buffer> {
  let eocd = b.length - 22;
  while (eocd >= 0 && b.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  expect(eocd, "end of central directory").toBeGreaterThanOrEqual(0);
  const count = b.readUInt16LE(eocd + 10);
  let at = b.readUInt32LE(eocd + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(b.readUInt32LE(at)).toBe(0x02014b50);
    const method = b.readUInt16LE(at + 10);
    const csize = b.readUInt32LE(at + 20);
    const nlen = b.readUInt16LE(at + 28);
    const xlen = b.readUInt16LE(at + 30);
    const clen = b.readUInt16LE(at + 32);
    const local = b.readUInt32LE(at + 42);
    const name = b.subarray(at + 46, at + 46 + nlen).toString("utf8");
    const start = local + 30 + b.readUInt16LE(local + 26) + b.readUInt16LE(local + 28);
    const raw = b.subarray(start, start + csize);
    expect(out.has(name), `member ${name} twice`).toBe(false);
    out.set(name, method === 8 ? inflateRawSync(raw) : Buffer.from(raw));
    at += 46 + nlen + xlen + clen;
  }
  return out;
}

/** A .safetensors file's tensors: dtype, shape and data bytes by name. */
export function safetensors(b: Buffer): Map<string, { dtype: string; shape: number[]; data: Buffer }> {
  const n = Number(b.readBigUInt64LE(0));
  const header = JSON.parse(b.subarray(8, 8 + n).toString("utf8")) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const out = new Map<string, { dtype: string; shape: number[]; data: Buffer }>();
  for (const [k, v] of Object.entries(header)) {
    if (k === "__metadata__") continue;
    out.set(k, { dtype: v.dtype, shape: v.shape, data: b.subarray(8 + n + v.data_offsets[0], 8 + n + v.data_offsets[1]) });
  }
  return out;
}

/** RFC 4180 cells of a CSV text (csv-parse, as the tests' independent reader). */
export function cells(text: string, delimiter = ","): string[][] {
  return parse(text, { delimiter, relax_column_count: true, bom: false }) as string[][];
}

/** Every file below dir (relative paths, sorted), skipping the names given. */
export function files(dir: string, skip: string[] = []): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(dir, rel))) {
      const r = rel ? `${rel}/${e}` : e;
      if (skip.includes(e)) continue;
      if (statSync(path.join(dir, r)).isDirectory()) walk(r);
      else out.push(r);
    }
  };
  walk("");
  return out.sort();
}

/**
 * Asserts actual equals expected to within rel·|expected| (the README's
 * accuracy bar for a transcendental derivative, docs/activations.md), naming the first element
 * that does not.
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Object.is(a, e) || Math.abs(a - e) <= rel * Math.abs(e)) continue;
    expect.fail(`${what}: element ${i} is ${a}, the oracle has ${e} (more than ${rel} relative apart)`);
  }
}
