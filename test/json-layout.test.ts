// JSON output is json.dumps' compact text plus one final newline (issue 28):
// every expected file in fixtures/json/layout was written by Python's json
// module (fixtures/make_json_layout.py), never by dact.
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { derivative, readMatrix, writeMatrix } from "../src/index.js";
import { chunkings, derive, FIXTURES } from "./helpers.js";
import { dact, workdir } from "./workdir.js";

const DIR = path.join(FIXTURES, "json", "layout");
const CASES = readdirSync(DIR).filter((f) => f.endsWith(".npy")).map((f) => f.slice(0, -".npy".length)).sort();
const read = (name: string) => readFileSync(path.join(DIR, name), "utf8");

describe("JSON output equals json.dumps(r.tolist(), separators=(',', ':')) + '\\n'", () => {
  it("covers 0-d, 1-D, 2-D, 3-D and empty arrays", () => {
    expect(CASES).toEqual(expect.arrayContaining(["d0", "d1", "d2", "d3", "empty", "empty-rows", "empty-3d"]));
  });

  for (const name of CASES) {
    it(`${name}: writeMatrix of x, and of relu'(x) as JSON and JSON Lines`, async () => {
      const d = workdir();
      const x = await readMatrix(path.join(DIR, `${name}.npy`));
      await writeMatrix(path.join(d, "x.json"), x);
      expect(readFileSync(path.join(d, "x.json"), "utf8")).toBe(read(`${name}.write.json`));
      const r = derivative("relu", x, { "at-zero": 0.5 });
      await writeMatrix(path.join(d, "r.json"), r);
      expect(readFileSync(path.join(d, "r.json"), "utf8")).toBe(read(`${name}.relu.json`));
      await writeMatrix(path.join(d, "r.jsonl"), r);
      expect(readFileSync(path.join(d, "r.jsonl"), "utf8")).toBe(read(`${name}.relu.jsonl`));
    });

    it(`${name}: JSON in (json.dumps indent=1) gives compact JSON out, every chunking`, async () => {
      const input = readFileSync(path.join(DIR, `${name}.in.json`));
      const want = read(`${name}.relu.json`);
      for (const c of chunkings(name.length * 7, input.length)) {
        const { bytes } = await derive(input, "relu", { "at-zero": "0.5" }, c.sizes, "json");
        expect(bytes.toString("utf8"), `chunking ${c.name}`).toBe(want);
      }
    });

    it(`${name}: the CLI converting .npy to JSON and JSON Lines`, () => {
      const npy = path.join(DIR, `${name}.npy`);
      for (const [to, want] of [["json", read(`${name}.relu.json`)], ["jsonl", read(`${name}.relu.jsonl`)]] as const) {
        const r = dact(["relu", npy, "--at-zero", "0.5", "--to", to]);
        expect([r.status, r.stderr.toString()], to).toEqual([0, ""]);
        expect(r.stdout.toString(), to).toBe(want);
      }
    });
  }
});
