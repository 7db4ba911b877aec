/**
 * Journey 5: golden files for a nested input tree. --check-dir --update
 * writes them mirroring the inputs (docs/golden.md: goldens/<the same
 * relative path>); a CI run (CI=true) with one input value changed fails
 * on that file alone, naming the element, with a JUnit report that
 * validates against test/schemas/junit.xsd; then the same goldens from a
 * user's vitest suite through the installed dact/vitest matcher. The
 * goldens are np.heaviside's bytes (fixtures/make_journeys.py).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers.js";
import { junitErrors } from "../junit.js";
import { packed } from "../packed.js";
import { workdir } from "../workdir.js";
import { copyFixture, dact, files, fixture, JOURNEY_TIMEOUT, JOURNEYS, npyF8, npyParts } from "./helpers.js";

const RELU = ["relu", "--at-zero", "0.5"];
const noCI = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env["CI"];
  return env;
};

/** Flips the sign of the first positive element of a float64 .npy file; returns its index (row, column). */
function flipFirstPositive(file: string): number[] {
  const b = readFileSync(file);
  const { shape, data } = npyParts(b);
  const values = npyF8(b);
  const i = values.findIndex((v) => v > 0);
  expect(i).toBeGreaterThanOrEqual(0);
  data.writeDoubleLE(-values[i]!, i * 8);
  writeFileSync(file, b);
  return [Math.floor(i / shape[1]!), i % shape[1]!];
}

describe("journey 5: goldens for a nested tree: --update, a failing CI run with JUnit, the vitest matcher", () => {
  it("the goldens mirror the inputs; CI fails on the changed value alone; the matcher agrees", async () => {
    const d = workdir("dact-j5-");
    copyFixture("golden/in", d, "in");

    // 1. Create the goldens.
    const u = dact([...RELU, "in", "--check-dir", "gold", "--update"], { cwd: d, env: noCI() });
    expect(u.status, u.stderr).toBe(0);
    const want = files(path.join(JOURNEYS, "golden", "in"));
    expect(files(path.join(d, "gold"), [".dact-manifest.jsonl"])).toEqual(want); // top.npy, sub/deep.npy, sub/more/rows.csv
    for (const rel of want) {
      const oracle = fixture(`golden/expected/${rel.replace(/\.csv$/, ".npy")}`);
      const got = readFileSync(path.join(d, "gold", rel));
      if (rel.endsWith(".npy")) expect(got.equals(oracle), rel).toBe(true);
      else expect(got.toString().trim().split("\n").flatMap((l) => l.split(",")).map(Number)).toEqual(Array.from(npyF8(oracle)));
    }

    // 2. One value changes; CI checks.
    const [row, col] = flipFirstPositive(path.join(d, "in", "sub", "deep.npy"));
    mkdirSync(path.join(d, "reports"));
    const c = dact([...RELU, "in", "--check-dir", "gold", "--report", "junit:reports/dact.xml"], { cwd: d, env: { ...noCI(), CI: "true" } });
    expect(c.status, c.stderr).toBe(1);
    // The report is the feature: it names the files and the element.
    expect(c.stdout.toString()).toContain(`the result for ${path.join("in", "sub", "deep.npy")} vs ${path.join("gold", "sub", "deep.npy")}:`);
    expect(c.stdout.toString()).toContain("Mismatched elements: 1 / 12 (8.33%)");
    expect(c.stdout.toString()).toMatch(new RegExp(`^ {2}\\[${row}, ${col}\\]: 0\\.0, 1\\.0$`, "m"));
    const xml = readFileSync(path.join(d, "reports", "dact.xml"), "utf8");
    expect(await junitErrors(xml)).toEqual([]);
    const cases = [...xml.matchAll(/<testcase [^>]*name="([^"]*)"[^>]*?(\/>|>\s*<(failure|error))/g)].map((m) => [m[1], m[3] ?? "ok"]);
    expect(cases.sort()).toEqual(
      [
        ["in/sub/deep.npy vs gold/sub/deep.npy", "failure"],
        ["in/sub/more/rows.csv vs gold/sub/more/rows.csv", "ok"],
        ["in/top.npy vs gold/top.npy", "ok"],
      ].sort(),
    );

    // 3. A user's vitest suite, with dact installed from the tarball.
    const proj = path.join(d, "project");
    mkdirSync(path.join(proj, "node_modules"), { recursive: true });
    symlinkSync(path.join(packed().project, "node_modules", "dact"), path.join(proj, "node_modules", "dact"));
    symlinkSync(path.join(ROOT, "node_modules", "vitest"), path.join(proj, "node_modules", "vitest"));
    writeFileSync(path.join(proj, "package.json"), JSON.stringify({ name: "user", private: true, type: "module" }));
    writeFileSync(
      path.join(proj, "golden.test.ts"),
      [
        'import { expect, it } from "vitest";',
        'import { derivative, readMatrix } from "dact";',
        'import { toMatchGolden } from "dact/vitest";',
        "expect.extend({ toMatchGolden });",
        'const relu = async (f: string) => derivative("relu", await readMatrix(`../in/${f}`), { atZero: 0.5 });',
        'it("top", async () => { await expect(await relu("top.npy")).toMatchGolden("../gold/top.npy"); });',
        'it("rows", async () => { await expect(await relu("sub/more/rows.csv")).toMatchGolden("../gold/sub/more/rows.csv"); });',
        'it("deep", async () => { await expect(await relu("sub/deep.npy")).toMatchGolden("../gold/sub/deep.npy"); });',
        "",
      ].join("\n"),
    );
    const env = noCI();
    for (const k of Object.keys(env)) if (k.startsWith("VITEST")) delete env[k];
    const v = spawnSync(process.execPath, [path.join(proj, "node_modules", "vitest", "vitest.mjs"), "run", "--reporter=json", "--outputFile=results.json"], { cwd: proj, env, encoding: "utf8", timeout: 120_000 });
    expect(existsSync(path.join(proj, "results.json")), `vitest wrote no report: ${v.stderr}`).toBe(true);
    const results = JSON.parse(readFileSync(path.join(proj, "results.json"), "utf8")) as { testResults: { message: string; assertionResults: { title: string; status: string; failureMessages: string[] }[] }[] };
    const file = results.testResults[0]!;
    expect(file.message, "the test file loads").toBe("");
    expect(file.assertionResults.map((a) => [a.title, a.status])).toEqual([
      ["top", "passed"],
      ["rows", "passed"],
      ["deep", "failed"],
    ]);
    expect(file.assertionResults[2]!.failureMessages.join("\n")).toMatch(new RegExp(`\\[${row}, ${col}\\]: 0\\.0, 1\\.0`));
    expect(v.status).toBe(1);
  }, JOURNEY_TIMEOUT);
});
