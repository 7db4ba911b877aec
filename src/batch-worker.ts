/**
 * A batch worker thread: runs one file at a time for the pool in batch.ts
 * and sends notices and errors back as text. Its temporary files are named
 * and tracked by the main thread (PlanSpec.tempName), which owns the
 * signal handlers.
 */
import { parentPort, workerData } from "node:worker_threads";
import { BrokenPipe, DactError } from "./errors.js";
import { useExitGate } from "./io.js";
import { runDerivative, type PlanSpec } from "./pipeline.js";

const port = parentPort!;
useExitGate((workerData as { gate: SharedArrayBuffer }).gate);

port.on("message", async (msg: { plan: PlanSpec }) => {
  // While a file runs, the port alone does not keep this thread alive: if
  // the run's event loop empties with its promise still pending (a bug:
  // two streams waiting on each other), the thread exits and the pool
  // reports that file as an internal error, rather than waiting forever.
  port.unref();
  try {
    const r = await runDerivative(msg.plan, (m) => port.postMessage({ kind: "notice", message: m }));
    port.postMessage({ kind: "done", check: r.check });
  } catch (err) {
    const message = err instanceof DactError ? err.message : err instanceof BrokenPipe ? "broken pipe" : `dact: internal error (this is a bug in dact; please report it): ${(err as Error)?.stack ?? String(err)}`;
    port.postMessage({ kind: "failed", message });
  } finally {
    port.ref();
  }
});
