/**
 * A helper thread for parallel.ts: computes its activation's kernel over
 * the range [from, to) of shared memory whenever the main thread asks.
 */
import { workerData } from "node:worker_threads";
import { findActivation } from "./activations/registry.js";
import type { Params } from "./activations/types.js";
import { float32Kernel } from "./wasm/index.js";

const { activation, params, float32, src: srcBuf, dst: dstBuf, ctrl: ctrlBuf } = workerData as { activation: string; params: Params; float32: boolean; src: SharedArrayBuffer; dst: SharedArrayBuffer; ctrl: SharedArrayBuffer };
const act = findActivation(activation)!;
const js = act.kernel(params);
// float32: the main thread runs the float32 SIMD kernel; so must this one.
const kernel = float32 ? (float32Kernel(act, params, js) ?? js) : js;
const src = float32 ? new Float32Array(srcBuf) : new Float64Array(srcBuf);
const dst = float32 ? new Float32Array(dstBuf) : new Float64Array(dstBuf);
const ctrl = new Int32Array(ctrlBuf);

for (;;) {
  const now = Atomics.load(ctrl, 0);
  // Idle (0), or done (2) until the main thread has copied the part out and
  // reset the word: sleep. Waiting on 0 alone spun through the done state
  // (wait returns at once when the word is not 0), a core held busy while
  // the main thread finished its own part, read and wrote. The next offer's
  // notify, or quit's, wakes it either way.
  if (now === 0 || now === 2) {
    Atomics.wait(ctrl, 0, now);
    continue;
  }
  const state = now;
  if (state === 3) break;
  // Take the work, unless the main thread took it back first (then it is 3: quit).
  if (state !== 1 || Atomics.compareExchange(ctrl, 0, 1, 4) !== 1) continue;
  const from = ctrl[1]!;
  const to = ctrl[2]!;
  kernel(src.subarray(from, to), dst.subarray(from, to), to - from);
  Atomics.store(ctrl, 0, 2);
  Atomics.notify(ctrl, 0);
}
