/**
 * A batch worker thread: runs one file at a time for the pool in batch.ts.
 * It reports its temporary files to the main thread, which removes them
 * on SIGINT/SIGTERM, and sends notices and errors back as text.
 */
import { parentPort } from "node:worker_threads";
import { BrokenPipe, DactError } from "./errors.js";
import { onTempFiles } from "./io.js";
import { runDerivative, type PlanSpec } from "./pipeline.js";

const port = parentPort!;
onTempFiles((path, live) => port.postMessage({ kind: "temp", path, live }));

port.on("message", async (msg: { id: number; plan: PlanSpec }) => {
  try {
    await runDerivative(msg.plan, (m) => port.postMessage({ kind: "notice", message: m }));
    port.postMessage({ kind: "done", id: msg.id });
  } catch (err) {
    const message = err instanceof DactError ? err.message : err instanceof BrokenPipe ? "broken pipe" : `dact: internal error (this is a bug in dact; please report it): ${(err as Error)?.stack ?? String(err)}`;
    port.postMessage({ kind: "failed", id: msg.id, message });
  }
});
