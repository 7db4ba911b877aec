/** A tensor named "__metadata__" (the header's reserved key) is refused on output, never written unreadable. */
import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import { DactError, matrix, writeMatrix } from "../src/index.js";
import { dact, workdir } from "./workdir.js";

it("from a file named __metadata__.npy, and from the library's key: exit 2 / KEY, nothing written", async () => {
  const d = workdir();
  await writeMatrix(path.join(d, "__metadata__.npy"), matrix([[-1, 2]]));
  const r = dact(["relu", "__metadata__.npy", "-o", "m.safetensors"], { cwd: d });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/^dact: m\.safetensors: found a tensor named "__metadata__"; expected another name/);
  expect(existsSync(path.join(d, "m.safetensors"))).toBe(false);
  const err = await writeMatrix(path.join(d, "k.safetensors"), matrix([1]), { key: "__metadata__" }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DactError);
  expect((err as DactError).code).toBe("KEY");
  expect(readdirSync(d)).toEqual(["__metadata__.npy"]);
  // Into .npz the name is an ordinary member.
  expect(dact(["relu", "__metadata__.npy", "-o", "m.npz"], { cwd: d }).status).toBe(0);
});
