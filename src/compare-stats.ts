/**
 * The statistics of one comparison, accumulated batch by batch, so that a
 * whole array (compareMatrices) and two streams read in lockstep
 * (compare-stream.ts) give the same Comparison: the mismatch count, the
 * largest differences, the first mismatches with their indices and the
 * map of where the mismatches are.
 *
 * The map bins the last two axes to at most 40 x 80 cells. When the axis
 * the map bins is still growing (a CSV's row count, a 1-D JSON array's
 * length), its size is known only at the end; then each mismatch is kept
 * as the first and last position seen in a bucket of B positions per
 * column cell, B doubling as the axis grows past 4096 buckets. A bucket is
 * never wider than a final cell (B <= length / 2048), so it touches at
 * most two cells, and its first and last position mark exactly the cells
 * its mismatches fall in: the same map as binning with the size known.
 */
import type { Comparison, Histograms } from "./compare-types.js";
import type { Tolerance } from "./types.js";
import type { FloatDType } from "./types.js";
import { ulpDistance } from "./ulp.js";

const MAP_ROWS = 40;
const MAP_COLS = 80;
const BUCKETS = 4096;
/** Histogram bins of |actual - expected|: equal, below 1e-16, each decade up to 1, 1 and more, NaN against a number or unequal infinities. */
const ABS_BINS = ["0", "<1e-16", ...Array.from({ length: 16 }, (_, i) => `1e${i - 16 < -9 ? i - 16 : `-0${16 - i}`}`), ">=1", "nan"];
/** Ulp histogram bins: 0, 1, 2, then (2^(i-2), 2^(i-1)], the last open-ended. */
const ULP_BINS = 40;

export function unravel(k: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    idx[d] = d === 0 ? k : k % n;
    k = Math.floor(k / n);
  }
  return idx;
}

export class DiffStats {
  private k = 0;
  private mismatched = 0;
  private nanMismatched = 0;
  private maxAbs = 0;
  private maxRel = 0;
  private maxAbsK = -1;
  private maxRelK = -1;
  private maxUlp = -1;
  private maxUlpK = -1;
  private readonly absBins: number[] | null;
  private readonly ulpBins: number[] | null;
  private readonly firstAt: number[] = [];
  private readonly firstValues: [number, number][] = [];
  // The map's geometry while streaming: rows and cols of the last two axes,
  // or the axis that is still growing.
  private rows = 1;
  private cols = 1;
  private mode: "grid" | "row" | "col" = "grid";
  private grid: Uint8Array = new Uint8Array(0);
  private gr = 1;
  private gc = 1;
  // Deferred mode: per bucket and column cell, the first and last position.
  private bucket = 1;
  private spans: Float64Array | null = null;

  constructor(
    readonly tolerance: Tolerance,
    private readonly maxListed = 10,
    /** The golden's dtype: --ulp counts its ulps. */
    private readonly dtype: FloatDType = "f8",
  ) {
    this.absBins = tolerance.histogram ? new Array<number>(ABS_BINS.length).fill(0) : null;
    this.ulpBins = tolerance.histogram && tolerance.ulp !== undefined ? new Array<number>(ULP_BINS).fill(0) : null;
  }

  /** The shape indices refer to; while `growing`, its first dimension is not known yet. */
  setShape(shape: readonly number[], growing: boolean): void {
    const nd = shape.length;
    this.cols = nd >= 1 ? shape[nd - 1]! : 1;
    this.rows = nd >= 2 ? shape[nd - 2]! : 1;
    this.mode = growing && nd === 1 ? "col" : growing && nd === 2 ? "row" : "grid";
    this.gr = Math.min(this.rows, MAP_ROWS);
    this.gc = Math.min(this.cols, MAP_COLS);
    if (this.mode === "grid") this.grid = new Uint8Array(this.gr * this.gc);
    if (this.mode === "col") this.gc = 1;
  }

  /** Compares n elements: actual a[ai..], expected e[ei..], at the next flat indices. */
  add(a: ArrayLike<number>, ai: number, e: ArrayLike<number>, ei: number, n: number): void {
    const { atol, rtol, ulp } = this.tolerance;
    const k0 = this.k;
    if (ulp !== undefined || this.absBins) {
      this.addSlow(a, ai, e, ei, n);
      return;
    }
    for (let i = 0; i < n; i++) {
      const x = a[ai + i]!;
      const y = e[ei + i]!;
      let bad: boolean;
      if (x !== x || y !== y) bad = !(x !== x && y !== y);
      else if (!Number.isFinite(x) || !Number.isFinite(y)) bad = x !== y;
      else bad = !(Math.abs(x - y) <= atol + rtol * Math.abs(y));
      if (bad) this.mismatch(k0 + i, x, y, -1);
    }
    this.k = k0 + n;
  }

  /** The same, with --ulp and/or histograms. */
  private addSlow(a: ArrayLike<number>, ai: number, e: ArrayLike<number>, ei: number, n: number): void {
    const { atol, rtol, ulp } = this.tolerance;
    const k0 = this.k;
    const dtype = this.dtype;
    for (let i = 0; i < n; i++) {
      const x = a[ai + i]!;
      const y = e[ei + i]!;
      let bad: boolean;
      if (x !== x || y !== y) bad = !(x !== x && y !== y);
      else if (!Number.isFinite(x) || !Number.isFinite(y)) bad = x !== y;
      else bad = !(Math.abs(x - y) <= atol + rtol * Math.abs(y));
      let d = -1;
      if (ulp !== undefined && (bad || this.ulpBins)) {
        d = ulpDistance(x, y, dtype);
        if (d <= ulp) bad = false;
        if (this.ulpBins) this.ulpBins[d === 0 ? 0 : Math.min(ULP_BINS - 1, 1 + Math.ceil(Math.log2(d)))]!++;
      }
      if (this.absBins) {
        const abs = Math.abs(x - y);
        let bin: number;
        if (x === y || (x !== x && y !== y)) bin = 0;
        else if (!(abs < Infinity)) bin = ABS_BINS.length - 1;
        else if (abs < 1e-16) bin = 1;
        else if (abs >= 1) bin = ABS_BINS.length - 2;
        else {
          let p = Math.floor(Math.log10(abs));
          if (abs < 10 ** p) p--;
          bin = 2 + Math.min(15, Math.max(0, p + 16));
        }
        this.absBins[bin]!++;
      }
      if (bad) this.mismatch(k0 + i, x, y, d);
    }
    this.k = k0 + n;
  }

  private mismatch(k: number, x: number, y: number, ulps: number): void {
    this.mismatched++;
    if (x !== x !== (y !== y)) this.nanMismatched++;
    const abs = Math.abs(x - y);
    if (abs === abs && abs > this.maxAbs) {
      this.maxAbs = abs;
      this.maxAbsK = k;
    }
    const rel = abs / Math.abs(y);
    if (rel === rel && rel > this.maxRel) {
      this.maxRel = rel;
      this.maxRelK = k;
    }
    if (ulps > this.maxUlp) {
      this.maxUlp = ulps;
      this.maxUlpK = k;
    }
    if (this.firstAt.length < this.maxListed) {
      this.firstAt.push(k);
      this.firstValues.push([x, y]);
    }
    const cols = this.cols;
    if (this.mode === "grid") {
      const c = k % cols;
      const r = Math.floor(k / cols) % this.rows;
      this.grid[Math.floor((r * this.gr) / this.rows) * this.gc + Math.floor((c * this.gc) / cols)] = 1;
      return;
    }
    const p = this.mode === "col" ? k : Math.floor(k / cols);
    const cell = this.mode === "col" ? 0 : Math.floor(((k % cols) * this.gc) / cols);
    this.span(p, cell);
  }

  private span(p: number, cell: number): void {
    const gc = this.gc;
    if (!this.spans) this.spans = new Float64Array(BUCKETS * gc * 2).fill(-1);
    let b = Math.floor(p / this.bucket);
    while (b >= BUCKETS) {
      // Merge bucket pairs: the axis has grown past BUCKETS buckets.
      const s = this.spans;
      for (let j = 0; j < BUCKETS / 2; j++) {
        for (let c = 0; c < gc; c++) {
          const lo = (2 * j * gc + c) * 2;
          const hi = ((2 * j + 1) * gc + c) * 2;
          const to = (j * gc + c) * 2;
          const min = s[lo]! >= 0 ? s[lo]! : s[hi]!;
          const max = s[hi + 1]! >= 0 ? s[hi + 1]! : s[lo + 1]!;
          s[to] = min;
          s[to + 1] = max;
        }
      }
      s.fill(-1, (BUCKETS / 2) * gc * 2);
      this.bucket *= 2;
      b = Math.floor(p / this.bucket);
    }
    const at = (b * gc + cell) * 2;
    const s = this.spans;
    if (s[at]! < 0) s[at] = p;
    s[at + 1] = p;
  }

  private histograms(): Histograms {
    const abs = Object.fromEntries(ABS_BINS.map((b, i) => [b, this.absBins![i]!]));
    if (!this.ulpBins) return { abs };
    const names = Array.from({ length: ULP_BINS }, (_, i) => (i === 0 ? "0" : i === 1 ? "1" : i === 2 ? "2" : i === ULP_BINS - 1 ? `>${2 ** (i - 2)}` : `${2 ** (i - 2) + 1}-${2 ** (i - 1)}`));
    return { abs, ulp: Object.fromEntries(names.map((b, i) => [b, this.ulpBins![i]!])) };
  }

  /** How many elements have been compared. */
  get count(): number {
    return this.k;
  }

  /** The Comparison, given the final shape indices refer to. */
  result(shape: readonly number[]): Comparison {
    const nd = shape.length;
    const rows = nd >= 2 ? shape[nd - 2]! : 1;
    const cols = nd >= 1 ? shape[nd - 1]! : 1;
    const gr = Math.min(rows, MAP_ROWS);
    const gc = Math.min(cols, MAP_COLS);
    let grid = this.grid;
    if (this.mode !== "grid") {
      grid = new Uint8Array(gr * gc);
      const s = this.spans;
      const cells = this.gc;
      if (s) {
        for (let b = 0; b < BUCKETS; b++) {
          for (let c = 0; c < cells; c++) {
            const at = (b * cells + c) * 2;
            if (s[at]! < 0) continue;
            for (const p of [s[at]!, s[at + 1]!]) {
              if (this.mode === "col") grid[Math.floor((p * gc) / cols)] = 1;
              else grid[Math.floor((p * gr) / rows) * gc + c] = 1;
            }
          }
        }
      }
    }
    const map = this.mismatched > 0 && nd >= 1 && rows * cols > 1 ? Array.from({ length: gr }, (_, r) => Array.from({ length: gc }, (_, c) => (grid[r * gc + c] ? "x" : ".")).join("")) : null;
    return {
      equal: this.mismatched === 0,
      shapes: null,
      total: this.k,
      mismatched: this.mismatched,
      maxAbs: this.maxAbs,
      maxRel: this.maxRel,
      ...(this.nanMismatched > 0 ? { nanMismatched: this.nanMismatched } : {}),
      first: this.firstAt.map((k, i) => ({ index: unravel(k, shape), actual: this.firstValues[i]![0], expected: this.firstValues[i]![1] })),
      map,
      tolerance: this.tolerance,
      shape: [...shape],
      ...(this.maxAbsK >= 0 ? { maxAbsAt: unravel(this.maxAbsK, shape) } : {}),
      ...(this.maxRelK >= 0 ? { maxRelAt: unravel(this.maxRelK, shape) } : {}),
      ...(this.tolerance.ulp !== undefined ? { ulpDtype: this.dtype, maxUlp: Math.max(0, this.maxUlp), ...(this.maxUlpK >= 0 ? { maxUlpAt: unravel(this.maxUlpK, shape) } : {}) } : {}),
      ...(this.absBins ? { histogram: this.histograms() } : {}),
    };
  }
}
