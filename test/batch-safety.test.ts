/**
 * Issue 13: batch conversion that is safe, resumable and shardable. Each
 * red-team case of the issue, reproduced end to end.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, dact, dactAsync, dactMeasured, workdir } from "./workdir.js";

/** Every file below `dir`, relative, sorted. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else out.push(r);
    }
  };
  walk("");
  return out.sort();
}

describe("never through a link, never outside --out-dir, never over an input", () => {
  it("a symlink planted at the target inside --out-dir is an error for that file; the victim is untouched", () => {
    const d = workdir();
    mkdirSync(path.join(d, "victim"));
    writeFileSync(path.join(d, "victim", "secret.csv"), "secret\n");
    mkdirSync(path.join(d, "od"));
    symlinkSync(path.join(d, "victim", "secret.csv"), path.join(d, "od", "x.csv"));
    writeFileSync(path.join(d, "x.csv"), "-1,2\n");
    writeFileSync(path.join(d, "y.csv"), "-1,2\n");
    const r = dact(["relu", "x.csv", "y.csv", "--out-dir", "od"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("dact: od/x.csv: is a symbolic link; expected a file or nothing there (batch outputs are never written through links)\n1 written, 1 failed\n");
    expect(readFileSync(path.join(d, "victim", "secret.csv"), "utf8")).toBe("secret\n");
    expect(readFileSync(path.join(d, "od", "y.csv"), "utf8")).toBe("0.0,1.0\n");
  });

  it("an --out-dir that is a symlink to the inputs' folder is refused: real paths are compared", () => {
    const d = workdir();
    mkdirSync(path.join(d, "in"));
    writeFileSync(path.join(d, "in", "x.csv"), "-1,2\n");
    symlinkSync(path.join(d, "in"), path.join(d, "od"));
    const r = dact(["relu", "in/x.csv", "--out-dir", "od"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("dact: in/x.csv: its output od/x.csv is the input in/x.csv; expected an --out-dir that does not overwrite inputs\n");
    expect(readFileSync(path.join(d, "in", "x.csv"), "utf8")).toBe("-1,2\n");
  });

  it("a folder inside --out-dir that links elsewhere: that file fails, nothing is written outside", () => {
    const d = workdir();
    mkdirSync(path.join(d, "in", "sub"), { recursive: true });
    writeFileSync(path.join(d, "in", "a.csv"), "-1\n");
    writeFileSync(path.join(d, "in", "sub", "b.csv"), "-1\n");
    mkdirSync(path.join(d, "victim"));
    mkdirSync(path.join(d, "od"));
    symlinkSync(path.join(d, "victim"), path.join(d, "od", "sub"));
    const r = dact(["relu", "in", "--out-dir", "od", "--keep-paths"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dact: od\/sub\/b\.csv: its folder od\/sub is a symbolic link \(to .*victim\); expected a folder inside od .*\n1 written, 1 failed\n$/);
    expect(readdirSync(path.join(d, "victim"))).toEqual([]);
  });
});

describe("file descriptors", () => {
  it("are closed on every path: under ulimit -n 64, 60 bad files do not make the good ones fail", () => {
    const d = workdir();
    mkdirSync(path.join(d, "in"));
    for (let i = 0; i < 60; i++) writeFileSync(path.join(d, "in", `bad${String(i).padStart(2, "0")}.csv`), "1,2\n3,x\n");
    for (let i = 0; i < 3; i++) writeFileSync(path.join(d, "in", `good${i}.csv`), "-1,2\n");
    const r = spawnSync("sh", ["-c", `ulimit -n 64 && exec "${process.execPath}" "${BIN}" relu in --out-dir out --jobs 2`], { cwd: d, encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n").pop()).toBe("3 written, 60 failed");
    expect(r.stderr).not.toMatch(/too many open files|EMFILE/);
    expect(readdirSync(path.join(d, "out")).sort()).toEqual(["good0.csv", "good1.csv", "good2.csv"]);
  });
});

describe("FIFOs, pipes and process substitution", () => {
  it("process substitution in batch, 50 times in a row: no warning, no stray failure, named by --to", () => {
    const d = workdir();
    writeFileSync(path.join(d, "a.csv"), "-1,2\n");
    writeFileSync(path.join(d, "b.csv"), "3,-4\n");
    const script = `for i in $(seq 1 50); do "${process.execPath}" "${BIN}" relu <(cat a.csv) b.csv <(cat b.csv) --out-dir o --to csv 2>&1; done`;
    const out = execFileSync("bash", ["-c", script], { cwd: d, encoding: "utf8" });
    expect(out).toBe("3 written, 0 failed\n".repeat(50));
    expect(readdirSync(path.join(d, "o")).length).toBe(3);
  }, 180_000);

  it("a pipe without a file name and without --to is refused with what to do", () => {
    const d = workdir();
    writeFileSync(path.join(d, "a.csv"), "-1,2\n");
    const out = spawnSync("bash", ["-c", `"${process.execPath}" "${BIN}" relu <(cat a.csv) a.csv --out-dir o`], { cwd: d, encoding: "utf8" });
    expect(out.status).toBe(2);
    expect(out.stderr).toMatch(/^dact: \/dev\/fd\/\d+: a pipe or device has no file name to name its output after; expected --to FORMAT \(its output would be o\/\d+\.<format>\)\n$/);
    expect(existsSync(path.join(d, "o"))).toBe(false);
  });

  it.each(["single", "batch"])("a FIFO with no writer: SIGTERM ends the run at once (%s)", async (mode) => {
    const d = workdir();
    execFileSync("mkfifo", [path.join(d, "nowriter.csv")]);
    writeFileSync(path.join(d, "x.csv"), "-1\n");
    const args = mode === "single" ? ["relu", "nowriter.csv", "-o", "out.csv"] : ["relu", "nowriter.csv", "x.csv", "--out-dir", "od"];
    const child = dactAsync(args, { cwd: d });
    await blockedOnFifo(child.pid!);
    const t = Date.now();
    child.kill("SIGTERM");
    const status = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    expect(status).toBe(143);
    expect(Date.now() - t).toBeLessThan(1000);
    expect(tree(d).filter((f) => f.includes("dact-tmp"))).toEqual([]);
  });
});

/**
 * Waits until one of the process's threads sleeps in the kernel's FIFO open
 * (wchan wait_for_partner): dact has started, installed its signal handlers
 * and reached the open. A fixed delay was not enough on a loaded machine,
 * where the signal came before the handlers and killed node outright.
 */
async function blockedOnFifo(pid: number): Promise<void> {
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      tasks = [];
    }
    for (const t of tasks) {
      try {
        if (readFileSync(`/proc/${pid}/task/${t}/wchan`, "utf8").includes("wait_for_partner")) return;
      } catch {
        // the thread ended
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`process ${pid} never blocked on opening the FIFO`);
}

describe("signals at random moments leave no temporary file", () => {
  it("24 batch runs, each interrupted by SIGINT, SIGTERM or SIGHUP at a random moment", async () => {
    const d = workdir();
    mkdirSync(path.join(d, "in"));
    const rows = "0.5,-1.25,3,-4.5\n".repeat(20_000); // 340 KB each
    for (let i = 0; i < 12; i++) writeFileSync(path.join(d, "in", `f${i}.csv`), rows);
    let seed = 13;
    const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
    const codes = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
    for (let run = 0; run < 24; run++) {
      const out = `out${run}`;
      const child = dactAsync(["gelu", "in", "--out-dir", out, "--jobs", "2"], { cwd: d });
      const exited = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
      await new Promise((r) => setTimeout(r, 60 + rand() * 500));
      const sig = signals[run % 3]!;
      child.kill(sig);
      const code = await exited;
      // null: the signal came before dact installed its handlers (start-up), and killed it; nothing was created yet.
      expect([0, codes[sig], null]).toContain(code);
      const files = existsSync(path.join(d, out)) ? readdirSync(path.join(d, out)) : [];
      expect(files.filter((f) => f.endsWith(".dact-tmp")), `run ${run}, ${sig}`).toEqual([]);
      // Whatever was committed is whole.
      for (const f of files) expect(readFileSync(path.join(d, out, f), "utf8").split("\n").length).toBe(20_001);
    }
  }, 120_000);
});

describe("--jobs", () => {
  it("is capped at the number of inputs: --jobs 10000 over 40 files stays small", () => {
    const d = workdir();
    mkdirSync(path.join(d, "in"));
    for (let i = 0; i < 40; i++) writeFileSync(path.join(d, "in", `f${i}.csv`), "-1,2\n");
    const r = dactMeasured(["relu", "in", "--out-dir", "out", "--jobs", "10000"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe("40 written, 0 failed\n");
    // 40 workers would take ~40 x 10 MB; 8 (4 x 2 cores) well under.
    expect(r.maxRssMB).toBeLessThan(300);
  });
});

describe("folders: walk, filter, mirror", () => {
  function makeTree(d: string) {
    for (const f of ["data/a.csv", "data/b.npy.txt", "data/x/c.json", "data/x/y/d.tsv", "data/x/y/a.csv", "data/skip/e.csv", "data/notes.md"]) {
      mkdirSync(path.dirname(path.join(d, f)), { recursive: true });
      writeFileSync(path.join(d, f), f.endsWith(".json") ? "[-1,2]\n" : f.endsWith(".tsv") ? "-1\t2\n" : "-1,2\n");
    }
  }

  it("walks recursively, only known formats; mirrors paths when base names clash", () => {
    const d = workdir();
    makeTree(d);
    const r = dact(["relu", "data", "--out-dir", "out"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    // .txt is text (np.savetxt's files, issue 24); notes.md is not a format dact reads.
    expect(tree(path.join(d, "out"))).toEqual(["a.csv", "b.npy.txt", "skip/e.csv", "x/c.json", "x/y/a.csv", "x/y/d.tsv"]);
    expect(readFileSync(path.join(d, "out", "x", "y", "d.tsv"), "utf8")).toBe("0.0\t1.0\n");
    expect(readFileSync(path.join(d, "out", "b.npy.txt"), "utf8")).toBe("0.0,1.0\n");
  });

  it("--include and --exclude; flat names when nothing clashes; --keep-paths always mirrors", () => {
    const d = workdir();
    makeTree(d);
    let r = dact(["relu", "data", "--out-dir", "flat", "--exclude", "skip/**", "--include", "*.csv", "--include", "*.json"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    expect(tree(path.join(d, "flat"))).toEqual(["a.csv", "x/c.json", "x/y/a.csv"]);
    r = dact(["relu", "data", "--out-dir", "flat2", "--include", "*.json", "--include", "*.tsv"], { cwd: d });
    expect(tree(path.join(d, "flat2"))).toEqual(["c.json", "d.tsv"]);
    r = dact(["relu", "data", "--out-dir", "kept", "--include", "*.json", "--keep-paths"], { cwd: d });
    expect(tree(path.join(d, "kept"))).toEqual(["x/c.json"]);
    r = dact(["relu", "data", "--out-dir", "none", "--include", "*.xlsx"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dact: found no input files in data; expected files of a known format/);
  });
});

describe("resume and skip", () => {
  it("--skip-existing skips what is newer and made with the same options, and redoes the rest", () => {
    const d = workdir();
    mkdirSync(path.join(d, "in"));
    for (let i = 0; i < 5; i++) writeFileSync(path.join(d, "in", `f${i}.csv`), "-1,2\n");
    expect(dact(["relu", "in", "--out-dir", "out", "--skip-existing"], { cwd: d }).stderr).toBe("5 written, 0 failed\n");
    expect(dact(["relu", "in", "--out-dir", "out", "--skip-existing"], { cwd: d }).stderr).toBe("0 written, 5 skipped, 0 failed\n");
    // A changed input is redone; so is everything under other options.
    const past = new Date(Date.now() - 3_600_000);
    utimesSync(path.join(d, "out", "f2.csv"), past, past); // older than its input now
    expect(dact(["relu", "in", "--out-dir", "out", "--skip-existing"], { cwd: d }).stderr).toBe("1 written, 4 skipped, 0 failed\n");
    expect(dact(["relu", "in", "--out-dir", "out", "--skip-existing", "--at-zero", "1"], { cwd: d }).stderr).toBe("5 written, 0 failed\n");
    expect(dact(["relu", "in", "--out-dir", "out", "--skip-existing", "--at-zero", "1"], { cwd: d }).stderr).toBe("0 written, 5 skipped, 0 failed\n");
  });

  it("--log writes a JSON line per file; --resume redoes only what failed or is missing", () => {
    const d = workdir();
    mkdirSync(path.join(d, "in"));
    for (let i = 0; i < 4; i++) writeFileSync(path.join(d, "in", `f${i}.csv`), "-1,2\n");
    writeFileSync(path.join(d, "in", "bad.csv"), "-1,x\n");
    const first = dact(["relu", "in", "--out-dir", "out", "--log", "run.jsonl"], { cwd: d });
    expect(first.status).toBe(2);
    const log = readFileSync(path.join(d, "run.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(log).toHaveLength(5);
    const bad = log.find((e) => e["input"] === "in/bad.csv")!;
    expect(bad).toMatchObject({ output: "out/bad.csv", status: "failed", bytes: 0, error: 'dact: in/bad.csv:1:2: "x" is not a number' });
    expect(log.filter((e) => e["status"] === "written").every((e) => e["bytes"] === 8 && typeof e["seconds"] === "number" && e["error"] === null)).toBe(true);
    writeFileSync(path.join(d, "in", "bad.csv"), "-1,3\n");
    const again = dact(["relu", "in", "--out-dir", "out", "--resume", "run.jsonl"], { cwd: d });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toBe("1 written, 4 skipped, 0 failed\n");
    expect(readFileSync(path.join(d, "out", "bad.csv"), "utf8")).toBe("0.0,1.0\n");
  });
});

describe("--shard I/N", () => {
  it("shards are disjoint, cover the folder, and stay put when files are added", () => {
    const d = workdir();
    mkdirSync(path.join(d, "in"));
    for (let i = 0; i < 60; i++) writeFileSync(path.join(d, "in", `f${i}.csv`), "-1\n");
    const shards = [0, 1, 2].map((i) => {
      const r = dact(["relu", "in", "--out-dir", `s${i}`, "--shard", `${i}/3`], { cwd: d });
      expect(r.status, r.stderr).toBe(0);
      return readdirSync(path.join(d, `s${i}`)).sort();
    });
    const all = shards.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort()).toEqual(readdirSync(path.join(d, "in")).sort());
    for (const s of shards) expect(s.length).toBeGreaterThan(5);
    // More files: every old file keeps its shard.
    for (let i = 60; i < 70; i++) writeFileSync(path.join(d, "in", `f${i}.csv`), "-1\n");
    const r = dact(["relu", "in", "--out-dir", "s0b", "--shard", "0/3"], { cwd: d });
    expect(r.status).toBe(0);
    expect(readdirSync(path.join(d, "s0b")).filter((f) => Number(f.slice(1, -4)) < 60).sort()).toEqual(shards[0]);
    expect(dact(["relu", "in", "--out-dir", "x", "--shard", "3/3"], { cwd: d }).stderr).toMatch(/^dact: option --shard: found "3\/3"; expected I\/N with 0 <= I < N/);
  });
});

describe("-q and --summary json", () => {
  it("-q silences notices and the summary, not errors; --summary json is one object", () => {
    const d = workdir();
    writeFileSync(path.join(d, "h.csv"), "a,b\n-1,2\n");
    writeFileSync(path.join(d, "bad.csv"), "1,x\n");
    const q = dact(["relu", "h.csv", "bad.csv", "--out-dir", "o", "--to", "json", "-q"], { cwd: d });
    expect(q.status).toBe(2);
    expect(q.stderr).toBe('dact: bad.csv:1:2: "x" is not a number\n');
    const one = dact(["relu", "h.csv", "-o", "h.json", "-q"], { cwd: d });
    expect([one.status, one.stderr]).toEqual([0, ""]);
    const j = dact(["relu", "h.csv", "--out-dir", "o2", "--summary", "json"], { cwd: d });
    expect(JSON.parse(j.stderr.trim())).toMatchObject({ written: 1, skipped: 0, failed: 0 });
  });

  it("batch-only options without --out-dir are a usage error", () => {
    expect(dact(["relu", "x.csv", "--shard", "0/2"]).stderr).toBe("dact: option --shard: found without --out-dir; expected it only in batch mode\n");
  });
});
