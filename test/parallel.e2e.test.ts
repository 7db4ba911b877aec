/**
 * Issue 17: the kernel on every core gives the same bits as on one, for
 * every activation and source dtype, in batches that split unevenly and in
 * batches larger than the shared buffers. In-process against the build
 * (dist/: the helper threads run dist/kernel-worker.js), plus one CLI run
 * for --threads end to end.
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ACTIVATIONS } from "../src/activations/registry.js";
import { npyBytes, ROOT } from "./helpers.js";
import { dact, workdir } from "./workdir.js";

type Parallel = typeof import("../src/parallel.js");
type Registry = typeof import("../src/activations/registry.js");
const dist = (f: string) => import(path.join(ROOT, "dist", f)) as Promise<unknown>;

function input(n: number): Float64Array {
  const x = new Float64Array(n).map((_, i) => Math.sin(i * 0.37) * 12);
  x[5] = NaN;
  x[7] = -0;
  x[1000] = Infinity;
  x[2000] = -Infinity;
  return x;
}

describe("the parallel kernel: the same bits as one thread", () => {
  it.each(ACTIVATIONS.map((a) => a.name))("%s: f8, f4 and i4 sources, f8 and f4 results, 2 and 3 threads", async (name) => {
    const { parallelKernel } = (await dist("parallel.js")) as Parallel;
    const { findActivation, resolveParams } = (await dist("activations/registry.js")) as Registry;
    const act = findActivation(name)!;
    const params = resolveParams(act, {});
    const plain = act.kernel(params);
    const n = 300_001;
    const x = input(n);
    const sources = [x, Float32Array.from(x), Int32Array.from(x, (v) => (Number.isFinite(v) ? Math.round(v) : 0))];
    for (const threads of [2, 3]) {
      const k = parallelKernel(act, params, plain, threads);
      for (const src of sources) {
        for (const Dst of [Float64Array, Float32Array]) {
          const want = new Dst(n);
          plain(src, want, n);
          const got = new Dst(n);
          k(src, got, n);
          const a = new Uint8Array(want.buffer);
          const b = new Uint8Array(got.buffer);
          expect(Buffer.compare(a, b), `${name}, ${threads} threads, ${src.constructor.name} -> ${Dst.name}`).toBe(0);
        }
      }
    }
  });

  it("batches larger than the shared buffers, and in place (src === dst, as the text codecs run it)", async () => {
    const { parallelKernel } = (await dist("parallel.js")) as Parallel;
    const { findActivation } = (await dist("activations/registry.js")) as Registry;
    const act = findActivation("gelu")!;
    const plain = act.kernel({ approximate: "none" });
    const k = parallelKernel(act, { approximate: "none" }, plain, 3);
    const x = input(2_500_001);
    const want = new Float64Array(x.length);
    plain(x, want, x.length);
    const inPlace = x.slice();
    k(inPlace, inPlace, inPlace.length);
    expect(Buffer.compare(new Uint8Array(want.buffer), new Uint8Array(inPlace.buffer))).toBe(0);
  });
});

describe("a helper that never starts", () => {
  it("the main thread takes its part back and finishes, the same bits (it waited in Atomics.wait for good)", async () => {
    // From the sources, src/kernel-worker.js does not exist: every helper fails to load.
    const { parallelKernel } = await import("../src/parallel.js");
    const { findActivation } = await import("../src/activations/registry.js");
    const act = findActivation("gelu")!;
    const plain = act.kernel({ approximate: "none" });
    const k = parallelKernel(act, { approximate: "none" }, plain, 3);
    const x = input(1_500_001);
    const want = new Float64Array(x.length);
    plain(x, want, x.length);
    const got = new Float64Array(x.length);
    const t0 = Date.now();
    k(x, got, x.length);
    k(x, got, x.length); // the helpers are dropped after the first take-back: no second wait
    expect(Buffer.compare(new Uint8Array(want.buffer), new Uint8Array(got.buffer))).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});

describe("--threads, end to end", () => {
  it("gelu on a .npy: the same bytes with --threads 1 and 2", () => {
    const d = workdir();
    const n = 300_001;
    writeFileSync(path.join(d, "x.npy"), npyBytes("<f8", `(${n},)`, input(n)));
    const outs = [1, 2].map((t) => {
      const r = dact(["gelu", "x.npy", "-o", `o${t}.npy`, "--threads", String(t)], { cwd: d });
      expect(r.status, r.stderr).toBe(0);
      return readFileSync(path.join(d, `o${t}.npy`));
    });
    expect(outs[1]!.equals(outs[0]!)).toBe(true);
  });
});
