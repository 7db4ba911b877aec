/**
 * Issue 25, "one gate for every write": each red-team case of the issue,
 * end to end, and the gate's own rules (src/io/gate.ts) as units.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { xml } from "../src/golden.js";
import { makeFolders, sweepDeadTemps, tempNameFor } from "../src/io.js";
import { BIN, dact, dactAsync, workdir } from "./workdir.js";

const noCI = { ...process.env, CI: "", DACT_UPDATE: "" };

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

/** One line on stderr, dact's format, no stack trace. */
const oneLine = /^dact: [^\n]+\n$/;

describe("the --skip-existing manifest", () => {
  it("is never read or appended through a planted symlink: exit 2, the file outside --out-dir untouched", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "-1,2\n");
    writeFileSync(path.join(d, "victim.txt"), ""); // empty: a valid manifest, so only the link can stop the append
    mkdirSync(path.join(d, "od"));
    symlinkSync(path.join(d, "victim.txt"), path.join(d, "od", ".dact-manifest.jsonl"));
    const r = dact(["relu", "x.csv", "--out-dir", "od", "--skip-existing"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(oneLine);
    expect(readFileSync(path.join(d, "victim.txt"), "utf8")).toBe("");
    expect(existsSync(path.join(d, "od", "x.csv"))).toBe(false);
  });
});

describe("FIFOs as manifest, --log or --resume are refused at once, never waited on", () => {
  it.each([
    ["manifest", (d: string) => path.join(d, "od", ".dact-manifest.jsonl"), ["--skip-existing"]],
    ["--log", (d: string) => path.join(d, "log.fifo"), ["--log", "log.fifo"]],
    ["--resume", (d: string) => path.join(d, "log.fifo"), ["--resume", "log.fifo"]],
  ] as const)("%s: exit 2 with one line, in seconds", (_what, fifo, flags) => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "-1,2\n");
    mkdirSync(path.join(d, "od"));
    execFileSync("mkfifo", [fifo(d)]);
    // SIGKILL on timeout: a process blocked in a synchronous FIFO read ignores SIGTERM.
    const s = spawnSync(process.execPath, [BIN, "relu", "x.csv", "--out-dir", "od", ...flags], { cwd: d, timeout: 20_000, killSignal: "SIGKILL", encoding: "utf8" });
    const r = { status: s.status, signal: s.signal, stderr: s.stderr };
    expect(r.signal).toBe(null); // not killed by the timeout: it did not hang
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(oneLine);
    expect(r.stderr).toMatch(/FIFO/);
    expect(existsSync(path.join(d, "od", "x.csv"))).toBe(false);
  });

  it("a FIFO --log with a reader waiting is still refused (it would block the run)", async () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "-1,2\n");
    execFileSync("mkfifo", [path.join(d, "log.fifo")]);
    const reader = spawn("sh", ["-c", "exec cat log.fifo > /dev/null"], { cwd: d });
    await new Promise((r) => setTimeout(r, 300));
    const s = spawnSync(process.execPath, [BIN, "relu", "x.csv", "--out-dir", "od", "--log", "log.fifo"], { cwd: d, timeout: 20_000, killSignal: "SIGKILL", encoding: "utf8" });
    const r = { status: s.status, stderr: s.stderr };
    reader.kill("SIGKILL");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--log log\.fifo: found a FIFO; expected a regular file/);
  });
});

describe("never a report or log onto an input or golden (device and inode)", () => {
  it.each([
    ["junit:x.csv", "x.csv"],
    ["json:g.csv", "g.csv"],
    ["junit:alias.xml", "x.csv"], // a hard link to the input
  ])("--check --report %s: exit 2 before anything runs, %s untouched", (report, victim) => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "-1,2\n");
    writeFileSync(path.join(d, "g.csv"), "0,1\n");
    linkSync(path.join(d, "x.csv"), path.join(d, "alias.xml"));
    const before = readFileSync(path.join(d, victim));
    const r = dact(["relu", "x.csv", "--check", "g.csv", "--report", report], { cwd: d, env: noCI });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(oneLine);
    expect(readFileSync(path.join(d, victim)).equals(before)).toBe(true);
  });

  it("--check-dir --report onto an input or a golden, and --log onto an input: exit 2, untouched", () => {
    const d = workdir();
    mkdirSync(path.join(d, "in"));
    mkdirSync(path.join(d, "gold"));
    writeFileSync(path.join(d, "in", "a.csv"), "-1,2\n");
    writeFileSync(path.join(d, "gold", "a.csv"), "0,1\n");
    writeFileSync(path.join(d, "in", "b.csv"), "-2\n");
    for (const args of [
      ["--check-dir", "gold", "--report", "junit:in/a.csv"],
      ["--check-dir", "gold", "--update", "--report", "json:gold/a.csv"],
      ["--check-dir", "gold", "--update", "--report", "json:gold/b.csv"], // a golden --update would create
      ["--out-dir", "od", "--log", "in/a.csv"],
    ]) {
      const r = dact(["relu", "in", ...args], { cwd: d, env: noCI });
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/input|golden/);
      expect(readFileSync(path.join(d, "in", "a.csv"), "utf8")).toBe("-1,2\n");
      expect(readFileSync(path.join(d, "gold", "a.csv"), "utf8")).toBe("0,1\n");
      expect(existsSync(path.join(d, "gold", "b.csv"))).toBe(false);
    }
  });
});

describe("folders are created one level at a time, never through a link", () => {
  it("batch: a linked subfolder of --out-dir gets no new folder behind it", () => {
    const d = workdir();
    mkdirSync(path.join(d, "in", "sub", "deep"), { recursive: true });
    writeFileSync(path.join(d, "in", "a.csv"), "-1\n");
    writeFileSync(path.join(d, "in", "sub", "deep", "b.csv"), "-1\n");
    mkdirSync(path.join(d, "victim"));
    mkdirSync(path.join(d, "od"));
    symlinkSync(path.join(d, "victim"), path.join(d, "od", "sub"));
    const r = dact(["relu", "in", "--out-dir", "od", "--keep-paths"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dact: od\/sub\/deep\/b\.csv: its folder od\/sub is a symbolic link/);
    expect(readdirSync(path.join(d, "victim"))).toEqual([]);
    expect(readFileSync(path.join(d, "od", "a.csv"), "utf8")).toBe("0.0\n");
  });

  it("--check-dir --update: a linked subfolder of the goldens gets no new folder or golden behind it", () => {
    const d = workdir();
    mkdirSync(path.join(d, "in", "sub", "deep"), { recursive: true });
    writeFileSync(path.join(d, "in", "sub", "deep", "b.csv"), "-1\n");
    mkdirSync(path.join(d, "victim"));
    mkdirSync(path.join(d, "gold"));
    symlinkSync(path.join(d, "victim"), path.join(d, "gold", "sub"));
    const r = dact(["relu", "in", "--check-dir", "gold", "--update"], { cwd: d, env: noCI });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/gold\/sub: is a symbolic link/);
    expect(readdirSync(path.join(d, "victim"))).toEqual([]);
  });

  it("makeFolders refuses a path outside its root, and a file in the way", () => {
    const d = workdir();
    writeFileSync(path.join(d, "file"), "");
    expect(() => makeFolders(path.join(d, "..", "elsewhere"), d)).toThrow(expect.objectContaining({ code: "WRITE" }));
    expect(() => makeFolders(path.join(d, "file", "x"), d)).toThrow(expect.objectContaining({ code: "WRITE" }));
    makeFolders(path.join(d, "a", "b", "c"), d);
    expect(existsSync(path.join(d, "a", "b", "c"))).toBe(true);
  });
});

describe("--log and --report in a folder that does not exist", () => {
  it("--log: its folder is created; the run succeeds and logs every file", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "-1,2\n");
    writeFileSync(path.join(d, "y.csv"), "3\n");
    const r = dact(["relu", "x.csv", "y.csv", "--out-dir", "od", "--log", "logs/deep/run.jsonl"], { cwd: d });
    expect(r.status).toBe(0);
    const lines = readFileSync(path.join(d, "logs", "deep", "run.jsonl"), "utf8").trim().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as { status: string }).status)).toEqual(["written", "written"]);
  });

  it("--report: its folder is created; a passing --check exits 0, a differing one 1 (not an error)", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "-1,2\n");
    writeFileSync(path.join(d, "g.csv"), "0,1\n");
    writeFileSync(path.join(d, "bad.csv"), "0,0\n");
    const ok = dact(["relu", "x.csv", "--check", "g.csv", "--report", "junit:reports/a/r.xml"], { cwd: d, env: noCI });
    expect(ok.status).toBe(0);
    expect(readFileSync(path.join(d, "reports", "a", "r.xml"), "utf8")).toMatch(/<testsuites/);
    const differs = dact(["relu", "x.csv", "--check", "bad.csv", "--report", "json:reports/b/r.json"], { cwd: d, env: noCI });
    expect(differs.status).toBe(1);
    expect(differs.stderr).toBe("");
    expect(existsSync(path.join(d, "reports", "b", "r.json"))).toBe(true);
  });

  it("a log or report folder that cannot be made: one line, exit 2, before any output", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "-1,2\n");
    writeFileSync(path.join(d, "g.csv"), "0,1\n");
    writeFileSync(path.join(d, "afile"), "");
    const log = dact(["relu", "x.csv", "--out-dir", "od", "--log", "afile/run.jsonl"], { cwd: d });
    expect(log.status).toBe(2);
    expect(log.stderr).toMatch(oneLine);
    expect(existsSync(path.join(d, "od", "x.csv"))).toBe(false);
    mkdirSync(path.join(d, "in"));
    writeFileSync(path.join(d, "in", "x.csv"), "-1,2\n");
    const report = dact(["relu", "in", "--check-dir", "gold", "--update", "--report", "junit:afile/r.xml"], { cwd: d, env: noCI });
    expect(report.status).toBe(2);
    expect(report.stderr).toMatch(oneLine);
    expect(existsSync(path.join(d, "gold"))).toBe(false); // no golden written before the error
  });
});

describe("JUnit XML stays well-formed XML 1.0", () => {
  /** A character XML 1.0 does not allow, anywhere in the text. */
  const notXml = /[^\t\n\r\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

  it("a file name with U+FFFE and U+FFFF is escaped, not written raw", () => {
    const d = workdir();
    mkdirSync(path.join(d, "in"));
    writeFileSync(path.join(d, "in", "a\ufffe\uffff.csv"), "-1,2\n");
    const r = dact(["relu", "in", "--check-dir", "gold", "--report", "junit:r.xml"], { cwd: d, env: noCI });
    expect(r.status).toBe(1); // the golden is missing
    const text = readFileSync(path.join(d, "r.xml"), "utf8");
    expect(notXml.test(text)).toBe(false);
    expect(text).toContain("a\\uFFFE\\uFFFF.csv");
  });

  it.each([
    ["\ufffe", "\\uFFFE"],
    ["\uffff", "\\uFFFF"],
    ["\ud800x", "\\uD800x"], // a lone high surrogate
    ["x\udc00", "x\\uDC00"], // a lone low surrogate
    ["\u{1f600}", "\u{1f600}"], // a pair is a character: kept
    ["\x01<", "\\x01&lt;"],
  ])("xml(%j) is %j", (input, out) => {
    expect(xml(input)).toBe(out);
    expect(notXml.test(xml(input))).toBe(false);
  });
});

describe("temporary files of dead runs", () => {
  it("a SIGKILLed batch leaves its temporary file; the next batch into that folder removes it", async () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "-1,2\n");
    execFileSync("mkfifo", [path.join(d, "slow.csv")]);
    // A writer that sends part of the input and then holds the FIFO open.
    const writer = spawn(process.execPath, ["-e", "const fs=require('fs');const fd=fs.openSync('slow.csv','w');fs.writeSync(fd,'1,2\\n'.repeat(50000));setTimeout(()=>{},60000)"], { cwd: d });
    const child = dactAsync(["relu", "slow.csv", "--out-dir", "od", "--jobs", "1"], { cwd: d });
    const temps = () => (existsSync(path.join(d, "od")) ? readdirSync(path.join(d, "od")).filter((f) => f.endsWith(".dact-tmp")) : []);
    for (let i = 0; i < 500 && temps().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(temps()).toHaveLength(1);
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));
    writer.kill("SIGKILL");
    expect(temps()).toHaveLength(1); // SIGKILL cannot be caught
    // A live process's temporary file (this test's) is left alone.
    const live = tempNameFor(path.join(d, "od", "y.csv"));
    writeFileSync(live, "");
    const r = dact(["relu", "x.csv", "--out-dir", "od"], { cwd: d });
    expect(r.status).toBe(0);
    expect(temps()).toEqual([path.basename(live)]);
    expect(tree(path.join(d, "od")).filter((f) => !f.endsWith(".dact-tmp"))).toEqual(["x.csv"]);
  }, 60_000);

  it("a single -o run removes the leftovers of dead runs in its folder too", async () => {
    const d = workdir();
    const dead = await new Promise<number>((resolve) => {
      const c = spawn(process.execPath, ["-e", "0"]);
      c.on("exit", () => resolve(c.pid!));
    });
    const host = /\.([0-9a-f]{6})-\d+\./.exec(path.basename(tempNameFor(path.join(d, "a.csv"))))![1]!;
    writeFileSync(path.join(d, `.y.csv.${host}-${dead}.zz9.dact-tmp`), "half");
    writeFileSync(path.join(d, "x.csv"), "-1\n");
    expect(dact(["relu", "x.csv", "-o", "y.csv"], { cwd: d }).status).toBe(0);
    expect(readdirSync(d).sort()).toEqual(["x.csv", "y.csv"]);
  });

  it("sweepDeadTemps removes only this host's temporary files of dead processes", async () => {
    const d = workdir();
    const dead = await new Promise<number>((resolve) => {
      const c = spawn(process.execPath, ["-e", "0"]);
      c.on("exit", () => resolve(c.pid!));
    });
    const mine = path.basename(tempNameFor(path.join(d, "a.csv")));
    const host = /\.([0-9a-f]{6})-\d+\./.exec(mine)![1]!;
    const other = host === "000000" ? "111111" : "000000";
    const names = [`.a.csv.${host}-${dead}.abc123.dact-tmp`, `.b.csv.${other}-${dead}.abc123.dact-tmp`, mine, `.c.csv.${host}-${dead}.abc123.kept`];
    for (const n of names) writeFileSync(path.join(d, n), "");
    expect(sweepDeadTemps(d)).toEqual([names[0]]);
    expect(readdirSync(d).sort()).toEqual(names.slice(1).sort());
  });
});

