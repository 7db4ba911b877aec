/**
 * Batch mode: many inputs, one output folder, in parallel on a pool of
 * worker threads (each file still streamed). One bad file does not stop
 * the others; each error is reported as it happens, and a summary closes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { DactError } from "./errors.js";
import { trackTemp } from "./io.js";
import { batchOutputName, type PlanSpec } from "./pipeline.js";

export interface BatchResult {
  written: number;
  failed: number;
}

/** Checks a batch before any file is read: distinct output names, and no output over an input. */
export function planBatch(inputs: readonly string[], outDir: string, to: PlanSpec["to"]): { input: string; output: string }[] {
  if (inputs.includes("-")) throw new DactError("USAGE", "batch mode reads files; found - (stdin) among the inputs; expected file paths");
  const seen = new Map<string, string>();
  const resolvedInputs = new Set(inputs.map((i) => path.resolve(i)));
  const jobs = inputs.map((input) => {
    // Only the base name is used, so ../ in an input path cannot escape --out-dir.
    const output = path.join(outDir, batchOutputName(input, to));
    const key = path.resolve(output);
    const other = seen.get(key);
    if (other !== undefined) throw new DactError("USAGE", `${other} and ${input} would both be written to ${output}; expected distinct output names`);
    seen.set(key, input);
    if (resolvedInputs.has(key)) throw new DactError("USAGE", `${input}: its output ${output} is one of the inputs; expected an --out-dir that does not overwrite inputs`);
    return { input, output };
  });
  return jobs;
}

export async function runBatch(
  plans: PlanSpec[],
  jobs: number,
  events: { notice(m: string): void; error(m: string): void; fileDone(done: number, total: number): void },
): Promise<BatchResult> {
  const workerUrl = new URL("./batch-worker.js", import.meta.url);
  const n = Math.max(1, Math.min(jobs, plans.length));
  let next = 0;
  let done = 0;
  let failed = 0;
  await new Promise<void>((resolve, reject) => {
    const workers: Worker[] = [];
    let finished = 0;
    const feed = (w: Worker) => {
      if (next >= plans.length) {
        void w.terminate();
        if (++finished === n) resolve();
        return;
      }
      const id = next++;
      const { progress: _p, ...plan } = plans[id]!;
      w.postMessage({ id, plan });
    };
    for (let i = 0; i < n; i++) {
      const w = new Worker(workerUrl);
      workers.push(w);
      w.on("message", (msg: { kind: string; path?: string; live?: boolean; message?: string }) => {
        if (msg.kind === "temp") trackTemp(msg.path!, msg.live!);
        else if (msg.kind === "notice") events.notice(msg.message!);
        else {
          if (msg.kind === "failed") {
            failed++;
            events.error(msg.message!);
          }
          done++;
          events.fileDone(done, plans.length);
          feed(w);
        }
      });
      w.on("error", reject);
      feed(w);
    }
  });
  return { written: done - failed, failed };
}

export function ensureOutDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new DactError("WRITE", `cannot create the output folder: ${(err as Error).message}`, dir);
  }
}
