/**
 * Comparison in lockstep: both sides stream through the array protocol
 * (any reader, or the kernel's output for --check) into bounded queues,
 * and each batch is compared against the other side's as soon as both
 * have it. Memory is two queues of at most LANE_LIMIT elements each (plus
 * the readers' own chunk), whatever the arrays' size; the report is the
 * one compareNamed gives for the same arrays in memory.
 *
 * Backpressure: a side whose queue is full waits (in its flush, which
 * readers call after each input chunk) until the other side catches up;
 * once one side has ended, the other's surplus is only counted (the shapes
 * differ). An error on either side ends both, and the first side's error
 * (the actual's, else the expected's) is the one thrown.
 */
import { DiffStats } from "./compare-stats.js";
import { canonical, formatComparison, toleranceFor, type Comparison, type NamedComparison, type Tolerance, type TolerancePolicy } from "./compare.js";
import type { ArrayHead, ArrayWriter, Values } from "./formats/array.js";
import type { ContainerReader } from "./formats/container.js";
import { detectFormat, formatSpec, type Format, type ReadOptions } from "./formats/index.js";
import { openContainer, stemOf } from "./formats/members.js";
import type { Input } from "./io.js";

/** The most elements a side may queue before it waits for the other. */
export const LANE_LIMIT = 1 << 18;

/** One side of a streamed comparison: its name, whether it is a container, and its arrays by name, each streamed on demand. */
export interface StreamSide {
  name: string;
  container: boolean;
  /** Array names in the side's order (one, under the input's stem, for a single array). */
  members: readonly string[];
  /** Streams one array into `w` (begin, write, flush after each chunk, end). */
  read(member: string, w: ArrayWriter): Promise<void>;
}

class Cancelled extends Error {}

/** Values are queued in blocks of this many, reused once compared (fresh typed arrays per batch leave the GC behind). */
const BLOCK = 1 << 16;

/** One side's queue: an ArrayWriter the side's stream writes into. */
class Lane implements ArrayWriter {
  head: ArrayHead | null = null;
  shape: number[] | null = null;
  /** Queued blocks; each is filled to `fill[i]`. */
  readonly chunks: Float64Array[] = [];
  readonly fill: number[] = [];
  private readonly spare: Float64Array[] = [];
  /** Where the first block's unread values start. */
  offset = 0;
  queued = 0;
  private waiter: (() => void) | null = null;

  constructor(private readonly pair: Lockstep) {}

  begin(head: ArrayHead): void {
    this.head = head;
    this.pair.pump();
  }

  write(values: Values, _missing: Uint8Array | null, n: number): void {
    // The caller reuses its buffer: the values are copied.
    let i = 0;
    while (i < n) {
      let last = this.chunks.length - 1;
      if (last < 0 || this.fill[last] === BLOCK) {
        this.chunks.push(this.spare.pop() ?? new Float64Array(BLOCK));
        this.fill.push(0);
        last++;
      }
      const block = this.chunks[last]!;
      const at = this.fill[last]!;
      const m = Math.min(n - i, BLOCK - at);
      if (ArrayBuffer.isView(values)) block.set((values as Float64Array).subarray(i, i + m), at);
      else for (let j = 0; j < m; j++) block[at + j] = values[i + j]!;
      this.fill[last] = at + m;
      i += m;
    }
    this.queued += n;
    this.pair.pump();
  }

  async flush(): Promise<void> {
    this.pair.check();
    while (this.queued > LANE_LIMIT && !this.pair.otherEnded(this)) {
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.pair.check();
    }
  }

  async end(shape: readonly number[]): Promise<void> {
    this.shape = [...shape];
    this.pair.pump();
    this.pair.check();
  }

  /** How many values the first block has from `offset` on. */
  front(): number {
    return this.fill[0]! - this.offset;
  }

  /** Drops n values from the front. */
  take(n: number): void {
    this.queued -= n;
    while (n > 0) {
      const left = this.fill[0]! - this.offset;
      if (n < left || (n === left && this.chunks.length === 1 && this.fill[0]! < BLOCK)) {
        this.offset += n;
        return;
      }
      n -= left;
      this.spare.push(this.chunks.shift()!);
      this.fill.shift();
      this.offset = 0;
    }
  }

  wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
}

/** Two lanes compared batch against batch. */
class Lockstep {
  readonly a = new Lane(this);
  readonly e = new Lane(this);
  stats: DiffStats | null = null;
  /** The heads' shapes cannot match: nothing is compared, both are drained. */
  private hopeless = false;
  error: unknown = null;

  constructor(
    private readonly policy: TolerancePolicy | Tolerance,
    private readonly maxListed: number,
  ) {}

  otherEnded(l: Lane): boolean {
    return (l === this.a ? this.e : this.a).shape !== null || this.error !== null;
  }

  check(): void {
    if (this.error !== null) throw new Cancelled();
  }

  fail(err: unknown): void {
    if (this.error === null) this.error = err;
    this.a.wake();
    this.e.wake();
  }

  /** Whether a side was read from text rows, where (n, 1) is a 1-D array (canonical). */
  private tableRows(): boolean {
    return Boolean(this.a.head?.tableRows || this.e.head?.tableRows);
  }

  tolerance(): Tolerance {
    return toleranceFor(this.policy, this.a.head?.dtype ?? "f8", this.e.head?.dtype ?? "f8");
  }

  private start(): void {
    const ha = this.a.head!;
    const he = this.e.head!;
    this.stats = new DiffStats(this.tolerance(), this.maxListed, he.dtype);
    if (!ha.growing && !he.growing && canonical(ha.shape, this.tableRows()) !== canonical(he.shape, this.tableRows())) {
      this.hopeless = true;
      return;
    }
    // The shape indices refer to: the side with more axes (as compareMatrices);
    // a growing first axis is known from the other side when that one is not growing.
    const main = he.shape.length >= ha.shape.length ? he : ha;
    const other = main === he ? ha : he;
    if (main.growing && !other.growing) {
      const rest = main.shape.slice(1).reduce((x, y) => x * y, 1);
      const size = other.shape.reduce((x, y) => x * y, 1);
      this.stats.setShape(rest > 0 ? [size / rest, ...main.shape.slice(1)] : [...main.shape], rest === 0);
    } else this.stats.setShape(main.shape, main.growing);
  }

  pump(): void {
    const { a, e } = this;
    if (this.error !== null) return;
    if (a.head && e.head && !this.stats) this.start();
    if (this.stats && !this.hopeless) {
      while (a.queued > 0 && e.queued > 0) {
        const n = Math.min(a.front(), e.front());
        this.stats.add(a.chunks[0]!, a.offset, e.chunks[0]!, e.offset, n);
        a.take(n);
        e.take(n);
      }
    }
    // A side whose counterpart has ended (or whose shapes cannot match) keeps only a count.
    if (this.hopeless || e.shape) a.take(a.queued);
    if (this.hopeless || a.shape) e.take(e.queued);
    if (a.queued <= LANE_LIMIT || e.shape) a.wake();
    if (e.queued <= LANE_LIMIT || a.shape) e.wake();
  }

  result(): Comparison {
    const sa = this.a.shape!;
    const se = this.e.shape!;
    const tol = this.stats?.tolerance ?? this.tolerance();
    if (canonical(sa, this.tableRows()) !== canonical(se, this.tableRows())) {
      return { equal: false, shapes: { actual: sa, expected: se }, total: 0, mismatched: 0, maxAbs: 0, maxRel: 0, first: [], map: null, tolerance: tol };
    }
    const stats = this.stats ?? new DiffStats(tol, this.maxListed, this.e.head?.dtype ?? "f8");
    return stats.result(se.length >= sa.length ? se : sa);
  }
}

/** Streams `readA` and `readE` in lockstep and compares them. */
export async function compareStreams(readA: (w: ArrayWriter) => Promise<void>, readE: (w: ArrayWriter) => Promise<void>, policy: TolerancePolicy | Tolerance, maxListed = 10): Promise<Comparison> {
  const pair = new Lockstep(policy, maxListed);
  const run = async (read: (w: ArrayWriter) => Promise<void>, lane: Lane) => {
    try {
      await read(lane);
      if (!lane.shape) throw new Error("unreachable: a stream ended without its shape");
    } catch (err) {
      pair.fail(err);
      throw err;
    }
  };
  const [ra, re] = await Promise.allSettled([run(readA, pair.a), run(readE, pair.e)]);
  for (const r of [ra, re]) if (r.status === "rejected" && !(r.reason instanceof Cancelled)) throw r.reason;
  for (const r of [ra, re]) if (r.status === "rejected") throw r.reason;
  return pair.result();
}

/**
 * Array against array, or container against container key by key, as
 * compareNamed does (same keys, same order, same text), each pair of
 * arrays streamed in lockstep.
 */
export async function compareSides(actual: StreamSide, expected: StreamSide, policy: TolerancePolicy | Tolerance): Promise<NamedComparison> {
  const keys: NamedComparison["keys"] = [];
  const parts: string[] = [];
  const one = async (key: string, am: string, em: string, label: string) => {
    const c = await compareStreams((w) => actual.read(am, w), (w) => expected.read(em, w), policy);
    keys.push({ key, status: c.equal ? "ok" : "differs", comparison: c });
    if (!c.equal) parts.push(formatComparison(c, c.tolerance, { actual: label === "" ? actual.name : `${actual.name} [${label}]`, expected: label === "" ? expected.name : `${expected.name} [${label}]` }));
  };
  const single = (s: StreamSide) => !s.container || s.members.length === 1;
  if (!(actual.container && expected.container) && single(actual) && single(expected) && actual.members.length === 1 && expected.members.length === 1) {
    await one(expected.members[0]!, actual.members[0]!, expected.members[0]!, "");
  } else {
    const inExpected = new Set(expected.members);
    const inActual = new Set(actual.members);
    for (const k of actual.members) {
      if (inExpected.has(k)) await one(k, k, k, k);
      else {
        keys.push({ key: k, status: "missing-expected", comparison: null });
        parts.push(`${actual.name} [${k}]: no array of that name in ${expected.name}\n`);
      }
    }
    for (const k of expected.members) {
      if (!inActual.has(k)) {
        keys.push({ key: k, status: "missing-actual", comparison: null });
        parts.push(`${expected.name} [${k}]: no array of that name in ${actual.name}\n`);
      }
    }
  }
  return { equal: keys.every((k) => k.status === "ok"), text: parts.join("\n"), keys };
}

/** A file's arrays as a side: one array under its stem, or each member of a container; `opts` for a text file (a golden written with --decimal). */
export async function fileSide(input: Input, format: Format | undefined, notice: (m: string) => void, name = input.name, opts: ReadOptions = {}): Promise<StreamSide> {
  const spec = formatSpec(await detectFormat(input, format));
  if (spec.kind === "array") {
    return {
      name,
      container: false,
      members: [stemOf(input)],
      async read(_m, w) {
        const shape = await spec.read(input, opts, { begin: (h) => w.begin(h), data: (v, m, n) => w.write(v, m, n) }, () => w.flush(), notice);
        await w.end(shape);
      },
    };
  }
  const reader: ContainerReader = await openContainer(input, spec);
  return {
    name,
    container: true,
    members: reader.members.map((m) => m.name),
    async read(m, w) {
      const shape = await reader.read(m, { begin: (h) => w.begin(h), data: (v, mm, n) => w.write(v, mm, n) }, () => w.flush(), notice);
      await w.end(shape);
    },
  };
}
