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
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { DactError } from "./errors.js";
import { withoutGz } from "./formats/gzip.js";
import { formatFromPath, formatSpec, knownExtensions, type Format } from "./formats/index.js";
import { AppendFile, batchFifos, exitGate, makeFolders, Protected, readSideFile, realpathLoose, sweepDeadTemps, syncFolder, tempNameFor, trackTemp } from "./io.js";
import type { CheckResult, PlanSpec } from "./run/types.js";
import { isPending, pendingPath } from "./pending.js";

export interface BatchOptions {
  outDir: string;
  jobs: number;
  to?: Format | undefined;
  /** Globs a walked file's path (relative to the folder given) must match / must not match. */
  include: string[];
  exclude: string[];
  /** Mirror input paths under --out-dir always (else only when base names clash). */
  keepPaths: boolean;
  skipExisting: boolean;
  /** --log FILE: a JSON line per file. */
  log?: string | undefined;
  /** --resume FILE: skip what that log says was written (and still exists). */
  resume?: string | undefined;
  /** --shard I/N: only the inputs whose path hashes to I modulo N. */
  shard?: { index: number; count: number } | undefined;
  /** --check-dir: each job checks its input against `output` (a golden) instead of writing it. */
  checks?: boolean | undefined;
  /** --grad-output-dir: each input's gradient at the same relative path below it. */
  gradDir?: string | undefined;
}

export interface BatchJob {
  input: string;
  output: string;
  /** The output's path relative to --out-dir. */
  rel: string;
  /** The input's path relative to the same root (before --to renames it): where its gradient is. */
  inRel: string;
}

/**
 * A batch's plan: this shard's jobs, and the files no write of the run may
 * land on (every input of every shard, and for --check-dir the goldens).
 */
export type BatchPlan = BatchJob[] & { guard?: Protected; /** Every input of the run, all shards' (options are checked against the whole run, so that every shard decides alike). */ allInputs?: string[] };

export interface BatchResult {
  written: number;
  skipped: number;
  failed: number;
  seconds: number;
}

function walkError(p: string, err: unknown): DactError {
  const e = err as NodeJS.ErrnoException;
  return new DactError("OPEN", `cannot read: ${e.code === "ENOENT" ? "no such file or folder" : e.code === "EACCES" ? "permission denied" : e.message}`, p);
}

/** Files of known formats below `dir`, sorted, as paths joined to `dir`; symlinked folders are not followed (as find does not). */
function walk(dir: string, include: string[], exclude: string[], match: (rel: string, globs: string[]) => boolean): string[] {
  const out: string[] = [];
  const stack = [""];
  while (stack.length) {
    const rel = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
    } catch (err) {
      throw walkError(path.join(dir, rel), err);
    }
    entries.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0)); // popped in name order
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) stack.push(r);
      else if ((e.isFile() || e.isSymbolicLink()) && formatFromPath(e.name)) {
        if (include.length && !match(r, include)) continue;
        if (exclude.length && match(r, exclude)) continue;
        if (e.isSymbolicLink() && !statOrNull(path.join(dir, r))?.isFile()) continue;
        out.push(path.join(dir, r));
      }
    }
  }
  return out.sort();
}

function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
}

/** FNV-1a of the path's UTF-8 bytes (with / separators): a stable shard that depends on this path alone. */
export function shardOf(p: string, count: number): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(path.normalize(p).split(path.sep).join("/"), "utf8")) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % count;
}

function commonRoot(dirs: string[]): string {
  let root = dirs[0]!.split(path.sep);
  for (const d of dirs.slice(1)) {
    const parts = d.split(path.sep);
    let i = 0;
    while (i < root.length && i < parts.length && root[i] === parts[i]) i++;
    root = root.slice(0, i);
  }
  return root.join(path.sep) || path.sep;
}

function realpathOrNull(p: string): string | null {
  try {
    return fs.realpathSync(p);
  } catch {
    return null;
  }
}

/**
 * Expands folders, applies --shard, names the outputs and checks them,
 * before any file is read: distinct output names, no output over an
 * input (real paths: an --out-dir that is a link to the inputs' folder is
 * caught), and a name for every input.
 */
export async function planBatch(args: readonly string[], o: BatchOptions): Promise<BatchPlan> {
  if (args.includes("-")) throw new DactError("USAGE", "batch mode reads files; found - (stdin) among the inputs; expected file or folder paths");
  const { minimatch } = await import("minimatch");
  const match = (rel: string, globs: string[]) => globs.some((g) => minimatch(rel, g, { dot: true, matchBase: !g.includes("/") }));
  // Each input with the folder its output path is taken relative to when
  // paths are mirrored: the folder given, for walked files; its own folder
  // for a file given by name. Their common folder is the root (rsync -R).
  const inputs: { input: string; base: string; top: string; pipe: boolean }[] = [];
  for (const a of args) {
    let st: fs.Stats;
    try {
      st = fs.statSync(a);
    } catch (err) {
      throw walkError(a, err);
    }
    if (st.isDirectory()) {
      for (const f of walk(a, o.include, o.exclude, match)) inputs.push({ input: f, base: path.resolve(f), top: path.resolve(a), pipe: false });
    } else {
      if (o.include.length && !match(a, o.include)) continue;
      if (o.exclude.length && match(a, o.exclude)) continue;
      inputs.push({ input: a, base: path.resolve(a), top: path.dirname(path.resolve(a)), pipe: st.isFIFO() || st.isCharacterDevice() || st.isSocket() });
    }
  }
  if (inputs.length === 0) throw new DactError("USAGE", `found no input files${args.length ? ` in ${args.join(", ")}` : ""}; expected files of a known format (${knownExtensions().join(" ")}, or any of them .gz) or files named directly`);
  // Output names: base names, unless two clash or --keep-paths; then paths
  // below the inputs' common folder. Decided over the whole input set, before
  // --shard takes its share: every shard plans the same names, so the union
  // of the shards' outputs is the single run's. Goldens (--check-dir) and
  // gradients (--grad-output-dir) always mirror the input tree.
  // --to names the output by the new format's extension in place of the
  // input's, a gzip suffix included (a.npy.gz -> a.csv: --to writes plain).
  const name = (rel: string) => {
    if (!o.to) return rel;
    const plain = withoutGz(rel);
    const ext = formatFromPath(plain) && path.extname(plain) !== "" ? path.extname(plain) : "";
    return `${ext ? plain.slice(0, -ext.length) : rel}${formatSpec(o.to).extensions[0]}`;
  };
  const bases = inputs.map((i) => path.basename(i.input));
  const mirror = o.keepPaths || o.checks === true || new Set(bases).size !== bases.length;
  const root = commonRoot(inputs.map((i) => i.top));
  for (const i of inputs) {
    if (i.pipe && !formatFromPath(i.input) && !o.to) {
      throw new DactError("USAGE", `${i.input}: a pipe or device has no file name to name its output after; expected --to FORMAT (its output would be ${path.join(o.outDir, path.basename(i.input))}.<format>)`);
    }
  }
  const realOut = realpathLoose(o.outDir);
  const realInputs = new Map<string, string>();
  const inodes = new Map<string, string>();
  for (const i of inputs) {
    const r = realpathOrNull(i.input);
    if (r) realInputs.set(r, i.input);
    const st = statOrNull(i.input);
    if (st?.isFile()) inodes.set(`${st.dev}:${st.ino}`, i.input);
  }
  const seen = new Map<string, string>();
  const all = inputs.map((i) => {
    const inRel = path.relative(root, i.base);
    const rel = name(mirror ? inRel : path.basename(i.input));
    const output = path.join(o.outDir, rel);
    const other = seen.get(rel);
    if (other !== undefined) throw new DactError("USAGE", `${other} and ${i.input} would both be written to ${output}; expected distinct output names (is a file given twice?)`);
    seen.set(rel, i.input);
    if (o.checks && isPending(output)) {
      throw new DactError("USAGE", `${i.input}: its golden ${output} is named like a pending golden (NAME.new.EXT, which --pending writes and dact review renames); expected an input not named *.new.* (rename it, e.g. to ${path.basename(i.input).replace(/\.new(?=\.|$)/i, "-new")})`);
    }
    const over = realInputs.get(path.join(realOut, rel)) ?? inodes.get(idOf(output));
    if (over !== undefined) throw new DactError("USAGE", `${i.input}: its output ${output} is the input ${over}; expected an --out-dir that does not overwrite inputs`);
    return { job: { input: i.input, output, rel, inRel }, pipe: i.pipe };
  });
  // By the path below the inputs' common folder, not as given: machines that
  // mount the inputs at different places (or spell them ./in and /abs/in)
  // still split the same files the same way.
  const chosen = o.shard ? all.filter((j) => shardOf(j.job.inRel, o.shard!.count) === o.shard!.index) : all;
  for (const j of chosen) if (j.pipe) batchFifos.add(j.job.input);
  const guard = new Protected();
  // Gradients are inputs too: no output, golden or pending golden may land
  // on one (a --grad-output-dir equal to --out-dir or --check-dir).
  const grads = new Protected();
  for (const j of all) {
    guard.add(j.job.input, "input");
    if (o.checks) {
      guard.add(j.job.output, "golden");
      // Its pending golden too: a report or log there would be renamed into the golden by dact review --accept.
      guard.add(pendingPath(j.job.output), "pending golden");
    }
    if (o.gradDir !== undefined) {
      guard.add(path.join(o.gradDir, j.job.inRel), "gradient");
      grads.add(path.join(o.gradDir, j.job.inRel), "gradient");
    }
  }
  if (o.gradDir !== undefined) {
    for (const j of all) {
      grads.check(j.job.output, `${j.job.input}: its ${o.checks ? "golden" : "output"}`);
      if (o.checks) grads.check(pendingPath(j.job.output), `${j.job.input}: its pending golden`);
    }
  }
  const jobs: BatchPlan = chosen.map((j) => j.job);
  jobs.guard = guard;
  jobs.allInputs = all.map((j) => j.job.input);
  return jobs;
}

/** An output as the manifest records it: size, mtime and inode (rewritten, renamed over or touched: another file). */
function fileIdentity(st: fs.Stats): string {
  return `${st.size}:${st.mtimeMs}:${st.ino}`;
}

function idOf(p: string): string {
  const st = statOrNull(p);
  return st ? `${st.dev}:${st.ino}` : "";
}

/** What made an output: the options that change its bytes, and dact's version. */
export function optionsKey(plan: Omit<PlanSpec, "input" | "output">, version: string): string {
  const { activation, params, format, delimiter, header, to, dtype, reshape, labels, columns, decimal, comment, naValues, keys, compress, compression, gradOutput } = plan;
  // --float-format by its text (the parsed form is derived from it); null (Python's repr) kept apart from unset.
  const floatFormat = plan.floatFormat === null ? null : plan.floatFormat?.text;
  // Unset options drop out of the JSON: keys made before an option existed stay the same.
  // Not here: what changes no output byte (--threads, --no-fsync, --force, --max-line-size, progress).
  return createHash("sha256")
    .update(JSON.stringify({ version, activation, params, format, delimiter, header, to, dtype, reshape, labels, columns, decimal, comment, naValues, keys, compress, compression, floatFormat, gradOutput }))
    .digest("hex")
    .slice(0, 16);
}

/** A gradient file's identity for the manifest: a changed gradient (size, mtime or inode) redoes the output. */
export function gradIdentity(o: Pick<BatchOptions, "gradDir">, base: Pick<PlanSpec, "gradOutput">, job: BatchJob): string | undefined {
  const file = o.gradDir !== undefined ? path.join(o.gradDir, job.inRel) : typeof base.gradOutput === "string" ? base.gradOutput : undefined;
  if (file === undefined) return undefined;
  const st = statOrNull(file);
  return st ? `${st.size}:${st.mtimeMs}:${st.dev}:${st.ino}` : "none";
}

/** The manifest --skip-existing keeps in --out-dir: one JSON line per output written. */
export const MANIFEST = ".dact-manifest.jsonl";

/** The records of a manifest or log (a regular file, read without blocking; the manifest never through a link). */
function readJsonLines(file: string, what: string, noFollow: boolean): Record<string, unknown>[] {
  const text = readSideFile(file, what, noFollow);
  if (text === null) return [];
  const out: Record<string, unknown>[] = [];
  const lines = text.split("\n");
  lines.forEach((line, k) => {
    if (!line.trim()) return;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch (err) {
      // A record cut short by a killed run (or a full disk), which the next
      // append ended with a newline: JSON that stops at the end of its line.
      // It was never complete, so it counts as not written.
      if (cutShort(line, err)) return;
      throw new DactError("FORMAT", `found a line that is not JSON; expected one JSON object per line (a dact log)`, file, { line: k + 1 });
    }
  });
  return out;
}

/** Whether `line` is the start of a JSON object that JSON.parse ran off the end of. */
function cutShort(line: string, err: unknown): boolean {
  const message = (err as Error).message;
  if (/end of JSON input/.test(message)) return line.startsWith("{");
  const m = /^(?:Unterminated|Expected|Bad (?:control|escaped)).* at position (\d+)/.exec(message);
  return line.startsWith("{") && m !== null && Number(m[1]) >= line.trimEnd().length - 1;
}

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
    return r.grad === undefined ? g === undefined || !("file" in r && typeof r.file === "string") : r.grad === g;
  };
  // The log and the manifest are opened before anything is written: its
  // folder made, never a FIFO or device, never an input or golden (and the
  // manifest, inside --out-dir, never through a link).
  const guard = jobs.guard ?? new Protected();
  const logPath = o.log ?? o.resume;
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
  const workerUrl = new URL("./batch-worker.js", import.meta.url);
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
        const st = ok ? statOrNull(r.job.output) : null;
        log({ input: r.job.input, output: r.job.output, status: ok ? "written" : "failed", bytes: st?.size ?? 0, seconds: (Date.now() - r.t0) / 1000, error: ok ? null : message, key, ...(st ? { file: fileIdentity(st), grad: r.grad } : {}) });
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

/**
 * The golden (--check-dir) and gradient (--grad-output-dir) dact derives
 * from the input tree must be regular files (or, a golden, nothing yet):
 * stat'ed here, in the main thread, without opening them, so a FIFO or a
 * device is that file's error instead of a worker blocked in open(2) that
 * the run (and its signal handlers) would wait on for good.
 */
function notRegular(job: BatchJob, o: BatchOptions): DactError | null {
  const files: [string, string][] = [];
  if (o.checks) files.push([job.output, "golden"]);
  if (o.gradDir !== undefined) files.push([path.join(o.gradDir, job.inRel), "gradient"]);
  for (const [p, role] of files) {
    const st = statOrNull(p);
    if (st === null || st.isFile()) continue;
    const kind = st.isFIFO() ? "a FIFO" : st.isCharacterDevice() || st.isBlockDevice() ? "a device" : st.isSocket() ? "a socket" : st.isDirectory() ? "a folder" : "not a regular file";
    return new DactError("OPEN", `found ${kind}; expected a regular file (the ${role} of ${job.input})`, p);
  }
  return null;
}

/**
 * Creates the output's folder under --out-dir, one level at a time, each
 * checked before the next (src/io/gate.ts makeFolders): a folder inside it
 * that is a link to elsewhere would let a write, or a new folder, escape.
 * The first time a folder is used, the temporary files that dead runs of
 * this machine left there are removed.
 */
function prepareFolder(job: BatchJob, outDir: string, swept: Set<string>): DactError | null {
  const dir = path.dirname(job.output);
  try {
    makeFolders(dir, outDir);
  } catch (err) {
    if (err instanceof DactError) return new DactError(err.code, `its folder ${err.file} ${err.detail}`, job.output);
    throw err;
  }
  if (!swept.has(dir)) {
    swept.add(dir);
    sweepDeadTemps(dir);
  }
  return null;
}

/** --out-dir itself, with its missing parents: a path the user named. */
export function ensureOutDir(dir: string): void {
  makeFolders(dir);
}
