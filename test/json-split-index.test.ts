/**
 * A pandas split document's "index" (df.to_json(orient="split")) has no
 * place in a conversion's output: dropped with a notice, unless it is
 * pandas' default 0, 1, 2… (nothing is lost). JSON output (the same-format
 * transform) keeps it, and --check says nothing of it. Before, a string
 * index was dropped silently (r7-fresh).
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { dact, workdir } from "./workdir.js";

const NAMED = '{"columns":["a","b"],"index":["r1","r2"],"data":[[1.0,3.0],[-2.0,-4.0]]}';
const DEFAULT = '{"columns":["a","b"],"index":[0,1],"data":[[1.0,3.0],[-2.0,-4.0]]}';

function run(doc: string, ...args: string[]) {
  const d = workdir();
  writeFileSync(path.join(d, "s.json"), doc);
  return { d, r: dact(["relu", "s.json", ...args], { cwd: d }) };
}

describe("a split document's index", () => {
  it("is dropped with a notice when converted to CSV", () => {
    const { r } = run(NAMED, "--to", "csv");
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe("a,b\n1.0,1.0\n0.0,0.0\n");
    expect(r.stderr).toBe('dact: s.json: its "index" ("r1", "r2") is dropped (JSON split output keeps it)\n');
  });

  it("is named with the columns in one notice when the output has no place for either", () => {
    const { r } = run(NAMED, "-o", "out.npy");
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('dact: s.json: its "index" ("r1", "r2") is dropped; its "columns" (a, b) has no place in npy; dropped\n');
  });

  it("long indexes are cut in the notice", () => {
    const rows = Array.from({ length: 9 }, (_, i) => `[${i},${-i}]`).join(",");
    const idx = Array.from({ length: 9 }, (_, i) => `"t${i}"`).join(",");
    const { r } = run(`{"columns":["a","b"],"index":[${idx}],"data":[${rows}]}`, "--to", "csv");
    expect(r.stderr).toBe('dact: s.json: its "index" ("t0", "t1", "t2", "t3", "t4", …) is dropped (JSON split output keeps it)\n');
  });

  it.each([
    ["pandas' default index, to CSV", DEFAULT, ["--to", "csv"]],
    ["kept: JSON output", NAMED, []],
    ["kept: -o JSON", NAMED, ["-o", "out.json"]],
  ])("%s: no notice", (_, doc, args) => {
    const { r } = run(doc, ...args);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
  });

  it("--check against a JSON golden says nothing of it", () => {
    const { d, r } = run(NAMED, "-o", "golden.json");
    expect(r.status).toBe(0);
    const c = dact(["relu", "s.json", "--check", "golden.json"], { cwd: d });
    expect(c.status, c.stderr).toBe(0);
    expect(c.stderr).toBe("");
  });
});
