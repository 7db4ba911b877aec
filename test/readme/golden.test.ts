import { expect, it } from "vitest";
import { compare, derivative, readMatrix } from "dact";

it("relu'(x) matches the golden file", async () => {
  const x = await readMatrix("fixtures/example.npy");
  const grad = derivative("relu", x, { "at-zero": 0.5 });
  const result = await compare(grad, "fixtures/example-relu.npy", { rtol: 1e-7 });
  expect(result.report).toBe(""); // on failure: numpy-style mismatch report
  expect(result.equal).toBe(true);
});
