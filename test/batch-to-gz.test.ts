/** Batch --to names an output by the new format's extension in place of the input's, gzip suffix included. */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { expect, it } from "vitest";
import { dact, workdir } from "./workdir.js";

it("a.npy.gz and t.csv.gz --to csv: a.csv and t.csv (not a.npy.csv, t.csv.csv); a clash is an error", () => {
  const d = workdir();
  mkdirSync(path.join(d, "in"));
  writeFileSync(path.join(d, "in", "t.csv.gz"), gzipSync("-1,2\n"));
  writeFileSync(path.join(d, "in", "u.json.gz"), gzipSync("[[-1,2]]"));
  const r = dact(["relu", "in", "--out-dir", "o", "--to", "csv", "-q"], { cwd: d });
  expect(r.status, r.stderr).toBe(0);
  expect(readdirSync(path.join(d, "o")).sort()).toEqual(["t.csv", "u.csv"]);
  writeFileSync(path.join(d, "in", "t.csv"), "3,4\n");
  const clash = dact(["relu", "in", "--out-dir", "o2", "--to", "csv", "-q"], { cwd: d });
  expect(clash.status).toBe(2);
  expect(clash.stderr).toMatch(/would both be written to/);
});
