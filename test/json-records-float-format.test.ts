/**
 * --float-format applies to pandas' JSON tables (records as JSON Lines or
 * an array, and orient="split") as it does to JSON arrays: the numbers of
 * the numeric columns are written by the format, null stays null, labels
 * are kept; a format whose output is not always a JSON number is refused
 * (exit 2, nothing written), as for arrays. Before, the tables' writer
 * ignored the option and wrote repr digits with exit 0.
 */
import { existsSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { dact, workdir } from "./workdir.js";

const LINES = '{"id":"a","x":0.0,"y":-2.0}\n{"id":"b","x":3.0,"y":null}\n';
const ARRAY = '[{"id":"a","x":0.0,"y":-2.0},{"id":"b","x":3.0,"y":null}]\n';
const SPLIT = '{"columns":["id","x","y"],"index":[0,1],"data":[["a",0.0,-2.0],["b",3.0,null]]}\n';

function setup(): string {
  const d = workdir();
  writeFileSync(path.join(d, "t.jsonl"), LINES);
  writeFileSync(path.join(d, "t.json"), ARRAY);
  writeFileSync(path.join(d, "s.json"), SPLIT);
  writeFileSync(path.join(d, "a.json"), "[[0.0,-2.0],[3.0,0.0]]\n");
  return d;
}

describe("--float-format with pandas' JSON tables", () => {
  it("JSON Lines records: relu′ with --at-zero 0.5 as %.3f, null kept", () => {
    const d = setup();
    const r = dact(["relu", "t.jsonl", "--at-zero", "0.5", "--float-format", "%.3f"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe('{"id":"a","x":0.500,"y":0.000}\n{"id":"b","x":1.000,"y":null}\n');
  });

  it("records array and split: the same digits as the JSON array writer gives the same numbers", () => {
    const d = setup();
    const arr = dact(["sigmoid", "a.json", "--float-format", "%.4e"], { cwd: d });
    expect(arr.status, arr.stderr).toBe(0);
    const rows = JSON.parse(arr.stdout.toString()) as number[][];
    expect(rows[0]![0]).toBe(0.25); // sigmoid′(0)
    const cells = arr.stdout.toString().trim().slice(2, -2).split("],[").map((row) => row.split(","));
    expect(cells[0]![0]).toBe("2.5000e-01");
    const rec = dact(["sigmoid", "t.json", "--float-format", "%.4e"], { cwd: d });
    expect(rec.status, rec.stderr).toBe(0);
    expect(rec.stdout.toString()).toBe(`[{"id":"a","x":${cells[0]![0]},"y":${cells[0]![1]}},{"id":"b","x":${cells[1]![0]},"y":null}]\n`);
    const split = dact(["sigmoid", "s.json", "--float-format", "%.4e"], { cwd: d });
    expect(split.status, split.stderr).toBe(0);
    expect(split.stdout.toString()).toBe(`{"columns":["id","x","y"],"index":[0,1],"data":[["a",${cells[0]![0]},${cells[0]![1]}],["b",${cells[1]![0]},null]]}\n`);
  });

  it("with --grad-output the products are formatted too", () => {
    const d = setup();
    const r = dact(["relu", "t.jsonl", "--grad-output", "3", "--float-format", "%.2f"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe('{"id":"a","x":0.00,"y":0.00}\n{"id":"b","x":3.00,"y":null}\n');
  });

  it.each(["t.jsonl", "t.json", "s.json"])("%s: a format that is not always a JSON number is refused, nothing written", (f) => {
    const d = setup();
    const out = `o${path.extname(f)}`;
    const r = dact(["relu", f, "--float-format", "%+.3f", "-o", out], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("--float-format");
    expect(existsSync(path.join(d, out))).toBe(false);
  });
});
