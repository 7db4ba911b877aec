import type { Activation, Kernel, Params } from "./types.js";
import { float64Kernel } from "../wasm/index.js";
import { loop } from "./numerics.js";
import { SECOND } from "./second.js";
import { DactError } from "../errors.js";
import { relu } from "./relu.js";
import { hardshrink, hardsigmoid, hardswish, hardtanh, leakyRelu, relu6, softshrink } from "./piecewise.js";
import { celu, elu, selu } from "./exponential.js";
import { gelu, logsigmoid, mish, sigmoidAct, silu, softplus, softsign, tanhAct, tanhshrink } from "./smooth.js";

const FIRST: readonly Activation[] = [
  relu,
  leakyRelu,
  relu6,
  hardtanh,
  elu,
  selu,
  celu,
  gelu,
  sigmoidAct,
  tanhAct,
  softplus,
  silu,
  mish,
  hardsigmoid,
  hardswish,
  softsign,
  logsigmoid,
  tanhshrink,
  softshrink,
  hardshrink,
];

/**
 * An entry with its second derivative: `scalar` and `kernel` give f″ when
 * the parameters say `order: 2`, f′ otherwise.
 */
function withSecond(a: Activation): Activation {
  const second = SECOND[a.name];
  if (!second) throw new Error(`no second derivative for ${a.name}`);
  // f″'s kernel: WebAssembly SIMD where src/wasm has one (its scalar then
  // runs one element through it, so that every path gives the same double),
  // else a loop of the JavaScript f″, which is the SIMD kernels' reference.
  const kernel2 = (p: Params): Kernel => float64Kernel(a, p) ?? loop(second(p));
  const scalar2 = (p: Params): ((x: number) => number) => {
    if (!float64Kernel(a, p)) return second(p);
    const k = kernel2(p);
    const one = new Float64Array(1);
    return (x) => {
      one[0] = x;
      k(one, one, 1);
      return one[0]!;
    };
  };
  return {
    ...a,
    second,
    scalar: (p) => (p["order"] === 2 ? scalar2(p) : a.scalar(p)),
    kernel: (p) => (p["order"] === 2 ? kernel2(p) : a.kernel(p)),
  };
}

/** Every activation dact knows, in the order `dact list` shows them (issue 5's table). */
export const ACTIVATIONS: readonly Activation[] = FIRST.map(withSecond);

export function findActivation(name: string): Activation | undefined {
  return ACTIVATIONS.find((a) => a.name === name);
}

/**
 * Turns raw option strings into checked numbers: the one place parameters
 * are validated. Missing ones take their defaults.
 */
/** An option's camelCase spelling: at-zero -> atZero (the library accepts both). */
export function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function resolveParams(act: Activation, raw: Readonly<Record<string, string | number | undefined>>): Params {
  const out: Record<string, number | string> = {};
  for (const spec of act.params) {
    // Library callers may write options camelCase ({ atZero: 0.5 }) as well as the CLI's kebab-case.
    const v = raw[spec.flag] ?? raw[camel(spec.flag)];
    if (spec.choices) {
      const c = v === undefined ? spec.default : String(v);
      if (!spec.choices.includes(String(c))) {
        throw new DactError("USAGE", `option --${spec.flag}: found ${JSON.stringify(c)}; expected one of ${spec.choices.join(", ")}`);
      }
      out[spec.flag] = c;
      continue;
    }
    let n: number;
    if (v === undefined) n = spec.default as number;
    else if (typeof v === "number") n = v;
    else n = parseOptionNumber(v, `--${spec.flag}`);
    if (!Number.isFinite(n)) throw new DactError("USAGE", `option --${spec.flag}: found ${v}; expected a finite number`);
    const bad = spec.check?.(n);
    if (bad) throw new DactError("USAGE", `option --${spec.flag}: found ${v ?? n}; expected ${bad}`);
    out[spec.flag] = n;
  }
  const bad = act.checkAll?.(out);
  if (bad) throw new DactError("USAGE", `${act.name}: ${bad}`);
  // --order: 1 (f′, the default, left out of the parameters so that
  // nothing keyed on them changes) or 2 (f″).
  const order = raw["order"];
  if (order !== undefined) {
    const n = typeof order === "number" ? order : /^\s*[12]\s*$/.test(order) ? Number(order) : NaN;
    if (n !== 1 && n !== 2) throw new DactError("USAGE", `option --order: found ${typeof order === "string" ? JSON.stringify(order) : order}; expected 1 or 2`);
    if (n === 2) out["order"] = 2;
  }
  return out;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A finite decimal number, as a user would type it; "", "0x10" and "1abc" are rejected. */
export function parseOptionNumber(s: string, option: string): number {
  const t = s.trim();
  if (!DECIMAL.test(t)) throw new DactError("USAGE", `option ${option}: found ${JSON.stringify(s)}; expected a finite number`);
  const n = Number(t);
  if (!Number.isFinite(n)) throw new DactError("USAGE", `option ${option}: found ${JSON.stringify(s)}; expected a finite number`);
  return n;
}
