/**
 * Issue 16: the packed tarball, installed as a new user would (npm install
 * -g into an empty prefix, test/packed.ts): no warnings, dact --version,
 * the man page, bash completion, and a TypeScript project without
 * @types/node that imports the library.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers.js";
import { needs } from "./machine.js";
import { packed } from "./packed.js";
import { workdir } from "./workdir.js";

describe("the package, installed from its tarball", () => {
  it("installs without warnings, and dact and its completion work", () => {
    const p = packed();
    expect(p.installStderr).not.toMatch(/warn/i);
    expect(execFileSync(p.bin, ["--version"], { encoding: "utf8" })).toBe("dact 0.2.0\n");
    expect(execFileSync(p.bin, ["relu", "--at-zero", "0.5"], { input: "-1,0,2\n", encoding: "utf8" })).toBe("0.0,0.5,1.0\n");
    expect(execFileSync(p.bin, ["gelu", "--format", "json"], { input: "[1]", encoding: "utf8" })).toBe("[1.0833154705876864]\n");
    // bash completion: the script loads and completes an activation name.
    const comp = spawnSync("bash", ["-c", `source <("${p.bin}" completion bash); COMP_WORDS=(dact rel); COMP_CWORD=1; _dact; echo "\${COMPREPLY[@]}"`], { encoding: "utf8" });
    expect(comp.stdout.trim().split(" ")).toEqual(["relu", "relu6"]);
  }, 300_000);

  it("installs its man page where man finds it", (ctx) => {
    const page = path.join(packed().prefix, "share", "man", "man1", "dact.1");
    expect(existsSync(page)).toBe(true);
    needs(ctx, "man");
    const man = spawnSync("man", ["-l", page], { encoding: "utf8", env: { ...process.env, MANPAGER: "cat", MANWIDTH: "80" } });
    expect(man.status, man.stderr).toBe(0);
    expect(man.stdout).toMatch(/ACTIVATIONS/);
  }, 300_000);

  it("a TypeScript project without @types/node compiles an import of the library", () => {
    const p = packed();
    const proj = workdir("dact-ts-");
    mkdirSync(path.join(proj, "node_modules"), { recursive: true });
    symlinkSync(path.join(p.prefix, "lib", "node_modules", "dact"), path.join(proj, "node_modules", "dact"));
    writeFileSync(path.join(proj, "package.json"), '{"type":"module"}');
    writeFileSync(path.join(proj, "tsconfig.json"), JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, types: [], skipLibCheck: false } }));
    writeFileSync(path.join(proj, "a.ts"), 'import { derivative, type Matrix } from "dact";\nimport { toMatchGolden } from "dact/vitest";\nconst m: Matrix = derivative("relu", [[1, -1]]);\nvoid m;\nvoid toMatchGolden;\n');
    const tsc = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", proj], { encoding: "utf8" });
    expect(tsc.status, tsc.stdout).toBe(0);
  }, 300_000);
});
