/**
 * The piecewise-linear activations. Their derivatives are exact constants
 * (or, for hardswish, a correctly rounded line), with PyTorch autograd's
 * value at every kink. NaN in, NaN out.
 */
import type { Activation, Params } from "./types.js";
import { fromScalar, num, productError, sumError } from "./numerics.js";



export const leakyRelu = fromScalar({
  name: "leaky-relu",
  aliases: ["leaky", "lrelu"],
  cheap: true,
  summary: "leaky ReLU: x for x > 0, negative_slope·x otherwise",
  formula: "x>0 -> 1, else negative_slope",
  kinks: "negative_slope at 0",
  params: [{ flag: "negative-slope", description: "the slope for x <= 0", default: 0.01 }],
  scalar(p) {
    const s = num(p, "negative-slope");
    return (x) => (x > 0 ? 1 : x <= 0 ? s : NaN);
  },
  forward(p) {
    const s = num(p, "negative-slope");
    return (x) => (x > 0 ? x : s * x);
  },
});

function hardtanhLike(name: string, summary: string, lo: number | null, hi: number | null): Activation {
  const params =
    lo === null
      ? [
          { flag: "min-val", description: "the lower end of the linear region", default: -1 },
          { flag: "max-val", description: "the upper end of the linear region", default: 1 },
        ]
      : [];
  const bounds = (p: Params): [number, number] => (lo === null ? [num(p, "min-val"), num(p, "max-val")] : [lo, hi!]);
  return fromScalar({
    name,
    cheap: true,
    summary,
    formula: lo === null ? "min_val<x<max_val -> 1, else 0" : `${lo}<x<${hi} -> 1, else 0`,
    kinks: lo === null ? "0 at min_val and at max_val" : `0 at ${lo} and at ${hi}`,
    params,
    checkAll: lo === null ? (p) => (num(p, "min-val") < num(p, "max-val") ? null : `found --min-val ${p["min-val"]} and --max-val ${p["max-val"]}; expected min-val < max-val`) : undefined,
    scalar(p) {
      const [a, b] = bounds(p);
      return (x) => (x > a && x < b ? 1 : x === x ? 0 : NaN);
    },
    forward(p) {
      const [a, b] = bounds(p);
      return (x) => Math.min(Math.max(x, a), b);
    },
  });
}

export const relu6 = hardtanhLike("relu6", "ReLU capped at 6: min(max(0, x), 6)", 0, 6);
export const hardtanh = hardtanhLike("hardtanh", "hard tanh: x clamped to [min_val, max_val]", null, null);

export const hardsigmoid = fromScalar({
  name: "hardsigmoid",
  aliases: ["hsigmoid"],
  cheap: true,
  summary: "hard sigmoid: relu6(x + 3)/6",
  formula: "-3<x<3 -> 1/6, else 0",
  kinks: "0 at -3 and at 3; the slope is exactly 1/6 (PyTorch's float64 kernel uses the float32 literal 0.1666666716337204)",
  params: [],
  scalar() {
    return (x) => (x > -3 && x < 3 ? 1 / 6 : x === x ? 0 : NaN);
  },
  forward() {
    return (x) => Math.min(Math.max(x + 3, 0), 6) / 6;
  },
});

/**
 * (x + 3/2)/3, correctly rounded: x + 1.5 and the division each round, so
 * the sum's error and the quotient's remainder are carried (TwoSum,
 * TwoProduct) into one final rounding.
 */
function hardswishSlope(x: number): number {
  const s = x + 1.5;
  const e = sumError(x, 1.5, s);
  const q = s / 3;
  const q3 = q * 3;
  const r = s - q3 - productError(q, 3, q3); // s - 3q, exact
  return q + (r + e) / 3;
}

export const hardswish = fromScalar({
  name: "hardswish",
  aliases: ["hswish", "hardsilu"],
  cheap: true,
  summary: "hard swish: x·relu6(x + 3)/6",
  formula: "x<=-3 -> 0, x<3 -> x/3 + 1/2, else 1",
  kinks: "0 at -3, 1 at 3",
  params: [],
  scalar() {
    return (x) => (x <= -3 ? 0 : x < 3 ? hardswishSlope(x) : x >= 3 ? 1 : NaN);
  },
  forward() {
    return (x) => (x * Math.min(Math.max(x + 3, 0), 6)) / 6;
  },
});

function shrink(name: string, summary: string, soft: boolean): Activation {
  return fromScalar({
    name,
    cheap: true,
    summary,
    formula: "|x|>lambd -> 1, else 0",
    kinks: "0 at -lambd and at lambd",
    params: [{ flag: "lambd", description: "the threshold λ (>= 0)", default: 0.5, check: (v) => (v >= 0 ? null : "a number >= 0") }],
    scalar(p) {
      const l = num(p, "lambd");
      return (x) => (x > l || x < -l ? 1 : x === x ? 0 : NaN);
    },
    forward(p) {
      const l = num(p, "lambd");
      return soft ? (x) => (x > l ? x - l : x < -l ? x + l : 0) : (x) => (x > l || x < -l ? x : 0);
    },
  });
}

export const softshrink = shrink("softshrink", "soft shrinkage: x ∓ λ outside [-λ, λ], else 0", true);
export const hardshrink = shrink("hardshrink", "hard shrinkage: x outside [-λ, λ], else 0", false);
