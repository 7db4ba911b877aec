// Assembles src/wasm/kernels.wat into src/wasm/kernels.generated.ts (the
// module's bytes, base64), with wabt from npm: run by `npm run build`
// before tsc. One loop per "$f64x2_<name>" function is added here: each
// takes n (a multiple of 4) and two parameters, widens four floats to two
// f64x2, calls the function on each and narrows the results back, in place.
// One loop per "$f64x2d_<name>" function too, exported as "<name>64": two
// doubles a step, in place; its float32 loop calls it unless a
// "$f64x2_<name>" exists.
import { readFileSync, writeFileSync } from "node:fs";
import wabtInit from "wabt";

// {{<root>.hi}}, {{<root>.lo}}, {{<root>.radius}}, {{<root>.c<k>}} and
// {{taylor <root> $w}}: the Taylor expansions about the derivatives' zeros,
// from the file the float64 JavaScript kernels use.
const roots = readFileSync("src/activations/roots.generated.ts", "utf8") + readFileSync("src/activations/roots2.generated.ts", "utf8");
// {{mills.p<k>}}, {{mills.q<k>}}: the rational Mills' ratio of
// fixtures/make_mills.py, for gelu.
const mills = JSON.parse(readFileSync("src/wasm/mills.json", "utf8"));
/** The Taylor expansion about a derivative's zero, from the file the float64 kernels use. */
function root(name) {
  const m = new RegExp(`${name}: RootExpansion = \\{ hi: ([^,]+), lo: ([^,]+), radius: ([^,]+), c: \\[([^\\]]+)\\]`).exec(roots);
  if (!m) throw new Error(`build-wasm: no ${name} in roots.generated.ts`);
  return { hi: m[1].trim(), lo: m[2].trim(), radius: m[3].trim(), c: m[4].split(",").map((v) => v.trim()) };
}
const expanded = readFileSync("src/wasm/kernels.wat", "utf8").replace(/\{\{mills\.([pq])(\d+)\}\}/g, (_, pq, k) => {
  const v = mills[pq][Number(k)];
  if (v === undefined) throw new Error(`build-wasm: no mills.${pq}${k}`);
  return v;
}).replace(/\{\{taylor (\w+) (\$\w+)\}\}/g, (_, name, w) => {
  // {{taylor <root> $w}}: the whole expansion c1 w + ... + cN w^N by Horner's
  // scheme, as nearRoot (src/activations/numerics.ts) evaluates it.
  const c = root(name).c;
  let p = `(f64x2.splat (f64.const ${c[c.length - 1]}))`;
  for (let k = c.length - 2; k >= 1; k--) p = `(f64x2.add (f64x2.mul ${p} (local.get ${w})) (f64x2.splat (f64.const ${c[k]})))`;
  return `(f64x2.mul ${p} (local.get ${w}))`;
}).replace(/\{\{(\w+)\.(hi|lo|radius|c\d+)\}\}/g, (_, name, field) => {
  const r = root(name);
  const value = field.startsWith("c") ? r.c[Number(field.slice(1))] : r[field];
  if (value === undefined) throw new Error(`build-wasm: no ${name}.${field}`);
  return value;
});
/** The end of the balanced parenthesised expression that starts at text[i] ("("): the index after its ")". */
function closing(text, i) {
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    if (text[j] === "(") depth++;
    else if (text[j] === ")" && --depth === 0) return j + 1;
  }
  throw new Error(`build-wasm: unbalanced at ${i}`);
}
// Calls of leaf helpers (no locals, no calls, no stores: $expq) whose
// arguments are local.gets are replaced by the helper's body with the
// arguments in place of its parameters: the same operations on the same
// values, without the call (V8 in Node 20 does not inline wasm calls).
function inlineLeafCalls(text) {
  const leafFns = new Map();
  for (const m of text.matchAll(/\(func (\$\w+)((?: \(param \$\w+ v128\))+) \(result v128\)/g)) {
    const end = closing(text, m.index);
    const body = text.slice(m.index + m[0].length, end - 1);
    if (/\((local|call|local\.set|local\.tee|v128\.load|v128\.store) /.test(body)) continue;
    leafFns.set(m[1], { params: [...m[2].matchAll(/\$(\w+)/g)].map((p) => p[1]), body });
  }
  let out = "";
  let at = 0;
  for (const m of text.matchAll(/\(call (\$\w+) /g)) {
    const leaf = leafFns.get(m[1]);
    if (!leaf || m.index < at) continue;
    const end = closing(text, m.index);
    const args = [];
    for (let i = m.index + m[0].length; i < end - 1; ) {
      if (text[i] === "(") {
        const e = closing(text, i);
        args.push(text.slice(i, e));
        i = e;
      } else i++;
    }
    if (args.length !== leaf.params.length || !args.every((a) => /^\(local\.get \$\w+\)$/.test(a))) continue;
    const byParam = new Map(leaf.params.map((p, k) => [`(local.get $${p})`, args[k]]));
    out += text.slice(at, m.index) + leaf.body.trim().replace(/\(local\.get \$\w+\)/g, (g) => byParam.get(g) ?? g);
    at = end;
  }
  return out + text.slice(at);
}
const src = inlineLeafCalls(expanded);
const names64 = [...src.matchAll(/\(func \$f64x2d_(\w+)/g)].map((m) => m[1]);
// A float32 loop calls "$f64x2_<name>" where the file has one (a form that
// float32 accuracy allows to be cheaper), else the float64 kernel's function.
const own32 = new Set([...src.matchAll(/\(func \$f64x2_(\w+)/g)].map((m) => m[1]));
const names = [...new Set([...own32, ...names64])];
const fn32 = (name) => (own32.has(name) ? `$f64x2_${name}` : `$f64x2d_${name}`);
// Leaf functions (no locals, no calls: relu's compare-and-selects) are
// inlined into their loops. V8 in Node 20 does not inline calls between
// wasm functions, and for a body of a few instructions the call costs more
// than the body (relu: 2.9 → 2.2 ns an element with V8's experimental
// inlining, the same code). The argument goes to the loop's local $w.
const leaves = new Map();
for (const m of src.matchAll(/\(func (\$f64x2d?_\w+) \(param \$x v128\) \(param \$a f64\) \(param \$b f64\) \(result v128\)/g)) {
  let depth = 1;
  let i = m.index + 1;
  for (; depth > 0; i++) depth += src[i] === "(" ? 1 : src[i] === ")" ? -1 : 0;
  const body = src.slice(m.index + m[0].length, i - 1);
  if (!body.includes("(local ") && !body.includes("(call ") && !body.includes("(local.set ")) leaves.set(m[1], body);
}
/** A call of `fn` on the expression `x` (and the loop's $a, $b), inlined where fn is a leaf. */
const call = (fn, x) => (leaves.has(fn) ? `(block (result v128) (local.set $w ${x}) ${leaves.get(fn).replaceAll("(local.get $x)", "(local.get $w)")})` : `(call ${fn} ${x} (local.get $a) (local.get $b))`);
const loop = (name) => `
  (func (export "${name}") (param $n i32) (param $a f64) (param $b f64)
    (local $i i32) (local $end i32) (local $v v128) (local $w v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $next
        (local.set $v (v128.load (local.get $i)))
        (v128.store (local.get $i)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero ${call(fn32(name), "(f64x2.promote_low_f32x4 (local.get $v))")})
            (f32x4.demote_f64x2_zero ${call(fn32(name), "(f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v)))")})))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $next (i32.lt_u (local.get $i) (local.get $end))))))`;
// The float64 loops: two doubles a step, in place; n even (the caller rounds up).
const loop64 = (name) => `
  (func (export "${name}64") (param $n i32) (param $a f64) (param $b f64)
    (local $i i32) (local $end i32) (local $w v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 3)))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $next
        (v128.store (local.get $i) ${call(`$f64x2d_${name}`, "(v128.load (local.get $i))")})
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $next (i32.lt_u (local.get $i) (local.get $end))))))`;
// Constant vectors become immutable globals: V8 materialises a splat of a
// constant anew at every use (measured: the exp's 15 constants cost more
// than its arithmetic), and reads a global with one load.
const consts = new Map();
const body = src.replace(";; LOOPS", [...names.map(loop), ...names64.map(loop64)].join("\n")).replace(/\(f64x2\.splat \(f64\.const ([^)]+)\)\)/g, (_, c) => {
  if (!consts.has(c)) consts.set(c, `$c${consts.size}`);
  return `(global.get ${consts.get(c)})`;
});
const globals = [...consts].map(([c, name]) => `  (global ${name} v128 (v128.const f64x2 ${c} ${c}))`).join("\n");
const wat = body.replace("(memory (export \"memory\") 16)", `(memory (export "memory") 16)\n${globals}`);
const wabt = await wabtInit();
const mod = wabt.parseWat("kernels.wat", wat, { simd: true });
mod.validate();
const { buffer } = mod.toBinary({});
mod.destroy();
writeFileSync(
  "src/wasm/kernels.generated.ts",
  `// Generated by scripts/build-wasm.mjs from kernels.wat and mills.json: do not edit.\nexport const KERNELS_WASM = "${Buffer.from(buffer).toString("base64")}";\nexport const KERNEL_NAMES = ${JSON.stringify(names)} as const;\nexport const KERNEL_NAMES_64 = ${JSON.stringify(names64)} as const;\n` +
    "// Mills' ratio P10/Q10 (mills.json), for gelu's float64 kernel too.\n" +
    mills.p.map((v, k) => `export const MP${k} = ${v};\n`).join("") +
    mills.q.slice(1).map((v, k) => `export const MQ${k + 1} = ${v};\n`).join(""),
);

// text.wat: the number parser of the text readers (src/wasm/text.ts), with
// its table of 5^q for q = -342 .. 308 to 128 bits (the Eisel-Lemire
// algorithm's; made here with exact BigInt arithmetic as fast_float's
// table_generation.py makes it: 2^b / 5^-q + 1 for q < 0, truncated 5^q
// above), high word first, each word little-endian.
const pow5 = [];
for (let q = -342; q <= 308; q++) {
  let c;
  if (q < 0) {
    const p5 = 5n ** BigInt(-q);
    let z = 0n;
    while (1n << z < p5) z++;
    c = (q >= -27 ? (1n << (z + 127n)) / p5 : (1n << (2n * z + 128n)) / p5) + 1n;
    while (c >= 1n << 128n) c /= 2n;
  } else {
    c = 5n ** BigInt(q);
    while (c < 1n << 127n) c *= 2n;
    while (c >= 1n << 128n) c /= 2n;
  }
  const b = Buffer.alloc(16);
  b.writeBigUInt64LE(c >> 64n, 0);
  b.writeBigUInt64LE(c & ((1n << 64n) - 1n), 8);
  pow5.push(b);
}
const table = Buffer.concat(pow5);
if (table.length !== 10416) throw new Error(`build-wasm: the 5^q table has ${table.length} bytes; expected 10416`);
// decimal.ts' table of 10^q (q = -290 .. 280) as two doubles, made as its pow10Hi makes them.
const scale2 = (v, e) => {
  while (e > 600) (v *= 2 ** 600), (e -= 600);
  while (e < -600) (v *= 2 ** -600), (e += 600);
  return v * 2 ** e;
};
const pow10 = Buffer.alloc(571 * 16);
for (let q = -290; q <= 280; q++) {
  let h, l;
  if (q >= 0) {
    const p = 10n ** BigInt(q);
    h = Number(p);
    l = Number(p - BigInt(h));
  } else {
    const d = 10n ** BigInt(-q);
    const s = d.toString(2).length + 120;
    const quo = (1n << BigInt(s)) / d;
    const hq = Number(quo);
    h = scale2(hq, -s);
    l = scale2(Number(quo - BigInt(hq)), -s);
  }
  pow10.writeDoubleLE(h, (q + 290) * 16);
  pow10.writeDoubleLE(l, (q + 290) * 16 + 8);
}
const hex = (b) => [...b].map((x) => "\\" + x.toString(16).padStart(2, "0")).join("");
const textWat = readFileSync("src/wasm/text.wat", "utf8").replace("{{pow5}}", hex(table)).replace("{{pow10}}", hex(pow10));
const textMod = wabt.parseWat("text.wat", textWat, {});
textMod.validate();
const textBin = textMod.toBinary({}).buffer;
textMod.destroy();
writeFileSync("src/wasm/text.generated.ts", `// Generated by scripts/build-wasm.mjs from text.wat: do not edit.\nexport const TEXT_WASM = "${Buffer.from(textBin).toString("base64")}";\n`);
