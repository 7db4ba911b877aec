/**
 * Issue 24 §2: every batch recipe of docs/batch.md, run as written there,
 * sharded over a tree with repeated base names: the union of the shards'
 * outputs is one unsharded run's, byte for byte, names included. The
 * commands are taken from the document itself; only the shared folder
 * (/shared, /data) is pointed at a temporary one, and `dact` on PATH is this
 * build. GNU parallel's ssh hosts are not reachable from a test: its
 * command line is run by a local loop over `seq`'s output instead.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers.js";
import { BIN, workdir } from "./workdir.js";

const doc = readFileSync(path.join(ROOT, "docs", "batch.md"), "utf8");
const blocks = [...doc.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, text: m[2]! }));

/** Every file below `dir`, relative, with its bytes (the manifest and logs left out). */
function tree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.name !== ".dact-manifest.jsonl") out.set(r, readFileSync(path.join(dir, r)));
    }
  };
  walk("");
  return out;
}

/** A tree where x.csv appears in three folders, so that some shards alone would see no clash. */
function makeTree(shared: string): void {
  const files: Record<string, string> = {
    "a/x.csv": "-1,0,2\n",
    "b/x.csv": "3,-4\n",
    "b/sub/x.csv": "0.5\n",
    "a/y.csv": "-2\n",
    "c/z.json": "[[1, -1], [0, 2]]\n",
    "c/w.jsonl": "[1, 2]\n[-3, 0]\n",
    "d/v.tsv": "1\t-1\n",
    "d/u.csv": "7,-7\n",
    "e/t.csv": "-0.25\n",
    "e/s.csv": "4\n",
    "f/x.csv": "9\n",
    "f/r.json": "[5]\n",
  };
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(shared, "in", rel)), { recursive: true });
    writeFileSync(path.join(shared, "in", rel), text);
  }
}

/** A folder with `dact` (this build) on PATH, as the recipes expect. */
function binDir(d: string): string {
  const bin = path.join(d, "bin");
  mkdirSync(bin);
  writeFileSync(path.join(bin, "dact"), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(path.join(bin, "dact"), 0o755);
  return bin;
}

function sh(script: string, env: Record<string, string>, bin: string): void {
  const r = spawnSync("sh", ["-c", script], { encoding: "utf8", env: { ...process.env, ...env, PATH: `${bin}:${process.env["PATH"]}` }, timeout: 120_000 });
  expect(r.status, `${script}\n${r.stderr}`).toBe(0);
}

/** The single run the shards are compared with, and the union the recipe wrote. */
function compareWithSingle(d: string, shared: string, outDir: string, bin: string): void {
  sh(`dact relu "${path.join(shared, "in")}" --out-dir "${path.join(d, "single")}" -q`, {}, bin);
  const single = tree(path.join(d, "single"));
  expect(single.size).toBe(12);
  expect([...single.keys()]).toContain("b/sub/x.csv"); // mirrored: x.csv clashes
  const union = tree(outDir);
  expect([...union.keys()].sort()).toEqual([...single.keys()].sort());
  for (const [rel, bytes] of single) expect(union.get(rel)!.equals(bytes), rel).toBe(true);
}

describe("docs/batch.md recipes, run as written, sharded, give the single run's outputs", () => {
  it("Slurm job array: each array index runs the script", () => {
    const script = blocks.find((b) => b.lang === "sh" && b.text.includes("#SBATCH --array"))!.text;
    const [, lo, hi] = /#SBATCH --array=(\d+)-(\d+)/.exec(script)!;
    const d = workdir();
    const shared = path.join(d, "shared");
    makeTree(shared);
    const bin = binDir(d);
    const run = script.replaceAll("/shared", shared);
    for (let i = Number(lo); i <= Number(hi); i++) sh(run, { SLURM_ARRAY_TASK_ID: String(i) }, bin);
    compareWithSingle(d, shared, path.join(shared, "out"), bin);
    // Rerun: --skip-existing skips every output, in every shard, by its recorded input.
    for (let i = Number(lo); i <= Number(hi); i++) sh(run, { SLURM_ARRAY_TASK_ID: String(i) }, bin);
    const logs = readdirSync(path.join(shared, "logs")).flatMap((f) => readFileSync(path.join(shared, "logs", f), "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as { status: string }));
    expect(logs.filter((l) => l.status === "written")).toHaveLength(12);
    expect(logs.filter((l) => l.status === "skipped")).toHaveLength(12);
  }, 240_000);

  it("GNU parallel over ssh (emulated: the command line run by a local loop over seq's output; no hosts to ssh to)", () => {
    const block = blocks.find((b) => b.lang === "sh" && b.text.includes("parallel"))!.text;
    const m = /seq (\d+) (\d+) \| parallel [^']*'([^']+)'/.exec(block)!;
    const d = workdir();
    const shared = path.join(d, "shared");
    makeTree(shared);
    const bin = binDir(d);
    for (let i = Number(m[1]); i <= Number(m[2]); i++) sh(m[3]!.replaceAll("{}", String(i)).replaceAll("/shared", shared), {}, bin);
    compareWithSingle(d, shared, path.join(shared, "out"), bin);
  }, 240_000);

  it("Kubernetes Indexed Job: each completion index runs the container's command", () => {
    const yaml = blocks.find((b) => b.lang === "yaml" && b.text.includes("completionMode: Indexed"))!.text;
    const completions = Number(/completions: (\d+)/.exec(yaml)![1]);
    const command = JSON.parse(/command: (\[.*\])/.exec(yaml)![1]!) as string[];
    expect(command.slice(0, 2)).toEqual(["sh", "-c"]);
    expect(command[2]).not.toMatch(/npx/); // dact is not on a registry
    // The image is the repository's Dockerfile, which installs the packed tarball.
    const image = /image: (\S+)/.exec(yaml)![1]!;
    expect(image).not.toMatch(/^node:/);
    const dockerfile = readFileSync(path.join(ROOT, "Dockerfile"), "utf8");
    expect(dockerfile).toMatch(/npm pack/);
    expect(dockerfile).toMatch(/npm install -g .*dact-\*\.tgz/);
    const d = workdir();
    const data = path.join(d, "data");
    makeTree(data);
    const bin = binDir(d);
    for (let i = 0; i < completions; i++) sh(command[2]!.replaceAll("/data", data), { JOB_COMPLETION_INDEX: String(i) }, bin);
    compareWithSingle(d, data, path.join(data, "out"), bin);
  }, 240_000);

  const docker = spawnSync("docker", ["info"], { encoding: "utf8", timeout: 10_000 });
  const dockerReason = docker.error ? "no docker command" : docker.status !== 0 ? "no docker daemon reachable" : "";
  it.skipIf(dockerReason !== "" || process.env["DACT_TEST_DOCKER"] !== "1")(`the Dockerfile builds an image whose dact runs (set DACT_TEST_DOCKER=1; ${dockerReason || "slow"})`, () => {
    const b = spawnSync("docker", ["build", "-t", "dact:test", ROOT], { encoding: "utf8", timeout: 900_000 });
    expect(b.status, b.stderr).toBe(0);
    const r = spawnSync("docker", ["run", "--rm", "-i", "dact:test", "relu"], { input: "-1,0,2\n", encoding: "utf8" });
    expect(r.stdout).toBe("0,0,1\n");
  }, 900_000);
});

describe("names from the whole input set", () => {
  it.each([2, 3, 5])("--shard i/%i: the union of the shards is the single run, names included", (n) => {
    const d = workdir();
    makeTree(d);
    const bin = binDir(d);
    for (let i = 0; i < n; i++) sh(`cd "${d}" && dact relu in --out-dir out --shard ${i}/${n} -q`, {}, bin);
    rmSync(path.join(d, "single"), { recursive: true, force: true });
    const r = spawnSync("sh", ["-c", `cd "${d}" && dact relu in --out-dir single -q`], { env: { ...process.env, PATH: `${bin}:${process.env["PATH"]}` } });
    expect(r.status).toBe(0);
    expect(existsSync(path.join(d, "out", "b", "sub", "x.csv"))).toBe(true);
    const single = tree(path.join(d, "single"));
    const union = tree(path.join(d, "out"));
    expect([...union.keys()].sort()).toEqual([...single.keys()].sort());
    expect(statSync(path.join(d, "out")).isDirectory()).toBe(true);
  }, 120_000);
});
