/**
 * --skip-existing and --resume against outputs another run changed: the
 * manifest records each output's identity, and a log line the options key,
 * so neither skips a file that no longer holds what this run would write.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { dact, workdir } from "./workdir.js";

function tree(): string {
  const d = workdir();
  mkdirSync(path.join(d, "in"));
  writeFileSync(path.join(d, "in", "a.csv"), "-1,0.5\n");
  writeFileSync(path.join(d, "in", "b.csv"), "2,-3\n");
  return d;
}

const summary = (stderr: string) => JSON.parse(stderr.trim().split("\n").at(-1)!) as { written: number; skipped: number };

describe("stale outputs", () => {
  it("--skip-existing redoes outputs a later run without it rewrote", () => {
    const d = tree();
    expect(dact(["relu", "in", "--out-dir", "out", "--skip-existing", "-q"], { cwd: d }).status).toBe(0);
    const relu = readFileSync(path.join(d, "out", "a.csv"), "utf8");
    expect(dact(["gelu", "in", "--out-dir", "out", "-q"], { cwd: d }).status).toBe(0);
    expect(readFileSync(path.join(d, "out", "a.csv"), "utf8")).not.toBe(relu);
    const again = dact(["relu", "in", "--out-dir", "out", "--skip-existing", "--summary", "json"], { cwd: d });
    expect(again.status).toBe(0);
    expect(summary(again.stderr)).toMatchObject({ written: 2, skipped: 0 });
    expect(readFileSync(path.join(d, "out", "a.csv"), "utf8")).toBe(relu);
    // Untouched since: skipped.
    const third = dact(["relu", "in", "--out-dir", "out", "--skip-existing", "--summary", "json"], { cwd: d });
    expect(summary(third.stderr)).toMatchObject({ written: 0, skipped: 2 });
  });

  it("--resume skips nothing of a log written with other options", () => {
    const d = tree();
    expect(dact(["relu", "in", "--out-dir", "o", "--log", "run.log", "-q"], { cwd: d }).status).toBe(0);
    const relu = readFileSync(path.join(d, "o", "a.csv"), "utf8");
    const gelu = dact(["gelu", "in", "--out-dir", "o", "--resume", "run.log", "--summary", "json"], { cwd: d });
    expect(gelu.status).toBe(0);
    expect(summary(gelu.stderr)).toMatchObject({ written: 2, skipped: 0 });
    expect(readFileSync(path.join(d, "o", "a.csv"), "utf8")).not.toBe(relu);
    const same = dact(["gelu", "in", "--out-dir", "o", "--resume", "run.log", "--summary", "json"], { cwd: d });
    expect(summary(same.stderr)).toMatchObject({ written: 0, skipped: 2 });
  });
});

describe("a manifest cut mid-line (a killed run)", () => {
  it("is read without its cut last line, and the next run ends that line before appending", () => {
    const d = tree();
    expect(dact(["relu", "in", "--out-dir", "out", "--skip-existing", "-q"], { cwd: d }).status).toBe(0);
    const m = path.join(d, "out", ".dact-manifest.jsonl");
    const text = readFileSync(m, "utf8");
    writeFileSync(m, text + text.split("\n")[0]!.slice(0, 20)); // a record cut short, no newline
    const again = dact(["relu", "in", "--out-dir", "out", "--skip-existing", "--summary", "json"], { cwd: d });
    expect(again.status, again.stderr).toBe(0);
    expect(summary(again.stderr)).toMatchObject({ skipped: 2 });
    writeFileSync(path.join(d, "in", "c.csv"), "5,-5\n");
    const more = dact(["relu", "in", "--out-dir", "out", "--skip-existing", "--summary", "json"], { cwd: d });
    expect(more.status, more.stderr).toBe(0);
    expect(summary(more.stderr)).toMatchObject({ written: 1, skipped: 2 });
    const lines = readFileSync(m, "utf8").split("\n");
    expect(lines.at(-1)).toBe("");
    expect(lines.filter((l) => l.includes("c.csv"))).toHaveLength(1);
    expect(() => JSON.parse(lines.find((l) => l.includes("c.csv"))!)).not.toThrow();
    const last = dact(["relu", "in", "--out-dir", "out", "--skip-existing", "--summary", "json"], { cwd: d });
    expect(summary(last.stderr)).toMatchObject({ written: 0, skipped: 3 });
  });
});

describe("--resume redoes what is stale, as --skip-existing does", () => {
  it("an output rewritten since, an input changed since, a gradient changed since", async () => {
    const d = tree();
    const run = (...extra: string[]) => dact(["relu", "in", "--out-dir", "o", "--at-zero", "0.5", ...extra], { cwd: d });
    expect(run("--log", "r.log", "-q").status).toBe(0);
    const want = readFileSync(path.join(d, "o", "b.csv"), "utf8");
    // Another run's output in its place (other options, no log).
    expect(dact(["relu", "in", "--out-dir", "o", "--at-zero", "1", "-q"], { cwd: d }).status).toBe(0);
    let r = run("--resume", "r.log", "--summary", "json");
    expect(summary(r.stderr)).toMatchObject({ written: 2, skipped: 0 });
    expect(readFileSync(path.join(d, "o", "b.csv"), "utf8")).toBe(want);
    r = run("--resume", "r.log", "--summary", "json");
    expect(summary(r.stderr)).toMatchObject({ written: 0, skipped: 2 });
    // An input newer than its output.
    await new Promise((res) => setTimeout(res, 20));
    writeFileSync(path.join(d, "in", "a.csv"), "3,-3\n");
    r = run("--resume", "r.log", "--summary", "json");
    expect(summary(r.stderr)).toMatchObject({ written: 1, skipped: 1 });
    expect(readFileSync(path.join(d, "o", "a.csv"), "utf8")).toBe("1.0,0.0\n");
  });

  it("with --grad-output-dir: a changed gradient redoes its output", async () => {
    const d = tree();
    mkdirSync(path.join(d, "g"));
    writeFileSync(path.join(d, "g", "a.csv"), "2,2\n");
    writeFileSync(path.join(d, "g", "b.csv"), "2,2\n");
    const run = (...extra: string[]) => dact(["relu", "in", "--out-dir", "o", "--grad-output-dir", "g", ...extra], { cwd: d });
    expect(run("--log", "r.log", "-q").status).toBe(0);
    await new Promise((res) => setTimeout(res, 20));
    writeFileSync(path.join(d, "g", "a.csv"), "3,3\n");
    const r = run("--resume", "r.log", "--summary", "json");
    expect(summary(r.stderr)).toMatchObject({ written: 1, skipped: 1 });
    expect(readFileSync(path.join(d, "o", "a.csv"), "utf8")).toBe("0.0,3.0\n");
  });
});
