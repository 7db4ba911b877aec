/**
 * --columns and --index-col by a name the header has twice (`a,a`) are a
 * usage error naming both columns: the first was taken silently (red
 * team). pandas reads such a header as `a, a.1`; by number, each is one column.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { dact, workdir } from "./workdir.js";

describe("a header name given twice", () => {
  it.each([["--columns"], ["--index-col"]])("%s a: exit 2, one line naming columns 0 and 1; by number it works", (option) => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "a,a,b\n1,-2,3\n");
    const r = dact(["relu", "x.csv", option, "a"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^dact: x\\.csv:1: option ${option}: found "a", which the header has twice \\(columns 0 and 1`));
    expect(r.stdout.length).toBe(0);
    const n = dact(["relu", "x.csv", option, "1"], { cwd: d });
    expect(n.status).toBe(0);
  });
});
