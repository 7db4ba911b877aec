/**
 * The package as users get it, made once per test run and shared by the
 * test files that need it (whichever asks first builds it; the others wait
 * on a lock folder): `npm pack`, then the tarball installed
 *
 * - globally into a temporary prefix (`npm install -g --prefix`): `bin`
 *   is the installed `dact`;
 * - into a fresh project (`npm install <tgz>`), with the repository's own
 *   vitest linked in, for the library and the `dact/vitest` matcher as a
 *   user's test suite loads them (from node_modules, untransformed).
 *
 * Installs prefer npm's cache (--prefer-offline). Everything lives in the
 * run's folder (test/tempdir-setup.ts), under PACKED_ENTRIES, which the
 * run removes at its end.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ROOT } from "./helpers.js";

export const PACKED_ENTRIES = ["packed", "packed.lock"];

export interface Packed {
  /** The tarball npm pack made. */
  tgz: string;
  /** The global prefix: bin/dact, lib/node_modules/dact, share/man. */
  prefix: string;
  /** The installed dact. */
  bin: string;
  /** A fresh project with dact installed and vitest linked in. */
  project: string;
  /** What `npm install -g` printed on stderr. */
  installStderr: string;
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function npm(args: string[], cwd: string): { stdout: string; stderr: string } {
  const r = spawnSync("npm", args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false" } });
  if (r.status !== 0) throw new Error(`npm ${args.join(" ")} (in ${cwd}) exited ${r.status}: ${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

function build(dir: string): Packed {
  const name = npm(["pack", "--silent", "--pack-destination", dir], ROOT).stdout.trim().split("\n").pop()!;
  const tarball = path.join(dir, name);
  if (!existsSync(tarball)) throw new Error(`npm pack made no ${tarball}`);
  const prefix = path.join(dir, "prefix");
  mkdirSync(prefix);
  const installStderr = npm(["install", "-g", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", tarball], dir).stderr;
  const project = path.join(dir, "project");
  mkdirSync(project);
  writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "journey", private: true, type: "module" }));
  npm(["install", "--prefer-offline", "--no-audit", "--no-fund", tarball], project);
  // The test runner a user would install; the repository's, not downloaded again.
  symlinkSync(path.join(ROOT, "node_modules", "vitest"), path.join(project, "node_modules", "vitest"));
  return { tgz: tarball, prefix, bin: path.join(prefix, "bin", "dact"), project, installStderr };
}

let cached: Packed | undefined;

/** The packed and installed package; builds it on first use in this run (takes ~30 s). */
export function packed(): Packed {
  if (cached) return cached;
  const run = process.env["DACT_TEST_RUN"] ?? tmpdir();
  const dir = path.join(run, "packed");
  const ready = path.join(dir, "ready.json");
  const failed = path.join(dir, "failed.txt");
  let mine = false;
  try {
    mkdirSync(path.join(run, "packed.lock"));
    mine = true;
  } catch {
    // another test file builds it
  }
  if (mine) {
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(ready, JSON.stringify(build(dir)));
    } catch (e) {
      writeFileSync(failed, String((e as Error).message));
      throw e;
    }
  } else {
    const t0 = Date.now();
    while (!existsSync(ready) && !existsSync(failed)) {
      if (Date.now() - t0 > 300_000) throw new Error(`waited 300 s for ${ready}`);
      sleep(100);
    }
    if (existsSync(failed)) throw new Error(`packing the tarball failed: ${readFileSync(failed, "utf8")}`);
  }
  cached = JSON.parse(readFileSync(ready, "utf8")) as Packed;
  return cached;
}
