/**
 * The --check-dir steps after the checks: obsolete goldens (listed, or
 * removed with --prune), the summary line and the exit status, shared with
 * `dact merge-reports` so a merged run reads as an unsharded one.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { BatchJob, BatchOptions } from "./batch.js";
import type { CheckResult } from "./run/types.js";
import { listGoldens, obsoleteGoldens, prune as pruneOne } from "./obsolete.js";

interface Io {
  out(s: string): void;
  err(s: string): void;
}

/**
 * Lists the goldens under --check-dir; on an unsharded, unfiltered run,
 * adds each obsolete one to `results` (or removes it under --prune). A
 * shard, a run with --include/--exclude, or one given files by name sees a
 * subset of the inputs: it calls nothing obsolete. --prune removes nothing
 * in a run that also has missing goldens.
 */
export async function obsoleteStep(o: BatchOptions, jobs: readonly BatchJob[], results: CheckResult[], prune: boolean, io: Io, inputs: readonly string[] = []): Promise<{ goldens: string[]; obsoleteChecked: boolean }> {
  // Inputs inside the golden folder are never goldens (--prune must not remove an input).
  const real = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  const roots = inputs.map(real);
  const goldens = listGoldens(o.outDir).filter((g) => {
    const r = real(g);
    return !roots.some((i) => r === i || r.startsWith(i + path.sep));
  });
  // Files named one by one are a subset too: only folders say "every input".
  const named = inputs.some((i) => {
    try {
      return !fs.statSync(i).isDirectory();
    } catch {
      return true;
    }
  });
  const subset = o.shard !== undefined || o.include.length > 0 || o.exclude.length > 0 || named;
  if (subset) {
    // Said, not silent: the user asked for a prune that this run cannot do.
    if (prune) io.err(`dact: --prune: removed nothing: this run sees a subset of the inputs (${o.include.length > 0 || o.exclude.length > 0 ? "--include/--exclude" : o.shard !== undefined ? "--shard" : "files named one by one"}), so it cannot tell which goldens no input maps to; expected a run over whole folders`);
    return { goldens, obsoleteChecked: false };
  }
  // Missing goldens beside obsolete ones are what a wrong folder looks like
  // (a subfolder of the inputs against the whole golden tree): --prune
  // removes nothing then, and the obsolete ones are listed as without it.
  const missing = results.filter((r) => r.status === "missing").length;
  const obsolete = obsoleteGoldens(goldens, jobs.map((j) => j.output));
  if (prune && missing > 0 && obsolete.length > 0) {
    io.err(`dact: --prune: removed nothing: ${missing} golden${missing === 1 ? " is" : "s are"} missing too (do the inputs map onto ${o.outDir}?); expected a run whose every golden exists (--update first), or no --prune to list the obsolete ones`);
    prune = false;
  }
  for (const g of obsolete) {
    if (prune) {
      pruneOne(g);
      io.err(`pruned   ${g}`);
      continue;
    }
    const r: CheckResult = { status: "obsolete", input: "", golden: g, report: `${g}: no input maps to this golden; --prune removes it\n`, comparison: null, seconds: 0 };
    results.push(r);
    io.err(`obsolete ${g}`);
  }
  return { goldens, obsoleteChecked: true };
}

/** The --check-dir summary line (obsolete goldens named only when there are some, so older lines read as before). */
export function summaryLine(count: (s: string) => number): string {
  const obsolete = count("obsolete");
  return `${count("ok")} ok, ${count("differs")} differ, ${count("missing")} missing, ${count("written")} written, ${count("error")} errors${obsolete ? `, ${obsolete} obsolete` : ""}`;
}

/** 2 if any check errored, 1 if any differs, is missing or is obsolete, else 0. */
export function checkExit(count: (s: string) => number): number {
  return count("error") > 0 ? 2 : count("differs") + count("missing") + count("obsolete") > 0 ? 1 : 0;
}
