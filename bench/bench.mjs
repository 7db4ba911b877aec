#!/usr/bin/env node
/**
 * npm run bench: dact against the tool a user would otherwise pick, in one
 * run, on this machine. Prints time, MB/s and peak RSS (from /usr/bin/time -v)
 * for each, and the ratio dact/other (time: lower is better).
 *
 * Inputs are generated once into bench/data/ (git-ignored) with numpy.
 * Usage: npm run bench [-- --only npy,startup] [-- --mb 256]
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync, rmSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DATA = path.join(ROOT, "bench", "data");
const BIN = path.join(ROOT, "bin", "dact.js");
mkdirSync(DATA, { recursive: true });

const args = process.argv.slice(2);
const only = args.includes("--only") ? args[args.indexOf("--only") + 1].split(",") : null;
const want = (name) => !only || only.includes(name);
const MB = args.includes("--mb") ? Number(args[args.indexOf("--mb") + 1]) : 256;

/** The input bench/data/<file>, generated once by the Python `code(path)` writes. */
function ensureData(file, code) {
  const p = path.join(DATA, file);
  if (!existsSync(p)) {
    console.log(`generating ${p} ...`);
    execFileSync("python3", ["-c", code(JSON.stringify(p))], { stdio: "inherit" });
  }
  return p;
}

/** Runs a shell command under /usr/bin/time -v; returns seconds and peak RSS in MB. */
function measure(cmd) {
  // Flush the previous run's dirty pages first, so that no run pays for
  // another's writeback.
  execFileSync("sync");
  const r = spawnSync("/usr/bin/time", ["-v", "sh", "-c", cmd], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`failed (${r.status}): ${cmd}\n${r.stderr}`);
  const wall = /Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const secs = Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]);
  return { secs, rssMB: Number(rss[1]) / 1024 };
}

/** Best time of `runs` for each command, run alternately; peak RSS over all runs. */
function bestOf(cmds, runs = 3) {
  const out = cmds.map(() => null);
  for (let i = 0; i < runs; i++) {
    cmds.forEach((cmd, j) => {
      const m = measure(cmd);
      const b = out[j];
      out[j] = { secs: Math.min(m.secs, b?.secs ?? Infinity), rssMB: Math.max(m.rssMB, b?.rssMB ?? 0) };
    });
  }
  return out;
}

const rows = [];
function row(name, inputFile, dactCmd, otherName, otherCmd, check) {
  const size = statSync(inputFile).size / 1e6;
  const [d, o] = bestOf([dactCmd, otherCmd]);
  if (check) check();
  rows.push({ name, size, d, otherName, o });
  print([rows.at(-1)]);
}

function print(rs) {
  for (const r of rs) {
    const f = (m) => `${m.secs.toFixed(2)} s, ${(r.size / m.secs).toFixed(0)} MB/s, ${m.rssMB.toFixed(0)} MB RSS`;
    console.log(`${r.name} (${r.size.toFixed(0)} MB)`);
    console.log(`  dact      ${f(r.d)}`);
    console.log(`  ${r.otherName.padEnd(9)} ${f(r.o)}`);
    console.log(`  ratio     time ${(r.d.secs / r.o.secs).toFixed(2)}x  (throughput ${(r.o.secs / r.d.secs).toFixed(2)}x ${r.otherName}), RSS ${(r.d.rssMB / r.o.rssMB).toFixed(2)}x`);
  }
}

function sameBytes(a, b) {
  return () => {
    const x = readFileSync(a);
    const y = readFileSync(b);
    if (!x.equals(y)) throw new Error(`outputs differ: ${a} ${b}`);
    console.log("  outputs: byte-identical");
  };
}

if (want("npy")) {
  const inp = ensureData(`big-f8-${MB}.npy`, (p) => `
import numpy as np
n = ${MB} * 2**20 // 8
rng = np.random.default_rng(1)
a = rng.standard_normal(n)
a[::97] = 0.0
np.save(${p}, a.reshape(-1, 1024) if n % 1024 == 0 else a)
`);
  const outD = path.join(DATA, "out-dact.npy");
  const outN = path.join(DATA, "out-numpy.npy");
  row(
    "relu .npy f8, file to file",
    inp,
    `node ${BIN} relu ${inp} -o ${outD}`,
    "numpy",
    `python3 -c "import numpy as np; np.save('${outN}', np.heaviside(np.load('${inp}'), 0.0))"`,
    sameBytes(outD, outN),
  );
  rmSync(outD, { force: true });
  rmSync(outN, { force: true });
  if (want("gelu")) {
    // gelu against relu on the same file: the cost of a smooth derivative.
    const [r, g] = bestOf([`node ${BIN} relu ${inp} -o ${outD}`, `node ${BIN} gelu ${inp} -o ${outD}`]);
    const size = statSync(inp).size / 1e6;
    console.log(`gelu vs relu, .npy f8 (${size.toFixed(0)} MB)`);
    console.log(`  relu      ${r.secs.toFixed(2)} s, ${(size / r.secs).toFixed(0)} MB/s, ${r.rssMB.toFixed(0)} MB RSS`);
    console.log(`  gelu      ${g.secs.toFixed(2)} s, ${(size / g.secs).toFixed(0)} MB/s, ${g.rssMB.toFixed(0)} MB RSS`);
    console.log(`  ratio     gelu/relu time ${(g.secs / r.secs).toFixed(2)}x (aim: within 2x)`);
    rmSync(outD, { force: true });
  }
}

function csvRow(label, file, gen) {
  const inp = ensureData(file, gen);
  const outD = path.join(DATA, "out-dact.csv");
  const outM = path.join(DATA, "out-mawk.csv");
  row(
    label,
    inp,
    `node ${BIN} relu ${inp} -o ${outD}`,
    "mawk",
    `mawk 'BEGIN{FS=OFS=","} {for(i=1;i<=NF;i++) $i=($i>0)?1:0; print}' ${inp} > ${outM}`,
    sameBytes(outD, outM),
  );
  rmSync(outD, { force: true });
  rmSync(outM, { force: true });
}

if (want("csv")) {
  csvRow("relu CSV, 200k x 10 doubles (np.savetxt %.17g)", "floats-200k.csv", (p) => `
import numpy as np
rng = np.random.default_rng(2)
np.savetxt(${p}, rng.standard_normal((200_000, 10)), fmt="%.17g", delimiter=",")
`);
  csvRow("relu CSV, 1M x 10 small integers", "ints-1m.csv", (p) => `
import numpy as np
rng = np.random.default_rng(3)
np.savetxt(${p}, rng.integers(-9, 10, size=(1_000_000, 10)), fmt="%d", delimiter=",")
`);
}

if (want("json")) {
  const inp = ensureData("floats-10m.json", (p) => `
import numpy as np, json
rng = np.random.default_rng(4)
a = rng.standard_normal((1_000_000, 10))
with open(${p}, "w") as f:
    json.dump(a.tolist(), f)
`);
  const outD = path.join(DATA, "out-dact.json");
  const outJ = path.join(DATA, "out-jq.json");
  row(
    "relu JSON, 1M x 10 doubles",
    inp,
    `node ${BIN} relu ${inp} -o ${outD}`,
    "jq",
    `jq -c 'map(map(if . > 0 then 1 else 0 end))' ${inp} > ${outJ}`,
    () => {
      // Different layouts; the same numbers.
      const a = JSON.parse(readFileSync(outD, "utf8"));
      const b = JSON.parse(readFileSync(outJ, "utf8"));
      if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error("dact and jq disagree");
      console.log("  outputs: the same values");
    },
  );
  rmSync(outD, { force: true });
  rmSync(outJ, { force: true });
}

if (want("startup")) {
  const time = (cmd, n = 15) => {
    const t = [];
    for (let i = 0; i < n; i++) {
      const s = process.hrtime.bigint();
      execFileSync("sh", ["-c", cmd]);
      t.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    t.sort((a, b) => a - b);
    return t[Math.floor(n / 2)];
  };
  const d = time(`node ${BIN} --version`);
  const n = time(`node -e 0`);
  console.log(`start-up (median of 15)`);
  console.log(`  dact --version  ${d.toFixed(1)} ms`);
  console.log(`  node -e 0       ${n.toFixed(1)} ms`);
  console.log(`  ratio           ${(d / n).toFixed(2)}x (target <= 1.5x)`);
}
