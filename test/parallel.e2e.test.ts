/**
 * Issue 17: the kernel on every core gives the same bytes as on one, for
 * every activation and source dtype, in batches that split unevenly.
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ACTIVATIONS } from "../src/activations/registry.js";
import { npyBytes } from "./helpers.js";
import { dact, workdir } from "./workdir.js";

const npy = (descr: string, data: ArrayBufferView, n: number) => npyBytes(descr, `(${n},)`, data);

describe("--threads: the same bytes on every core as on one", () => {
  const n = 300_001; // several batches, split unevenly
  const x = new Float64Array(n).map((_, i) => Math.sin(i * 0.37) * 12 + (i % 1000 === 0 ? Infinity : 0));
  x[5] = NaN;
  x[7] = -0;
  const d = workdir();
  writeFileSync(path.join(d, "f8.npy"), npy("<f8", x, n));
  writeFileSync(path.join(d, "f4.npy"), npy("<f4", Float32Array.from(x), n));
  writeFileSync(path.join(d, "i4.npy"), npy("<i4", Int32Array.from(x, (v) => (Number.isFinite(v) ? Math.round(v) : 0)), n));
  it.each(ACTIVATIONS.map((a) => a.name))("%s", (name) => {
    for (const src of ["f8", "f4", "i4"]) {
      const outs = [1, 2, 3].map((t) => {
        const r = dact([name, path.join(d, `${src}.npy`), "-o", path.join(d, `${name}-${src}-${t}.npy`), "--threads", String(t)]);
        expect(r.status, r.stderr).toBe(0);
        return readFileSync(path.join(d, `${name}-${src}-${t}.npy`));
      });
      expect(outs[1]!.equals(outs[0]!), `${name} ${src}: 2 threads`).toBe(true);
      expect(outs[2]!.equals(outs[0]!), `${name} ${src}: 3 threads`).toBe(true);
    }
  });
});
