/**
 * Journey 3: a torch state_dict in bfloat16 with int64 buffers, saved by
 * safetensors and gzipped, through relu' (0.5 at zero) into .npz, and that
 * .npz through relu' again into a gzipped .safetensors. Every member and
 * tensor against the oracle's np.save bytes (fixtures/make_journeys.py):
 * bfloat16 stays bfloat16, int64 gives float64.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { workdir } from "../workdir.js";
import { copyFixture, dact, fixture, JOURNEY_TIMEOUT, JOURNEYS, npyParts, safetensors, zipMembers } from "./helpers.js";

const RELU = ["relu", "--at-zero", "0.5"];
const names = readdirSync(path.join(JOURNEYS, "torch", "step1")).map((f) => f.replace(/\.npy$/, "")).sort();

describe("journey 3: state_dict.safetensors.gz -> .npz -> .safetensors.gz", () => {
  it("each tensor as numpy computes it, in its dtype, both ways", () => {
    const d = workdir("dact-j3-");
    copyFixture("torch/model.safetensors.gz", d);
    const a = dact([...RELU, "model.safetensors.gz", "-o", "step1.npz"], { cwd: d });
    expect(a.status, a.stderr).toBe(0);
    const members = zipMembers(readFileSync(path.join(d, "step1.npz")));
    expect([...members.keys()].sort()).toEqual(names.map((n) => `${n}.npy`));
    for (const n of names) expect(members.get(`${n}.npy`)!.equals(fixture(`torch/step1/${n}.npy`)), `${n}.npy`).toBe(true);

    const b = dact([...RELU, "step1.npz", "-o", "step2.safetensors.gz"], { cwd: d });
    expect(b.status, b.stderr).toBe(0);
    const tensors = safetensors(gunzipSync(readFileSync(path.join(d, "step2.safetensors.gz"))));
    expect([...tensors.keys()].sort()).toEqual(names);
    for (const n of names) {
      const want = npyParts(fixture(`torch/step2/${n}.npy`));
      const t = tensors.get(n)!;
      expect([n, t.dtype, t.shape]).toEqual([n, want.descr === "<V2" ? "BF16" : "F64", want.shape]);
      expect(t.data.equals(want.data), n).toBe(true);
    }
  }, JOURNEY_TIMEOUT);
});
