/**
 * Text on every core: the CSV/TSV writer formats a large block in parts,
 * and the CSV reader parses a large quote-free region in parts, with
 * helper threads that share this thread's memory (SharedArrayBuffer), as
 * parallel.ts does for kernels. The handoff is synchronous (Atomics), so
 * the reader and writer keep their shape: a part is offered, this thread
 * does its own part, then waits and copies the helper's bytes or values
 * after its own. The helpers run the same pure functions as this thread
 * (formats/csv/cells.ts, formats/csv/plain-rows.ts), so the result is
 * byte for byte the one-thread result.
 *
 * Helpers start on the first large block only (small inputs pay nothing,
 * and a run of small files loads no worker_threads), never inside a batch
 * worker (the batch already uses the cores), and quit at exit. A part a
 * helper has not taken when this thread is done with its own is taken
 * back and done here (finish): on a machine with no free core, a split
 * costs the copies, never a wait for a core.
 */
import type { Worker } from "node:worker_threads";
import { lazy } from "./lazy.js";

const workerThreads = lazy<typeof import("node:worker_threads")>("node:worker_threads");

/** Cells a helper's shared buffers hold: a formatting part or a parsed part is at most this many. */
export const HELPER_CELLS = 1 << 17;
/** Bytes of a helper's shared byte buffer: formatted output (28 bytes a cell at most) or input text to parse. */
export const HELPER_BYTES = HELPER_CELLS * 28;

/** The control words: [0] the state, [1] the job, then the job's numbers. */
export const enum Ctl {
  State = 0,
  Job = 1,
  /** First argument; arguments and results follow. */
  Arg = 2,
  /**
   * A chunked job's claim word (chunks(), claimFront, claimBack): the next
   * chunk the helper takes (low 16 bits) and the end of what it may take
   * (high 16 bits).
   */
  Claim = 11,
  /** A chunked job's chunk size (cells or ops); 0: the job is one piece. */
  Chunk = 12,
  /** Set by a helper whose job threw (a bug): the caller does the job itself. */
  Failed = 15,
}
export const enum HelperState {
  Idle = 0,
  Offered = 1,
  Done = 2,
  Quit = 3,
  Taken = 4,
}
export const enum Job {
  Format = 1,
  Parse = 2,
  FormatJson = 3,
  /** JSON Lines: whole lines through the wasm row parser (JsonReader's splitLines). */
  ParseJsonl = 4,
}

export interface TextHelper {
  worker: Worker;
  ctrl: Int32Array;
  f64: Float64Array;
  /** Missing codes (format), or the parsed rows' line endings (parse). */
  m8: Uint8Array;
  /** Row endings (format). */
  e8: Uint8Array;
  bytes: Buffer;
}

let threads = 1;

/**
 * At most this many helpers, whatever --threads says (its default is the
 * number of cores): each costs an isolate and its shared buffers (~12 MB
 * of RSS: 63 of them, --threads 64 on a 64-core machine, were 730 MB),
 * while a 1 MiB chunk or a 37k-cell block cut in more than 8 parts only
 * multiplies the handoffs and copies.
 */
export const MAX_TEXT_HELPERS = 7;

/** Work the helpers did in this process (for tests: a split that never happens would pass every byte-identity test). */
export const helped = { format: 0, formatJson: 0, parse: 0, parsedRows: 0, takenBack: 0, chunks: 0, stolen: 0, parseJsonl: 0, jsonlLines: 0 };
let pool: TextHelper[] | null = null;
let alone = false;
const live = new Set<Int32Array>();

/** The threads text may use (--threads, from pipeline.ts); 1, the default, is the one-thread path. */
export function setTextThreads(n: number): void {
  threads = Math.max(1, n);
}

/** The threads text may use. */
export function textThreads(): number {
  return threads;
}

/** The helpers (a copy of the list), started on first use; null with one thread or inside a batch worker. */
export function textHelpers(): TextHelper[] | null {
  if (threads <= 1) return null;
  if (pool === null) {
    const { isMainThread } = workerThreads();
    alone = !isMainThread;
    pool = [];
    if (alone) return null;
    process.once("exit", () => {
      for (const c of live) {
        Atomics.store(c, Ctl.State, HelperState.Quit);
        Atomics.notify(c, Ctl.State);
      }
      live.clear();
    });
  }
  if (alone) return null;
  const want = Math.min(threads - 1, MAX_TEXT_HELPERS);
  // More threads than the last run asked for (a library caller): more helpers.
  while (started < want) start(pool);
  // A copy, of the helpers this run may use (not one holding a writer's
  // pending block): a helper that fails leaves the pool while a caller walks its list.
  const free = pool.slice(0, want).filter((h) => !reserved.has(h));
  return free.length === 0 ? null : free;
}

/** Helpers holding a block a writer formats while this thread reads on (reserve). */
const reserved = new Set<TextHelper>();

/**
 * A helper for one job that outlives the call that offers it (the CSV
 * writer's pipeline: a block is formatted while this thread reads and
 * computes the next), kept from every other caller until release(); null
 * when none is free.
 */
export function reserve(): TextHelper | null {
  const h = textHelpers()?.[0] ?? null;
  if (h !== null) reserved.add(h);
  return h;
}

/** Gives a reserved helper back to the pool. */
export function release(h: TextHelper): void {
  reserved.delete(h);
}

/** Most chunks a pipelined job is cut into (the claim word keeps 15 bits of each end). */
export const MAX_CHUNKS = 1 << 15;

/**
 * Cells or ops a chunk of a pipelined job wants: DACT_TEXT_CHUNK_CELLS (for
 * tests) when it is a positive whole number, else 4096 (small enough that
 * the thread that finishes first waits at most ~0.4 ms for the other, large
 * enough that the claims cost nothing beside the formatting).
 */
export function chunkItems(env: string | undefined): number {
  const n = Number(env);
  return Number.isSafeInteger(n) && n > 0 ? n : 4096;
}

/** The size of a chunk of `count` cells or ops, in whole `unit`s (a CSV row): `want` or more, and at most MAX_CHUNKS chunks. */
export function chunkSize(count: number, unit: number, want: number): number {
  const least = Math.max(want, Math.ceil(count / MAX_CHUNKS));
  return Math.ceil(least / unit) * unit;
}

/** Sets up h's job as `n` chunks of `size` (cells or ops), none claimed yet; size 0: one piece, not chunked. */
export function chunks(h: TextHelper, size: number, n: number): void {
  // More would overflow the claim word: chunks lost, or claimed twice (chunkSize keeps n within it).
  if (n > MAX_CHUNKS) throw new Error(`text-parallel: ${n} chunks of ${size}`);
  h.ctrl[Ctl.Chunk] = size;
  h.ctrl[Ctl.Claim] = n << 16;
}

/** The helper's next chunk, from the front (0, 1, 2...): -1 when the rest was stolen or done. */
export function claimFront(c: Int32Array): number {
  for (;;) {
    const w = Atomics.load(c, Ctl.Claim);
    const front = w & 0xffff;
    if (front >= w >>> 16) return -1;
    if (Atomics.compareExchange(c, Ctl.Claim, w, w + 1) === w) return front;
  }
}

/** The last chunk the helper has not claimed, taken by this thread: -1 when there is none. */
export function claimBack(c: Int32Array): number {
  for (;;) {
    const w = Atomics.load(c, Ctl.Claim);
    const back = w >>> 16;
    if ((w & 0xffff) >= back) return -1;
    if (Atomics.compareExchange(c, Ctl.Claim, w, w - 0x10000) === w) return back - 1;
  }
}

/** Where stolen chunks are formatted before they follow the helper's bytes (one pending job at a time, so one buffer). */
let stage = Buffer.alloc(0);

/**
 * A writer's pipelined job (the CSV and JSON writers' offerPipelined): a
 * batch offered to a reserved helper in chunks, whose bytes go next in the
 * output. The helper formats chunks from the front while this thread reads
 * and computes the next batch; take() steals from the back the chunks the
 * helper has not reached (so neither thread waits for the other more than
 * a chunk: where a batch split in fixed parts left one thread idle for
 * whatever the other had left), waits for the helper's last chunk, and
 * appends the helper's bytes then its own. `chunk(j, buf, p)` formats
 * chunk j from the shared copies into buf at p, returning the end: the
 * same function as the helper's, so the bytes are one thread's.
 */
export class PendingText {
  constructor(
    readonly h: TextHelper,
    /** The control word the helper leaves its byte count in. */
    private readonly lengthAt: number,
    /** Most bytes a chunk takes. */
    private readonly chunkBytes: number,
    private readonly chunk: (j: number, buf: Buffer, p: number) => number,
  ) {}

  /** Whether the helper is done (take() will not wait). */
  get done(): boolean {
    return Atomics.load(this.h.ctrl, Ctl.State) === HelperState.Done;
  }

  take(out: OutBytes): void {
    try {
      const c = this.h.ctrl;
      // Tests (setPatience) let the helper take its job first, so that its own chunks are what they check.
      if (patience > 0) Atomics.wait(c, Ctl.State, HelperState.Offered, patience);
      // Ends of the stolen chunks in the stage, in the order taken (the last chunk first).
      const ends: number[] = [];
      let p = 0;
      for (let j = claimBack(c); j >= 0; j = claimBack(c)) {
        if (stage.length < p + this.chunkBytes) stage = Buffer.concat([stage.subarray(0, p)], Math.max(2 * stage.length, p + this.chunkBytes));
        p = this.chunk(j, stage, p);
        ends.push(p);
      }
      helped.stolen += ends.length;
      // Everything is claimed: the chunks before `front` are the helper's.
      const front = Atomics.load(c, Ctl.Claim) & 0xffff;
      if (finish(this.h)) {
        helped.chunks += front;
        out.bytes(this.h.bytes.subarray(0, c[this.lengthAt]!));
      } else {
        // It never took the job (front is 0), or failed partway: its chunks are done here.
        for (let j = 0; j < front; j++) {
          out.room(this.chunkBytes);
          out.len = this.chunk(j, out.buf, out.len);
        }
      }
      for (let i = ends.length - 1; i >= 0; i--) out.bytes(stage.subarray(i === 0 ? 0 : ends[i - 1]!, ends[i]));
    } finally {
      release(this.h);
    }
  }
}

/** What take() appends to (OutBuffer). */
export interface OutBytes {
  buf: Buffer;
  len: number;
  room(bytes: number): void;
  bytes(b: Uint8Array): void;
}

/**
 * After a failure in a pipelined transform: writes what one thread would
 * have written by then (`end`: the pending batch, then the buffer), so that
 * the output does not depend on --threads even when a bad cell ends the
 * run; a failure to write is the run's error's, not a new one.
 */
export async function settle(end: () => Promise<void>): Promise<void> {
  try {
    await end();
  } catch {
    // The run's own error is what is reported.
  }
}

/**
 * A pipelined transform's run: `body` (the input pumped through reader and
 * writer), then the writer's end() (not flush(): a batch a helper is still
 * formatting is written too); on a failure, what one thread would have
 * written by then (settle), then the failure.
 */
export async function pipelined(writer: { end(): Promise<void> }, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    await settle(() => writer.end());
    throw err;
  }
  await writer.end();
}

let started = 0;

function start(into: TextHelper[]): void {
  started++;
  const { Worker } = workerThreads();
  const sab = (n: number) => new SharedArrayBuffer(n);
  const h = { ctrl: new Int32Array(sab(64)), f64: new Float64Array(sab(HELPER_CELLS * 8)), m8: new Uint8Array(sab(HELPER_CELLS)), e8: new Uint8Array(sab(HELPER_CELLS)), bytes: Buffer.from(sab(HELPER_BYTES)) };
  const worker = new Worker(new URL("./text-worker.js", import.meta.url), { workerData: { ctrl: h.ctrl.buffer, f64: h.f64.buffer, m8: h.m8.buffer, e8: h.e8.buffer, bytes: h.bytes.buffer } });
  worker.unref();
  const helper = { worker, ...h };
  // A helper that fails to load never takes work (finish() takes it back) and leaves the pool. Not an uncaught error.
  const gone = () => {
    live.delete(h.ctrl);
    if (into.includes(helper)) into.splice(into.indexOf(helper), 1);
  };
  worker.on("error", gone);
  worker.on("exit", gone);
  into.push(helper);
  live.add(h.ctrl);
}

/** Offers the job set up in h.ctrl[Arg...] and its buffers. */
export function offer(h: TextHelper, job: Job): void {
  h.ctrl[Ctl.Job] = job;
  Atomics.store(h.ctrl, Ctl.State, HelperState.Offered);
  Atomics.notify(h.ctrl, Ctl.State);
}

/**
 * Waits for the job offered to `h`. True: done, its results are in h.
 * False: the helper had not taken it by the time this thread finished its
 * own part (a busy machine gave it no core, or it never started): the job
 * is taken back and the caller does it itself, at once, rather than wait
 * for a core. A helper that took its job is always waited for.
 */
export function finish(h: TextHelper): boolean {
  const c = h.ctrl;
  const until = patience > 0 ? Date.now() + patience : 0;
  for (;;) {
    const state = Atomics.load(c, Ctl.State);
    if (state === HelperState.Done) {
      Atomics.store(c, Ctl.State, HelperState.Idle);
      if (c[Ctl.Failed] !== 0) {
        c[Ctl.Failed] = 0;
        helped.takenBack++;
        return false;
      }
      if (c[Ctl.Job] === Job.Format) helped.format++;
      else if (c[Ctl.Job] === Job.FormatJson) helped.formatJson++;
      else if (c[Ctl.Job] === Job.ParseJsonl) helped.parseJsonl++;
      else helped.parse++;
      return true;
    }
    if (state === HelperState.Taken) {
      Atomics.wait(c, Ctl.State, HelperState.Taken);
      continue;
    }
    const left = until === 0 ? 0 : until - Date.now();
    if (left <= 0) {
      if (Atomics.compareExchange(c, Ctl.State, HelperState.Offered, HelperState.Idle) !== HelperState.Offered) continue; // taken just now
      helped.takenBack++;
      return false;
    }
    Atomics.wait(c, Ctl.State, HelperState.Offered, left);
  }
}

/**
 * How long finish() waits for a helper to take its part: 0 (take it back
 * at once). Tests raise it so that the helpers' own work is what they check.
 */
let patience = 0;
export function setPatience(ms: number): void {
  patience = ms;
}

/** Cells of a block sampled for `worth`. */
const SAMPLE_STEP = 61;

/**
 * Whether formatting values[from, to) is worth a helper: some of them are
 * more than 0.0 or 1.0 (relu's derivatives are all 0 or 1, written in
 * three bytes each, faster than a copy to shared memory and back).
 */
export function worth(values: ArrayLike<number>, from: number, to: number): boolean {
  let busy = 0;
  let seen = 0;
  for (let k = from; k < to; k += SAMPLE_STEP, seen++) {
    const x = values[k]!;
    if (!(x === 0 || x === 1)) busy++;
  }
  return busy * 8 >= seen && busy > 0;
}
