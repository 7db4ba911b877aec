/**
 * Issue 25: the command line of `dact <activation>` becomes one run plan
 * (src/run-plan.ts), with every cross-option rule in one place. A table:
 * each row is an argv, parsed by the activation's real commander options,
 * and either the plan's kind and key fields or the usage error it meets
 * first (code and a fragment of the message).
 */
import { describe, expect, it } from "vitest";
import { findActivation } from "../src/activations/registry.js";
import { activationOptions } from "../src/commands/activation.js";
import { DactError } from "../src/errors.js";
import { planRun, type ActivationOpts, type RunContext, type RunPlan } from "../src/run-plan.js";

const CTX: RunContext = { env: {}, stderrIsTTY: false, cores: 2 };

/** argv (after `dact`): the activation's name first, as on the command line. */
async function plan(argv: string[], ctx: Partial<RunContext> = {}): Promise<RunPlan> {
  const [name, ...rest] = argv;
  const act = findActivation(name!)!;
  let out: RunPlan | undefined;
  const cmd = activationOptions(act)
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} })
    .action((inputs: string[], opts: ActivationOpts) => {
      out = planRun(act, inputs, opts, { ...CTX, ...ctx });
    });
  await cmd.parseAsync(rest, { from: "user" });
  return out!;
}

async function usage(argv: string[], ctx: Partial<RunContext> = {}): Promise<DactError> {
  try {
    await plan(argv, ctx);
  } catch (e) {
    if (e instanceof DactError) return e;
    throw e;
  }
  throw new Error(`no error for ${argv.join(" ")}`);
}

type ErrorRow = [rule: string, argv: string[], fragment: string, env?: NodeJS.ProcessEnv];

/** Every rule that refuses a command line, with the message fragment that names it. */
const ERRORS: ErrorRow[] = [
  ["a parameter out of range", ["elu", "--alpha", "abc"], "option --alpha: found"],
  ["a parameter's choices", ["gelu", "--approximate", "erf"], "option --approximate: found"],
  ["--order is 1 or 2", ["relu", "--order", "3"], "option --order: found \"3\"; expected 1 or 2"],
  ["--order's check comes before the other rules", ["relu", "--order", "0", "--update"], "option --order"],
  ["--grad-output with --grad-output-dir", ["relu", "a.npy", "--out-dir", "o", "--grad-output", "g.npy", "--grad-output-dir", "gd"], "options --grad-output and --grad-output-dir: found both"],
  ["--grad-output-dir without a batch", ["relu", "a.npy", "--grad-output-dir", "gd"], "option --grad-output-dir: found without --out-dir or --check-dir"],
  ["--update takes only force", ["relu", "a.npy", "--check", "g.npy", "--update=yes"], "option --update: found \"yes\"; expected --update or --update=force"],
  ["--update without --check", ["relu", "a.npy", "--update"], "option --update: found without --check or --check-dir"],
  ["--report without --check", ["relu", "a.npy", "--report", "junit:r.xml"], "option --report: found without --check or --check-dir"],
  ["--pending without --check", ["relu", "a.npy", "--pending"], "option --pending: found without --check or --check-dir"],
  ["--pending with --update", ["relu", "a.npy", "--check", "g.npy", "--pending", "--update"], "options --pending and --update: found both"],
  ["--pending under CI", ["relu", "a.npy", "--check", "g.npy", "--pending"], "option --pending: CI is set", { CI: "true" }],
  ["--prune without --check-dir", ["relu", "a.npy", "--prune"], "option --prune: found without --check-dir"],
  ["--prune under CI", ["relu", "a.npy", "--check-dir", "gd", "--prune"], "option --prune: CI is set", { CI: "1" }],
  ["--prune with --shard", ["relu", "a.npy", "--check-dir", "gd", "--prune", "--shard", "0/2"], "options --prune and --shard: found both"],
  ["--check-dir with -o", ["relu", "a.npy", "--check-dir", "gd", "-o", "x.npy"], "option --check-dir: found with -o, --out-dir or --check"],
  ["--check-dir with --out-dir", ["relu", "a.npy", "--check-dir", "gd", "--out-dir", "o"], "option --check-dir: found with -o, --out-dir or --check"],
  ["--check-dir with --check", ["relu", "a.npy", "--check-dir", "gd", "--check", "g.npy"], "option --check-dir: found with -o, --out-dir or --check"],
  ["--check-dir without inputs", ["relu", "--check-dir", "gd"], "--check-dir: found no inputs"],
  ["two inputs without --out-dir", ["relu", "a.npy", "b.npy"], "found 2 inputs; expected --out-dir DIR"],
  ["-o with --out-dir", ["relu", "a.npy", "--out-dir", "o", "-o", "x.npy"], "options -o and --out-dir: found both"],
  ["--check with --out-dir", ["relu", "a.npy", "--out-dir", "o", "--check", "g.npy"], "options --check and --out-dir: found both"],
  ["--out-dir without inputs", ["relu", "--out-dir", "o"], "--out-dir: found no inputs"],
  ["--include without a batch", ["relu", "a.npy", "--include", "*.npy"], "option --include: found without --out-dir"],
  ["--exclude without a batch", ["relu", "a.npy", "--exclude", "*.npy"], "option --exclude: found without --out-dir"],
  ["--keep-paths without a batch", ["relu", "a.npy", "--keep-paths"], "option --keep-paths: found without --out-dir"],
  ["--skip-existing without a batch", ["relu", "a.npy", "--skip-existing"], "option --skip-existing: found without --out-dir"],
  ["--log without a batch", ["relu", "a.npy", "--log", "l.jsonl"], "option --log: found without --out-dir"],
  ["--resume without a batch", ["relu", "a.npy", "--resume", "l.jsonl"], "option --resume: found without --out-dir"],
  ["--shard without a batch", ["relu", "a.npy", "--shard", "1/3"], "option --shard: found without --out-dir"],
  ["the first batch-only option is named", ["relu", "a.npy", "--shard", "1/3", "--include", "x"], "option --include: found without --out-dir"],
  ["-o with an extension no format has", ["relu", "a.npy", "-o", "out.xlsx"], "option -o out.xlsx: found the extension \".xlsx\""],
  ["--check with -o", ["relu", "a.npy", "--check", "g.npy", "-o", "x.npy"], "options --check and -o: found both"],
  ["-o's extension is checked before --check with -o", ["relu", "a.npy", "--check", "g.npy", "-o", "x.xlsx"], "option -o x.xlsx"],
];

describe("usage errors: the same code, exit status and message as the CLI has always given", () => {
  it.each(ERRORS)("%s", async (_rule, argv, fragment, env) => {
    const e = await usage(argv, { env: env ?? {} });
    expect(e.code).toBe("USAGE");
    expect(e.detail).toContain(fragment);
  });
});

describe("plans", () => {
  it("no input: one run from stdin to stdout", async () => {
    const p = await plan(["relu"]);
    expect(p.kind).toBe("single");
    if (p.kind !== "single") return;
    expect(p.spec).toMatchObject({ activation: "relu", input: "-", output: "-", header: "auto", check: undefined, fsync: undefined });
    expect(p.spec.params).toEqual({ "at-zero": 0 });
  });

  it("single: parameters, --order 2, --threads, --no-fsync, --to, -o, --key", async () => {
    const p = await plan(["gelu", "a.npz", "--approximate", "tanh", "--order", "2", "--threads", "3", "--no-fsync", "--to", "csv", "-o", "out.txt", "--key", "w", "--no-header"]);
    expect(p.kind).toBe("single");
    if (p.kind !== "single") return;
    expect(p.spec).toMatchObject({ input: "a.npz", output: "out.txt", to: "csv", threads: 3, fsync: false, keys: ["w"], header: "no" });
    expect(p.spec.params).toEqual({ approximate: "tanh", order: 2 });
  });

  it("--order 1 leaves the parameters as they are", async () => {
    const p = await plan(["relu", "a.npy", "--order", "1"]);
    expect(p.kind === "single" && p.spec.params).toEqual({ "at-zero": 0 });
  });

  it("-o with an unknown extension is accepted with --to", async () => {
    const p = await plan(["relu", "a.npy", "-o", "out.xlsx", "--to", "csv"]);
    expect(p.kind === "single" && p.spec.output).toBe("out.xlsx");
  });

  it("--grad-output: a number is a constant, anything else a file", async () => {
    const a = await plan(["relu", "a.npy", "--grad-output", "2.5"]);
    const b = await plan(["relu", "a.npy", "--grad-output", "g.npy"]);
    expect(a.kind === "single" && a.spec.gradOutput).toBe(2.5);
    expect(b.kind === "single" && b.spec.gradOutput).toBe("g.npy");
  });

  it.each([
    [[], undefined, "off"],
    [["--update"], undefined, "on"],
    [["--update=force"], undefined, "force"],
    [["--pending"], undefined, "pending"],
    [[], { DACT_UPDATE: "1" }, "on"],
    [[], { DACT_UPDATE: "force" }, "force"],
    [[], { DACT_UPDATE: "pending" }, "pending"],
  ] as [string[], NodeJS.ProcessEnv | undefined, string][])("--check %j with env %j: update %s", async (extra, env, mode) => {
    const p = await plan(["relu", "a.npy", "--check", "g.npy", ...extra], { env: env ?? {} });
    expect(p.kind).toBe("single");
    if (p.kind !== "single") return;
    expect(p.spec.check).toMatchObject({ path: "g.npy", update: mode });
  });

  it("--check: the tolerance options, and histograms for a JSON report", async () => {
    const p = await plan(["relu", "a.npy", "--check", "g.npy", "--tolerance", "torch", "--rtol", "1e-5", "--ulp", "2", "--report", "json:r.json", "--report", "junit:r.xml"]);
    expect(p.kind).toBe("single");
    if (p.kind !== "single") return;
    expect(p.spec.check!.tolerance).toEqual({ mode: "torch", rtol: 1e-5, atol: undefined, ulp: 2, histogram: true });
    expect(p.reports).toEqual([{ kind: "json", file: "r.json" }, { kind: "junit", file: "r.xml" }]);
  });

  it.each([
    [[], false, false],
    [[], true, true],
    [["-q"], true, false],
    [["--progress"], false, true],
    [["--progress", "-q"], false, true],
  ] as [string[], boolean, boolean][])("progress %j on a terminal %s: %s", async (extra, tty, shown) => {
    const p = await plan(["relu", "a.npy", ...extra], { stderrIsTTY: tty });
    expect(p.kind === "single" && p.showProgress).toBe(shown);
  });

  it("batch: --out-dir with its options, --jobs capped at 4 per core", async () => {
    const p = await plan(["relu", "a.npy", "d", "--out-dir", "o", "--jobs", "100", "--include", "*.npy", "--exclude", "x*", "--keep-paths", "--skip-existing", "--log", "l.jsonl", "--resume", "r.jsonl", "--shard", "1/3", "--grad-output-dir", "gd", "--summary", "json", "-q"]);
    expect(p.kind).toBe("batch");
    if (p.kind !== "batch") return;
    expect(p.inputs).toEqual(["a.npy", "d"]);
    expect(p.batch).toEqual({ outDir: "o", jobs: 8, to: undefined, include: ["*.npy"], exclude: ["x*"], keepPaths: true, skipExisting: true, log: "l.jsonl", resume: "r.jsonl", shard: { index: 1, count: 3 }, gradDir: "gd" });
    expect(p.summary).toBe("json");
    expect(p.quiet).toBe(true);
    expect(p.base.check).toBeUndefined();
  });

  it("batch: one input with --out-dir; --jobs defaults to the cores", async () => {
    const p = await plan(["relu", "a.npy", "--out-dir", "o"], { cores: 3 });
    expect(p.kind).toBe("batch");
    if (p.kind !== "batch") return;
    expect(p.batch).toMatchObject({ jobs: 3, keepPaths: false, skipExisting: false });
  });

  it("check-dir: goldens below the folder; --skip-existing and --resume do not apply", async () => {
    const p = await plan(["relu", "a.npy", "--check-dir", "gd", "--jobs", "1", "--skip-existing", "--resume", "r.jsonl", "--log", "l.jsonl", "--update=force", "--report", "junit:r.xml", "--prune"]);
    expect(p.kind).toBe("check-dir");
    if (p.kind !== "check-dir") return;
    expect(p.batch).toMatchObject({ outDir: "gd", jobs: 1, skipExisting: false, resume: undefined, log: "l.jsonl" });
    expect(p.base.check).toMatchObject({ path: "", update: "force" });
    expect(p.reports).toEqual([{ kind: "junit", file: "r.xml" }]);
    expect(p.prune).toBe(true);
  });

  it("check-dir: --shard and --grad-output-dir pass through", async () => {
    const p = await plan(["relu", "a.npy", "--check-dir", "gd", "--shard", "0/2", "--grad-output-dir", "g"], { env: { CI: "true" } });
    expect(p.kind).toBe("check-dir");
    if (p.kind !== "check-dir") return;
    expect(p.batch).toMatchObject({ shard: { index: 0, count: 2 }, gradDir: "g" });
  });
});
