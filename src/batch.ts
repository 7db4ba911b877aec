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
import { formatFromPath, formatSpec, type Format } from "./formats/index.js";
import { batchFifos, exitGate, syncFolder, tempNameFor, trackTemp } from "./io.js";
import type { PlanSpec } from "./pipeline.js";
import type { CheckResult } from "./golden.js";

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

/** FNV-1a of the path's UTF-8 bytes: a stable shard that depends on this path alone. */
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
export async function planBatch(args: readonly string[], o: BatchOptions): Promise<BatchJob[]> {
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
  if (inputs.length === 0) throw new DactError("USAGE", `found no input files${args.length ? ` in ${args.join(", ")}` : ""}; expected files of a known format (${[".csv", ".tsv", ".json", ".jsonl", ".npy"].join(" ")}) or files named directly`);
  const chosen = o.shard ? inputs.filter((i) => shardOf(i.input, o.shard!.count) === o.shard!.index) : inputs;
  // Output names: base names, unless two clash or --keep-paths; then paths below the inputs' common folder.
  const name = (rel: string) => {
    if (!o.to) return rel;
    const ext = formatFromPath(rel) ? rel.slice(rel.lastIndexOf(".")) : "";
    return `${ext ? rel.slice(0, -ext.length) : rel}${formatSpec(o.to).extensions[0]}`;
  };
  const bases = chosen.map((i) => path.basename(i.input));
  const clash = new Set(bases).size !== bases.length;
  const root = chosen.length ? commonRoot(chosen.map((i) => i.top)) : "";
  for (const i of chosen) {
    if (i.pipe && !formatFromPath(i.input) && !o.to) {
      throw new DactError("USAGE", `${i.input}: a pipe or device has no file name to name its output after; expected --to FORMAT (its output would be ${path.join(o.outDir, path.basename(i.input))}.<format>)`);
    }
    if (i.pipe) batchFifos.add(i.input);
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
  const jobs = chosen.map((i) => {
    const inRel = o.keepPaths || clash ? path.relative(root, i.base) : path.basename(i.input);
    const rel = name(inRel);
    const output = path.join(o.outDir, rel);
    const other = seen.get(rel);
    if (other !== undefined) throw new DactError("USAGE", `${other} and ${i.input} would both be written to ${output}; expected distinct output names (is a file given twice?)`);
    seen.set(rel, i.input);
    const over = realInputs.get(path.join(realOut, rel)) ?? inodes.get(idOf(output));
    if (over !== undefined) throw new DactError("USAGE", `${i.input}: its output ${output} is the input ${over}; expected an --out-dir that does not overwrite inputs`);
    return { input: i.input, output, rel, inRel };
  });
  ensureOutDir(o.outDir); // only once every check passed
  return jobs;
}

/** The real path of `p`, which may not exist yet: its nearest existing ancestor's real path, then the rest. */
function realpathLoose(p: string): string {
  const rest: string[] = [];
  let cur = path.resolve(p);
  for (;;) {
    const r = realpathOrNull(cur);
    if (r !== null) return path.join(r, ...rest.reverse());
    rest.push(path.basename(cur));
    const up = path.dirname(cur);
    if (up === cur) return path.resolve(p);
    cur = up;
  }
}

function idOf(p: string): string {
  const st = statOrNull(p);
  return st ? `${st.dev}:${st.ino}` : "";
}

/** What made an output: the options that change its bytes, and dact's version. */
export function optionsKey(plan: Omit<PlanSpec, "input" | "output">, version: string): string {
  const { activation, params, format, delimiter, header, to, dtype, reshape } = plan;
  return createHash("sha256").update(JSON.stringify({ version, activation, params, format, delimiter, header, to, dtype, reshape })).digest("hex").slice(0, 16);
}

/** The manifest --skip-existing keeps in --out-dir: one JSON line per output written. */
export const MANIFEST = ".dact-manifest.jsonl";

function readJsonLines(file: string): Record<string, unknown>[] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw walkError(file, err);
  }
  const out: Record<string, unknown>[] = [];
  text.split("\n").forEach((line, k) => {
    if (!line.trim()) return;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      throw new DactError("FORMAT", `found a line that is not JSON; expected one JSON object per line (a dact log)`, file, { line: k + 1 });
    }
  });
  return out;
}

export interface BatchEvents {
  notice(m: string): void;
  error(m: string): void;
  fileDone(done: number, total: number): void;
  /** --check-dir: each file's check, or its error. */
  result?(job: BatchJob, check: CheckResult | null, error: string | null): void;
}

export async function runBatch(jobs: BatchJob[], base: Omit<PlanSpec, "input" | "output">, o: BatchOptions, version: string, events: BatchEvents): Promise<BatchResult> {
  const started = Date.now();
  const key = optionsKey(base, version);
  const manifestPath = path.join(o.outDir, MANIFEST);
  const made = new Map<string, string>();
  if (o.skipExisting) for (const r of readJsonLines(manifestPath)) if (typeof r["output"] === "string" && typeof r["key"] === "string") made.set(r["output"], r["key"]);
  const resumed = new Set<string>();
  if (o.resume) {
    for (const r of readJsonLines(o.resume)) {
      if (typeof r["output"] !== "string") continue;
      if (r["status"] === "written" || r["status"] === "skipped") resumed.add(r["output"]);
      else resumed.delete(r["output"]);
    }
  }
  const logPath = o.log ?? o.resume;
  const log = (entry: Record<string, unknown>) => {
    if (!logPath) return;
    try {
      fs.appendFileSync(logPath, JSON.stringify(entry) + "\n");
    } catch (err) {
      throw new DactError("WRITE", `cannot write the log: ${(err as Error).message}`, logPath);
    }
  };
  const todo: BatchJob[] = [];
  let skipped = 0;
  for (const j of jobs) {
    const out = statOrNull(j.output);
    const inp = statOrNull(j.input);
    const fresh = out?.isFile() && inp !== null && out.mtimeMs >= inp.mtimeMs;
    if ((o.skipExisting && fresh && made.get(j.rel) === key) || (o.resume && resumed.has(j.output) && out?.isFile())) {
      skipped++;
      log({ input: j.input, output: j.output, status: "skipped", bytes: out!.size, seconds: 0, error: null });
    } else todo.push(j);
  }
  const realOut = fs.realpathSync(o.outDir);
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
      const entries = new Map<number, { job: BatchJob; temp: string; t0: number }>();
      // Per worker: the file it is running (null when free) and the files
      // whose commits (fsync, rename) it is finishing in the background.
      const state = new Map<Worker, { current: number | null; pending: Set<number>; done: boolean }>();
      const settle = (id: number, ok: boolean, message: string | null, check: CheckResult | null = null) => {
        const r = entries.get(id)!;
        entries.delete(id);
        trackTemp(r.temp, false);
        events.result?.(r.job, check, ok ? null : message);
        if (!ok) {
          failed++;
          events.error(message!);
        } else {
          folders.add(path.dirname(r.job.output));
          if (o.skipExisting) fs.appendFileSync(manifestPath, JSON.stringify({ output: r.job.rel, key }) + "\n");
        }
        log({ input: r.job.input, output: r.job.output, status: ok ? "written" : "failed", bytes: ok ? (statOrNull(r.job.output)?.size ?? 0) : 0, seconds: (Date.now() - r.t0) / 1000, error: ok ? null : message });
        done++;
        events.fileDone(done + skipped, jobs.length);
      };
      const feed = (w: Worker) => {
        const st = state.get(w)!;
        while (st.current === null && next < todo.length) {
          const job = todo[next++]!;
          const id = ids++;
          const problem = prepareFolder(job, realOut);
          if (problem) {
            entries.set(id, { job, temp: "", t0: Date.now() });
            settle(id, false, problem.message);
            continue;
          }
          // Named and registered here, before the worker can create it.
          const temp = tempNameFor(path.resolve(job.output));
          trackTemp(temp, true);
          entries.set(id, { job, temp, t0: Date.now() });
          st.current = id;
          const grad = o.gradDir !== undefined ? { gradOutput: path.join(o.gradDir, job.inRel) } : {};
          const { progress: _p, ...plan } = o.checks
            ? { ...base, ...grad, input: job.input, output: "-", check: { ...base.check!, path: job.output }, noFollow: true, tempName: temp, syncFolder: false }
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
 * Creates the output's folder under --out-dir and checks that its real
 * path is inside --out-dir's: a folder inside it that is a link to
 * elsewhere would let a write escape.
 */
function prepareFolder(job: BatchJob, realOut: string): DactError | null {
  const dir = path.dirname(job.output);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    return new DactError("WRITE", `cannot create the output folder: ${(err as Error).message}`, dir);
  }
  const real = realpathOrNull(dir);
  if (real === null || (real !== realOut && !real.startsWith(realOut + path.sep))) {
    return new DactError("WRITE", `its folder leads outside --out-dir (through a link, to ${real}); expected a folder inside it`, job.output);
  }
  return null;
}

export function ensureOutDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new DactError("WRITE", `cannot create the output folder: ${(err as Error).message}`, dir);
  }
}
