/**
 * Issue 31: durable output without paying twice. The system calls are
 * watched with strace: each output's data is fsync'ed before its rename
 * (also when batch defers the commit to go on with the next file), a batch
 * fsyncs each output folder once after its renames, and --no-fsync (or the
 * library's fsync: false) fsyncs nothing while still renaming atomically.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { DactError, matrix, readMatrix, writeMatrix } from "../src/index.js";
import { needs } from "./machine.js";
import { BIN, workdir } from "./workdir.js";


interface Traced {
  status: number | null;
  /** fsync calls on a temporary output, by its path, completed before its rename. */
  dataSyncs: number;
  /** Renames of a temporary file whose fsync had not completed. */
  unsyncedRenames: string[];
  renames: number;
  /** fsyncs of anything else (folders), and how many came before the last rename. */
  folderSyncs: number;
  folderSyncsBeforeLastRename: number;
}

/**
 * With -f, strace splits a call that another thread interrupts into
 * `PID openat(..., "x" <unfinished ...>` and, later, `PID <... openat resumed>) = 23`.
 * Joins each such pair back into one line, in the place of its completion.
 */
function joinResumed(lines: string[]): string[] {
  const open = new Map<string, string>(); // pid -> the call's first half
  const out: string[] = [];
  for (const line of lines) {
    const pid = line.split(" ")[0]!;
    if (line.endsWith(" <unfinished ...>")) {
      open.set(pid, line.slice(0, -" <unfinished ...>".length));
      continue;
    }
    const m = /^\S+ +<\.\.\. \w+ resumed>(.*)$/.exec(line);
    if (m && open.has(pid)) {
      out.push(open.get(pid)! + m[1]!); // ")       = 28": the result keeps strace's padding
      open.delete(pid);
      continue;
    }
    out.push(line);
  }
  return out;
}

/** Runs dact under strace -f and follows fds from openat to fsync to rename. */
function traced(args: string[], cwd: string): Traced {
  const log = path.join(cwd, `strace.${Math.random().toString(36).slice(2)}.txt`);
  const r = spawnSync("strace", ["-f", "-qq", "-e", "trace=openat,fsync,fdatasync,rename,renameat,renameat2", "-o", log, process.execPath, BIN, ...args], { cwd, encoding: "utf8", timeout: 60_000 });
  const lines = joinResumed(readFileSync(log, "utf8").split("\n"));
  const fdName = new Map<string, string>(); // fd -> path it was opened on (latest)
  const synced = new Set<string>();
  const t: Traced = { status: r.status, dataSyncs: 0, unsyncedRenames: [], renames: 0, folderSyncs: 0, folderSyncsBeforeLastRename: 0 };
  const syncDone = (fd: string) => {
    const name = fdName.get(fd) ?? "";
    if (name.endsWith(".dact-tmp")) {
      t.dataSyncs++;
      synced.add(name);
    } else {
      t.folderSyncs++;
      t.folderSyncsBeforeLastRename++; // reset by each later rename
    }
  };
  for (const line of lines) {
    let m = /openat\(AT_FDCWD, "([^"]+)",.*\) += (\d+)$/.exec(line);
    if (m) {
      fdName.set(m[2]!, path.resolve(cwd, m[1]!));
      continue;
    }
    m = /f(?:data)?sync\((\d+)\) += 0$/.exec(line);
    if (m) {
      syncDone(m[1]!);
      continue;
    }
    m = /rename(?:at2?)?\((?:AT_FDCWD, )?"([^"]+\.dact-tmp)"/.exec(line);
    if (m && /= 0$/.test(line)) {
      t.renames++;
      t.folderSyncsBeforeLastRename = 0;
      if (!synced.has(path.resolve(cwd, m[1]!))) t.unsyncedRenames.push(m[1]!);
    }
  }
  t.folderSyncsBeforeLastRename = t.folderSyncs - t.folderSyncsBeforeLastRename;
  return t;
}

function inputs(d: string): void {
  mkdirSync(path.join(d, "in", "sub"), { recursive: true });
  writeFileSync(path.join(d, "in", "a.csv"), "-1,2\n");
  writeFileSync(path.join(d, "in", "b.csv"), "3,-4\n");
  writeFileSync(path.join(d, "in", "sub", "c.csv"), "0.5,-0.5\n");
  writeFileSync(path.join(d, "in", "sub", "d.csv"), "-2,2\n");
}

describe("fsync (watched with strace; skipped, and listed with the reason, without it)", () => {
  it("one file: the data before the rename, the folder after it", (ctx) => {
    needs(ctx, "strace");
    const d = workdir();
    inputs(d);
    const t = traced(["relu", "in/a.csv", "-o", "out.csv"], d);
    expect(t.status).toBe(0);
    expect(readFileSync(path.join(d, "out.csv"), "utf8")).toBe("0.0,1.0\n");
    expect(t).toMatchObject({ renames: 1, dataSyncs: 1, unsyncedRenames: [], folderSyncs: 1, folderSyncsBeforeLastRename: 0 });
  });

  it("--no-fsync: renamed into place, nothing fsync'ed", (ctx) => {
    needs(ctx, "strace");
    const d = workdir();
    inputs(d);
    const t = traced(["relu", "in/a.csv", "-o", "out.csv", "--no-fsync"], d);
    expect(t.status).toBe(0);
    expect(readFileSync(path.join(d, "out.csv"), "utf8")).toBe("0.0,1.0\n");
    expect(t).toMatchObject({ renames: 1, dataSyncs: 0, folderSyncs: 0 });
  });

  it("batch: every file fsync'ed before its rename; each output folder once, after all renames", (ctx) => {
    needs(ctx, "strace");
    const d = workdir();
    inputs(d);
    const t = traced(["relu", "in", "--out-dir", "o", "--keep-paths", "--jobs", "2", "-q"], d);
    expect(t.status).toBe(0);
    expect(readdirSync(path.join(d, "o")).sort()).toEqual(["a.csv", "b.csv", "sub"]);
    expect(readFileSync(path.join(d, "o", "sub", "d.csv"), "utf8")).toBe("0.0,1.0\n");
    // o and o/sub: two folders, synced once each, after the last rename.
    expect(t).toMatchObject({ renames: 4, dataSyncs: 4, unsyncedRenames: [], folderSyncs: 2, folderSyncsBeforeLastRename: 0 });
  });

  it("batch --no-fsync: nothing fsync'ed", (ctx) => {
    needs(ctx, "strace");
    const d = workdir();
    inputs(d);
    const t = traced(["relu", "in", "--out-dir", "o", "--keep-paths", "--no-fsync", "-q"], d);
    expect(t.status).toBe(0);
    expect(t).toMatchObject({ renames: 4, dataSyncs: 0, folderSyncs: 0 });
  });
});

describe("writeMatrix's fsync option", () => {
  it("fsync: false writes the same file; a non-boolean is a usage error", async () => {
    const d = workdir();
    await writeMatrix(path.join(d, "a.npy"), matrix([[1, -2]]), { fsync: false });
    expect(Array.from((await readMatrix(path.join(d, "a.npy"))).data)).toEqual([1, -2]);
    const err = await writeMatrix(path.join(d, "b.npy"), matrix([1]), { fsync: "no" as unknown as boolean }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DactError);
    expect((err as DactError).code).toBe("USAGE");
    expect(readdirSync(d)).toEqual(["a.npy"]);
  });
});
