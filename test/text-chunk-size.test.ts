/**
 * The chunk size of a pipelined block (text-parallel.ts, PendingText):
 * DACT_TEXT_CHUNK_CELLS (for tests) or 4096 cells or ops, but never more
 * chunks than the claim word holds (MAX_CHUNKS), and a value that is not a
 * positive whole number is ignored. Before, 1 cell a chunk on a block of
 * 110k cells overflowed the claim word (about half the block was never
 * written, exit 0), a negative size looped forever on JSON and garbled
 * CSV, and 0.5 was an internal error with a stack trace.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { chunkItems, chunkSize, MAX_CHUNKS } from "../src/text-parallel.js";
import { userEnv } from "./helpers.js";
import { dact, workdir } from "./workdir.js";

describe("the chunk size of a pipelined block", () => {
  it("keeps the chunks within the claim word, in whole units", () => {
    for (const want of [1, 2, 7, 30, 4096]) {
      for (const unit of [1, 3, 4097, 50_000]) {
        for (const count of [0, 1, unit, 65_535, 65_536, 110_366, 131_072, 1 << 20]) {
          const size = chunkSize(count, unit, want);
          expect(size % unit, `${count} in units of ${unit}, ${want} wanted`).toBe(0);
          expect(size).toBeGreaterThanOrEqual(want);
          expect(Math.ceil(count / size)).toBeLessThanOrEqual(MAX_CHUNKS);
          // No larger than needed: the size asked for, in whole units, unless that makes too many chunks.
          if (Math.ceil(count / (Math.ceil(want / unit) * unit)) <= MAX_CHUNKS) expect(size).toBe(Math.ceil(want / unit) * unit);
        }
      }
    }
  });

  it("reads DACT_TEXT_CHUNK_CELLS as a positive whole number, else the default", () => {
    expect(chunkItems(undefined)).toBe(4096);
    expect(chunkItems("30")).toBe(30);
    for (const bad of ["", "0", "-5", "0.5", "abc", "Infinity", "1e400"]) expect(chunkItems(bad), bad).toBe(4096);
  });
});

/** One column of 6-decimal numbers: ~10 bytes a cell, so a 1 MiB input chunk is a pipelined block of ~110k cells. */
function shortCells(rows: number): string {
  let s = 0x2545f491;
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    lines.push((((s >>> 0) / 2 ** 32 - 0.5) * 12).toFixed(6));
  }
  return lines.join("\n") + "\n";
}

describe("DACT_TEXT_CHUNK_CELLS at its edges: the bytes of one thread", () => {
  const dir = workdir();
  const inputs = { csv: path.join(dir, "x.csv"), jsonl: path.join(dir, "x.jsonl") };
  writeFileSync(inputs.csv, shortCells(250_000));
  // ~45 bytes a line: a 1 MiB chunk is a batch of ~115k ops, pipelined.
  writeFileSync(inputs.jsonl, Array.from({ length: 30_000 }, (_, i) => `[${(i % 97) / 7 - 6},${(i % 13) / 3 - 2},${i / 1e4}]`).join("\n") + "\n");
  const one: Partial<Record<keyof typeof inputs, Buffer>> = {};
  it.each([
    ["csv", "1"],
    ["csv", "2"],
    ["csv", "-5"],
    ["csv", "0.5"],
    ["jsonl", "1"],
    ["jsonl", "-5"],
    ["jsonl", "0.5"],
  ] as const)("%s, DACT_TEXT_CHUNK_CELLS=%s, 2 threads", (kind, cells) => {
    if (one[kind] === undefined) {
      const r1 = dact(["tanh", inputs[kind], "--threads", "1"]);
      expect(r1.status).toBe(0);
      one[kind] = r1.stdout;
    }
    const ref = one[kind]!;
    const r = dact(["tanh", inputs[kind], "--threads", "2"], { env: userEnv({ DACT_TEXT_CHUNK_CELLS: cells }), timeout: 30_000 });
    expect(r.signal).toBe(null);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.length).toBe(ref.length);
    expect(r.stdout.equals(ref)).toBe(true);
  });
});
