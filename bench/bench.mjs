#!/usr/bin/env node
/**
 * npm run bench: dact against the tool a user would otherwise pick, in one
 * run, on this machine. Prints time, MB/s and peak RSS (from /usr/bin/time -v)
 * for each, and the ratio dact/other (time: lower is better).
 *
 * Inputs are generated once into bench/data/ (git-ignored) with numpy.
 * Usage: npm run bench [-- --only npy,startup,convert,containers,parquet,activations,order2,grad,batch,text,peers] [-- --mb 256]
 *        [-- --dact PATH]     the bin/dact.js to measure (default: this checkout's; e.g. a copy of the previous build)
 *        [-- --python PATH]   a python with safetensors, torch, jax, scipy, pandas (or DACT_BENCH_PYTHON);
 *                             rows that need them are skipped with a note otherwise
 *        [-- --files N]       small files in the batch row (default 2000)
 *        [-- --acts a,b]      activations in the activations matrix (default: relu and every smooth one)
 *        [-- --compare-mb N]  size of each file in the compare row (default 800)
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync, rmSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DATA = path.join(ROOT, "bench", "data");
const BIN = process.argv.includes("--dact") ? path.resolve(process.argv[process.argv.indexOf("--dact") + 1]) : path.join(ROOT, "bin", "dact.js");
mkdirSync(DATA, { recursive: true });

const args = process.argv.slice(2);
const only = args.includes("--only") ? args[args.indexOf("--only") + 1].split(",") : null;
const want = (name) => !only || only.includes(name);
const MB = args.includes("--mb") ? Number(args[args.indexOf("--mb") + 1]) : 256;
const PY = args.includes("--python") ? args[args.indexOf("--python") + 1] : (process.env.DACT_BENCH_PYTHON ?? null);
const COMPARE_MB = args.includes("--compare-mb") ? Number(args[args.indexOf("--compare-mb") + 1]) : 800;
const FILES = args.includes("--files") ? Number(args[args.indexOf("--files") + 1]) : 2000;
/** Whether the oracle python imports these modules. */
function pyHas(mods) {
  if (!PY) return false;
  return spawnSync(PY, ["-c", mods.map((m) => `import ${m}`).join("; ")]).status === 0;
}

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
  // CPU time (user + system, every thread): on a machine shared with other
  // jobs, the wall time follows their load; this follows the work done.
  const cpu = Number(/User time \(seconds\): ([\d.]+)/.exec(r.stderr)[1]) + Number(/System time \(seconds\): ([\d.]+)/.exec(r.stderr)[1]);
  return { secs, cpu, rssMB: Number(rss[1]) / 1024 };
}

/** Best time of `runs` for each command, run alternately; peak RSS over all runs. */
function bestOf(cmds, runs = 3) {
  const out = cmds.map(() => null);
  for (let i = 0; i < runs; i++) {
    cmds.forEach((cmd, j) => {
      const m = measure(cmd);
      const b = out[j];
      out[j] = { secs: Math.min(m.secs, b?.secs ?? Infinity), cpu: Math.min(m.cpu, b?.cpu ?? Infinity), rssMB: Math.max(m.rssMB, b?.rssMB ?? 0) };
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
  // Durable (the default: fsync before the rename), --no-fsync, numpy's
  // np.save (no fsync), and dd conv=fsync of as many bytes: the cost of
  // flushing them, measured in the same alternated run (issue 31).
  const ddOut = path.join(DATA, "out-dd.bin");
  const bytes = statSync(inp).size;
  const cmds = [
    `node ${BIN} relu ${inp} -o ${outD}`,
    `node ${BIN} relu ${inp} -o ${outD} --no-fsync`,
    `python3 -c "import numpy as np; np.save('${outN}', np.heaviside(np.load('${inp}'), 0.0))"`,
    `dd if=/dev/zero of=${ddOut} bs=1048576 count=${Math.ceil(bytes / 1048576)} conv=fsync status=none`,
  ];
  const [durable, scratch, np_, dd] = bestOf(cmds);
  sameBytes(outD, outN)();
  rmSync(ddOut, { force: true });
  rows.push({ name: "relu .npy f8, file to file (default: fsync)", size: bytes / 1e6, d: durable, otherName: "numpy", o: np_ });
  print([rows.at(-1)]);
  rows.push({ name: "relu .npy f8, file to file, --no-fsync", size: bytes / 1e6, d: scratch, otherName: "numpy", o: np_ });
  print([rows.at(-1)]);
  console.log(`  dd conv=fsync of ${(bytes / 1e6).toFixed(0)} MB: ${dd.secs.toFixed(2)} s`);
  console.log(`  targets   --no-fsync ${(scratch.secs / np_.secs).toFixed(2)}x numpy (aim <= 0.5x); default ${durable.secs.toFixed(2)} s vs numpy + dd ${(np_.secs + dd.secs).toFixed(2)} s (aim: at most)`);
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
  // Alternated, so that the machine's drift hits every command alike.
  mkdirSync(DATA, { recursive: true });
  const tiny = path.join(DATA, "tiny.csv");
  writeFileSync(tiny, "-1,0,2\n0.5,1,-3\n");
  const cmds = [`node -e 0`, `node ${BIN} --version`, `node ${BIN} gelu ${tiny}`];
  const n = 21;
  const t = cmds.map(() => []);
  for (let i = 0; i < n; i++) {
    cmds.forEach((cmd, k) => {
      const s = process.hrtime.bigint();
      execFileSync("sh", ["-c", `${cmd} > /dev/null`]);
      t[k].push(Number(process.hrtime.bigint() - s) / 1e6);
    });
  }
  const [base, version, small] = t.map((x) => x.sort((a, b) => a - b)[Math.floor(n / 2)]);
  console.log(`start-up (median of ${n}, alternated; target <= 1.5x node -e 0)`);
  console.log(`  node -e 0             ${base.toFixed(1)} ms`);
  console.log(`  dact --version        ${version.toFixed(1)} ms  ${(version / base).toFixed(2)}x`);
  console.log(`  dact gelu 2x3 CSV     ${small.toFixed(1)} ms  ${(small / base).toFixed(2)}x`);
  rmSync(tiny, { force: true });
}

/** A row of several commands against a reference one: time, RSS, and the ratio to the reference. */
function table(title, size, entries, refIndex = 0) {
  const res = bestOf(entries.map((e) => e[1]));
  console.log(`${title} (${size.toFixed(0)} MB)`);
  entries.forEach(([name], i) => {
    const m = res[i];
    console.log(`  ${name.padEnd(22)} ${m.secs.toFixed(2)} s, ${(size / m.secs).toFixed(0)} MB/s, ${m.rssMB.toFixed(0)} MB RSS, ${m.cpu.toFixed(2)} s CPU${i === refIndex ? "" : `  (${(m.secs / res[refIndex].secs).toFixed(2)}x ${entries[refIndex][0]}'s time, ${(m.cpu / res[refIndex].cpu).toFixed(2)}x its CPU)`}`);
  });
  return res;
}

if (want("convert")) {
  // Conversion streams: each pair against the same-format run of the slower side.
  const npy = ensureData(`conv-f8-${MB}.npy`, (p) => `
import numpy as np
n = ${MB} * 2**20 // 8
a = np.random.default_rng(5).standard_normal(n).reshape(-1, 8)
np.save(${p}, a)
`);
  const out = (ext) => path.join(DATA, `conv-out.${ext}`);
  execFileSync("node", [BIN, "relu", npy, "-o", path.join(DATA, "conv-in.csv")]);
  execFileSync("node", [BIN, "sigmoid", npy, "-o", path.join(DATA, "conv-in.json")]);
  const csv = path.join(DATA, "conv-in.csv");
  const json = path.join(DATA, "conv-in.json");
  table("conversion, relu, npy <-> csv <-> json", statSync(npy).size / 1e6, [
    ["csv -> csv (same format)", `node ${BIN} relu ${csv} -o ${out("csv")}`],
    ["npy -> csv", `node ${BIN} relu ${npy} -o ${out("csv")}`],
    ["csv -> npy", `node ${BIN} relu ${csv} -o ${out("npy")}`],
    ["json -> json (same)", `node ${BIN} relu ${json} -o ${out("json")}`],
    ["npy -> json", `node ${BIN} relu ${npy} -o ${out("json")}`],
    ["json -> npy", `node ${BIN} relu ${json} -o ${out("npy")}`],
    ["csv -> json", `node ${BIN} relu ${csv} -o ${out("json")}`],
    ["json -> csv", `node ${BIN} relu ${json} -o ${out("csv")}`],
    ["csv -> npy, to a pipe", `node ${BIN} relu ${csv} --to npy > ${out("npy")}`],
  ]);
  for (const f of ["conv-out.csv", "conv-out.npy", "conv-out.json"]) rmSync(path.join(DATA, f), { force: true });
}

if (want("containers")) {
  if (!pyHas(["safetensors", "numpy"])) console.log("containers: skipped (needs --python with numpy and safetensors)");
  else {
    const st = path.join(DATA, `c-f4-${MB}.safetensors`);
    const npz = path.join(DATA, `c-f8-${MB}.npz`);
    if (!existsSync(st) || !existsSync(npz)) {
      execFileSync(PY, ["-c", `
import numpy as np
from safetensors.numpy import save_file
rng = np.random.default_rng(6)
n = ${MB} * 2**20
save_file({f"layer{i}": rng.standard_normal(n // 4 // 8).astype(np.float32) for i in range(8)}, "${st}")
np.savez("${npz}", **{f"w{i}": rng.standard_normal(n // 8 // 8) for i in range(8)})
`]);
    }
    const o1 = path.join(DATA, "c-out.safetensors");
    const o2 = path.join(DATA, "c-out-py.safetensors");
    table("relu .safetensors f32", statSync(st).size / 1e6, [
      ["safetensors.numpy", `${PY} -c "import numpy as np; from safetensors.numpy import load_file, save_file; save_file({k: np.heaviside(v, 0.0).astype(v.dtype) for k, v in load_file('${st}').items()}, '${o2}')"`],
      ["dact", `node ${BIN} relu ${st} -o ${o1}`],
    ]);
    sameBytes(o1, o2)();
    const o3 = path.join(DATA, "c-out.npz");
    const o4 = path.join(DATA, "c-out-py.npz");
    table("relu .npz f8 (stored)", statSync(npz).size / 1e6, [
      ["np.load + np.savez", `${PY} -c "import numpy as np; z = np.load('${npz}'); np.savez('${o4}', **{k: np.heaviside(z[k], 0.0) for k in z.files})"`],
      ["dact", `node ${BIN} relu ${npz} -o ${o3}`],
    ]);
    for (const f of [o1, o2, o3, o4]) rmSync(f, { force: true });
  }
}

if (want("parquet")) {
  // Issue 29: relu and gelu on a Parquet file of float64 columns, end to end (read, compute, write Snappy Parquet).
  if (!pyHas(["pyarrow", "numpy", "scipy", "polars"])) console.log("parquet: skipped (needs --python with pyarrow, numpy, scipy and polars)");
  else {
    const pqIn = path.join(DATA, `t-f8-${MB}.parquet`);
    if (!existsSync(pqIn)) {
      execFileSync(PY, ["-c", `
import numpy as np, pyarrow as pa, pyarrow.parquet as pq
rng = np.random.default_rng(29)
n = ${MB} * 2**20 // 8 // 8
pq.write_table(pa.table({f"c{i}": rng.standard_normal(n) for i in range(8)}), "${pqIn}")
`]);
    }
    const o = (who) => path.join(DATA, `t-out-${who}.parquet`);
    const np = {
      relu: "np.heaviside(x, 0.0)",
      gelu: "0.5 * (1 + special.erf(x / np.sqrt(2))) + x * np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi)",
    };
    const pl = {
      relu: "(pl.col(c) > 0).cast(pl.Float64)",
      gelu: "0.5 * (1 + special.erf(pl.col(c) / np.sqrt(2))) + pl.col(c) * (-0.5 * pl.col(c) * pl.col(c)).exp() / np.sqrt(2 * np.pi)",
    };
    for (const act of ["relu", "gelu"]) {
      table(`${act} .parquet f8, 8 columns`, statSync(pqIn).size / 1e6, [
        ["pyarrow + numpy", `${PY} -c "import numpy as np, pyarrow as pa, pyarrow.parquet as pq; from scipy import special; t = pq.read_table('${pqIn}'); pq.write_table(pa.table({c: (lambda x: ${np[act]})(t[c].to_numpy()) for c in t.column_names}), '${o("pa")}')"`],
        ["polars (streaming)", `${PY} -c "import numpy as np, polars as pl; from scipy import special; f = pl.scan_parquet('${pqIn}'); f.select([(${pl[act]}).alias(c) for c in f.collect_schema().names()]).sink_parquet('${o("pl")}')"`],
        ["dact", `node ${BIN} ${act} ${pqIn} -o ${o("dact")}`],
      ]);
    }
    for (const w of ["pa", "pl", "dact"]) rmSync(o(w), { force: true });
  }
}

if (want("activations") || want("grad") || want("order2")) {
  const x = ensureData(`act-f8-${MB}.npy`, (p) => `
import numpy as np
np.save(${p}, np.random.default_rng(7).standard_normal(${MB} * 2**20 // 8) * 3)
`);
  const x4 = ensureData(`act-f4-${MB}.npy`, (p) => `
import numpy as np
np.save(${p}, (np.random.default_rng(7).standard_normal(${MB} * 2**20 // 4) * 3).astype(np.float32))
`);
  const g = ensureData(`grad-f8-${MB}.npy`, (p) => `
import numpy as np
np.save(${p}, np.random.default_rng(8).standard_normal(${MB} * 2**20 // 8))
`);
  const o = path.join(DATA, "act-out.npy");
  const torch = pyHas(["torch"]);
  if (want("activations")) activationMatrix(x, x4, o, torch);
  if (want("order2")) secondMatrix(x, x4, o, torch);
  if (want("grad")) {
    const entries = [["dact --grad-output", `node ${BIN} gelu ${x} --grad-output ${g} -o ${o}`]];
    if (torch) entries.push(["torch gelu_backward", `${PY} -c "import numpy as np, torch; x = torch.from_numpy(np.load('${x}')); g = torch.from_numpy(np.load('${g}')); np.save('${o}', torch.ops.aten.gelu_backward(g, x).numpy())"`]);
    else console.log("grad: torch row skipped (needs --python with torch)");
    table("gelu backward, two .npy f8, file to file", (statSync(x).size + statSync(g).size) / 1e6, entries);
  }
  rmSync(o, { force: true });
}

/**
 * Every smooth activation (and relu, the I/O floor), .npy f8 and f4, file
 * to file: dact against numpy (+scipy for gelu's ndtr), torch's direct
 * backward ops (default threads) and JAX (jit of the VJP with ones, x64 for
 * f8), each including its own start-up, load and save. Issue #17's targets:
 * below the best peer; exp-family within 2x relu, gelu within 3x.
 * `--acts a,b` picks activations (default: all of them below).
 */
function activationMatrix(x8, x4, o, torch) {
  const SELU = "1.6732632423543772848170429916717, 1.0507009873554804934193349852946";
  // name: [dact arguments, numpy code (x -> r), torch code (x, g -> r), JAX function]
  const ACTS = {
    relu: ["relu", "r = np.heaviside(x, 0.0)", "r = torch.ops.aten.threshold_backward(g, x, 0)", "jax.nn.relu"],
    elu: ["elu", "r = np.where(x > 0, 1, np.exp(x))", "r = torch.ops.aten.elu_backward(g, 1.0, 1, 1, False, x)", "jax.nn.elu"],
    selu: ["selu", "r = np.where(x > 0, 1.0507009873554805, 1.7580993408473766 * np.exp(x))", `r = torch.ops.aten.elu_backward(g, ${SELU}, 1, False, x)`, "jax.nn.selu"],
    celu: ["celu", "r = np.where(x > 0, 1, np.exp(x))", "r = torch.ops.aten.elu_backward(g, 1.0, 1, 1.0, False, x)", "jax.nn.celu"],
    gelu: ["gelu", "from scipy.special import ndtr; r = ndtr(x) + x * np.exp(-0.5 * x * x) * 0.3989422804014327", "r = torch.ops.aten.gelu_backward(g, x)", "lambda v: jax.nn.gelu(v, approximate=False)"],
    "gelu-tanh": ["gelu --approximate tanh", "k = 0.7978845608028654; t = np.tanh(k * (x + 0.044715 * x**3)); r = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 0.134145 * x * x)", "r = torch.ops.aten.gelu_backward(g, x, approximate='tanh')", "lambda v: jax.nn.gelu(v, approximate=True)"],
    sigmoid: ["sigmoid", "s = 1 / (1 + np.exp(-x)); r = s * (1 - s)", "r = torch.ops.aten.sigmoid_backward(g, torch.sigmoid(x))", "jax.nn.sigmoid"],
    tanh: ["tanh", "t = np.tanh(x); r = 1 - t * t", "r = torch.ops.aten.tanh_backward(g, torch.tanh(x))", "jnp.tanh"],
    softplus: ["softplus", "r = np.where(x > 20, 1, 1 / (1 + np.exp(-x)))", "r = torch.ops.aten.softplus_backward(g, x, 1, 20)", "jax.nn.softplus"],
    silu: ["silu", "s = 1 / (1 + np.exp(-x)); r = s * (1 + x * (1 - s))", "r = torch.ops.aten.silu_backward(g, x)", "jax.nn.silu"],
    mish: ["mish", "t = np.tanh(np.logaddexp(0, x)); s = 1 / (1 + np.exp(-x)); r = t + x * s * (1 - t * t)", "r = torch.ops.aten.mish_backward(g, x)", "jax.nn.mish"],
    logsigmoid: ["logsigmoid", "r = 1 / (1 + np.exp(x))", "_, b = torch.ops.aten.log_sigmoid_forward(x); r = torch.ops.aten.log_sigmoid_backward(g, x, b)", "jax.nn.log_sigmoid"],
    tanhshrink: ["tanhshrink", "t = np.tanh(x); r = t * t", "r = torch.tanh(x).square_()", "lambda v: v - jnp.tanh(v)"],
  };
  const pick = args.includes("--acts") ? args[args.indexOf("--acts") + 1].split(",") : Object.keys(ACTS);
  const hasNumpy = PY && pyHas(["numpy", "scipy"]);
  const jax = pyHas(["jax"]);
  if (!hasNumpy) console.log("activations: numpy rows skipped (needs --python with numpy and scipy)");
  if (!torch) console.log("activations: torch rows skipped (needs --python with torch)");
  if (!jax) console.log("activations: JAX rows skipped (needs --python with jax)");
  const summary = [];
  for (const [dt, x] of [["f8", x8], ["f4", x4]]) {
    let relu = null;
    for (const act of pick) {
      const [dactArgs, np_, torchF, jaxF] = ACTS[act];
      const entries = [["dact", `node ${BIN} ${dactArgs} ${x} -o ${o}`]];
      if (hasNumpy) entries.push(["numpy", `${PY} -c "import numpy as np; np.seterr(all='ignore'); x = np.load('${x}'); ${np_}; np.save('${o}', r)"`]);
      if (torch) entries.push(["torch (backward op)", `${PY} -c "import numpy as np, torch; x = torch.from_numpy(np.load('${x}')); g = torch.ones_like(x); ${torchF}; np.save('${o}', r.numpy())"`]);
      if (jax) entries.push(["JAX (jit vjp)", `${PY} -c "import jax; jax.config.update('jax_enable_x64', ${dt === "f8" ? "True" : "False"}); import jax.numpy as jnp, numpy as np; x = np.load('${x}'); f = jax.jit(lambda v: jax.vjp(${jaxF}, v)[1](jnp.ones_like(v))[0]); np.save('${o}', np.asarray(f(x)))"`]);
      const res = table(`${act} .npy ${dt}, file to file`, statSync(x).size / 1e6, entries);
      if (act === "relu") relu = res[0].secs;
      let best = 1;
      for (let i = 2; i < res.length; i++) if (res[i].secs < res[best]?.secs) best = i;
      summary.push({ act, dt, dact: res[0].secs, peer: res.length > 1 ? [entries[best][0], res[best].secs] : null, relu });
    }
  }
  console.log("activations summary: dact's time against the best peer's and relu's (same dtype)");
  for (const s of summary) {
    const peer = s.peer ? `${(s.dact / s.peer[1]).toFixed(2)}x ${s.peer[0].split(" ")[0]} (${s.peer[1].toFixed(2)} s)` : "no peer";
    const rel = s.relu ? `${(s.dact / s.relu).toFixed(2)}x relu` : "";
    console.log(`  ${s.act.padEnd(11)} ${s.dt}  ${s.dact.toFixed(2)} s  ${peer.padEnd(26)} ${rel}`);
  }
}

/**
 * `--only order2`: f″ (`--order 2`) per smooth activation against numpy
 * with the closed form, PyTorch's double backward (torch.autograd.grad
 * twice, create_graph=True) and JAX (jit of vmap(grad(grad(f))), x64 for
 * f8), each end to end (start-up, load, save); `--acts` picks.
 */
function secondMatrix(x8, x4, o, torch) {
  const S = "s = 1 / (1 + np.exp(-x))";
  // name: [dact arguments, numpy f″ (x -> r), torch forward (x -> y), JAX scalar function]
  const ACTS = {
    elu: ["elu", "r = np.where(x > 0, 0.0, np.exp(x))", "F.elu(x)", "jax.nn.elu"],
    selu: ["selu", "r = np.where(x > 0, 0.0, 1.7580993408473766 * np.exp(x))", "F.selu(x)", "jax.nn.selu"],
    celu: ["celu", "r = np.where(x > 0, 0.0, np.exp(x))", "F.celu(x)", "jax.nn.celu"],
    gelu: ["gelu", "r = np.exp(-0.5 * x * x) * 0.3989422804014327 * (2 - x * x)", "F.gelu(x)", "lambda v: jax.nn.gelu(v, approximate=False)"],
    "gelu-tanh": ["gelu --approximate tanh", "k = 0.7978845608028654; t = np.tanh(k * (x + 0.044715 * x**3)); q = 1 + 0.134145 * x * x; r = (1 - t * t) * k * (1 + 0.26829 * x * x - k * x * t * q * q)", "F.gelu(x, approximate='tanh')", "lambda v: jax.nn.gelu(v, approximate=True)"],
    sigmoid: ["sigmoid", `${S}; r = s * (1 - s) * (1 - 2 * s)`, "torch.sigmoid(x)", "jax.nn.sigmoid"],
    tanh: ["tanh", "t = np.tanh(x); r = -2 * t * (1 - t * t)", "torch.tanh(x)", "jnp.tanh"],
    softplus: ["softplus", `${S}; r = np.where(x >= 20, 0.0, s * (1 - s))`, "F.softplus(x)", "jax.nn.softplus"],
    silu: ["silu", `${S}; r = s * (1 - s) * (2 + x * (1 - 2 * s))`, "F.silu(x)", "jax.nn.silu"],
    mish: ["mish", `t = np.tanh(np.logaddexp(0, x)); ${S}; r = s * (1 - t * t) * (2 + x * (1 - s) - 2 * x * s * t)`, "F.mish(x)", "jax.nn.mish"],
    logsigmoid: ["logsigmoid", `${S}; r = -s * (1 - s)`, "F.logsigmoid(x)", "jax.nn.log_sigmoid"],
    tanhshrink: ["tanhshrink", "t = np.tanh(x); r = 2 * t * (1 - t * t)", "F.tanhshrink(x)", "lambda v: v - jnp.tanh(v)"],
  };
  const pick = args.includes("--acts") ? args[args.indexOf("--acts") + 1].split(",").filter((a) => a in ACTS) : Object.keys(ACTS);
  const hasNumpy = PY && pyHas(["numpy"]);
  const jax = pyHas(["jax"]);
  const summary = [];
  for (const [dt, x] of [["f8", x8], ["f4", x4]]) {
    for (const act of pick) {
      const [dactArgs, np_, torchF, jaxF] = ACTS[act];
      // Like for like: np.save, torch's and JAX's saves do not fsync; dact's
      // default does (durable output, issue 31), and its cost is the disk's
      // (the npy rows measure it with dd conv=fsync). The summary compares
      // the --no-fsync row and prints the default's time beside it.
      const entries = [["dact --order 2 --no-fsync", `node ${BIN} ${dactArgs} --order 2 ${x} -o ${o} --no-fsync`], ["dact --order 2 (default: fsync)", `node ${BIN} ${dactArgs} --order 2 ${x} -o ${o}`]];
      if (hasNumpy) entries.push(["numpy (closed form)", `${PY} -c "import numpy as np; np.seterr(all='ignore'); x = np.load('${x}'); ${np_}; np.save('${o}', r.astype(x.dtype))"`]);
      if (torch) entries.push(["torch (double backward)", `${PY} -c "import numpy as np, torch; import torch.nn.functional as F; x = torch.from_numpy(np.load('${x}')).requires_grad_(); g, = torch.autograd.grad(${torchF}.sum(), x, create_graph=True); r, = torch.autograd.grad(g.sum(), x); np.save('${o}', r.numpy())"`]);
      if (jax) entries.push(["JAX (vmap grad grad)", `${PY} -c "import jax; jax.config.update('jax_enable_x64', ${dt === "f8" ? "True" : "False"}); import jax.numpy as jnp, numpy as np; x = np.load('${x}'); f = jax.jit(jax.vmap(jax.grad(jax.grad(${jaxF})))); np.save('${o}', np.asarray(f(x)))"`]);
      const res = table(`${act} f'' .npy ${dt}, file to file`, statSync(x).size / 1e6, entries);
      let best = 2;
      for (let i = 3; i < res.length; i++) if (res[i].secs < res[best]?.secs) best = i;
      let bestCpu = 2;
      for (let i = 3; i < res.length; i++) if (res[i].cpu < res[bestCpu]?.cpu) bestCpu = i;
      summary.push({ act, dt, dact: res[0].secs, dactCpu: res[0].cpu, durable: res[1].secs, peer: res.length > 2 ? [entries[best][0], res[best].secs] : null, peerCpu: res.length > 2 ? [entries[bestCpu][0], res[bestCpu].cpu] : null });
    }
  }
  console.log("order 2 summary: dact --no-fsync's time (and CPU time) against the best peer's (same dtype); the default's (fsync) last");
  for (const s of summary) {
    const peer = s.peer ? `${(s.dact / s.peer[1]).toFixed(2)}x ${s.peer[0].split(" ")[0]} (${s.peer[1].toFixed(2)} s)` : "no peer";
    const cpu = s.peerCpu ? `CPU ${s.dactCpu.toFixed(2)} s, ${(s.dactCpu / s.peerCpu[1]).toFixed(2)}x ${s.peerCpu[0].split(" ")[0]} (${s.peerCpu[1].toFixed(2)} s)` : "";
    console.log(`  ${s.act.padEnd(11)} ${s.dt}  ${s.dact.toFixed(2)} s  ${peer.padEnd(26)} ${cpu.padEnd(40)} default ${s.durable.toFixed(2)} s`);
  }
}

if (want("batch")) {
  const dir = path.join(DATA, `batch-${FILES}`);
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true });
    execFileSync("python3", ["-c", `
import numpy as np, os
rng = np.random.default_rng(9)
for i in range(${FILES}):
    np.savetxt(os.path.join("${dir}", f"s{i:05d}.csv"), rng.standard_normal((20, 8)), fmt="%.6f", delimiter=",")
for i in range(2):
    np.save(os.path.join("${dir}", f"big{i}.npy"), rng.standard_normal(8 * 2**20))
`]);
  }
  const out = path.join(DATA, "batch-out");
  const size = Number(execFileSync("du", ["-sb", dir], { encoding: "utf8" }).split("\t")[0]) / 1e6;
  rmSync(out, { recursive: true, force: true });
  const [first] = bestOf([`node ${BIN} relu ${dir} --out-dir ${out} --skip-existing -q`], 1);
  const [rerun] = bestOf([`node ${BIN} relu ${dir} --out-dir ${out} --skip-existing -q`], 1);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out);
  const [xargs] = bestOf([`find ${dir} -type f | xargs -P$(nproc) -n1 sh -c 'node ${BIN} relu "$0" -o ${out}/$(basename "$0")'`], 1);
  console.log(`batch: ${FILES} small CSVs + two 64 MB .npy (${size.toFixed(0)} MB)`);
  console.log(`  dact, --jobs default        ${first.secs.toFixed(2)} s, ${first.rssMB.toFixed(0)} MB RSS`);
  console.log(`  rerun with --skip-existing  ${rerun.secs.toFixed(2)} s (${(100 * rerun.secs / first.secs).toFixed(0)}% of the first run)`);
  console.log(`  find | xargs -P -n1 dact    ${xargs.secs.toFixed(2)} s  (dact batch: ${(xargs.secs / first.secs).toFixed(1)}x faster)`);
  rmSync(out, { recursive: true, force: true });
}

if (want("text")) {
  // A smooth activation on text: bound by number parsing and formatting.
  // Issue #17's targets: 2x numpy's pipeline and 1.5x pandas', on 100 MB.
  const inp = ensureData("floats-500k.csv", (p) => `
import numpy as np
np.savetxt(${p}, np.random.default_rng(10).standard_normal((500_000, 10)), fmt="%.17g", delimiter=",")
`);
  const o = path.join(DATA, "text-out.csv");
  const entries = [
    ["dact sigmoid", `node ${BIN} sigmoid ${inp} -o ${o}`],
    ["numpy loadtxt/savetxt", `python3 -c "import numpy as np; x = np.loadtxt('${inp}', delimiter=','); s = 1/(1+np.exp(-x)); np.savetxt('${o}', s*(1-s), fmt='%.17g', delimiter=',')"`],
  ];
  if (PY && pyHas(["pandas"])) entries.push(["pandas read_csv/to_csv", `${PY} -c "import numpy as np, pandas as pd; x = pd.read_csv('${inp}', header=None); s = 1/(1+np.exp(-x)); (s*(1-s)).to_csv('${o}', header=False, index=False, float_format='%.17g')"`]);
  table("sigmoid CSV, 500k x 10 doubles", statSync(inp).size / 1e6, entries);
  const js = ensureData("floats-500k.json", (p) => `
import json, numpy as np
json.dump(np.random.default_rng(10).standard_normal((500_000, 10)).tolist(), open(${p}, "w"))
`);
  const oj = path.join(DATA, "text-out.json");
  const jsonEntries = [
    ["dact sigmoid", `node ${BIN} sigmoid ${js} -o ${oj}`],
    ["json + numpy", `python3 -c "import json, numpy as np; x = np.array(json.load(open('${js}'))); s = 1/(1+np.exp(-x)); json.dump((s*(1-s)).tolist(), open('${oj}', 'w'))"`],
  ];
  if (PY && pyHas(["pandas"])) jsonEntries.push(["pandas read/to_json", `${PY} -c "import numpy as np, pandas as pd; x = pd.read_json('${js}', orient='values'); s = 1/(1+np.exp(-x)); (s*(1-s)).to_json('${oj}', orient='values', double_precision=15)"`]);
  table("sigmoid JSON, 500k x 10 doubles", statSync(js).size / 1e6, jsonEntries);
  // Issue 28: --float-format within 1.5x of the default layout (Python's repr).
  for (const [ext, src, out] of [["csv", inp, o], ["json", js, oj]]) {
    table(`sigmoid ${ext.toUpperCase()}: the default layout vs --float-format`, statSync(src).size / 1e6, [
      ["dact (repr)", `node ${BIN} sigmoid ${src} -o ${out}`],
      ...["%.6g", "%.17g", "%.18e", "%.3f"].map((f) => [`dact ${f}`, `node ${BIN} sigmoid ${src} -o ${out} --float-format ${f}`]),
    ]);
  }
  rmSync(o, { force: true });
  rmSync(oj, { force: true });
}

if (want("peers")) {
  // Issue 31: CSV and JSON Lines, ~100 MB of float64 (500k x 10, %.17g),
  // relu and sigmoid, read -> derivative -> write, against polars and DuckDB
  // with 1 and 2 threads (POLARS_MAX_THREADS, SET threads), all alternated,
  // best of 3. The peers' layouts differ (polars and DuckDB write no bare
  // array per JSON line), so only dact's two runs are compared byte for byte.
  if (!pyHas(["polars", "duckdb"])) console.log("peers: skipped (needs --python with polars and duckdb)");
  else {
    const csv = ensureData("floats-500k.csv", (p) => `
import numpy as np
np.savetxt(${p}, np.random.default_rng(10).standard_normal((500_000, 10)), fmt="%.17g", delimiter=",")
`);
    const jsonl = ensureData("floats-500k.jsonl", (p) => `
import numpy as np
a = np.random.default_rng(10).standard_normal((500_000, 10))
with open(${p}, "w") as f:
    for r in a:
        f.write("[" + ",".join("%.17g" % v for v in r) + "]\\n")
`);
    const o = (n, ext) => path.join(DATA, `peers-out-${n}.${ext}`);
    for (const [fmt, inp, ext] of [["CSV", csv, "csv"], ["JSON Lines", jsonl, "jsonl"]]) {
      for (const act of ["relu", "sigmoid"]) {
        const duckX = (x) => (act === "relu" ? `CASE WHEN ${x} > 0 THEN 1.0 ELSE 0.0 END` : `(1.0 / (1.0 + exp(-${x}))) * (1.0 - 1.0 / (1.0 + exp(-${x})))`);
        const polX = (x) => (act === "relu" ? `(${x} > 0).cast(pl.Float64)` : `(1.0 / (1.0 + (-${x}).exp())) * (1.0 - 1.0 / (1.0 + (-${x}).exp()))`);
        const entries = [
          ["dact --threads 1", `node ${BIN} ${act} ${inp} -o ${o("d1", ext)} --threads 1`],
          ["dact (2 threads)", `node ${BIN} ${act} ${inp} -o ${o("d2", ext)}`],
        ];
        for (const t of [1, 2]) {
          if (ext === "csv") {
            entries.push([`polars ${t} thread${t > 1 ? "s" : ""}`, `POLARS_MAX_THREADS=${t} ${PY} -c "import polars as pl; df = pl.read_csv('${inp}', has_header=False); df.select([(${polX("pl.col(c)")}).alias(c) for c in df.columns]).write_csv('${o("polars", ext)}', include_header=False)"`]);
            entries.push([`DuckDB ${t} thread${t > 1 ? "s" : ""}`, `${PY} -c "import duckdb; c = duckdb.connect(); c.execute('SET threads=${t}'); c.execute(\\"COPY (SELECT ${duckX("COLUMNS(*)")} FROM read_csv('${inp}', header=false)) TO '${o("duck", ext)}' (HEADER false)\\")"`]);
          } else {
            entries.push([`polars ${t} thread${t > 1 ? "s" : ""}`, `POLARS_MAX_THREADS=${t} ${PY} -c "import polars as pl; df = pl.read_csv('${inp}', has_header=False, separator='\\x01', quote_char=None, new_columns=['s']); df.select(pl.col('s').str.json_decode(pl.List(pl.Float64)).list.eval(${polX("pl.element()")}).alias('r')).write_ndjson('${o("polars", ext)}')"`]);
            entries.push([`DuckDB ${t} thread${t > 1 ? "s" : ""}`, `${PY} -c "import duckdb; c = duckdb.connect(); c.execute('SET threads=${t}'); c.execute(\\"COPY (SELECT list_transform(json, x -> ${duckX("x")}) AS r FROM read_json('${inp}', format='newline_delimited', records=false, columns={'json':'DOUBLE[]'})) TO '${o("duck", ext)}' (FORMAT json)\\")"`]);
          }
        }
        const res = table(`${act} ${fmt}, 500k x 10 doubles (%.17g), against polars and DuckDB`, statSync(inp).size / 1e6, entries);
        sameBytes(o("d1", ext), o("d2", ext))();
        const by = Object.fromEntries(entries.map(([n], i) => [n, res[i]]));
        for (const t of [1, 2]) {
          const s = t > 1 ? "s" : "";
          const d = by[t === 1 ? "dact --threads 1" : "dact (2 threads)"];
          const best = Math.min(by[`polars ${t} thread${s}`].secs, by[`DuckDB ${t} thread${s}`].secs);
          console.log(`  ${t} thread${s}: dact ${(d.secs / best).toFixed(2)}x the best of polars and DuckDB (target <= 1), peak RSS ${d.rssMB.toFixed(0)} MB (target < 100)`);
        }
        for (const n of ["d1", "d2", "polars", "duck"]) rmSync(o(n, ext), { force: true });
      }
    }
  }
}

if (want("compare")) {
  // Golden checks stream both sides (issue 25): dact compare and --check of
  // two large .npy files against numpy.testing.assert_allclose, which loads
  // both whole. b is a within rtol 1e-7, so every run passes (exit 0).
  const gen = (expr) => (p) => `
import numpy as np
n = ${COMPARE_MB} * 10**6 // 8 // 1000 * 1000
out = np.lib.format.open_memmap(${p}, mode="w+", dtype="<f8", shape=(n // 1000, 1000))
step = 10**4
for i in range(0, n // 1000, step):
    a = np.random.default_rng(i).standard_normal((min(step, n // 1000 - i), 1000))
    out[i:i + step] = ${expr}
out.flush()
`;
  const a = ensureData(`cmp-a-${COMPARE_MB}.npy`, gen("a"));
  const b = ensureData(`cmp-b-${COMPARE_MB}.npy`, gen("a * (1 + 1e-9)"));
  const g = ensureData(`cmp-relu-${COMPARE_MB}.npy`, gen("np.heaviside(a, 0.0)"));
  row(
    "dact compare, two .npy f8 files (size of one)",
    a,
    `node ${BIN} compare ${a} ${b}`,
    "numpy",
    `python3 -c "import numpy as np; np.testing.assert_allclose(np.load('${a}'), np.load('${b}'), rtol=1e-7, atol=0)"`,
  );
  row(
    "dact relu --check, .npy f8 against its golden (size of one)",
    a,
    `node ${BIN} relu ${a} --check ${g}`,
    "numpy",
    `python3 -c "import numpy as np; np.testing.assert_allclose(np.heaviside(np.load('${a}'), 0.0), np.load('${g}'), rtol=1e-7, atol=0)"`,
  );
}
