// The README's matcher example, run as written (plus the failure and update cases).
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, expect, it } from "vitest";
import { derivative, readMatrix } from "dact";
import { toMatchGolden } from "dact/vitest";

expect.extend({ toMatchGolden });
declare module "vitest" {
  interface Assertion {
    toMatchGolden(golden: string, options?: { rtol?: number; atol?: number; tolerance?: "numpy" | "torch" }): Promise<void>;
  }
}

it("relu'(x) matches its golden file", async () => {
  const x = await readMatrix("fixtures/example.npy");
  await expect(derivative("relu", x, { atZero: 0.5 })).toMatchGolden("fixtures/example-relu.npy");
});

const dir = mkdtempSync(path.join(tmpdir(), "dact-matcher-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("fails with dact's report; DACT_UPDATE=1 writes a missing or different golden", async () => {
  const x = await readMatrix("fixtures/example.npy");
  const golden = path.join(dir, "g.npy");
  copyFileSync("fixtures/example-relu.npy", golden);
  await expect(expect(derivative("relu", x, { atZero: 1 })).toMatchGolden(golden)).rejects.toThrow(/the result vs .*g\.npy:\nNot equal to tolerance rtol=1e-07, atol=0\.0/);
  const fresh = path.join(dir, "new.npy");
  await expect(expect(derivative("relu", x)).toMatchGolden(fresh)).rejects.toThrow(/new\.npy does not exist; run with DACT_UPDATE=1/);
  const saved = { update: process.env["DACT_UPDATE"], ci: process.env["CI"] };
  process.env["DACT_UPDATE"] = "1";
  delete process.env["CI"];
  try {
    await expect(derivative("relu", x)).toMatchGolden(fresh);
    await expect(derivative("relu", x, { atZero: 1 })).toMatchGolden(golden);
  } finally {
    if (saved.update === undefined) delete process.env["DACT_UPDATE"];
    else process.env["DACT_UPDATE"] = saved.update;
    if (saved.ci !== undefined) process.env["CI"] = saved.ci;
  }
  expect(existsSync(fresh)).toBe(true);
  await expect(derivative("relu", x, { atZero: 1 })).toMatchGolden(golden);
});

it("DACT_UPDATE=1 creates a new golden's missing folders, as the CLI's --update does", async () => {
  const x = await readMatrix("fixtures/example.npy");
  const fresh = path.join(dir, "a", "b", "new.npy");
  const saved = { update: process.env["DACT_UPDATE"], ci: process.env["CI"] };
  process.env["DACT_UPDATE"] = "1";
  delete process.env["CI"];
  try {
    await expect(derivative("relu", x)).toMatchGolden(fresh);
  } finally {
    if (saved.update === undefined) delete process.env["DACT_UPDATE"];
    else process.env["DACT_UPDATE"] = saved.update;
    if (saved.ci !== undefined) process.env["CI"] = saved.ci;
  }
  expect(existsSync(fresh)).toBe(true);
  await expect(derivative("relu", x)).toMatchGolden(fresh);
});
