/**
 * Issue 16: the packed tarball, installed as a new user would (npm install
 * -g into an empty prefix): no warnings, dact --version, the man page,
 * bash completion, and a TypeScript project without @types/node that
 * imports the library.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers.js";
import { workdir } from "./workdir.js";

describe("the package, installed from its tarball", () => {
  it("installs without warnings, and dact, its man page, completion and types work", () => {
    const d = workdir("dact-pack-");
    const tgz = execFileSync("npm", ["pack", "--silent", "--pack-destination", d], { cwd: ROOT, encoding: "utf8" }).trim().split("\n").pop()!;
    const prefix = path.join(d, "prefix");
    mkdirSync(prefix);
    const install = spawnSync("npm", ["install", "-g", "--prefix", prefix, "--no-audit", "--no-fund", path.join(d, tgz)], { encoding: "utf8" });
    expect(install.status, install.stderr).toBe(0);
    expect(install.stderr).not.toMatch(/warn/i);
    const bin = path.join(prefix, "bin", "dact");
    expect(execFileSync(bin, ["--version"], { encoding: "utf8" })).toBe("dact 0.2.0\n");
    expect(execFileSync(bin, ["relu", "--at-zero", "0.5"], { input: "-1,0,2\n", encoding: "utf8" })).toBe("0.0,0.5,1.0\n");
    expect(execFileSync(bin, ["gelu", "--format", "json"], { input: "[1]", encoding: "utf8" })).toBe("[1.0833154705876864]\n");
    // The man page is installed where man finds it.
    const page = path.join(prefix, "share", "man", "man1", "dact.1");
    expect(existsSync(page)).toBe(true);
    const man = spawnSync("man", ["-l", page], { encoding: "utf8", env: { ...process.env, MANPAGER: "cat", MANWIDTH: "80" } });
    if (!man.error) expect(man.stdout).toMatch(/ACTIVATIONS/);
    // bash completion: the script loads and completes an activation name.
    const comp = spawnSync("bash", ["-c", `source <("${bin}" completion bash); COMP_WORDS=(dact rel); COMP_CWORD=1; _dact; echo "\${COMPREPLY[@]}"`], { encoding: "utf8" });
    expect(comp.stdout.trim().split(" ")).toEqual(["relu", "relu6"]);
    // A TypeScript project without @types/node compiles an import of the library.
    const proj = path.join(d, "ts");
    mkdirSync(path.join(proj, "node_modules"), { recursive: true });
    symlinkSync(path.join(prefix, "lib", "node_modules", "dact"), path.join(proj, "node_modules", "dact"));
    writeFileSync(path.join(proj, "package.json"), '{"type":"module"}');
    writeFileSync(path.join(proj, "tsconfig.json"), JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, types: [], skipLibCheck: false } }));
    writeFileSync(path.join(proj, "a.ts"), 'import { derivative, type Matrix } from "dact";\nimport { toMatchGolden } from "dact/vitest";\nconst m: Matrix = derivative("relu", [[1, -1]]);\nvoid m;\nvoid toMatchGolden;\n');
    const tsc = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", proj], { encoding: "utf8" });
    expect(tsc.status, tsc.stdout).toBe(0);
  }, 180_000);
});
