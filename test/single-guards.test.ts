/**
 * A single run never writes onto a file it reads (red team): the gradient
 * is protected from --report, a golden update never lands on the input,
 * and an input named like the golden's pending file (NAME.new.EXT) is
 * refused before it could be removed or overwritten. Batch refuses the
 * same; -o may still name the input (an in-place run, written atomically).
 */
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { matrix, writeMatrix } from "../src/index.js";
import { dact, workdir } from "./workdir.js";

async function files(d: string): Promise<void> {
  await writeMatrix(path.join(d, "x.npy"), matrix([[-1, 0, 1], [2, -3, 0.5]]));
  await writeMatrix(path.join(d, "gold.npy"), matrix([[0, 0, 1], [1, 0, 1]]));
  await writeMatrix(path.join(d, "g.npy"), matrix([[2, 2, 2], [2, 2, 2]]));
  await writeMatrix(path.join(d, "v.new.npy"), matrix([0, 1, 2]));
  await writeMatrix(path.join(d, "v.npy"), matrix([0, 1, 1]));
  await writeMatrix(path.join(d, "w.npy"), matrix([5, 5, 5]));
}

const snapshot = (d: string, names: string[]) => names.map((n) => (existsSync(path.join(d, n)) ? readFileSync(path.join(d, n)).toString("base64") : null));

describe("single-run guards", () => {
  it.each([
    ["--report onto the gradient", ["relu", "x.npy", "--grad-output", "g.npy", "--check", "gold.npy", "--report", "json:g.npy"], /^dact: --report g\.npy: found that it is the gradient g\.npy/],
    ["--pending beside an input named NAME.new.EXT", ["relu", "v.new.npy", "--check", "v.npy", "--pending"], /^dact: --check's pending golden v\.new\.npy: found that it is the input/],
    ["--check --update onto the input", ["relu", "x.npy", "--check", "x.npy", "--update"], /^dact: --check x\.npy: found that it is the input x\.npy/],
    ["-o onto the gradient", ["relu", "x.npy", "--grad-output", "g.npy", "-o", "g.npy"], /^dact: -o g\.npy: found that it is the gradient/],
  ])("%s: exit 2, one line, nothing changed", async (_what, args, message) => {
    const d = workdir();
    await files(d);
    const names = ["x.npy", "gold.npy", "g.npy", "v.new.npy", "v.npy", "w.npy", "w.new.npy"];
    const before = snapshot(d, names);
    const r = dact(args as string[], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(snapshot(d, names)).toEqual(before);
  });

  it("a --check of v.new.npy against v.npy without --pending leaves the input alone too", async () => {
    const d = workdir();
    await files(d);
    const before = readFileSync(path.join(d, "v.new.npy"));
    const r = dact(["relu", "v.new.npy", "--check", "v.npy"], { cwd: d });
    expect(r.status).toBe(2);
    expect(readFileSync(path.join(d, "v.new.npy")).equals(before)).toBe(true);
  });

  it("batch: --log onto the one --grad-output file, or onto one of the run's outputs, is refused", async () => {
    const d = workdir();
    await files(d);
    const { mkdirSync } = await import("node:fs");
    mkdirSync(path.join(d, "in"));
    copyFileSync(path.join(d, "x.npy"), path.join(d, "in", "a.npy"));
    copyFileSync(path.join(d, "x.npy"), path.join(d, "in", "b.npy"));
    const g = readFileSync(path.join(d, "g.npy"));
    const r = dact(["relu", "in", "--out-dir", "o", "--grad-output", "g.npy", "--log", "g.npy", "-q"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dact: --log g\.npy: found that it is the gradient/);
    expect(readFileSync(path.join(d, "g.npy")).equals(g)).toBe(true);
    const c = dact(["relu", "in", "--check-dir", "gl", "--update", "--grad-output", "g.npy", "--report", "json:g.npy"], { cwd: d });
    expect(c.status).toBe(2);
    expect(readFileSync(path.join(d, "g.npy")).equals(g)).toBe(true);
    const o = dact(["relu", "in", "--out-dir", "o3", "--log", "o3/a.npy"], { cwd: d });
    expect(o.status).toBe(2);
    expect(o.stderr).toMatch(/^dact: --log o3\/a\.npy: found that it is the output/);
    expect(existsSync(path.join(d, "o3"))).toBe(false);
  });
});

describe("the pending golden (NAME.new.EXT) is the run's too", () => {
  it("no --report or --log lands on it, single or batch, and nothing is made", async () => {
    const d = workdir();
    await files(d);
    const { mkdirSync } = await import("node:fs");
    mkdirSync(path.join(d, "in"));
    copyFileSync(path.join(d, "x.npy"), path.join(d, "in", "a.npy"));
    const one = dact(["relu", "in/a.npy", "--check", "gold.npy", "--pending", "--report", "json:gold.new.npy"], { cwd: d });
    expect(one.status).toBe(2);
    expect(one.stderr).toMatch(/^dact: --report gold\.new\.npy: found that it is the pending golden/);
    const batch = dact(["relu", "in", "--check-dir", "gd", "--pending", "--report", "json:gd/a.new.npy"], { cwd: d });
    expect(batch.status).toBe(2);
    const log = dact(["relu", "in", "--check-dir", "gd3", "--pending", "--log", "gd3/a.new.npy"], { cwd: d });
    expect(log.status).toBe(2);
    expect(log.stderr).toMatch(/^dact: --log gd3\/a\.new\.npy: found that it is the pending golden/);
    for (const f of ["gold.new.npy", "gd", "gd3"]) expect(existsSync(path.join(d, f))).toBe(false);
  });
});
