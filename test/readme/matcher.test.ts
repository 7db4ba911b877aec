// The README's matcher example, run as written (plus the failure and update cases).
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, expect, it } from "vitest";
import { derivative, readMatrix } from "dact";
import { toMatchGolden } from "dact/vitest";

expect.extend({ toMatchGolden });
declare module "vitest" {
  interface Assertion {
    toMatchGolden(golden: string, options?: { rtol?: number; atol?: number; tolerance?: "numpy" | "torch"; ulp?: number }): Promise<void>;
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

it(".not is refused, in update mode too, and leaves the golden alone", async () => {
  const x = await readMatrix("fixtures/example.npy");
  const golden = path.join(dir, "not.npy");
  copyFileSync("fixtures/example-relu.npy", golden);
  const before = readFileSync(golden);
  const missing = path.join(dir, "never.npy");
  const saved = { update: process.env["DACT_UPDATE"], ci: process.env["CI"] };
  try {
    for (const update of [undefined, "1", "force"]) {
      if (update === undefined) delete process.env["DACT_UPDATE"];
      else process.env["DACT_UPDATE"] = update;
      delete process.env["CI"];
      await expect(expect(derivative("relu", x, { atZero: 1 })).not.toMatchGolden(golden)).rejects.toThrow(/found \.not; expected toMatchGolden without \.not/);
      await expect(expect(derivative("relu", x)).not.toMatchGolden(missing)).rejects.toThrow(/found \.not/);
    }
  } finally {
    if (saved.update === undefined) delete process.env["DACT_UPDATE"];
    else process.env["DACT_UPDATE"] = saved.update;
    if (saved.ci !== undefined) process.env["CI"] = saved.ci;
  }
  expect(readFileSync(golden).equals(before)).toBe(true);
  expect(existsSync(missing)).toBe(false);
});

it("under CI, DACT_UPDATE=1 neither writes nor updates a golden (DACT_UPDATE=force does)", async () => {
  const x = await readMatrix("fixtures/example.npy");
  const golden = path.join(dir, "ci.npy");
  copyFileSync("fixtures/example-relu.npy", golden);
  const before = readFileSync(golden);
  const missing = path.join(dir, "ci-new.npy");
  const saved = { update: process.env["DACT_UPDATE"], ci: process.env["CI"] };
  process.env["CI"] = "true";
  try {
    process.env["DACT_UPDATE"] = "1";
    await expect(expect(derivative("relu", x, { atZero: 1 })).toMatchGolden(golden)).rejects.toThrow(/not updated: CI is set/);
    await expect(expect(derivative("relu", x)).toMatchGolden(missing)).rejects.toThrow(/does not exist/);
    expect(readFileSync(golden).equals(before)).toBe(true);
    expect(existsSync(missing)).toBe(false);
    process.env["DACT_UPDATE"] = "force";
    await expect(derivative("relu", x, { atZero: 1 })).toMatchGolden(golden);
    expect(readFileSync(golden).equals(before)).toBe(false);
  } finally {
    if (saved.update === undefined) delete process.env["DACT_UPDATE"];
    else process.env["DACT_UPDATE"] = saved.update;
    if (saved.ci === undefined) delete process.env["CI"];
    else process.env["CI"] = saved.ci;
  }
});

it.each([[{ rtol: Infinity }], [{ rtol: -1 }], [{ atol: Number.NaN }], [{ tolerance: "bogus" }], [{ rtl: 1e-3 }], [{ dtype: "f4" }], [{ floatFormat: "%.3f" }]])("options %j are a usage error, as compare()'s", async (options) => {
  const x = await readMatrix("fixtures/example.npy");
  await expect(expect(derivative("relu", x, { atZero: 0.5 })).toMatchGolden("fixtures/example-relu.npy", options as never)).rejects.toThrow(/toMatchGolden options/);
});

it("takes { ulp } as the CLI's --ulp; a golden that is not a path is a usage error", async () => {
  const x = await readMatrix("fixtures/example.npy");
  await expect(derivative("relu", x, { atZero: 0.5 })).toMatchGolden("fixtures/example-relu.npy", { ulp: 0 });
  await expect(expect(derivative("relu", x, { atZero: 0.5 })).toMatchGolden("fixtures/example-relu.npy", { ulp: 1.5 } as never)).rejects.toThrow(/options\.ulp/);
  await expect(expect(derivative("relu", x)).toMatchGolden(42 as never)).rejects.toThrow(/toMatchGolden: found number as the golden; expected the golden file's path/);
});
