/**
 * A batch worker thread: runs one file at a time for the pool in batch.ts
 * and sends notices and errors back as text. Its temporary files are named
 * and tracked by the main thread (PlanSpec.tempName), which owns the
 * signal handlers.
 *
 * A file's commit is deferred: once its bytes are written the worker says
 * "free" and takes the next file while the finished one is fsync'ed on the
 * libuv threadpool, closed and renamed; "done" (or "failed") for it follows
 * when it is in place. At most MAX_PENDING commits wait at once, so a run of
 * small files on a slow disk holds a bounded number of descriptors.
 */
import { parentPort, workerData } from "node:worker_threads";
import { BrokenPipe, DactError } from "./errors.js";
import { useExitGate } from "./io.js";
import { runDerivative, type PlanSpec } from "./pipeline.js";

const port = parentPort!;
useExitGate((workerData as { gate: SharedArrayBuffer }).gate);

const MAX_PENDING = 2;
const pending = new Set<Promise<void>>();

function messageOf(err: unknown): string {
  return err instanceof DactError ? err.message : err instanceof BrokenPipe ? "broken pipe" : `dact: internal error (this is a bug in dact; please report it): ${(err as Error)?.stack ?? String(err)}`;
}

port.on("message", async (msg: { plan: PlanSpec; id: number }) => {
  // While a file runs, the port alone does not keep this thread alive: if
  // the run's event loop empties with its promise still pending (a bug:
  // two streams waiting on each other), the thread exits and the pool
  // reports that file as an internal error, rather than waiting forever.
  port.unref();
  const id = msg.id;
  let deferred: Promise<void> | null = null;
  try {
    while (pending.size >= MAX_PENDING) await Promise.race(pending);
    const r = await runDerivative(
      msg.plan,
      (m) => port.postMessage({ kind: "notice", message: m }),
      (commit) => {
        deferred = commit;
      },
    );
    if (deferred === null) port.postMessage({ kind: "done", id, free: true, check: r.check });
    else {
      const commit: Promise<void> = deferred;
      const tracked = commit.then(
        () => port.postMessage({ kind: "done", id, free: false, check: r.check }),
        (err: unknown) => port.postMessage({ kind: "failed", id, free: false, message: messageOf(err) }),
      );
      pending.add(tracked);
      void tracked.finally(() => pending.delete(tracked));
      port.postMessage({ kind: "free", id });
    }
  } catch (err) {
    // A commit handed over and then a failure after it cannot happen (the
    // commit is the run's last step), but settle it either way.
    if (deferred !== null) await (deferred as Promise<void>).catch(() => {});
    port.postMessage({ kind: "failed", id, free: true, message: messageOf(err) });
  } finally {
    port.ref();
  }
});
