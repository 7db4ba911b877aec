/**
 * JSON Lines on every core (issue 31): the input is cut into ranges of
 * whole lines, each range goes through the format's own same-format
 * transform (parse, kernel, format) on a worker thread (text-worker.ts),
 * and the results are written in input order. A JSON Lines line cannot
 * hold a raw newline (JSON strings escape it, and dact's numeric subset
 * has no strings), and the transform treats each line on its own (blank
 * and whitespace-only lines, CRLF, a last line without a newline), so
 * cutting after any "\n" gives the bytes of the one-thread path.
 *
 * Memory: at most 2 ranges per thread are in flight (read, being
 * transformed, or waiting to be written in order).
 *
 * When the parallel run cannot be sure (a worker met an error, whose line
 * would be counted from its range's start; a range that starts with a
 * byte-order mark; a line longer than the cap), the output is discarded
 * and the whole file runs on one thread, which gives the exact result or
 * the exact error.
 *
 * pipeline.ts takes this path for a same-layout JSON Lines run of a
 * regular file of at least PARALLEL_MIN_BYTES into a file, with --threads
 * (default: every core) of 2 or more, only when DACT_TEXT_PARALLEL=1 (an
 * internal switch, not documented for users): measured, it costs more
 * than one thread so far (each worker is an isolate of ~45 MB; more CPU in
 * all). CSV/TSV (row boundaries with quoted newlines, header and label
 * decisions) is still to come.
 */
import * as fs from "node:fs";
import type { Worker } from "node:worker_threads";
import type { Params } from "./activations/types.js";
import type { Output } from "./io.js";
import { lazy } from "./lazy.js";

const workerThreads = lazy<typeof import("node:worker_threads")>("node:worker_threads");

export interface TextParallelPlan {
  activation: string;
  params: Params;
  format: "jsonl";
  /** Worker threads (below 2: the one-thread path). */
  threads: number;
  /** Bytes per range (default 4 MiB); tests use small ones to cut everywhere. */
  chunkBytes?: number | undefined;
  /** Inputs smaller than this stay on one thread (default PARALLEL_MIN_BYTES; tests use 0). */
  minBytes?: number | undefined;
  /** The longest line waited for before giving up to the one-thread path (default 64 MiB). */
  maxLine?: number | undefined;
}

/** Why a parallel run gave way to the one-thread path. */
class Unsure extends Error {}

const LF = 10;

/** Inputs smaller than this stay on one thread: starting workers costs more than it saves. */
export const PARALLEL_MIN_BYTES = 8 << 20;

/**
 * Runs the regular file `src` (read with positional reads, so an Input
 * that peeked at it is not disturbed) through the parallel path into
 * `out` (not committed here). When unsure, `out.restart()` drops what was
 * written and `single()` runs the one-thread path into it. Returns which
 * path produced the output.
 */
export async function transformLinesParallel(src: { fd: number; size: number }, out: Output, plan: TextParallelPlan, single: () => Promise<void>): Promise<"parallel" | "single"> {
  if (src.size < (plan.minBytes ?? PARALLEL_MIN_BYTES) || plan.threads < 2) {
    await single();
    return "single";
  }
  try {
    await run(src.fd, out, plan);
    return "parallel";
  } catch (err) {
    if (!(err instanceof Unsure) || !out.restart) throw err;
  }
  out.restart();
  await single();
  return "single";
}

async function run(fd: number, out: Output, plan: TextParallelPlan): Promise<void> {
  const chunkBytes = Math.max(1, plan.chunkBytes ?? 4 << 20);
  const maxLine = plan.maxLine ?? 64 << 20;
  const n = Math.max(1, plan.threads);
  const { Worker } = workerThreads();
  const url = new URL("./text-worker.js", import.meta.url);
  const workers: Worker[] = [];
  const waiting = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>();
  let failure: Error | null = null;
  const fail = (e: Error) => {
    failure ??= e;
    for (const w of waiting.values()) w.reject(failure);
    waiting.clear();
  };
  for (let i = 0; i < n; i++) {
    const w = new Worker(url, { workerData: { activation: plan.activation, params: plan.params, format: plan.format } });
    w.on("message", (m: { id: number; bytes?: Uint8Array; error?: string }) => {
      const p = waiting.get(m.id);
      if (!p) return;
      waiting.delete(m.id);
      if (m.bytes) p.resolve(m.bytes);
      else p.reject(new Unsure(`range ${m.id}: ${m.error}`));
    });
    w.on("error", (e) => fail(e));
    w.on("exit", (code) => {
      if (waiting.size > 0) fail(new Error(`text worker exited (${code}) with ranges pending`));
    });
    workers.push(w);
  }
  let pos = 0;
  try {
    const inFlight: Promise<Uint8Array>[] = [];
    let id = 0;
    const send = (bytes: Uint8Array) => {
      if (id > 0 && bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) throw new Unsure("a range starts with a byte-order mark");
      const k = id++;
      const w = workers[k % n]!;
      const done = new Promise<Uint8Array>((resolve, reject) => {
        if (failure) return reject(failure);
        waiting.set(k, { resolve, reject });
        w.postMessage({ id: k, bytes }, [bytes.buffer as ArrayBuffer]);
      });
      done.catch(() => {}); // awaited in order by drain; a later range's failure must not go unhandled meanwhile
      inFlight.push(done);
    };
    const drain = async (keep: number) => {
      while (inFlight.length > keep) {
        const bytes = await inFlight.shift()!;
        if (bytes.length) await out.write(bytes);
      }
    };
    let carry = new Uint8Array(0);
    for (;;) {
      const block = new Uint8Array(carry.length + chunkBytes);
      block.set(carry);
      let got = carry.length;
      for (;;) {
        const r = fs.readSync(fd, block, got, block.length - got, pos);
        if (r === 0) break;
        got += r;
        pos += r;
        if (got === block.length) break;
      }
      const eof = got < block.length;
      if (eof) {
        if (got > 0) send(fresh(block, 0, got));
        break;
      }
      const cut = block.lastIndexOf(LF, got - 1) + 1;
      if (cut === 0) {
        if (got > maxLine) throw new Unsure("a line longer than the cap");
        carry = block.subarray(0, got);
        continue;
      }
      carry = block.slice(cut, got);
      send(fresh(block, 0, cut));
      await drain(2 * n - 1);
    }
    await drain(0);
  } catch (err) {
    // Settle every range still out, so no rejection goes unhandled.
    fail(err instanceof Error ? err : new Error(String(err)));
    throw err;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** bytes[from, to) in a buffer of its own (it is transferred to a worker). */
function fresh(bytes: Uint8Array, from: number, to: number): Uint8Array {
  return from === 0 && to === bytes.length ? bytes : bytes.slice(from, to);
}
