/**
 * docs/golden.md's CI recipe, run as written: the `run:` steps of its
 * GitHub Actions matrix, once per shard of the matrix, then the merge job's
 * (artifacts: the shards' reports/ folders land in one reports/), with
 * `dact` on PATH as this build. The merged exit status and summary equal
 * an unsharded run's.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers.js";
import { BIN, dact, workdir } from "./workdir.js";

function recipe(): { matrix: string[]; check: string[]; merge: string[] } {
  const doc = readFileSync(path.join(ROOT, "docs", "golden.md"), "utf8");
  const at = doc.indexOf("<!-- ci-recipe -->");
  expect(at).toBeGreaterThan(0);
  const yaml = /```yaml\n([\s\S]*?)```/.exec(doc.slice(at))![1]!;
  const [checkPart, mergePart] = yaml.split(/^ {2}merge:$/m) as [string, string];
  const runs = (s: string) => [...s.matchAll(/^\s*- run: (.*)$/gm)].map((m) => m[1]!).filter((c) => !c.startsWith("npm install"));
  const matrix = /shard: \[([^\]]*)\]/.exec(checkPart)![1]!.split(",").map((x) => x.trim());
  return { matrix, check: runs(checkPart), merge: runs(mergePart) };
}

describe("the CI recipe in docs/golden.md", () => {
  it("runs as written: three shards and a merge that reads as the unsharded run", () => {
    const { matrix, check, merge } = recipe();
    expect(matrix).toEqual(["0", "1", "2"]);
    expect(check.length).toBe(1);
    expect(merge.length).toBe(1);
    const d = workdir();
    const bin = path.join(d, "bin");
    mkdirSync(bin);
    writeFileSync(path.join(bin, "dact"), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(path.join(bin, "dact"), 0o755);
    const repo = path.join(d, "repo");
    mkdirSync(path.join(repo, "inputs"), { recursive: true });
    mkdirSync(path.join(repo, "goldens"), { recursive: true });
    for (let i = 0; i < 9; i++) {
      writeFileSync(path.join(repo, "inputs", `x${i}.csv`), `${i - 4},1\n`);
      writeFileSync(path.join(repo, "goldens", `x${i}.csv`), i === 2 ? "5,5\n" : `${i - 4 > 0 ? 1 : 0},1\n`);
    }
    writeFileSync(path.join(repo, "inputs", "w.csv"), "-1\n");
    writeFileSync(path.join(repo, "goldens", "w.csv"), "0\n");
    writeFileSync(path.join(repo, "goldens", "gone.csv"), "0\n");
    const env = { ...process.env, CI: "true", DACT_UPDATE: "", PATH: `${bin}:${process.env["PATH"]}` };
    const sh = (cmd: string) => spawnSync("sh", ["-c", cmd], { cwd: repo, env, encoding: "utf8" });
    const statuses = matrix.map((shard) => sh(check[0]!.replaceAll("${{ matrix.shard }}", shard)).status);
    expect(statuses.every((s) => s === 0 || s === 1)).toBe(true);
    const merged = sh(merge[0]!);
    const whole = dact(["relu", "inputs/", "--check-dir", "goldens/"], { cwd: repo, env });
    expect(merged.status).toBe(whole.status);
    expect(merged.status).toBe(1);
    const last = (s: string) => s.split("\n").filter(Boolean).at(-1);
    expect(last(merged.stderr)).toBe(last(whole.stderr));
    expect(last(merged.stderr)).toBe("9 ok, 1 differ, 0 missing, 0 written, 0 errors, 1 obsolete");
    expect(readFileSync(path.join(repo, "reports", "dact.xml"), "utf8")).toContain('name="goldens/gone.csv (obsolete)"');
  });
});
