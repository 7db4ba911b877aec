import type { Activation, Params } from "./types.js";
import { DactError } from "../errors.js";
import { relu } from "./relu.js";
import { hardshrink, hardsigmoid, hardswish, hardtanh, leakyRelu, relu6, softshrink } from "./piecewise.js";
import { celu, elu, selu } from "./exponential.js";
import { gelu, logsigmoid, mish, sigmoidAct, silu, softplus, softsign, tanhAct, tanhshrink } from "./smooth.js";

/** Every activation dact knows, in the order `dact list` shows them (issue 5's table). */
export const ACTIVATIONS: readonly Activation[] = [
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
