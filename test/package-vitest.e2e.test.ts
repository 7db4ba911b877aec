/**
 * Issue 24 §6: "dact/vitest" from the packed tarball, installed into a fresh
 * project. The repo's own matcher test cannot see a broken bundle: vitest
 * transforms files outside node_modules, and only an installed package is
 * loaded by Node itself (dist/vitest.js once declared __dactRequire twice).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers.js";
import { workdir } from "./workdir.js";

describe("dact/vitest from the packed tarball", () => {
  it("loads in Node, and its matcher runs in a vitest run of a fresh project", () => {
    const d = workdir("dact-vitest-pack-");
    const tgz = execFileSync("npm", ["pack", "--silent", "--pack-destination", d], { cwd: ROOT, encoding: "utf8" }).trim().split("\n").pop()!;
    const proj = path.join(d, "proj");
    mkdirSync(proj);
    writeFileSync(path.join(proj, "package.json"), '{"name":"fresh","private":true,"type":"module"}');
    // --prefer-offline, as test/packed.ts: the dependencies are the repository's own, in npm's cache since `npm ci`
    // (without it, a machine whose registry certificate npm cannot check waited ~70 s a package before the cache).
    const install = spawnSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--no-save", path.join(d, tgz)], { cwd: proj, encoding: "utf8" });
    expect(install.status, install.stderr).toBe(0);
    // Plain Node, as any consumer loads it.
    const load = spawnSync(process.execPath, ["-e", 'import("dact/vitest").then((m) => console.log(typeof m.toMatchGolden, typeof m.derivative))'], { cwd: proj, encoding: "utf8" });
    expect(load.stderr).toBe("");
    expect(load.stdout).toBe("function function\n");
    // One vitest run: the installed package sits in node_modules, so vitest
    // leaves it to Node (not transformed). vitest itself is this repo's.
    symlinkSync(path.join(ROOT, "node_modules", "vitest"), path.join(proj, "node_modules", "vitest"));
    writeFileSync(
      path.join(proj, "golden.test.js"),
      [
        'import { expect, it } from "vitest";',
        'import { derivative } from "dact";',
        'import { toMatchGolden } from "dact/vitest";',
        "expect.extend({ toMatchGolden });",
        'it("matches", async () => {',
        '  await expect(derivative("relu", [[1, -1, 0]], { atZero: 0.5 })).toMatchGolden("g.npy");',
        '  if (!process.env.DACT_UPDATE) await expect(expect(derivative("relu", [[1, 1, 0]], { atZero: 0.5 })).toMatchGolden("g.npy")).rejects.toThrow(/Mismatched elements: 1 \\/ 3/);',
        "});",
        "",
      ].join("\n"),
    );
    const env = { ...process.env, CI: "", DACT_UPDATE: "" };
    const vitest = path.join(ROOT, "node_modules", "vitest", "vitest.mjs");
    const first = spawnSync(process.execPath, [vitest, "run", "--root", proj], { cwd: proj, encoding: "utf8", env: { ...env, DACT_UPDATE: "1" } });
    expect(first.status, first.stdout + first.stderr).toBe(0);
    const second = spawnSync(process.execPath, [vitest, "run", "--root", proj], { cwd: proj, encoding: "utf8", env });
    expect(second.status, second.stdout + second.stderr).toBe(0);
    expect(second.stdout + second.stderr).toMatch(/1 passed/);
  }, 240_000);
});
