/**
 * Batch mode's plan: the walk of the inputs, every output's name (from the
 * whole input set, so the same in every shard), --shard's share, and the
 * guards run before a file is handed out (no FIFO or device as a golden or
 * gradient; output folders made below --out-dir, never through a link).
 * Split out of src/batch.ts (which re-exports what it always exported).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DactError } from "../errors.js";
import { withoutGz } from "../formats/gzip.js";
import { formatFromPath, formatSpec, knownExtensions, type Format } from "../formats/index.js";
import { batchFifos, makeFolders, notRegularAt, Protected, realpathLoose, sweepDeadTemps } from "../io.js";
import { isPending, pendingPath } from "../pending.js";

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

export function statOrNull(p: string): fs.Stats | null {
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

function idOf(p: string): string {
  const st = statOrNull(p);
  return st ? `${st.dev}:${st.ino}` : "";
}

/**
 * The golden (--check-dir) and gradient (--grad-output-dir) dact derives
 * from the input tree must be regular files (or, a golden, nothing yet):
 * stat'ed here, in the main thread, without opening them, so a FIFO or a
 * device is that file's error instead of a worker blocked in open(2) that
 * the run (and its signal handlers) would wait on for good.
 */
export function notRegular(job: BatchJob, o: BatchOptions): DactError | null {
  const files: [string, string][] = [];
  // An output too: one that exists must be a file its rename replaces, never a
  // device written into or a FIFO waited on (a single -o may name /dev/null).
  files.push([job.output, o.checks ? "golden" : "output"]);
  if (o.gradDir !== undefined) files.push([path.join(o.gradDir, job.inRel), "gradient"]);
  for (const [p, role] of files) {
    const e = notRegularAt(p, `the ${role} of ${job.input}`, role === "output" ? "WRITE" : "OPEN");
    if (e) return e;
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
export function prepareFolder(job: BatchJob, outDir: string, swept: Set<string>): DactError | null {
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
