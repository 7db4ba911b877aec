/**
 * A helper thread for parallel.ts: computes its activation's kernel over
 * the range [from, to) of shared memory whenever the main thread asks.
 */
import { workerData } from "node:worker_threads";
import { findActivation } from "./activations/registry.js";
import type { Params } from "./activations/types.js";

const { activation, params, src: srcBuf, dst: dstBuf, ctrl: ctrlBuf } = workerData as { activation: string; params: Params; src: SharedArrayBuffer; dst: SharedArrayBuffer; ctrl: SharedArrayBuffer };
const kernel = findActivation(activation)!.kernel(params);
const src = new Float64Array(srcBuf);
const dst = new Float64Array(dstBuf);
const ctrl = new Int32Array(ctrlBuf);

for (;;) {
  Atomics.wait(ctrl, 0, 0);
  const state = Atomics.load(ctrl, 0);
  if (state === 3) break;
  if (state !== 1) continue;
  const from = ctrl[1]!;
  const to = ctrl[2]!;
  kernel(src.subarray(from, to), dst.subarray(from, to), to - from);
  Atomics.store(ctrl, 0, 2);
  Atomics.notify(ctrl, 0);
}
