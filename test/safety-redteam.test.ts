/**
 * Red-team findings on the write gate: gradients are inputs, pending names
 * that collide with goldens, merge-reports' outputs, --skip-existing's key
 * and gradient identity, -o with --check, and FIFO goldens/gradients in batch.
 */
import { spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, dact, workdir } from "./workdir.js";

const noCI = { ...process.env, CI: "", DACT_UPDATE: "" };
const oneLine = /^dact: [^\n]+\n$/;

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out[r] = readFileSync(path.join(dir, r), "utf8");
      else out[r] = "<special>";
    }
  };
  walk("");
  return out;
}

function gradTree(): string {
  const d = workdir();
  mkdirSync(path.join(d, "go", "in"), { recursive: true });
  mkdirSync(path.join(d, "go", "g"));
  writeFileSync(path.join(d, "go", "in", "x.csv"), "a\n1\n-2\n");
  writeFileSync(path.join(d, "go", "g", "x.csv"), "a\n5\n5\n");
  return d;
}

describe("gradients are inputs: never written onto", () => {
  it("--out-dir equal to --grad-output-dir: exit 2, the gradient untouched", () => {
    const d = gradTree();
    const before = snapshot(d);
    const r = dact(["relu", "go/in", "--out-dir", "go/g", "--grad-output-dir", "go/g"], { cwd: d, env: noCI });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(oneLine);
    expect(r.stderr).toContain("gradient");
    expect(snapshot(d)).toEqual(before);
  });
  it("--check-dir equal to --grad-output-dir with --update: exit 2, the gradient untouched", () => {
    const d = gradTree();
    const before = snapshot(d);
    const r = dact(["relu", "go/in", "--check-dir", "go/g", "--grad-output-dir", "go/g", "--update"], { cwd: d, env: noCI });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(oneLine);
    expect(snapshot(d)).toEqual(before);
  });
  it("single file: -o naming the --grad-output file: exit 2, untouched", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "a\n1\n-2\n");
    writeFileSync(path.join(d, "g.csv"), "a\n5\n5\n");
    symlinkSync("g.csv", path.join(d, "g2.csv"));
    const before = snapshot(d);
    for (const o of ["g.csv", "g2.csv"]) {
      const r = dact(["relu", "x.csv", "--grad-output", "g.csv", "-o", o], { cwd: d, env: noCI });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(oneLine);
    }
    const c = dact(["relu", "x.csv", "--grad-output", "g.csv", "--check", "g.csv", "--update"], { cwd: d, env: noCI });
    expect(c.status).toBe(2);
    expect(snapshot(d)).toEqual(before);
  });
});

describe("pending names in --check-dir", () => {
  it("an input whose golden is named like a pending golden is refused: exit 2, nothing written", () => {
    const d = workdir();
    mkdirSync(path.join(d, "in"));
    mkdirSync(path.join(d, "gold"));
    writeFileSync(path.join(d, "in", "x.csv"), "a\n1\n-2\n");
    writeFileSync(path.join(d, "in", "x.new.csv"), "a\n3\n-2\n");
    writeFileSync(path.join(d, "gold", "x.new.csv"), "a\n1\n0\n");
    const before = snapshot(d);
    const r = dact(["relu", "in", "--check-dir", "gold", "--pending"], { cwd: d, env: noCI });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(oneLine);
    expect(r.stderr).toContain("x.new.csv");
    expect(snapshot(d)).toEqual(before);
    const plain = dact(["relu", "in", "--check-dir", "gold"], { cwd: d, env: noCI });
    expect(plain.status).toBe(2);
    expect(snapshot(d)).toEqual(before);
  });
});

describe("merge-reports outputs go through the gate", () => {
  function shards(): string {
    const d = workdir();
    mkdirSync(path.join(d, "in"));
    mkdirSync(path.join(d, "gold"));
    for (let i = 0; i < 4; i++) {
      writeFileSync(path.join(d, "in", `f${i}.csv`), `${i - 2},${2 - i}\n`);
      writeFileSync(path.join(d, "gold", `f${i}.csv`), "0,1\n");
    }
    for (let i = 0; i < 2; i++) dact(["relu", "in", "--check-dir", "gold", "--shard", `${i}/2`, "--report", `json:s${i}.json`], { cwd: d, env: noCI });
    expect(existsSync(path.join(d, "s1.json"))).toBe(true);
    return d;
  }
  it("OUT a symbolic link to an input report: exit 2, nothing written", () => {
    const d = shards();
    symlinkSync("s1.json", path.join(d, "lnk.json"));
    const before = snapshot(d);
    const r = dact(["merge-reports", "lnk.json", "s0.json", "s1.json"], { cwd: d, env: noCI });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(oneLine);
    expect(snapshot(d)).toEqual(before);
  });
  it("--junit a link to an input report, or a hard link to one: exit 2, nothing written", () => {
    const d = shards();
    symlinkSync("s0.json", path.join(d, "jl.xml"));
    execFileSync("ln", [path.join(d, "s1.json"), path.join(d, "hard.xml")]);
    const before = snapshot(d);
    for (const j of ["jl.xml", "hard.xml", "s0.json"]) {
      const r = dact(["merge-reports", "m.json", "s0.json", "s1.json", "--junit", j], { cwd: d, env: noCI });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(oneLine);
    }
    expect(snapshot(d)).toEqual(before);
  });
  it("--junit the same file as OUT: exit 2, nothing written; distinct outputs still work", () => {
    const d = shards();
    const before = snapshot(d);
    const r = dact(["merge-reports", "o.json", "s0.json", "s1.json", "--junit", "o.json"], { cwd: d, env: noCI });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(oneLine);
    expect(snapshot(d)).toEqual(before);
    const ok = dact(["merge-reports", "o.json", "s0.json", "s1.json", "--junit", "o.xml"], { cwd: d, env: noCI });
    expect(ok.status).toBe(1);
    expect(JSON.parse(readFileSync(path.join(d, "o.json"), "utf8")).tool).toBe("dact");
    expect(readFileSync(path.join(d, "o.xml"), "utf8")).toContain("<testsuite");
  });
});

describe("--skip-existing redoes outputs made differently", () => {
  function setup(): string {
    const d = workdir();
    mkdirSync(path.join(d, "in"));
    mkdirSync(path.join(d, "g"));
    writeFileSync(path.join(d, "in", "x.csv"), "a\n1.5\n-2\n");
    writeFileSync(path.join(d, "g", "x.csv"), "a\n2\n3\n");
    return d;
  }
  it("a changed gradient file redoes its output", () => {
    const d = setup();
    const args = ["relu", "in", "--out-dir", "out", "--grad-output-dir", "g", "--skip-existing"];
    expect(dact(args, { cwd: d, env: noCI }).status).toBe(0);
    const first = readFileSync(path.join(d, "out", "x.csv"), "utf8");
    writeFileSync(path.join(d, "g", "x.csv"), "a\n7\n3\n");
    const t = statSync(path.join(d, "out", "x.csv")).mtime;
    utimesSync(path.join(d, "g", "x.csv"), t, t); // same mtime as before is not enough to hide the change (size differs too)
    expect(dact(args, { cwd: d, env: noCI }).status).toBe(0);
    const second = readFileSync(path.join(d, "out", "x.csv"), "utf8");
    expect(second).not.toBe(first);
    expect(second).toContain("7");
  });
  it("batch with one --grad-output file: a changed gradient redoes the output", () => {
    const d = setup();
    const args = ["relu", "in", "--out-dir", "out", "--grad-output", "g/x.csv", "--skip-existing"];
    expect(dact(args, { cwd: d, env: noCI }).status).toBe(0);
    const first = readFileSync(path.join(d, "out", "x.csv"), "utf8");
    writeFileSync(path.join(d, "g", "x.csv"), "a\n9\n3\n");
    expect(dact(args, { cwd: d, env: noCI }).status).toBe(0);
    const second = readFileSync(path.join(d, "out", "x.csv"), "utf8");
    expect(second).not.toBe(first);
    expect(second).toContain("9");
  });
  for (const [opt, ...vals] of [
    ["--float-format", "%.3f"],
    ["--na-values", "zz"],
    ["--decimal", ","],
    ["--columns", "a"],
    ["--order", "2"],
  ] as const) {
    it(`${opt} is part of the options key: an output made without it is redone`, () => {
      const d = setup();
      writeFileSync(path.join(d, "in", "x.csv"), "a\n1\n-2\n"); // read the same under every option here
      const base = ["relu", "in", "--out-dir", "out", "--skip-existing"];
      expect(dact(base, { cwd: d, env: noCI }).status).toBe(0);
      const log = path.join(d, "log.jsonl");
      expect(dact([...base, opt, ...vals, "--log", log], { cwd: d, env: noCI }).status).toBe(0);
      expect(readFileSync(log, "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { status: string }).status)).toEqual(["written"]);
    });
  }
  it("--no-fsync is not output-affecting: the output is skipped", () => {
    const d = setup();
    const base = ["relu", "in", "--out-dir", "out", "--skip-existing"];
    expect(dact(base, { cwd: d, env: noCI }).status).toBe(0);
    const log = path.join(d, "log.jsonl");
    expect(dact([...base, "--no-fsync", "--log", log], { cwd: d, env: noCI }).status).toBe(0);
    expect(readFileSync(log, "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { status: string }).status)).toEqual(["skipped"]);
  });
});

describe("-o with --check", () => {
  it("is refused: exit 2, nothing written", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "a\n1\n-2\n");
    dact(["relu", "x.csv", "-o", "good.csv"], { cwd: d, env: noCI });
    const before = snapshot(d);
    const r = dact(["relu", "x.csv", "--check", "good.csv", "-o", "new.csv"], { cwd: d, env: noCI });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(oneLine);
    expect(snapshot(d)).toEqual(before);
  });
});

/** Runs dact, killed after `ms`: resolves with its exit status and whether it had to be killed. */
function runWithin(args: string[], cwd: string, ms: number): Promise<{ status: number | null; killed: boolean; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd, env: noCI, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    p.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    let killed = false;
    const t = setTimeout(() => {
      killed = true;
      p.kill("SIGKILL");
    }, ms);
    p.on("exit", (status) => {
      clearTimeout(t);
      resolve({ status, killed, stderr });
    });
  });
}

describe("a FIFO golden or gradient in batch", () => {
  function setup(): string {
    const d = workdir();
    mkdirSync(path.join(d, "in"));
    mkdirSync(path.join(d, "gold"));
    mkdirSync(path.join(d, "g"));
    writeFileSync(path.join(d, "in", "a.csv"), "1,-2\n");
    writeFileSync(path.join(d, "in", "b.csv"), "3,-4\n");
    writeFileSync(path.join(d, "gold", "a.csv"), "1,0\n");
    writeFileSync(path.join(d, "g", "a.csv"), "1,1\n");
    execFileSync("mkfifo", [path.join(d, "gold", "b.csv"), path.join(d, "g", "b.csv")]);
    return d;
  }
  it("--check-dir: that file's error, the others checked, exit 2, no hang", async () => {
    const d = setup();
    const r = await runWithin(["relu", "in", "--check-dir", "gold"], d, 15_000);
    expect(r.killed).toBe(false);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("FIFO");
    expect(r.stderr).toMatch(/ok\s+in\/a\.csv/);
  });
  it("--grad-output-dir: that file's error, the others written, exit 2, no hang", async () => {
    const d = setup();
    const r = await runWithin(["relu", "in", "--out-dir", "out", "--grad-output-dir", "g"], d, 15_000);
    expect(r.killed).toBe(false);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("FIFO");
    expect(existsSync(path.join(d, "out", "a.csv"))).toBe(true);
    expect(existsSync(path.join(d, "out", "b.csv"))).toBe(false);
  });
});
