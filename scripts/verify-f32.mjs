// npm run verify:f32 [-- --stride N] [-- --acts a,b] [-- --order 1|2]
//
// Every float32 input (all 2^32 bit patterns; --stride N takes every Nth)
// through every activation's float32 kernel, f' and f'' (the WebAssembly
// float32 loops where src/wasm has one, else the JavaScript kernel writing
// into a Float32Array), compared with the float64 path (the kernel into a
// Float64Array) rounded once to float32. Prints, per activation and order,
// how many inputs differ and by how many ulps at most (and, apart, how many
// are zeros of the other sign). Not part of npm test:
// the whole range takes hours on two cores. Needs `npm run build`.
import { ACTIVATIONS, resolveParams } from "../dist/activations/registry.js";
import { float32Kernel } from "../dist/wasm/index.js";

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const stride = Number(opt("--stride", "1"));
const acts = opt("--acts", null)?.split(",");
const orders = opt("--order", "1,2").split(",").map(Number);

const CHUNK = 1 << 20;
const bits = new Uint32Array(CHUNK);
const xs = new Float32Array(bits.buffer);
const d32 = new Float32Array(CHUNK);
const d64 = new Float64Array(CHUNK);
const a32 = new Int32Array(d32.buffer);
const r32 = new Float32Array(CHUNK);
const b32 = new Int32Array(r32.buffer);

/** Distance in ulps between two float32 bit patterns (same sign: difference; else through zero). */
function ulps(a, b) {
  const ka = a < 0 ? -(a & 0x7fffffff) : a;
  const kb = b < 0 ? -(b & 0x7fffffff) : b;
  return Math.abs(ka - kb);
}

const configs = [];
for (const a of ACTIVATIONS) {
  if (acts && !acts.includes(a.name)) continue;
  const variants = a.name === "gelu" ? [{}, { approximate: "tanh" }] : [{}];
  for (const v of variants) for (const order of orders) configs.push({ a, raw: { ...v, order } });
}

const total = Math.ceil(2 ** 32 / stride);
const started = Date.now();
for (const { a, raw } of configs) {
  const p = resolveParams(a, raw);
  const js = a.kernel(p);
  const k32 = float32Kernel(a.name, p, js) ?? js;
  let differ = 0;
  let zeroSign = 0;
  let worst = 0;
  let worstX = null;
  let done = 0;
  for (let start = 0; start < 2 ** 32; start += CHUNK * stride) {
    let n = 0;
    for (let b = start; n < CHUNK && b < 2 ** 32; b += stride) bits[n++] = b >>> 0;
    k32(xs.subarray(0, n), d32, n);
    js(xs.subarray(0, n), d64, n);
    for (let i = 0; i < n; i++) r32[i] = d64[i];
    for (let i = 0; i < n; i++) {
      if (a32[i] === b32[i]) continue;
      if (d32[i] !== d32[i] && r32[i] !== r32[i]) continue; // NaN and NaN (payloads aside)
      if (d32[i] === 0 && r32[i] === 0) {
        zeroSign++; // +0 against -0
        continue;
      }
      differ++;
      const u = d32[i] !== d32[i] || r32[i] !== r32[i] ? Infinity : ulps(a32[i], b32[i]);
      if (u > worst) {
        worst = u;
        worstX = xs[i];
      }
    }
    done += n;
  }
  const label = `${a.name}${raw.approximate ? " --approximate tanh" : ""} --order ${raw.order}`;
  console.log(JSON.stringify({ activation: label, inputs: done, differ, zeroSign, maxUlps: worst, worstX }));
}
console.log(`${configs.length} configurations, ${total} inputs each (stride ${stride}), ${((Date.now() - started) / 1000).toFixed(0)} s`);
