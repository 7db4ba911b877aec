/**
 * Batch mode's run: the skips the manifest and --resume allow, then the pool
 * of worker threads (src/batch-worker.ts), each output's temporary file named
 * and registered here before a worker can create it, and the log and
 * manifest lines as files finish. Split out of src/batch.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { AppendFile, distinctSideFiles, exitGate, makeFolders, Protected, syncFolder, tempNameFor, trackTemp } from "../io.js";
import type { CheckResult, PlanSpec } from "../run/types.js";
import { batchWorkerUrl } from "../batch-worker-url.js";
import { fileIdentity, gradIdentity, MANIFEST, optionsKey, readJsonLines } from "./ledger.js";
import { ensureOutDir, notRegular, prepareFolder, statOrNull, type BatchJob, type BatchOptions, type BatchPlan, type BatchResult } from "./plan.js";

export interface BatchEvents {
  notice(m: string): void;
  error(m: string): void;
  fileDone(done: number, total: number): void;
  /** --check-dir: each file's check, or its error. */
  result?(job: BatchJob, check: CheckResult | null, error: string | null): void;
}

export async function runBatch(jobs: BatchPlan, base: Omit<PlanSpec, "input" | "output">, o: BatchOptions, version: string, events: BatchEvents): Promise<BatchResult> {
  const started = Date.now();
  const key = optionsKey(base, version);
  const manifestPath = path.join(o.outDir, MANIFEST);
  // Each output's options key and the input that made it: an output another
  // input made (the names changed since) is not skipped.
  const made = new Map<string, string>();
  // Each output's file identity when this manifest recorded it: an output
  // rewritten since (by a run without --skip-existing, or by hand) is redone.
  const madeAs = new Map<string, string>();
  if (o.skipExisting) {
    for (const r of readJsonLines(manifestPath, "the manifest", true)) {
      if (typeof r["output"] !== "string" || typeof r["key"] !== "string") continue;
      made.set(r["output"], (typeof r["input"] === "string" ? `${r["key"]}\n${r["input"]}` : r["key"]) + (typeof r["grad"] === "string" ? `\n${r["grad"]}` : ""));
      if (typeof r["file"] === "string") madeAs.set(r["output"], r["file"]);
      else madeAs.delete(r["output"]); // a manifest line from before dact recorded it
    }
  }
  // Each output the log says was written or skipped, with the output's and
  // the gradient's identity as logged (absent in logs of older versions).
  const resumed = new Map<string, { file: unknown; grad: unknown }>();
  if (o.resume) {
    for (const r of readJsonLines(o.resume, "--resume", true)) {
      if (typeof r["output"] !== "string") continue;
      // A log of a run with other options (another activation, --at-zero...) resumes nothing of this one.
      if (typeof r["key"] === "string" && r["key"] !== key) continue;
      if (r["status"] === "written" || r["status"] === "skipped") resumed.set(r["output"], { file: r["file"], grad: r["grad"] });
      else resumed.delete(r["output"]);
    }
  }
  // --resume, as --skip-existing: the output still the one logged, newer
  // than its input, from the same gradient (else it is stale, and redone).
  const stillResumed = (j: BatchJob, out: fs.Stats | null, fresh: boolean): boolean => {
    const r = resumed.get(j.output);
    if (r === undefined || !out?.isFile() || !fresh) return false;
    if (typeof r.file === "string" && r.file !== fileIdentity(out)) return false;
    const g = gradIdentity(o, base, j);
    return r.grad === undefined ? g === undefined || typeof r.file !== "string" : r.grad === g;
  };
  // The log and the manifest are opened before anything is written: its
  // folder made, never a FIFO or device, never an input or golden (and the
  // manifest, inside --out-dir, never through a link).
  const guard = jobs.guard ?? new Protected();
  const logPath = o.log ?? o.resume;
  // The log appended to the manifest would make its lines the manifest's (and the reverse).
  if (logPath && o.skipExisting) distinctSideFiles([[manifestPath, `the manifest ${manifestPath} (--skip-existing)`], [logPath, `${o.log ? "--log" : "--resume"} ${logPath}`]]);
  let logFile: AppendFile | null = null;
  let manifest: AppendFile | null = null;
  if (logPath) {
    // Nor one of this run's own outputs, whose rename would replace the log.
    if (!o.checks) {
      const outputs = new Protected();
      for (const j of jobs) outputs.add(j.output, "output");
      outputs.check(logPath, o.log ? "--log" : "--resume");
    }
    guard.check(logPath, o.log ? "--log" : "--resume"); // before its folder is made
    makeFolders(path.dirname(logPath));
    logFile = AppendFile.open(logPath, o.log ? "--log" : "--resume", guard);
  }
  try {
    // --out-dir, only once every check passed; --check-dir's folder only when updating.
    if (!o.checks || (base.check?.update ?? "off") !== "off") ensureOutDir(o.outDir);
    if (o.skipExisting) manifest = AppendFile.open(manifestPath, "the manifest", guard);
  } catch (err) {
    logFile?.close();
    throw err;
  }
  const log = (entry: Record<string, unknown>) => logFile?.line(JSON.stringify(entry));
  try {
    const todo: BatchJob[] = [];
    let skipped = 0;
    for (const j of jobs) {
      const out = statOrNull(j.output);
      const inp = statOrNull(j.input);
      const fresh = out?.isFile() === true && inp !== null && out!.mtimeMs >= inp.mtimeMs;
      const recorded = madeAs.get(j.rel);
      const unchanged = recorded === undefined || (out !== null && recorded === fileIdentity(out));
      if ((o.skipExisting && fresh && unchanged && made.get(j.rel) === `${key}\n${j.input}` + (gradIdentity(o, base, j) !== undefined ? `\n${gradIdentity(o, base, j)}` : "")) || (o.resume && stillResumed(j, out, fresh))) {
        skipped++;
        log({ input: j.input, output: j.output, status: "skipped", bytes: out!.size, seconds: 0, error: null, key, file: fileIdentity(out!), grad: gradIdentity(o, base, j) });
      } else todo.push(j);
    }
    return await runPool(jobs, todo, skipped, base, o, key, started, log, manifest, events);
  } finally {
    logFile?.close();
    manifest?.close();
  }
}

async function runPool(jobs: BatchJob[], todo: BatchJob[], skipped: number, base: Omit<PlanSpec, "input" | "output">, o: BatchOptions, key: string, started: number, log: (entry: Record<string, unknown>) => void, manifest: AppendFile | null, events: BatchEvents): Promise<BatchResult> {
  const swept = new Set<string>();
  const workerUrl = batchWorkerUrl();
  const n = Math.max(1, Math.min(o.jobs, todo.length));
  let next = 0;
  let done = 0;
  let failed = 0;
  // Folders that received an output: fsync'ed once at the end (with the
  // folders between them and --out-dir, which mkdir may have made), not
  // after every file.
  const folders = new Set<string>();
  if (todo.length > 0) {
    await new Promise<void>((resolve, reject) => {
      let finished = 0;
      let broken = false; // a worker failed outright: the pool has rejected
      let ids = 0;
      // grad: the gradient's identity as read when the job was handed out (a gradient changed during the run is not recorded as the one used).
      const entries = new Map<number, { job: BatchJob; temp: string; t0: number; grad?: string | undefined }>();
      // Per worker: the file it is running (null when free) and the files
      // whose commits (fsync, rename) it is finishing in the background.
      const state = new Map<Worker, { current: number | null; pending: Set<number>; done: boolean }>();
      // A failed log or manifest write ends the run as an error (exit 2), not as an uncaught exception.
      const settle = (id: number, ok: boolean, message: string | null, check: CheckResult | null = null) => {
        try {
          record(id, ok, message, check);
        } catch (err) {
          reject(err);
        }
      };
      const record = (id: number, ok: boolean, message: string | null, check: CheckResult | null) => {
        const r = entries.get(id)!;
        entries.delete(id);
        trackTemp(r.temp, false);
        events.result?.(r.job, check, ok ? null : message);
        if (!ok) {
          failed++;
          events.error(message!);
        } else {
          folders.add(path.dirname(r.job.output));
          const st = statOrNull(r.job.output);
          manifest?.line(JSON.stringify({ output: r.job.rel, input: r.job.input, key, grad: r.grad, file: st ? fileIdentity(st) : undefined }));
        }
        if (o.checks) {
          // --check-dir: the check's own status; bytes and file only for a golden this run wrote.
          const status = ok ? (check?.status ?? "error") : "error";
          const wrote = status === "written" ? statOrNull(r.job.output) : null;
          log({ input: r.job.input, output: r.job.output, status, bytes: wrote?.size ?? 0, seconds: (Date.now() - r.t0) / 1000, error: ok ? null : message, key, ...(wrote ? { file: fileIdentity(wrote) } : {}), ...(check?.pending ? { pending: check.pending } : {}) });
        } else {
          const logged = ok ? statOrNull(r.job.output) : null;
          log({ input: r.job.input, output: r.job.output, status: ok ? "written" : "failed", bytes: logged?.size ?? 0, seconds: (Date.now() - r.t0) / 1000, error: ok ? null : message, key, ...(logged ? { file: fileIdentity(logged), grad: r.grad } : {}) });
        }
        done++;
        events.fileDone(done + skipped, jobs.length);
      };
      const feed = (w: Worker) => {
        const st = state.get(w)!;
        while (st.current === null && next < todo.length) {
          const job = todo[next++]!;
          const id = ids++;
          const problem = notRegular(job, o) ?? (o.checks ? null : prepareFolder(job, o.outDir, swept));
          if (problem) {
            entries.set(id, { job, temp: "", t0: Date.now() });
            settle(id, false, problem.message);
            continue;
          }
          // Named and registered here, before the worker can create it.
          const temp = tempNameFor(path.resolve(job.output));
          trackTemp(temp, true);
          entries.set(id, { job, temp, t0: Date.now(), grad: gradIdentity(o, base, job) });
          st.current = id;
          const grad = o.gradDir !== undefined ? { gradOutput: path.join(o.gradDir, job.inRel) } : {};
          const { progress: _p, ...plan } = o.checks
            ? { ...base, ...grad, input: job.input, output: "-", check: { ...base.check!, path: job.output, root: o.outDir }, noFollow: true, tempName: temp, syncFolder: false }
            : { ...base, ...grad, input: job.input, output: job.output, noFollow: true, tempName: temp, syncFolder: false };
          w.postMessage({ plan, id });
          return;
        }
        if (st.current === null && st.pending.size === 0 && !st.done) {
          st.done = true;
          void w.terminate();
          if (++finished === n) resolve();
        }
      };
      for (let i = 0; i < n; i++) {
        // trackUnmanagedFds off: a worker registers each fd it opens and
        // closes the ones still registered when it exits. A FIFO's fd is
        // registered twice (fs.open, then net.Socket: "opened in unmanaged
        // mode twice"), and the leftover close hit whatever file had that fd
        // number by then (EBADF in another worker). dact closes every fd it
        // opens itself (Input.close, Output.commit/abort).
        spawn();
      }
      function spawn(): void {
        const w = new Worker(workerUrl, { trackUnmanagedFds: false, workerData: { gate: exitGate() } });
        const st = { current: null as number | null, pending: new Set<number>(), done: false };
        state.set(w, st);
        w.on("message", (msg: { kind: string; id?: number; free?: boolean; message?: string; check?: CheckResult }) => {
          if (msg.kind === "notice") return events.notice(msg.message!);
          const id = msg.id!;
          if (msg.kind === "free") {
            // Written; its commit goes on in the worker while it takes the next file.
            st.pending.add(id);
            st.current = null;
          } else {
            if (msg.free) st.current = null;
            else st.pending.delete(id);
            settle(id, msg.kind === "done", msg.message ?? null, msg.check ?? null);
          }
          feed(w);
        });
        w.on("error", (e) => {
          broken = true;
          reject(e);
        });
        // A worker that exits with a file still running or committing stopped
        // with work pending (see batch-worker.ts): those files are internal
        // errors, their temporary files are removed, and a fresh worker takes
        // the rest.
        w.on("exit", () => {
          if (st.done || broken) return;
          const lost = [...st.pending, ...(st.current !== null ? [st.current] : [])];
          st.done = true;
          st.pending.clear();
          st.current = null;
          for (const id of lost) {
            const r = entries.get(id)!;
            if (r.temp) {
              try {
                fs.unlinkSync(r.temp);
              } catch {
                /* never created, or renamed already */
              }
            }
            settle(id, false, `dact: ${r.job.input}: internal error (this is a bug in dact; please report it): the run stopped with work still pending; nothing was written`);
          }
          spawn();
        });
        feed(w);
      }
    });
  }
  if (base.fsync !== false) {
    const all = new Set<string>();
    const top = path.resolve(o.outDir);
    for (const f of folders) {
      for (let d = path.resolve(f); ; d = path.dirname(d)) {
        if (all.has(d)) break;
        all.add(d);
        if (d === top || path.dirname(d) === d || !d.startsWith(top + path.sep)) break;
      }
    }
    for (const d of all) syncFolder(d);
  }
  return { written: done - failed, skipped, failed, seconds: (Date.now() - started) / 1000 };
}
