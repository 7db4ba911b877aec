/**
 * pandas' df.to_json() default (orient="columns", {"a": {"0": ...}}) and
 * orient="index" are not read: one line, exit 2, nothing written, at the
 * object's position, naming the two orients dact reads (split and records)
 * so the user can write the file again. Before, the hint named only split.
 */
import { existsSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { dact, workdir } from "./workdir.js";

// pd.DataFrame({"a": [0.5, -1.0], "b": [2.0, 0.0]}).to_json() and .to_json(orient="index")
const COLUMNS = '{"a":{"0":0.5,"1":-1.0},"b":{"0":2.0,"1":0.0}}';
const INDEX = '{"0":{"a":0.5,"b":2.0},"1":{"a":-1.0,"b":0.0}}';

describe("pandas' orient=\"columns\"/\"index\" JSON: refused with the orients to write instead", () => {
  it.each([
    ["columns", COLUMNS],
    ["index", INDEX],
  ])("orient=%s: exit 2 at 1:1, one line, nothing written", (_name, text) => {
    const d = workdir();
    writeFileSync(path.join(d, "t.json"), text);
    const r = dact(["relu", "t.json", "-o", "out.csv"], { cwd: d });
    expect(r.status).toBe(2);
    const lines = r.stderr.toString().split("\n").filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^dact: t\.json:1:1: /);
    expect(lines[0]).toContain('orient="split"');
    expect(lines[0]).toContain('orient="records"');
    expect(existsSync(path.join(d, "out.csv"))).toBe(false);
  });
});
