/**
 * Batch mode: many inputs (files, and folders walked recursively), one
 * output folder, in parallel on a pool of worker threads (each file still
 * streamed). One bad file does not stop the others.
 *
 * Safety: outputs are never written through a symlink (openOutput's
 * noFollow), never outside --out-dir (every output folder's real path is
 * checked), never over an input (real paths and device/inode compared),
 * and every worker's temporary file is named and registered by this
 * thread before the worker exists to create it, so a signal at any moment
 * removes it.
 *
 * A barrel: the plan is src/batch/plan.ts, the manifest and logs
 * src/batch/ledger.ts, the run and its worker pool src/batch/pool.ts; this
 * module re-exports what it always exported.
 */

export { ensureOutDir, planBatch, shardOf } from "./batch/plan.js";
export type { BatchJob, BatchOptions, BatchPlan, BatchResult } from "./batch/plan.js";
export { gradIdentity, MANIFEST, optionsKey } from "./batch/ledger.js";
export { runBatch } from "./batch/pool.js";
export type { BatchEvents } from "./batch/pool.js";
