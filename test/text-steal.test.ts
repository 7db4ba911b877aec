/**
 * A pipelined block in chunks (text-parallel.ts, PendingText): the helper
 * formats chunks from the front, this thread steals from the back, and the
 * bytes come out in chunk order whatever the split. A helper here is a
 * stand-in with shared control words and no thread, driven by the test, so
 * every split is reached on purpose (the byte identity of real runs is in
 * text-parallel-seams.test.ts and text-parallel.e2e.test.ts).
 */
import { describe, expect, it } from "vitest";
import { chunks, claimBack, claimFront, Ctl, helped, HelperState, PendingText, type TextHelper } from "../src/text-parallel.js";

const LENGTH_AT = Ctl.Arg + 6;

function standIn(): TextHelper {
  const sab = (n: number) => new SharedArrayBuffer(n);
  return { worker: null as never, ctrl: new Int32Array(sab(64)), f64: new Float64Array(sab(64)), m8: new Uint8Array(sab(8)), e8: new Uint8Array(sab(8)), bytes: Buffer.from(sab(1 << 16)) };
}

/** An output buffer that grows (as OutBuffer's room() gives room). */
function sink() {
  const o = {
    buf: Buffer.alloc(16),
    len: 0,
    room(n: number) {
      if (o.len + n > o.buf.length) o.buf = Buffer.concat([o.buf.subarray(0, o.len)], 2 * (o.len + n));
    },
    bytes(b: Uint8Array) {
      o.room(b.length);
      o.buf.set(b, o.len);
      o.len += b.length;
    },
    text: () => o.buf.toString("latin1", 0, o.len),
  };
  return o;
}

/** Chunk j's text: chunks of different lengths, so a chunk out of place or cut short shows. */
const chunkText = (j: number) => `<${j}:${"x".repeat((j * 7) % 11)}>`;
const format = (j: number, buf: Buffer, p: number) => p + buf.write(chunkText(j), p, "latin1");
const all = (n: number) => Array.from({ length: n }, (_, j) => chunkText(j)).join("");

/** The stand-in helper takes the job and formats `k` chunks from the front, then says `state` (Done, or Done with Failed set). */
function helperDid(h: TextHelper, k: number, failed = false): void {
  let p = 0;
  for (let i = 0; i < k; i++) {
    const j = claimFront(h.ctrl);
    expect(j).toBe(i);
    p = format(j, h.bytes, p);
  }
  h.ctrl[LENGTH_AT] = failed ? 3 : p; // a failed helper's count means nothing
  h.ctrl[Ctl.Failed] = failed ? 1 : 0;
  Atomics.store(h.ctrl, Ctl.State, HelperState.Done);
}

describe("a pipelined block in chunks", () => {
  it("comes out in chunk order for every split between the helper and this thread", () => {
    for (const n of [1, 2, 3, 17, 40]) {
      for (let k = 0; k <= n; k++) {
        const h = standIn();
        chunks(h, 4096, n);
        Atomics.store(h.ctrl, Ctl.State, HelperState.Offered);
        helperDid(h, k);
        const stolen = helped.stolen;
        const out = sink();
        new PendingText(h, LENGTH_AT, 64, format).take(out);
        expect(out.text(), `${n} chunks, ${k} by the helper`).toBe(all(n));
        expect(helped.stolen - stolen).toBe(n - k);
        expect(Atomics.load(h.ctrl, Ctl.State)).toBe(HelperState.Idle);
      }
    }
  });

  it("does every chunk here when the helper never takes the job (no thread, a busy machine)", () => {
    const h = standIn();
    chunks(h, 4096, 25);
    Atomics.store(h.ctrl, Ctl.State, HelperState.Offered);
    const out = sink();
    new PendingText(h, LENGTH_AT, 64, format).take(out);
    expect(out.text()).toBe(all(25));
    // Taken back: a helper that wakes later finds no job.
    expect(Atomics.load(h.ctrl, Ctl.State)).toBe(HelperState.Idle);
  });

  it("redoes here the chunks of a helper that failed partway, in their place", () => {
    for (let k = 0; k <= 9; k++) {
      const h = standIn();
      chunks(h, 4096, 9);
      Atomics.store(h.ctrl, Ctl.State, HelperState.Offered);
      helperDid(h, k, true);
      const out = sink();
      new PendingText(h, LENGTH_AT, 64, format).take(out);
      expect(out.text(), `${k} chunks before the failure`).toBe(all(9));
    }
  });

  it("gives each chunk to exactly one side when both claim at once", () => {
    const h = standIn();
    for (let round = 0; round < 200; round++) {
      const n = 1 + (round % 37);
      chunks(h, 1, n);
      const seen = new Set<number>();
      // Alternate claims from both ends, in an order that changes with the round.
      for (let i = 0; ; i++) {
        const j = (i + round) % 3 === 0 ? claimFront(h.ctrl) : claimBack(h.ctrl);
        if (j < 0) break;
        expect(seen.has(j)).toBe(false);
        seen.add(j);
      }
      expect(seen.size).toBe(n);
      expect(claimFront(h.ctrl)).toBe(-1);
      expect(claimBack(h.ctrl)).toBe(-1);
    }
  });
});
