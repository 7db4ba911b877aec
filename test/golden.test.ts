/**
 * Issue 15: golden-file tests as good as pytest-regressions, insta and jest.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { compareMatrices, formatComparison, pyRepr, TORCH_TOLERANCES, toleranceFor } from "../src/compare.js";
import { matrix } from "../src/index.js";
import { FIXTURES, ROOT } from "./helpers.js";
import { junitErrors } from "./junit.js";
import { dact, workdir } from "./workdir.js";

const noCI = { ...process.env, CI: "", DACT_UPDATE: "" };

describe("update mode", () => {
  it("a missing golden fails; --update creates it; then the check passes", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "-1,2\n");
    const miss = dact(["relu", "x.csv", "--check", "g/x.npy"], { cwd: d, env: noCI });
    expect(miss.status).toBe(1);
    expect(miss.stdout.toString()).toBe("g/x.npy does not exist; run with --update to create it\n");
    const up = dact(["relu", "x.csv", "--check", "g/x.npy", "--update"], { cwd: d, env: noCI });
    expect([up.status, up.stderr]).toEqual([0, "dact: wrote g/x.npy\n"]);
    expect(dact(["relu", "x.csv", "--check", "g/x.npy"], { cwd: d, env: noCI }).status).toBe(0);
    // A difference: fails, then --update (or DACT_UPDATE=1) rewrites it.
    writeFileSync(path.join(d, "x.csv"), "1,2\n");
    expect(dact(["relu", "x.csv", "--check", "g/x.npy"], { cwd: d, env: noCI }).status).toBe(1);
    expect(dact(["relu", "x.csv", "--check", "g/x.npy"], { cwd: d, env: { ...noCI, DACT_UPDATE: "1" } }).status).toBe(0);
    expect(dact(["relu", "x.csv", "--check", "g/x.npy"], { cwd: d, env: noCI }).status).toBe(0);
  });

  it("with CI=true a missing golden is not written, even with --update, unless --update=force", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "-1,2\n");
    const ci = { ...noCI, CI: "true" };
    const r = dact(["relu", "x.csv", "--check", "x.npy", "--update"], { cwd: d, env: ci });
    expect(r.status).toBe(1);
    expect(r.stdout.toString()).toBe("x.npy does not exist; run with --update to create it (CI is set: new goldens need --update=force)\n");
    expect(existsSync(path.join(d, "x.npy"))).toBe(false);
    expect(dact(["relu", "x.csv", "--check", "x.npy", "--update=force"], { cwd: d, env: ci }).status).toBe(0);
    expect(existsSync(path.join(d, "x.npy"))).toBe(true);
  });
});

describe("batch checks with --check-dir", () => {
  function setup() {
    const d = workdir();
    mkdirSync(path.join(d, "in"));
    mkdirSync(path.join(d, "gold"));
    writeFileSync(path.join(d, "in", "same.csv"), "-1,2\n");
    writeFileSync(path.join(d, "in", "diff.csv"), "-1,2\n");
    writeFileSync(path.join(d, "in", "new.csv"), "-1,2\n");
    writeFileSync(path.join(d, "gold", "same.csv"), "0,1\n");
    writeFileSync(path.join(d, "gold", "diff.csv"), "0,0.5\n");
    return d;
  }

  it("one line per file; one differs and one is missing: exit 1", () => {
    const d = setup();
    const r = dact(["relu", "in", "--check-dir", "gold", "--jobs", "1"], { cwd: d, env: noCI });
    expect(r.status).toBe(1);
    expect(r.stderr.split("\n").filter(Boolean).sort()).toEqual(["1 ok, 1 differ, 1 missing, 0 written, 0 errors", "differs in/diff.csv vs gold/diff.csv", "missing in/new.csv vs gold/new.csv", "ok      in/same.csv vs gold/same.csv"].sort());
    expect(r.stdout.toString()).toContain("Mismatched elements: 1 / 2 (50%)");
  });

  it("an unreadable input makes it exit 2; --update writes what is missing or differs", () => {
    const d = setup();
    writeFileSync(path.join(d, "in", "bad.csv"), "x,1\n");
    const r = dact(["relu", "in", "--check-dir", "gold"], { cwd: d, env: noCI });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error {3}in\/bad\.csv vs gold\/bad\.csv\n {2}dact: in\/bad\.csv:1:1: "x" is not a number\b/m);
    const u = dact(["relu", "in", "--check-dir", "gold", "--update", "--exclude", "bad.csv"], { cwd: d, env: noCI });
    expect(u.status, u.stderr).toBe(0);
    expect(u.stderr).toMatch(/1 ok, 0 differ, 0 missing, 2 written, 0 errors/);
    expect(readFileSync(path.join(d, "gold", "diff.csv"), "utf8")).toBe("0.0,1.0\n");
  });
});

describe("goldens and gradients mirror the input tree (issue 24 §6)", () => {
  it("--check-dir finds inputs/sub/deep.csv's golden at goldens/sub/deep.csv, with no base-name clash", () => {
    const d = workdir();
    mkdirSync(path.join(d, "inputs", "sub"), { recursive: true });
    writeFileSync(path.join(d, "inputs", "top.csv"), "-1,2\n");
    writeFileSync(path.join(d, "inputs", "sub", "deep.csv"), "3,-4\n");
    const up = dact(["relu", "inputs", "--check-dir", "goldens", "--update"], { cwd: d, env: noCI });
    expect(up.status).toBe(0);
    expect(readFileSync(path.join(d, "goldens", "sub", "deep.csv"), "utf8")).toBe("1.0,0.0\n");
    expect(existsSync(path.join(d, "goldens", "deep.csv"))).toBe(false);
    // Adding a file elsewhere renames no golden.
    mkdirSync(path.join(d, "inputs", "other"));
    writeFileSync(path.join(d, "inputs", "other", "new.csv"), "1\n");
    writeFileSync(path.join(d, "goldens", "sub", "deep.csv"), "1,0.5\n"); // a golden that differs: must be found
    const check = dact(["relu", "inputs", "--check-dir", "goldens"], { cwd: d, env: noCI });
    expect(check.status).toBe(1);
    expect(check.stderr).toContain("differs inputs/sub/deep.csv vs goldens/sub/deep.csv");
    expect(check.stderr).toContain("missing inputs/other/new.csv vs goldens/other/new.csv");
    expect(check.stderr).toContain("ok      inputs/top.csv vs goldens/top.csv");
  });

  it("--grad-output-dir: each input's gradient at the same relative path, also when outputs are flat", () => {
    const d = workdir();
    mkdirSync(path.join(d, "xs", "sub"), { recursive: true });
    mkdirSync(path.join(d, "gs", "sub"), { recursive: true });
    writeFileSync(path.join(d, "xs", "sub", "a.csv"), "-1,2\n");
    writeFileSync(path.join(d, "gs", "sub", "a.csv"), "5,7\n");
    const r = dact(["relu", "xs", "--grad-output-dir", "gs", "--out-dir", "out"], { cwd: d });
    expect(r.status).toBe(0);
    expect(readFileSync(path.join(d, "out", "a.csv"), "utf8")).toBe("0.0,7.0\n"); // flat output name, mirrored gradient path
    const c = dact(["relu", "xs", "--grad-output-dir", "gs", "--check-dir", "gold", "--update"], { cwd: d, env: noCI });
    expect(c.status).toBe(0);
    expect(readFileSync(path.join(d, "gold", "sub", "a.csv"), "utf8")).toBe("0.0,7.0\n");
  });
});

describe("reports", () => {
  it("JUnit XML that validates against the JUnit schema, and JSON that parses", async () => {
    const d = workdir();
    mkdirSync(path.join(d, "in"));
    mkdirSync(path.join(d, "gold"));
    writeFileSync(path.join(d, "in", "a.csv"), "-1,2\n");
    writeFileSync(path.join(d, "in", "b<&>.csv"), "-1,2\n");
    writeFileSync(path.join(d, "gold", "a.csv"), "0,0.5\n");
    const r = dact(["relu", "in", "--check-dir", "gold", "--report", "junit:r.xml", "--report", "json:r.json"], { cwd: d, env: noCI });
    expect(r.status).toBe(1);
    const xml = readFileSync(path.join(d, "r.xml"), "utf8");
    expect(xml).toContain('<failure message="differs from the golden file" type="differs">');
    expect(xml).toContain("b&lt;&amp;&gt;.csv");
    expect(await junitErrors(xml)).toEqual([]);
    // The validator does fail: a testcase without its name attribute.
    expect(await junitErrors(xml.replace(/(<testcase\b[^>]*?) name="[^"]*"/, "$1"))).not.toEqual([]);
    const json = JSON.parse(readFileSync(path.join(d, "r.json"), "utf8")) as { summary: Record<string, number>; results: { status: string; keys: { max_abs: number; tolerance: { rtol: number } }[] }[] };
    expect(json.summary).toMatchObject({ ok: 0, differs: 1, missing: 1 });
    const diff = json.results.find((x) => x.status === "differs")!;
    expect(diff.keys[0]!.max_abs).toBe(0.5);
    expect(diff.keys[0]!.tolerance.rtol).toBe(1e-7);
  });

  it("the text report names both files, in numpy's layout", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "-1,2,3\n");
    writeFileSync(path.join(d, "g.csv"), "0,1,1.0001\n");
    const r = dact(["relu", "x.csv", "--check", "g.csv"], { cwd: d, env: noCI });
    expect(r.stdout.toString()).toBe(
      [
        "the result for x.csv vs g.csv:",
        "Not equal to tolerance rtol=1e-07, atol=0.0",
        "",
        "Mismatched elements: 1 / 3 (33.3%)",
        "Max absolute difference among violations: 9.999999999998899e-05",
        "Max relative difference among violations: 9.9990000999889e-05", // Python: abs(1.0-1.0001)/1.0001
        "First mismatches (index: actual, expected):",
        "  [0, 2]: 1.0, 1.0001",
        "Where (x: a mismatch in that cell; 1 x 3 cells over the last two axes):",
        "  ..x",
        "",
      ].join("\n"),
    );
  });

  it("the mismatch map shows a one-row and a one-column bug", () => {
    const rows = 100;
    const cols = 200;
    const base = new Float64Array(rows * cols).fill(1);
    const rowBug = base.slice();
    for (let c = 0; c < cols; c++) rowBug[37 * cols + c] = 2;
    const colBug = base.slice();
    for (let r = 0; r < rows; r++) colBug[r * cols + 150] = 2;
    const m = (d: Float64Array) => matrix(d, [rows, cols]);
    const a = compareMatrices(m(rowBug), m(base));
    expect(a.map).toHaveLength(40);
    expect(a.map!.filter((l) => l.includes("x"))).toEqual(["x".repeat(80)]);
    expect(a.map!.findIndex((l) => l.includes("x"))).toBe(Math.floor((37 * 40) / rows));
    const b = compareMatrices(m(colBug), m(base));
    expect(b.map!.every((l) => l === ".".repeat(60) + "x" + ".".repeat(19))).toBe(true);
    expect(formatComparison(b)).toContain("Where (x: a mismatch in that cell; 40 x 80 cells over the last two axes):");
  });

  it("report numbers are Python's repr, for 519 values made by Python", () => {
    const rows = JSON.parse(readFileSync(path.join(FIXTURES, "repr.json"), "utf8")) as [string, string][];
    for (const [hex, repr] of rows) expect(pyRepr(Buffer.from(hex, "hex").readDoubleLE(0)), repr).toBe(repr);
  });
});

describe("shape differences are failures, not errors", () => {
  it("exit 1 naming both shapes", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "-1,2\n");
    writeFileSync(path.join(d, "g.json"), "[0,1,1]");
    const r = dact(["relu", "x.csv", "--check", "g.json"], { cwd: d, env: noCI });
    expect(r.status).toBe(1);
    expect(r.stdout.toString()).toContain("(shapes (1, 2), (3,) mismatch)");
  });
});

describe("tolerances by dtype", () => {
  it.each([
    ["f8", "f8", 1e-7, 1e-7],
    ["f4", "f8", 1.3e-6, 1e-5],
    ["f8", "f4", 1.3e-6, 1e-5],
    ["f2", "f4", 1e-3, 1e-5],
    ["bf16", "f2", 1.6e-2, 1e-5],
    ["f4", "bf16", 1.6e-2, 1e-5],
  ] as const)("torch: %s with %s uses the less precise: rtol %d, atol %d", (a, b, rtol, atol) => {
    expect(toleranceFor({ mode: "torch" }, a, b)).toEqual({ rtol, atol });
    expect(toleranceFor({ mode: "torch", rtol: 0.5 }, a, b)).toEqual({ rtol: 0.5, atol });
    expect(toleranceFor({ mode: "numpy" }, a, b)).toEqual({ rtol: 1e-7, atol: 0 });
    expect(TORCH_TOLERANCES[a]).toBeDefined();
  });

  it("--tolerance torch passes a float32 result that numpy's default fails, and says which it used", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.json"), "[1,2]");
    writeFileSync(path.join(d, "g.json"), "[0.7310586,0.8807970]");
    const numpy = dact(["sigmoid", "x.json", "--check", "g.json"], { cwd: d, env: noCI });
    expect(numpy.status).toBe(1);
    expect(numpy.stdout.toString()).toContain("rtol=1e-07, atol=0.0");
    // The same check on a float32 .npy result, with torch's float32 tolerances.
    expect(dact(["sigmoid", "x.json", "-o", "x32.npy", "--dtype", "f4"], { cwd: d }).status).toBe(0);
    const y = dact(["sigmoid", "x.json", "--check", "g.json", "--tolerance", "torch"], { cwd: d, env: noCI });
    expect(y.status).toBe(1); // f8 result: torch's float64 rtol 1e-7 still fails
    expect(y.stdout.toString()).toContain("rtol=1e-07, atol=1e-07");
  });
});

describe("the vitest matcher", () => {
  it("is exported as dact/vitest", () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { exports: Record<string, unknown> };
    expect(pkg.exports["./vitest"]).toEqual({ types: "./dist/vitest.d.ts", default: "./dist/vitest.js" });
  });
});
