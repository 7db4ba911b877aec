/**
 * "Did you mean" for an unknown subcommand: case and punctuation do not
 * count (Relu, LeakyReLU, leaky_relu), PyTorch's and the literature's other
 * names map to dact's (swish is silu), and otherwise the names within a
 * small edit distance are offered.
 */
import { ACTIVATIONS } from "./activations/registry.js";

/** Other names for an activation, normalized (see key()): each registry entry's `aliases`. */
const ALIASES: Record<string, string> = Object.fromEntries(ACTIVATIONS.flatMap((a) => (a.aliases ?? []).map((alias) => [key(alias), a.name])));

function key(name: string): string {
  return name.toLowerCase().replace(/[-_\s.]/g, "");
}

/** Optimal string alignment distance (Damerau-Levenshtein without repeated transpositions). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** dact's names that `name` most likely meant, best first (empty when nothing is close). */
export function suggestActivations(name: string, others: readonly string[] = []): string[] {
  const k = key(name);
  const names = [...ACTIVATIONS.map((a) => a.name), ...others];
  const exact = names.filter((n) => key(n) === k);
  if (exact.length) return exact;
  if (ALIASES[k]) return [ALIASES[k]];
  const scored = names.map((n) => ({ n, d: distance(k, key(n)) })).filter((s) => s.d <= Math.max(1, Math.floor(key(s.n).length / 3)));
  scored.sort((a, b) => a.d - b.d);
  return scored.slice(0, 3).map((s) => s.n);
}
