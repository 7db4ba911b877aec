/**
 * Obsolete goldens: files under --check-dir that no input of the run maps
 * to (jest's obsolete snapshots). Only files of a known format count;
 * pending goldens (NAME.new.EXT), dact's own hidden files and links are
 * never goldens. A shard sees only its own inputs, so it lists the goldens
 * it found and leaves the verdict to `dact merge-reports`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DactError } from "./errors.js";
import { formatFromPath } from "./formats/index.js";
import { isPending } from "./pending.js";

/** Every golden under `dir`, as paths joined onto `dir` (as batch names outputs), sorted. */
export function listGoldens(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT" && d === dir) return;
      throw new DactError("OPEN", `cannot list the folder: ${(err as Error).message}`, d);
    }
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && !isPending(e.name) && formatFromPath(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * The goldens no checked input maps to. A `.txt` file (np.savetxt's
 * extension, and a note's) counts only when the run maps some input to a
 * `.txt` golden: a README.txt beside the goldens is never obsolete, nor
 * removed by --prune.
 */
export function obsoleteGoldens(goldens: readonly string[], used: readonly string[]): string[] {
  const seen = new Set(used.map((u) => path.resolve(u)));
  const txt = (p: string) => /\.txt(\.gz)?$/i.test(p);
  const txtGoldens = used.some(txt);
  return goldens.filter((g) => !seen.has(path.resolve(g)) && (txtGoldens || !txt(g)));
}

/** --prune: removes an obsolete golden (never through a link: listGoldens keeps regular files only). */
export function prune(golden: string): void {
  try {
    const st = fs.lstatSync(golden);
    if (!st.isFile()) throw new Error("not a regular file");
    fs.unlinkSync(golden);
  } catch (err) {
    throw new DactError("WRITE", `cannot remove the obsolete golden: ${(err as Error).message}`, golden);
  }
}
