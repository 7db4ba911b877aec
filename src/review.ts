/**
 * `dact review [DIR]`: every pending golden (NAME.new.EXT, written by
 * --pending) under DIR with its comparison against the golden, accepted
 * (renamed over the golden, atomically: one rename in the same folder) or
 * rejected (removed): one key per file on a terminal, or all at once with
 * --accept / --reject, optionally limited by a glob.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { compareSides, fileSide } from "./compare-stream.js";
import { formatComparison, DEFAULT_TOLERANCE } from "./compare.js";
import { DactError } from "./errors.js";
import { shapeText } from "./formats/array.js";
import { goldenOf, isPending } from "./pending.js";
import { openSource } from "./run/sources.js";

export interface PendingGolden {
  /** The NAME.new.EXT file. */
  pending: string;
  /** The golden it would replace. */
  golden: string;
  /** The golden's path relative to the reviewed folder, with / (what globs match). */
  rel: string;
}

/** Every pending golden under `dir` (links are not followed), sorted by path. */
export function findPending(dir: string): PendingGolden[] {
  const out: PendingGolden[] = [];
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch (err) {
      throw new DactError("OPEN", `cannot list the folder: ${(err as Error).message}`, d);
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && isPending(e.name)) {
        const golden = goldenOf(p);
        out.push({ pending: p, golden, rel: path.relative(dir, golden).split(path.sep).join("/") });
      }
    }
  };
  walk(dir);
  return out;
}

/** The comparison summary of a pending golden against its golden (numpy's default tolerance). */
export async function summary(p: PendingGolden, notice: (m: string) => void = () => {}): Promise<string> {
  const a = await openSource(p.pending);
  try {
    const side = await fileSide(a, undefined, notice);
    if (!fs.existsSync(p.golden)) return `${p.pending}: new golden (${p.golden} does not exist yet)\n`;
    const e = await openSource(p.golden);
    try {
      const c = await compareSides(side, await fileSide(e, undefined, notice), { mode: "numpy" });
      if (c.equal) return `${p.pending}: equal to ${p.golden} within rtol=1e-07 (shape ${shapes(c)})\n`;
      const head = `${p.pending}: differs from ${p.golden} (shape ${shapes(c)})\n`;
      return head + c.keys.map((k) => (k.comparison && !k.comparison.equal ? formatComparison(k.comparison, k.comparison.tolerance ?? DEFAULT_TOLERANCE, { actual: `${p.pending}${c.keys.length > 1 ? ` [${k.key}]` : ""}`, expected: p.golden }) : k.status.startsWith("missing") ? `  [${k.key}]: ${k.status === "missing-actual" ? "only in the golden" : "only in the pending file"}\n` : "")).join("");
    } finally {
      await e.close();
    }
  } finally {
    await a.close();
  }
}

function shapes(c: { keys: { key: string; comparison: { shape?: number[] | undefined; shapes: { actual: number[]; expected: number[] } | null } | null }[] }): string {
  return c.keys
    .map((k) => {
      const cmp = k.comparison;
      const s = cmp?.shapes ? `${shapeText(cmp.shapes.actual)} vs ${shapeText(cmp.shapes.expected)}` : cmp?.shape ? shapeText(cmp.shape) : "?";
      return c.keys.length > 1 ? `${k.key} ${s}` : s;
    })
    .join(", ");
}

function refuseLink(p: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch (err) {
    throw new DactError("OPEN", `cannot read: ${(err as Error).message}`, p);
  }
  if (!st.isFile()) throw new DactError("WRITE", "found a link or special file; expected a regular pending golden file", p);
}

/** Accepting: the pending file replaces the golden in one rename. */
export function accept(p: PendingGolden): void {
  refuseLink(p.pending);
  try {
    fs.renameSync(p.pending, p.golden);
  } catch (err) {
    throw new DactError("WRITE", `cannot rename over the golden: ${(err as Error).message}`, p.golden);
  }
}

/** Rejecting: the pending file is removed; the golden stays. */
export function reject(p: PendingGolden): void {
  refuseLink(p.pending);
  try {
    fs.unlinkSync(p.pending);
  } catch (err) {
    throw new DactError("WRITE", `cannot remove: ${(err as Error).message}`, p.pending);
  }
}

/** Removes a file if it is there (a stale pending golden). */
export async function removeQuietly(p: string): Promise<void> {
  await fs.promises.unlink(p).catch(() => {});
}
