/**
 * What a signal handler must undo before the process exits: the temporary
 * files not yet committed, the gate every thread passes to create one, and
 * FIFO opens blocked on the thread pool. Split out of src/io.ts.
 */
import * as fs from "node:fs";
import { DactError } from "../errors.js";

/**
 * Named FIFOs whose open(2) is waiting for a writer on the thread pool. A
 * pool thread blocked there keeps process.exit() from returning, so the
 * signal handlers release them (releaseBlockedOpens) before exiting.
 */
export const pendingFifos = new Set<string>();

/** Batch inputs that are FIFOs: worker threads may be waiting on them (the main thread handles signals). */
export const batchFifos = new Set<string>();

/** Opens each FIFO we may wait on for writing, without blocking: that completes the blocked open. */
export function releaseBlockedOpens(): void {
  for (const p of [...pendingFifos, ...batchFifos]) {
    try {
      fs.closeSync(fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
    } catch {
      /* no reader waiting (ENXIO), or gone */
    }
  }
}

/** Temporary files not yet committed; removed on SIGINT/SIGTERM. */
const liveTemps = new Set<string>();
export function trackTemp(path: string, live: boolean): void {
  if (live) liveTemps.add(path);
  else liveTemps.delete(path);
}

/**
 * The gate every thread passes to create a temporary file, shared by the
 * main thread with its batch workers (a SharedArrayBuffer): [0] is 1 once
 * the process is exiting, [1] counts threads inside. The signal handler
 * closes the gate and waits for those inside before it removes the
 * registered names, so no worker can create a file after the removal.
 */
let gate = new Int32Array(new SharedArrayBuffer(8));

/** The main thread's gate, for its workers (workerData). */
export function exitGate(): SharedArrayBuffer {
  return gate.buffer as SharedArrayBuffer;
}

/** In a worker: share the main thread's gate. */
export function useExitGate(buf: SharedArrayBuffer): void {
  gate = new Int32Array(buf);
}

/** Runs `create` (which makes a temporary file) unless the process is exiting. */
export function throughGate<T>(create: () => T): T {
  Atomics.add(gate, 1, 1);
  try {
    if (Atomics.load(gate, 0) !== 0) throw new DactError("WRITE", "interrupted: the run is ending");
    return create();
  } finally {
    Atomics.sub(gate, 1, 1);
  }
}

/** Everything a signal handler must do before process.exit: temporary files, blocked FIFO opens. */
export function cleanupForExit(): void {
  Atomics.store(gate, 0, 1);
  // Those inside are between a check and an open(2): microseconds.
  for (let spins = 0; Atomics.load(gate, 1) > 0 && spins < 1e7; spins++);
  removeLiveTemps();
  releaseBlockedOpens();
}

export function removeLiveTemps(): void {
  for (const t of liveTemps) {
    try {
      fs.unlinkSync(t);
    } catch {
      /* already gone */
    }
  }
  liveTemps.clear();
}
