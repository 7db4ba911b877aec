// npm run verify:f32 [-- options]
//
// Every float32 input (all 2^32 bit patterns) through every activation's
// float32 kernel, f' and f'' (the WebAssembly float32 loops where src/wasm
// has one, else the kernel writing into a Float32Array: what the pipeline
// runs for float32 in and out), compared with the float64 path (the
// activation's float64 kernel, SIMD where there is one, into a
// Float64Array) rounded once to float32. Prints, per activation, option and
// order, how many inputs differ, by how many ulps (1, 2, more), how many
// are zeros of the other sign, and how much of the range was covered.
// Not part of npm test. Needs `npm run build`.
//
//   --only a,b          activations (gelu-tanh, relu@1: a variant of the list below)
//   --order 1|2|1,2     derivatives (default both)
//   --from X --to Y     bit patterns [X, Y), decimal or 0x hex (default the whole 2^32)
//   --stride N          every Nth bit pattern (a sample; default 1: every one)
//   --workers N         worker threads (default: one per core)
//   --out FILE          results, one JSON line per finished unit (2^24 patterns
//                       of one configuration); a rerun with the same FILE skips
//                       the units already in it, so a run can be stopped and resumed
//   --table FILE[,FILE] print the table of results files and exit
//
// Configurations: every activation with its defaults, plus relu with
// --at-zero 1 and 0.5 and gelu --approximate tanh; each at orders 1 and 2.
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

const UNIT = 1 << 24; // bit patterns a unit covers: 256 units span the 2^32
const CHUNK = 1 << 20; // elements a kernel call takes

/** The configurations: [label, activation name, raw options]. */
function variants(ACTIVATIONS) {
  const out = [];
  for (const a of ACTIVATIONS) {
    if (a.name === "relu") {
      out.push(["relu", "relu", {}], ["relu@1", "relu", { "at-zero": 1 }], ["relu@0.5", "relu", { "at-zero": 0.5 }]);
    } else if (a.name === "gelu") {
      out.push(["gelu", "gelu", {}], ["gelu-tanh", "gelu", { approximate: "tanh" }]);
    } else out.push([a.name, a.name, {}]);
  }
  return out;
}

/** Distance in ulps between two float32 bit patterns (same sign: difference; else through zero). */
function ulps(a, b) {
  const ka = a < 0 ? -(a & 0x7fffffff) : a;
  const kb = b < 0 ? -(b & 0x7fffffff) : b;
  return Math.abs(ka - kb);
}

async function worker() {
  const { ACTIVATIONS, resolveParams } = await import("../dist/activations/registry.js");
  const { float32Kernel } = await import("../dist/wasm/index.js");
  const byLabel = new Map(variants(ACTIVATIONS).map(([l, n, raw]) => [l, { a: ACTIVATIONS.find((x) => x.name === n), raw }]));
  const bits = new Uint32Array(CHUNK);
  const xs = new Float32Array(bits.buffer);
  const d32 = new Float32Array(CHUNK);
  const d64 = new Float64Array(CHUNK);
  const a32 = new Int32Array(d32.buffer);
  const r32 = new Float32Array(CHUNK);
  const b32 = new Int32Array(r32.buffer);
  const kernels = new Map();
  parentPort.on("message", (u) => {
    if (u === null) return process.exit(0);
    const key = `${u.label}/${u.order}`;
    if (!kernels.has(key)) {
      const { a, raw } = byLabel.get(u.label);
      const p = resolveParams(a, { ...raw, order: u.order });
      const k64 = a.kernel(p);
      kernels.set(key, [float32Kernel(a.name, p, k64) ?? k64, k64]);
    }
    const [k32, k64] = kernels.get(key);
    let inputs = 0, differ = 0, zeroSign = 0, nan = 0, one = 0, two = 0, more = 0, maxUlps = 0, worstX = null;
    for (let start = u.from; start < u.to; ) {
      let n = 0;
      let b = start;
      for (; n < CHUNK && b < u.to; b += u.stride) bits[n++] = b >>> 0;
      start = b;
      const x = xs.subarray(0, n);
      k32(x, d32, n);
      k64(x, d64, n);
      r32.set(d64.subarray(0, n)); // rounded once, to nearest even
      for (let i = 0; i < n; i++) {
        if (a32[i] === b32[i]) continue;
        const f = d32[i], r = r32[i];
        if (f !== f && r !== r) continue; // NaN and NaN (payloads aside)
        if (f === 0 && r === 0) {
          zeroSign++; // +0 against -0
          continue;
        }
        differ++;
        if (f !== f || r !== r) {
          nan++;
          maxUlps = Infinity;
          worstX = xs[i];
          continue;
        }
        const d = ulps(a32[i], b32[i]);
        if (d === 1) one++;
        else if (d === 2) two++;
        else more++;
        if (d > maxUlps) {
          maxUlps = d;
          worstX = xs[i];
        }
      }
      inputs += n;
    }
    parentPort.postMessage({ ...u, inputs, differ, one, two, more, nan, zeroSign, maxUlps: maxUlps === Infinity ? "inf" : maxUlps, worstX });
  });
  parentPort.postMessage("ready");
}

function num(s) {
  return s === undefined ? undefined : Number(s.startsWith("0x") ? BigInt(s) : s);
}

/** Sums the units of results files per configuration, and prints the table. */
function table(lines) {
  const seen = new Set();
  const rows = new Map();
  for (const r of lines) {
    const id = `${r.label}/${r.order}/${r.from}/${r.stride}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const k = `${r.label} --order ${r.order}`;
    const t = rows.get(k) ?? { inputs: 0, differ: 0, one: 0, two: 0, more: 0, nan: 0, zeroSign: 0, maxUlps: 0, worstX: null, full: 0, sampled: new Set() };
    for (const f of ["inputs", "differ", "one", "two", "more", "nan", "zeroSign"]) t[f] += r[f];
    const m = r.maxUlps === "inf" ? Infinity : r.maxUlps;
    if (m > t.maxUlps) {
      t.maxUlps = m;
      t.worstX = r.worstX;
    }
    if (r.stride === 1) t.full += r.to - r.from;
    else t.sampled.add(r.stride);
    rows.set(k, t);
  }
  const head = ["configuration", "inputs", "coverage", "differ", "1 ulp", "2 ulps", ">2 ulps", "NaN vs number", "±0 only", "max ulps", "at x"];
  const out = [head];
  for (const [k, t] of rows) {
    const cov = t.full === 2 ** 32 ? "all 2^32" : t.full > 0 ? `${((t.full / 2 ** 32) * 100).toFixed(2)}% of 2^32` : `sample 1/${[...t.sampled].join(",1/")}`;
    out.push([k, t.inputs, cov, t.differ, t.one, t.two, t.more, t.nan, t.zeroSign, t.maxUlps, t.worstX ?? ""].map(String));
  }
  const w = head.map((_, j) => Math.max(...out.map((r) => r[j].length)));
  for (const r of out) console.log(r.map((c, j) => (j === 0 ? c.padEnd(w[j]) : c.padStart(w[j]))).join("  "));
}

async function main() {
  const args = process.argv.slice(2);
  const opt = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  if (opt("--table")) {
    const lines = opt("--table").split(",").flatMap((f) => readFileSync(f, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)));
    return table(lines);
  }
  const { ACTIVATIONS } = await import("../dist/activations/registry.js");
  const all = variants(ACTIVATIONS).map(([l]) => l);
  const only = opt("--only")?.split(",");
  for (const o of only ?? []) if (!all.includes(o)) throw new Error(`--only: unknown configuration ${o}; expected one of ${all.join(", ")}`);
  const labels = only ?? all;
  const orders = (opt("--order") ?? "1,2").split(",").map(Number);
  const from = num(opt("--from")) ?? 0;
  const to = num(opt("--to")) ?? 2 ** 32;
  const stride = Number(opt("--stride") ?? 1);
  const nWorkers = Number(opt("--workers") ?? availableParallelism());
  const outFile = opt("--out");
  const done = new Set();
  const results = [];
  if (outFile && existsSync(outFile)) {
    for (const l of readFileSync(outFile, "utf8").split("\n").filter(Boolean)) {
      const r = JSON.parse(l);
      done.add(`${r.label}/${r.order}/${r.from}/${r.to}/${r.stride}`);
    }
  }
  // Units: orders first (all f' before any f''), then configurations, then
  // ranges, so that a run stopped midway leaves whole configurations done.
  const queue = [];
  for (const order of orders)
    for (const label of labels)
      for (let f = from; f < to; f = Math.min(to, (Math.floor(f / UNIT) + 1) * UNIT)) {
        const t = Math.min(to, (Math.floor(f / UNIT) + 1) * UNIT);
        // the first pattern of the unit on the stride's grid
        const f0 = from + Math.ceil((f - from) / stride) * stride;
        if (f0 >= t) continue;
        const u = { label, order, from: f0, to: t, stride };
        if (!done.has(`${label}/${order}/${f0}/${t}/${stride}`)) queue.push(u);
      }
  const total = queue.length;
  const started = Date.now();
  let finished = 0;
  console.error(`${total} units to run (${labels.length} configurations x orders ${orders.join(",")}, [${from}, ${to}) stride ${stride}), ${nWorkers} workers`);
  await Promise.all(
    Array.from({ length: nWorkers }, () =>
      new Promise((resolve, reject) => {
        const w = new Worker(new URL(import.meta.url), { workerData: {} });
        const next = () => {
          const u = queue.shift();
          if (!u) {
            w.postMessage(null);
            return;
          }
          w.postMessage(u);
        };
        w.on("message", (m) => {
          if (m !== "ready") {
            results.push(m);
            if (outFile) appendFileSync(outFile, JSON.stringify(m) + "\n");
            finished++;
            if (finished % 16 === 0 || m.differ)
              console.error(`${finished}/${total} units, ${((Date.now() - started) / 1000).toFixed(0)} s; last ${m.label} --order ${m.order} [${m.from}, ${m.to}): ${m.differ} differ`);
          }
          next();
        });
        w.on("error", reject);
        w.on("exit", resolve);
      }),
    ),
  );
  console.error(`${finished} units in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  table(outFile ? readFileSync(outFile, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)) : results);
}

if (isMainThread) await main();
else await worker();
