import { readFileSync } from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import { ROOT } from "./helpers.js";

it("the README's library example is the test that runs (test/readme/golden.test.ts)", () => {
  const example = readFileSync(path.join(ROOT, "test", "readme", "golden.test.ts"), "utf8").trim();
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  expect(readme).toContain(example);
});
