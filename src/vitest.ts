/**
 * A golden-file matcher for vitest (and jest-compatible expect):
 *
 *   import { expect } from "vitest";
 *   import { toMatchGolden } from "dact/vitest";
 *   expect.extend({ toMatchGolden });
 *   await expect(derivative("relu", x)).toMatchGolden("golden.npy", { rtol: 1e-6 });
 *
 * A missing golden fails, unless updating: DACT_UPDATE=1, or vitest's own
 * update flag (vitest -u); with CI set, a missing golden is written only
 * with DACT_UPDATE=force. The failure message is dact's report.
 */
import { dirname } from "node:path";
import { compareMatrices, formatComparison, toleranceFor, type TolerancePolicy } from "./compare.js";
import { DactError } from "./errors.js";
import { formatFromPath } from "./formats/index.js";
import { derivative, matrix, readMatrix, writeMatrix, type Matrix, type Nested } from "./index.js";
import { makeFolders, pathExists } from "./io.js";
import { checkKeys, checkTolerance } from "./validate.js";

export interface GoldenOptions {
  rtol?: number;
  atol?: number;
  /** numpy (default) or torch tolerances by dtype. */
  tolerance?: "numpy" | "torch";
  /** Units in the last place of the golden's dtype, as the CLI's --ulp. */
  ulp?: number;
}

/** What the matcher reads of vitest's matcher state (kept loose: vitest's own type has private fields). */
interface MatcherState {
  isNot?: boolean;
  snapshotState?: unknown;
}

function isMatrix(x: unknown): x is Matrix {
  return typeof x === "object" && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x) && (x as Matrix).data instanceof Float64Array;
}

export async function toMatchGolden(this: MatcherState, received: Matrix | Nested, golden: string, options: GoldenOptions = {}): Promise<{ pass: boolean; message: () => string }> {
  // As vitest's snapshot matchers do: a golden records what a result is, so
  // .not has no meaning to update by (an update under .not overwrote the
  // golden with a result that was asserted to differ from it).
  if (this.isNot) throw new DactError("USAGE", `toMatchGolden(${JSON.stringify(golden)}): found .not; expected toMatchGolden without .not (to assert that two results differ, use compare() from "dact")`);
  if (typeof golden !== "string" || golden === "") throw new DactError("USAGE", `toMatchGolden: found ${typeof golden === "string" ? "an empty path" : typeof golden} as the golden; expected the golden file's path`);
  const opts = goldenOptions(options);
  if (!formatFromPath(golden)) throw new DactError("USAGE", `cannot tell the format of ${golden} from its extension; expected .npy, .npz, .safetensors, .csv, .json...`);
  const actual = isMatrix(received) ? received : matrix(received as Nested);
  const env = process.env;
  const ci = env["CI"] !== undefined && env["CI"] !== "" && env["CI"] !== "false" && env["CI"] !== "0";
  const force = env["DACT_UPDATE"] === "force";
  const asked = force || env["DACT_UPDATE"] === "1" || env["DACT_UPDATE"] === "true" || (this.snapshotState as { _updateSnapshot?: string } | undefined)?._updateSnapshot === "all";
  // Under CI, as the CLI's --update: goldens are written only with DACT_UPDATE=force.
  const update = asked && (!ci || force);
  if (!(await pathExists(golden))) {
    if (update) {
      // as the CLI's --update does: a new golden's folders are made too
      makeFolders(dirname(golden));
      await writeMatrix(golden, actual);
      return { pass: true, message: () => `wrote ${golden}` };
    }
    return { pass: false, message: () => `${golden} does not exist; run with DACT_UPDATE=1 (or vitest -u) to create it${ci ? " (CI is set: DACT_UPDATE=force)" : ""}` };
  }
  const expected = await readMatrix(golden);
  const policy: TolerancePolicy = { mode: opts.tolerance ?? "numpy", rtol: opts.rtol, atol: opts.atol, ulp: opts.ulp };
  const c = compareMatrices(actual, expected, toleranceFor(policy, actual.dtype, expected.dtype));
  if (!c.equal && update) {
    await writeMatrix(golden, actual);
    return { pass: true, message: () => `updated ${golden}` };
  }
  return {
    pass: c.equal,
    message: () => (c.equal ? `expected the result to differ from ${golden}` : formatComparison(c, c.tolerance, { actual: "the result", expected: golden }) + (asked && ci ? `\n(not updated: CI is set; DACT_UPDATE=force updates under CI)` : "")),
  };
}

/** The options as compare() checks its own: known keys, finite tolerances >= 0, numpy or torch. */
function goldenOptions(options: unknown): GoldenOptions {
  const o = checkKeys("toMatchGolden options", options, ["rtol", "atol", "tolerance", "ulp"]);
  const ulp = o["ulp"];
  if (ulp !== undefined && (typeof ulp !== "number" || !Number.isInteger(ulp) || ulp < 0)) throw new DactError("USAGE", `toMatchGolden options.ulp: found ${JSON.stringify(ulp)}; expected a whole number >= 0`);
  const mode = o["tolerance"];
  if (mode !== undefined && mode !== "numpy" && mode !== "torch") throw new DactError("USAGE", `toMatchGolden options.tolerance: found ${JSON.stringify(mode)}; expected "numpy" or "torch"`);
  return {
    rtol: o["rtol"] === undefined ? undefined : checkTolerance(o["rtol"], "toMatchGolden options.rtol"),
    atol: o["atol"] === undefined ? undefined : checkTolerance(o["atol"], "toMatchGolden options.atol"),
    tolerance: mode as GoldenOptions["tolerance"],
    ulp: ulp as number | undefined,
  };
}

export { derivative };
