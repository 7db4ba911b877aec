/**
 * Issue 30: pending goldens and dact review, obsolete goldens and --prune,
 * sharded reports merged, JSON histograms.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { reviewCommand } from "../src/commands/review.js";
import { goldenOf, isPending, pendingPath } from "../src/pending.js";
import { junitErrors } from "./junit.js";
import { dact, workdir } from "./workdir.js";

const noCI = { ...process.env, CI: "", DACT_UPDATE: "" };
const ci = { ...noCI, CI: "true" };

describe("pending file names", () => {
  it.each([
    ["x.npy", "x.new.npy"],
    ["g/x.csv.gz", "g/x.new.csv.gz"],
    ["a/b.c/x.safetensors", "a/b.c/x.new.safetensors"],
    ["noext", "noext.new"],
  ])("%s -> %s and back", (g, p) => {
    expect(pendingPath(g)).toBe(p);
    expect(isPending(p)).toBe(true);
    expect(isPending(g)).toBe(false);
    expect(goldenOf(p)).toBe(g);
  });
});

describe("--pending", () => {
  it("writes NAME.new.EXT beside a differing or missing golden, leaves the golden, fails; a later pass removes a stale one", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "-1,2\n");
    writeFileSync(path.join(d, "g.csv"), "0,0.5\n");
    const r = dact(["relu", "x.csv", "--check", "g.csv", "--pending"], { cwd: d, env: noCI });
    expect(r.status).toBe(1);
    expect(r.stdout.toString()).toContain("pending: wrote g.new.csv");
    expect(readFileSync(path.join(d, "g.csv"), "utf8")).toBe("0,0.5\n");
    expect(readFileSync(path.join(d, "g.new.csv"), "utf8")).toBe("0.0,1.0\n");
    // Missing golden: DACT_UPDATE=pending does the same.
    const m = dact(["relu", "x.csv", "--check", "sub/m.npy"], { cwd: d, env: { ...noCI, DACT_UPDATE: "pending" } });
    expect(m.status).toBe(1);
    expect(existsSync(path.join(d, "sub", "m.npy"))).toBe(false);
    expect(existsSync(path.join(d, "sub", "m.new.npy"))).toBe(true);
    // The golden fixed by hand: the check passes and the stale pending file goes.
    writeFileSync(path.join(d, "g.csv"), "0,1\n");
    expect(dact(["relu", "x.csv", "--check", "g.csv", "--pending"], { cwd: d, env: noCI }).status).toBe(0);
    expect(existsSync(path.join(d, "g.new.csv"))).toBe(false);
  });

  it("never under CI: --pending is refused (exit 2), DACT_UPDATE=pending writes nothing", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "-1,2\n");
    writeFileSync(path.join(d, "g.csv"), "0,0.5\n");
    const r = dact(["relu", "x.csv", "--check", "g.csv", "--pending"], { cwd: d, env: ci });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dact: option --pending: CI is set/);
    const e = dact(["relu", "x.csv", "--check", "g.csv"], { cwd: d, env: { ...ci, DACT_UPDATE: "pending" } });
    expect(e.status).toBe(1);
    expect(readdirSync(d).sort()).toEqual(["g.csv", "x.csv"]);
  });

  it("is refused with --update and without --check", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "1\n");
    expect(dact(["relu", "x.csv", "--check", "g.csv", "--pending", "--update"], { cwd: d, env: noCI }).status).toBe(2);
    expect(dact(["relu", "x.csv", "--pending"], { cwd: d, env: noCI }).status).toBe(2);
  });
});

describe("dact review", () => {
  function pendingTree() {
    const d = workdir();
    mkdirSync(path.join(d, "in"));
    for (const [n, v] of [["a", "-1,2"], ["b", "3,-4"], ["c", "5,6"]]) writeFileSync(path.join(d, "in", `${n}.csv`), `${v}\n`);
    mkdirSync(path.join(d, "gold"));
    writeFileSync(path.join(d, "gold", "a.csv"), "9,9\n");
    writeFileSync(path.join(d, "gold", "b.csv"), "9,9\n");
    const r = dact(["relu", "in", "--check-dir", "gold", "--pending"], { cwd: d, env: noCI });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("differs in/a.csv vs gold/a.csv (pending: gold/a.new.csv)");
    expect(r.stderr).toContain("missing in/c.csv vs gold/c.csv (pending: gold/c.new.csv)");
    return d;
  }

  it("lists each pending golden with its summary; without a terminal or a flag, decides nothing", () => {
    const d = pendingTree();
    const r = dact(["review", "gold"], { cwd: d, env: noCI });
    expect(r.status).toBe(0);
    const out = r.stdout.toString();
    expect(out).toContain("gold/a.new.csv: differs from gold/a.csv (shape (1, 2))");
    expect(out).toContain("Mismatched elements: 2 / 2 (100%)");
    expect(out).toContain("gold/c.new.csv: new golden (gold/c.csv does not exist yet)");
    expect(r.stderr).toContain("0 accepted, 0 rejected, 3 left pending");
    expect(readdirSync(path.join(d, "gold")).sort()).toEqual(["a.csv", "a.new.csv", "b.csv", "b.new.csv", "c.new.csv"]);
  });

  it("--accept GLOB renames over the golden, --reject removes; then --check-dir passes", () => {
    const d = pendingTree();
    const a = dact(["review", "gold", "--accept", "[ac].csv"], { cwd: d, env: noCI });
    expect(a.status).toBe(0);
    expect(a.stderr).toContain("2 accepted, 0 rejected, 1 left pending");
    expect(readFileSync(path.join(d, "gold", "a.csv"), "utf8")).toBe("0.0,1.0\n");
    expect(readFileSync(path.join(d, "gold", "c.csv"), "utf8")).toBe("1.0,1.0\n");
    const r = dact(["review", "gold", "--reject"], { cwd: d, env: noCI });
    expect(r.stderr).toContain("0 accepted, 1 rejected, 0 left pending");
    expect(readdirSync(path.join(d, "gold")).sort()).toEqual(["a.csv", "b.csv", "c.csv"]);
    expect(readFileSync(path.join(d, "gold", "b.csv"), "utf8")).toBe("9,9\n");
    expect(dact(["relu", "in", "--check-dir", "gold", "--exclude", "b.csv"], { cwd: d, env: noCI }).status).toBe(0);
  });

  it("is refused under CI", () => {
    const d = pendingTree();
    const r = dact(["review", "gold", "--accept"], { cwd: d, env: ci });
    expect(r.status).toBe(2);
    expect(readdirSync(path.join(d, "gold"))).toContain("a.new.csv");
  });

  it("on a terminal: one key per file (a, r, s; others ignored; q stops)", async () => {
    const d = pendingTree();
    const keys = ["x", "a", "r", "q"];
    const out: string[] = [];
    const err: string[] = [];
    const status = { code: -1 };
    const prev = process.env["CI"];
    delete process.env["CI"];
    try {
      const cmd = reviewCommand({ out: (s) => out.push(s), err: (s) => err.push(s) }, status, async () => keys.shift()!, () => true);
      await new Command().exitOverride().addCommand(cmd).parseAsync(["node", "dact", "review", path.join(d, "gold")]);
    } finally {
      if (prev !== undefined) process.env["CI"] = prev;
    }
    expect(status.code).toBe(0);
    expect(keys).toEqual(["q"].slice(1));
    expect(err.at(-1)).toBe("1 accepted, 1 rejected, 1 left pending");
    expect(readdirSync(path.join(d, "gold")).sort()).toEqual(["a.csv", "c.new.csv"].concat("b.csv").sort());
    expect(readFileSync(path.join(d, "gold", "a.csv"), "utf8")).toBe("0.0,1.0\n");
  });
});

describe("obsolete goldens", () => {
  function tree() {
    const d = workdir();
    mkdirSync(path.join(d, "in", "sub"), { recursive: true });
    writeFileSync(path.join(d, "in", "a.csv"), "-1,2\n");
    writeFileSync(path.join(d, "in", "sub", "b.csv"), "3\n");
    expect(dact(["relu", "in", "--check-dir", "gold", "--update", "--keep-paths"], { cwd: d, env: noCI }).status).toBe(0);
    mkdirSync(path.join(d, "gold", "gone"));
    writeFileSync(path.join(d, "gold", "gone", "old.npy"), "");
    writeFileSync(path.join(d, "gold", "old.csv"), "1\n");
    writeFileSync(path.join(d, "gold", "notes.txt"), "not a golden\n");
    return d;
  }

  it("are listed as obsolete lines and in both reports, and fail the run", () => {
    const d = tree();
    const r = dact(["relu", "in", "--check-dir", "gold", "--keep-paths", "--report", "json:r.json", "--report", "junit:r.xml"], { cwd: d, env: noCI });
    expect(r.status).toBe(1);
    const lines = r.stderr.split("\n").filter(Boolean);
    expect(lines.filter((l) => l.startsWith("obsolete")).sort()).toEqual(["obsolete gold/gone/old.npy", "obsolete gold/old.csv"]);
    expect(lines.at(-1)).toBe("2 ok, 0 differ, 0 missing, 0 written, 0 errors, 2 obsolete");
    const json = JSON.parse(readFileSync(path.join(d, "r.json"), "utf8")) as { summary: Record<string, number>; results: { status: string; golden: string }[] };
    expect(json.summary["obsolete"]).toBe(2);
    expect(json.results.filter((x) => x.status === "obsolete").map((x) => x.golden).sort()).toEqual(["gold/gone/old.npy", "gold/old.csv"]);
    const xml = readFileSync(path.join(d, "r.xml"), "utf8");
    expect(xml).toContain('name="gold/old.csv (obsolete)"');
    expect(xml).toMatch(/<testsuites name="dact" tests="4" failures="2" errors="0"/);
  });

  it("--prune removes them and passes; refused under CI and with --shard", () => {
    const d = tree();
    expect(dact(["relu", "in", "--check-dir", "gold", "--keep-paths", "--prune"], { cwd: d, env: ci }).status).toBe(2);
    expect(dact(["relu", "in", "--check-dir", "gold", "--keep-paths", "--prune", "--shard", "0/2"], { cwd: d, env: noCI }).status).toBe(2);
    expect(existsSync(path.join(d, "gold", "old.csv"))).toBe(true);
    const r = dact(["relu", "in", "--check-dir", "gold", "--keep-paths", "--prune"], { cwd: d, env: noCI });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("pruned   gold/old.csv");
    expect(existsSync(path.join(d, "gold", "old.csv"))).toBe(false);
    expect(existsSync(path.join(d, "gold", "gone", "old.npy"))).toBe(false);
    expect(existsSync(path.join(d, "gold", "notes.txt"))).toBe(true);
    expect(existsSync(path.join(d, "gold", "a.csv"))).toBe(true);
  });

  it("--prune removes nothing when the run also has missing goldens (a subfolder against the whole tree), nor for files named one by one", () => {
    const d = workdir();
    mkdirSync(path.join(d, "in", "a"), { recursive: true });
    mkdirSync(path.join(d, "in", "b"), { recursive: true });
    for (const f of ["a/f1", "a/f2", "b/g1", "b/g2"]) writeFileSync(path.join(d, "in", `${f}.csv`), "-1,2\n");
    expect(dact(["relu", "in", "--check-dir", "gold", "--update", "-q"], { cwd: d, env: noCI }).status).toBe(0);
    const all = () => ["a/f1", "a/f2", "b/g1", "b/g2"].map((f) => existsSync(path.join(d, "gold", `${f}.csv`)));
    expect(all()).toEqual([true, true, true, true]);
    const sub = dact(["relu", "in/a", "--check-dir", "gold", "--prune"], { cwd: d, env: noCI });
    expect(sub.status).toBe(1);
    expect(sub.stderr).toMatch(/--prune: removed nothing: 2 goldens are missing too/);
    expect(sub.stderr).not.toContain("pruned ");
    expect(all()).toEqual([true, true, true, true]);
    const named = dact(["relu", "in/a/f1.csv", "in/b/g1.csv", "--check-dir", "gold", "--keep-paths", "--prune"], { cwd: d, env: noCI });
    expect(named.stderr).not.toContain("pruned ");
    expect(named.stderr).not.toContain("obsolete");
    expect(named.stderr).toMatch(/^dact: --prune: removed nothing: this run sees a subset of the inputs \(files named one by one\)/m);
    expect(all()).toEqual([true, true, true, true]);
    const filtered = dact(["relu", "in", "--check-dir", "gold", "--exclude", "b/*", "--prune"], { cwd: d, env: noCI });
    expect(filtered.status).toBe(0);
    expect(filtered.stderr).toMatch(/^dact: --prune: removed nothing: this run sees a subset of the inputs \(--include\/--exclude\)/m);
    expect(all()).toEqual([true, true, true, true]);
  });

  it("inputs inside the golden folder are never obsolete (--prune keeps them)", () => {
    const d = workdir();
    mkdirSync(path.join(d, "gold", "in"), { recursive: true });
    writeFileSync(path.join(d, "gold", "in", "a.csv"), "-1,2\n");
    writeFileSync(path.join(d, "gold", "a.csv"), "0,1\n");
    writeFileSync(path.join(d, "gold", "old.csv"), "0\n");
    const r = dact(["relu", "gold/in", "--check-dir", "gold", "--prune"], { cwd: d, env: noCI });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("pruned   gold/old.csv");
    expect(existsSync(path.join(d, "gold", "in", "a.csv"))).toBe(true);
  });

  it("a shard or a filtered run calls nothing obsolete", () => {
    const d = tree();
    for (const extra of [["--shard", "0/2"], ["--shard", "1/2"], ["--include", "a.csv"]]) {
      const r = dact(["relu", "in", "--check-dir", "gold", "--keep-paths", ...extra], { cwd: d, env: noCI });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).not.toContain("obsolete");
    }
  });
});

describe("dact merge-reports", () => {
  function tree() {
    const d = workdir();
    mkdirSync(path.join(d, "in"));
    mkdirSync(path.join(d, "gold"));
    for (let i = 0; i < 12; i++) {
      writeFileSync(path.join(d, "in", `f${i}.csv`), `${i - 5},${5 - i}\n`);
      if (i % 4 !== 3) writeFileSync(path.join(d, "gold", `f${i}.csv`), i % 4 === 1 ? "7,7\n" : i < 5 ? "0,1\n" : "1,0\n");
    }
    writeFileSync(path.join(d, "gold", "stale.csv"), "1\n");
    return d;
  }
  type Doc = { summary: Record<string, number>; results: { input: string; golden: string; status: string; report: string; seconds?: number }[] };
  const norm = (doc: Doc) => ({ summary: doc.summary, results: doc.results.map(({ seconds: _s, ...r }) => r).sort((a, b) => (a.golden < b.golden ? -1 : 1)) });

  it("three shards merge into the unsharded run's JSON, JUnit (schema-valid), summary line and exit status", async () => {
    const d = tree();
    const whole = dact(["relu", "in", "--check-dir", "gold", "--report", "json:whole.json", "--report", "junit:whole.xml"], { cwd: d, env: noCI });
    expect(whole.status).toBe(1);
    for (let i = 0; i < 3; i++) {
      const s = dact(["relu", "in", "--check-dir", "gold", "--shard", `${i}/3`, "--report", `json:s${i}.json`], { cwd: d, env: noCI });
      expect(s.stderr).not.toContain("obsolete");
    }
    const m = dact(["merge-reports", "merged.json", "s0.json", "s1.json", "s2.json"], { cwd: d, env: noCI });
    expect(m.status).toBe(whole.status);
    const summary = (s: string) => s.split("\n").filter(Boolean).at(-1);
    expect(summary(m.stderr)).toBe(summary(whole.stderr));
    expect(summary(m.stderr)).toBe("6 ok, 3 differ, 3 missing, 0 written, 0 errors, 1 obsolete");
    expect(m.stderr.split("\n").filter(Boolean).sort()).toEqual(whole.stderr.split("\n").filter(Boolean).sort());
    const read = (f: string) => JSON.parse(readFileSync(path.join(d, f), "utf8")) as Doc;
    expect(norm(read("merged.json"))).toEqual(norm(read("whole.json")));
    const testcases = (f: string) => [...readFileSync(path.join(d, f), "utf8").matchAll(/<testcase [^>]*name="([^"]*)"/g)].map((x) => x[1]).sort();
    expect(testcases("merged.xml")).toEqual(testcases("whole.xml"));
    expect(await junitErrors(readFileSync(path.join(d, "merged.xml"), "utf8"))).toEqual([]);
  });

  it("refuses an incomplete or mixed set of shards (exit 2, nothing written)", () => {
    const d = tree();
    for (let i = 0; i < 3; i++) dact(["relu", "in", "--check-dir", "gold", "--shard", `${i}/3`, "--report", `json:s${i}.json`], { cwd: d, env: noCI });
    dact(["sigmoid", "in", "--check-dir", "gold", "--shard", "2/3", "--report", "json:sig.json"], { cwd: d, env: noCI });
    for (const ins of [["s0.json", "s1.json"], ["s0.json", "s1.json", "s1.json", "s2.json"], ["s0.json", "s1.json", "sig.json"]]) {
      const r = dact(["merge-reports", "m.json", ...ins], { cwd: d, env: noCI });
      expect(r.status, ins.join(" ")).toBe(2);
      expect(existsSync(path.join(d, "m.json"))).toBe(false);
    }
  });

  it("never writes OUT or --junit onto a golden or an input the reports name (exit 2, untouched)", () => {
    const d = tree();
    for (let i = 0; i < 2; i++) dact(["relu", "in", "--check-dir", "gold", "--shard", `${i}/2`, "--report", `json:s${i}.json`], { cwd: d, env: noCI });
    const golden = readFileSync(path.join(d, "gold", "f0.csv"));
    const input = readFileSync(path.join(d, "in", "f3.csv"));
    const a = dact(["merge-reports", "gold/f0.csv", "s0.json", "s1.json"], { cwd: d, env: noCI });
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/^dact: merge-reports OUT gold\/f0\.csv: found that it is the golden or input named in the reports/);
    const b = dact(["merge-reports", "m.json", "s0.json", "s1.json", "--junit", "in/f3.csv"], { cwd: d, env: noCI });
    expect(b.status).toBe(2);
    expect(readFileSync(path.join(d, "gold", "f0.csv")).equals(golden)).toBe(true);
    expect(readFileSync(path.join(d, "in", "f3.csv")).equals(input)).toBe(true);
    expect(existsSync(path.join(d, "m.json"))).toBe(false);
  });

  it("refuses reports that check one golden twice (reports of different runs), naming both", () => {
    const d = tree();
    for (let i = 0; i < 2; i++) dact(["relu", "in", "--check-dir", "gold", "--shard", `${i}/2`, "--report", `json:s${i}.json`], { cwd: d, env: noCI });
    // Shards split goldens by their path, so one run's shards never share
    // one; a report of another run (here: one of s0's results planted in s1) can.
    const a = JSON.parse(readFileSync(path.join(d, "s0.json"), "utf8")) as Doc;
    const b = JSON.parse(readFileSync(path.join(d, "s1.json"), "utf8")) as Doc;
    expect(b.results.some((r) => a.results.some((q) => q.golden === r.golden))).toBe(false);
    writeFileSync(path.join(d, "x1.json"), JSON.stringify({ ...b, results: [...b.results, a.results[0]] }));
    const r = dact(["merge-reports", "m.json", "s0.json", "x1.json"], { cwd: d, env: noCI });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dact: .*x1\.json.*found golden .* also in s0\.json/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(existsSync(path.join(d, "m.json"))).toBe(false);
    expect(dact(["merge-reports", "m.json", "s0.json", "s1.json"], { cwd: d, env: noCI }).status).toBe(1);
  });

  it("--shard splits by the path below the inputs' folder: ./in, in/ and an absolute path give the same shards", () => {
    const d = tree();
    const names = (arg: string, i: number) => {
      const out = `o-${i}-${arg.length}`;
      const r = dact(["relu", arg, "--out-dir", out, "--shard", `${i}/3`, "-q"], { cwd: d, env: noCI });
      expect(r.status, r.stderr).toBe(0);
      return readdirSync(path.join(d, out)).sort();
    };
    for (let i = 0; i < 3; i++) {
      const want = names("in", i);
      expect(want.length).toBeGreaterThan(0);
      expect(names("./in/", i)).toEqual(want);
      expect(names(path.join(d, "in"), i)).toEqual(want);
    }
  });
});

describe("--report json histograms", () => {
  it("per file: |differences| by decade, and ulp distances with --ulp", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "-1,2,3,4\n");
    writeFileSync(path.join(d, "g.csv"), "0,1.0000000001,1,0.5\n");
    const r = dact(["relu", "x.csv", "--check", "g.csv", "--ulp", "4", "--report", "json:r.json"], { cwd: d, env: noCI });
    expect(r.status).toBe(1);
    const key = (JSON.parse(readFileSync(path.join(d, "r.json"), "utf8")) as { results: { keys: Record<string, unknown>[] }[] }).results[0]!.keys[0]!;
    const h = key["histogram"] as { abs: Record<string, number>; ulp: Record<string, number> };
    expect(h.abs["0"]).toBe(2);
    expect(h.abs["1e-10"]).toBe(1);
    expect(h.abs["1e-01"]).toBe(1);
    expect(Object.values(h.abs).reduce((a, b) => a + b, 0)).toBe(4);
    expect(h.ulp["0"]).toBe(2);
    expect(key["max_ulp_index"]).toEqual([0, 3]);
    expect(key["max_abs_index"]).toEqual([0, 3]);
    expect(r.stdout.toString()).toContain("Not equal up to 4 ULP (float64)");
  });
});
