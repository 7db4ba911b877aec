/**
 * Pending goldens, after insta's .snap.new: `--pending` (or
 * DACT_UPDATE=pending) writes the new result beside a golden that differs
 * or is missing, as NAME.new.EXT (x.npy: x.new.npy; x.csv.gz:
 * x.new.csv.gz), and leaves the golden alone; `dact review` accepts
 * (renames it over the golden) or rejects (removes) each.
 */
import * as path from "node:path";

const PENDING = /\.new((?:\.[^./\\]+)?(?:\.gz)?)$/i;

/** The pending file of a golden. */
export function pendingPath(golden: string): string {
  const dir = path.dirname(golden);
  const base = path.basename(golden);
  const gz = /\.gz$/i.test(base) ? base.slice(-3) : "";
  const stem = gz ? base.slice(0, -3) : base;
  const dot = stem.lastIndexOf(".");
  const name = dot > 0 ? `${stem.slice(0, dot)}.new${stem.slice(dot)}${gz}` : `${stem}.new${gz}`;
  return dir === "." && !golden.startsWith(".") ? name : path.join(dir, name);
}

/** Whether a file name is a pending golden's. */
export function isPending(file: string): boolean {
  const base = path.basename(file);
  const m = PENDING.exec(base);
  return m !== null && m.index > 0;
}

/** The golden a pending file stands for. */
export function goldenOf(pending: string): string {
  const base = path.basename(pending);
  const m = PENDING.exec(base)!;
  const name = base.slice(0, m.index) + m[1];
  const dir = path.dirname(pending);
  return dir === "." && !pending.startsWith(".") ? name : path.join(dir, name);
}
