/**
 * Kernels on every core: a large batch is split between this thread and
 * helper worker threads that share its memory (SharedArrayBuffer). The
 * handoff is synchronous (Atomics.wait/notify), so the parallel kernel is a
 * drop-in Kernel and every format's code stays as it is. Helpers start on
 * the first large batch only: small inputs pay nothing (start-up is
 * unchanged), and the piecewise-linear activations, which cost about what
 * copying to shared memory costs, never use them.
 */
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import type { Activation, Kernel, NumDst, NumSrc, Params } from "./activations/types.js";
import { lazy } from "./lazy.js";

const workerThreads = lazy<typeof import("node:worker_threads")>("node:worker_threads");

/** A batch smaller than this runs on this thread alone (the handoff costs ~20 µs). */
const MIN_PARALLEL = 1 << 14;
/** Shared buffers hold this many values; larger batches are done in slices. */
const CAPACITY = 1 << 20;

interface Helper {
  worker: Worker;
  /** [0]: 0 idle, 1 work offered, 4 taken (the helper computes), 2 done, 3 quit; [1], [2]: the range [from, to). */
  ctrl: Int32Array;
}

/**
 * How long this thread waits for a helper to take the work it offered
 * before it takes the work back and does it itself. A helper that never
 * started (it failed to load, or the machine is too busy to start it)
 * would otherwise hold this thread in Atomics.wait for good, and with it
 * every signal handler. A helper that took the work is always waited for.
 */
const TAKE_BACK_MS = 400;

/**
 * Every helper's control word, told to quit (3) when the process exits. A
 * helper waits in Atomics.wait, which worker termination at exit does not
 * always interrupt: Node then joined that thread for good after the output
 * was written (seen as a run that never ended). A helper told to quit
 * leaves its loop and its thread ends by itself.
 */
const live = new Set<Int32Array>();
let quitAtExit = false;
function quitHelpers(): void {
  for (const c of live) {
    Atomics.store(c, 0, 3);
    Atomics.notify(c, 0);
  }
  live.clear();
}

/** The number of threads a run may use: --threads, else every core. */
export function threadCount(requested: number | undefined): number {
  return Math.max(1, Math.min(requested ?? availableParallelism(), availableParallelism() * 2));
}

/**
 * `kernel` on every core for large batches. With `float32`, the kernel is a
 * float32 one (src/wasm): the shared buffers hold float32 and the helpers
 * run the same float32 kernel, so the results do not depend on the split.
 */
export function parallelKernel(act: Activation, params: Params, kernel: Kernel, threads: number, float32 = false): Kernel {
  // One thread means no helpers; a cheap derivative (a few comparisons, the
  // registry entry says) is not worth the copies.
  if (threads <= 1 || act.cheap) return kernel;
  let helpers: Helper[] | null = null;
  let src: Float64Array | Float32Array | null = null;
  let dst: Float64Array | Float32Array | null = null;
  // Batch workers already use the cores (decided here, on the first large
  // batch, so that small inputs do not load worker_threads).
  let alone = false;
  const start = () => {
    const { isMainThread, Worker } = workerThreads();
    alone = !isMainThread;
    helpers = [];
    if (alone) return;
    if (!quitAtExit) {
      quitAtExit = true;
      process.once("exit", quitHelpers);
    }
    const shared = () => (float32 ? new Float32Array(new SharedArrayBuffer(CAPACITY * 4)) : new Float64Array(new SharedArrayBuffer(CAPACITY * 8)));
    src = shared();
    dst = shared();
    for (let i = 1; i < threads; i++) {
      const ctrl = new Int32Array(new SharedArrayBuffer(12));
      const worker = new Worker(new URL("./kernel-worker.js", import.meta.url), { workerData: { activation: act.name, params, float32, src: src.buffer, dst: dst.buffer, ctrl: ctrl.buffer } });
      worker.unref();
      // A helper that fails to load never takes work: run() takes it back. Not an uncaught error.
      worker.on("error", () => {});
      helpers.push({ worker, ctrl });
      live.add(ctrl);
    }
  };
  const run = (s: NumSrc, d: NumDst, n: number, base: number) => {
    const hs = helpers!;
    const parts = hs.length + 1;
    const size = Math.ceil(n / parts);
    // Helpers take the later parts, from shared copies; this thread the first, in place.
    for (let k = 0; k < hs.length; k++) {
      const from = Math.min(n, size * (k + 1));
      const to = Math.min(n, size * (k + 2));
      copyIn(src!, s, base + from, base + to, from);
      const c = hs[k]!.ctrl;
      c[1] = from;
      c[2] = to;
      Atomics.store(c, 0, 1);
      Atomics.notify(c, 0);
    }
    const mine = Math.min(n, size);
    if (base === 0) kernel(s, d, mine);
    else {
      copyIn(src!, s, base, base + mine, 0);
      kernel(src!, dst!, mine);
      copyOut(d, dst!, 0, mine, base);
    }
    let gone = false;
    for (let k = 0; k < hs.length; k++) {
      const c = hs[k]!.ctrl;
      const until = Date.now() + TAKE_BACK_MS;
      for (;;) {
        const state = Atomics.load(c, 0);
        if (state === 2) break;
        if (state === 4) {
          Atomics.wait(c, 0, 4);
          continue;
        }
        const left = until - Date.now();
        // Not taken in time: take it back (the helper quits if it ever starts) and do it here.
        if (left <= 0 && Atomics.compareExchange(c, 0, 1, 3) === 1) {
          kernel(src!.subarray(c[1]!, c[2]!), dst!.subarray(c[1]!, c[2]!), c[2]! - c[1]!);
          live.delete(c);
          hs[k]!.worker.terminate().catch(() => {});
          hs[k] = null as unknown as Helper;
          gone = true;
          break;
        }
        if (left > 0) Atomics.wait(c, 0, 1, left);
      }
      if (Atomics.load(c, 0) === 2) Atomics.store(c, 0, 0);
      copyOut(d, dst!, c[1]!, c[2]!, base);
    }
    if (gone) helpers = hs.filter((h) => h !== null);
  };
  return (s, d, n) => {
    if (n < MIN_PARALLEL) return kernel(s, d, n);
    if (!helpers) start();
    if (alone) return kernel(s, d, n);
    for (let base = 0; base < n; base += CAPACITY) run(s, d, Math.min(CAPACITY, n - base), base);
  };
}

type Typed = Float64Array | Float32Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

/** shared[at..] = s[from..to): memcpy-fast for typed arrays (set converts their type). */
function copyIn(shared: Float64Array | Float32Array, s: NumSrc, from: number, to: number, at: number): void {
  if (ArrayBuffer.isView(s)) shared.set((s as Typed).subarray(from, to), at);
  else for (let i = from; i < to; i++) shared[at + i - from] = s[i]!;
}

/** d[at + from..] = shared[from..to). */
function copyOut(d: NumDst, shared: Float64Array | Float32Array, from: number, to: number, at: number): void {
  if (ArrayBuffer.isView(d)) (d as Float64Array | Float32Array).set(shared.subarray(from, to), at + from);
  else for (let i = from; i < to; i++) d[at + i] = shared[i]!;
}
