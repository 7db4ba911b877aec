/**
 * The one growable typed array (csv-parse's ResizeableBuffer is the model):
 * `a` if it has room for `need` elements, else a copy of its first `used`
 * elements in an array at least twice as long, so appends stay amortized
 * O(1) and nothing else in dact grows arrays by hand.
 */
export function grow<T extends Float64Array | Uint8Array>(a: T, used: number, need: number): T {
  if (need <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  b.set(a.subarray(0, used));
  return b;
}
