/**
 * Issue 25: the command line of `dact <activation>` becomes one run plan
 * (src/run-plan.ts), with every cross-option rule in one place. A table:
 * each row is an argv, parsed by the activation's real commander options,
 * and either the plan's kind and key fields or the usage error it meets
 * first (code and a fragment of the message).
 */
import type { Command } from "commander";
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
    .action((inputs: string[], opts: ActivationOpts, cmd: Command) => {
      out = planRun(act, inputs, opts, { ...CTX, ...ctx }, (n) => cmd.getOptionValueSource(n) !== "default");
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
  ["--grad-output - in batch", ["relu", "in", "--out-dir", "o", "--grad-output", "-"], "option --grad-output -: found in batch mode"],
  ["--grad-output - with --check-dir", ["relu", "in", "--check-dir", "g", "--grad-output", "-"], "option --grad-output -: found in batch mode"],
  ["--grad-output - with the input on stdin", ["relu", "-", "--grad-output", "-"], "option --grad-output -: found with the input on stdin too"],
  ["--grad-output - with no input (stdin)", ["relu", "--grad-output", "-"], "option --grad-output -: found with the input on stdin too"],
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
  // Options that cannot apply to the run (src/option-fit.ts; docs/formats.md, "Options that do not apply").
  ["--tolerance torch without --check", ["relu", "a.npy", "--tolerance", "torch"], "option --tolerance: found without --check or --check-dir; expected one of them"],
  ["--tolerance numpy, typed, without --check", ["relu", "a.npy", "--tolerance", "numpy"], "option --tolerance: found without --check or --check-dir"],
  ["--rtol without --check", ["relu", "a.npy", "--rtol", "1e-3"], "option --rtol: found without --check or --check-dir"],
  ["--atol without --check", ["relu", "a.npy", "--atol", "1e-3"], "option --atol: found without --check or --check-dir"],
  ["--ulp without --check", ["relu", "a.npy", "--ulp", "2"], "option --ulp: found without --check or --check-dir"],
  ["--tolerance in a batch without --check-dir", ["relu", "a.npy", "--out-dir", "o", "--tolerance", "torch"], "option --tolerance: found without --check or --check-dir"],
  ["--jobs without a batch", ["relu", "a.npy", "--jobs", "3"], "option --jobs: found without --out-dir; expected it only in batch mode"],
  ["--summary json without a batch", ["relu", "a.npy", "--summary", "json"], "option --summary: found without --out-dir; expected it only in batch mode"],
  ["--summary text, typed, without a batch", ["relu", "a.npy", "--summary", "text"], "option --summary: found without --out-dir"],
  ["--compression with -o .npy", ["relu", "a.npy", "--compression", "gzip", "-o", "x.npy"], "option --compression: found npy output; expected it only with Parquet output"],
  ["--compression with -o .npz", ["relu", "a.npz", "--compression", "gzip", "-o", "x.npz"], "option --compression: found npz output"],
  ["--compression with --to", ["relu", "a.parquet", "--compression", "none", "--to", "csv"], "option --compression: found csv output"],
  ["--compression in a batch --to npy", ["relu", "a.parquet", "--out-dir", "o", "--to", "npy", "--compression", "gzip"], "option --compression: found npy output"],
  ["--compress with -o .npy", ["relu", "a.npz", "--compress", "-o", "x.npy"], "option --compress: found npy output; expected it only with .npz output"],
  // --check GOLDEN checks what -o GOLDEN would have written: the golden is the output (docs/golden.md, "Options under --check").
  ["--compress with a .npy --check golden", ["relu", "a.npz", "--check", "g.npy", "--compress", "--key", "a"], "option --compress: found npy golden; expected it only with .npz output"],
  ["--compression with a .npz --check golden", ["relu", "a.npz", "--check", "g.npz", "--compression", "gzip"], "option --compression: found npz golden; expected it only with Parquet output"],
  ["--compression with --check-dir --to npy", ["relu", "a.parquet", "--check-dir", "gd", "--to", "npy", "--compression", "gzip"], "option --compression: found npy golden"],
  ["--to against the golden's extension", ["relu", "a.npy", "--check", "g.npy", "--to", "csv"], "options --to csv and --check g.npy: found two different formats for the golden (g.npy is npy); expected one"],
  ["--to against a .csv.gz golden", ["relu", "a.npy", "--check", "g.csv.gz", "--to", "json"], "options --to json and --check g.csv.gz: found two different formats"],
  ["--decimal with a .npy input and golden", ["relu", "a", "--format", "npy", "--check", "g.npy", "--decimal", ","], "option --decimal: found npy input and npy golden; expected it only with CSV/TSV input or output"],
  ["--skip-existing with --check-dir", ["relu", "d", "--check-dir", "gd", "--skip-existing"], "option --skip-existing: found with --check-dir; expected it only with --out-dir"],
  ["--resume with --check-dir", ["relu", "d", "--check-dir", "gd", "--resume", "r.jsonl"], "option --resume: found with --check-dir; expected it only with --out-dir"],
  ["--format npy with --index-col", ["relu", "a", "--format", "npy", "--index-col", "0"], "option --index-col: found npy input; expected it only with CSV/TSV or JSON tables"],
  ["--format npy with --delimiter", ["relu", "a", "--format", "npy", "--delimiter", ";"], "option --delimiter: found npy input; expected it only with CSV/TSV input"],
  ["--format npz with --na-values", ["relu", "a", "--format", "npz", "--na-values", "X"], "option --na-values: found npz input"],
  ["--format npy with --header", ["relu", "a", "--format", "npy", "--header"], "option --header: found npy input"],
  ["--format npy with --no-header", ["relu", "a", "--format", "npy", "--no-header"], "option --no-header: found npy input"],
  ["--format safetensors with --comment", ["relu", "a", "--format", "safetensors", "--comment", "%"], "option --comment: found safetensors input"],
  ["--format json with --delimiter (a CSV option)", ["relu", "a", "--format", "json", "--delimiter", ";"], "option --delimiter: found json input"],
  ["--format npy with --decimal and npy output", ["relu", "a", "--format", "npy", "--decimal", ","], "option --decimal: found npy input and npy output; expected it only with CSV/TSV input or output"],
  ["--format npy with --max-line-size", ["relu", "a", "--format", "npy", "--max-line-size", "1M"], "option --max-line-size: found npy input"],
  ["--format npy with --delimiter, in a batch", ["relu", "a", "--format", "npy", "--out-dir", "o", "--delimiter", ";"], "option --delimiter: found npy input"],
];

describe("usage errors: the same code, exit status and message as the CLI has always given", () => {
  it.each(ERRORS)("%s", async (_rule, argv, fragment, env) => {
    const e = await usage(argv, { env: env ?? {} });
    expect(e.code).toBe("USAGE");
    expect(e.detail).toContain(fragment);
  });
});

describe("format-bound options: planRun refuses only what the command line already decides", () => {
  it.each([
    ["input format unknown: left to detection", ["relu", "a.npy", "--delimiter", ";", "--index-col", "0", "--header", "--comment", "%", "--na-values", "X", "--decimal", ","]],
    ["--decimal writes into CSV output", ["relu", "a", "--format", "npy", "--decimal", ",", "-o", "out.csv"]],
    ["--compress with .npz output", ["relu", "a.npz", "--compress", "-o", "x.npz"]],
    ["--compression with Parquet output", ["relu", "a.npy", "--compression", "gzip", "--to", "parquet"]],
    ["--compression with stdout: the input's format, after detection", ["relu", "a.parquet", "--compression", "gzip"]],
    ["a batch without --to: the inputs' formats, after the walk", ["relu", "d", "--out-dir", "o", "--compress", "--delimiter", ";"]],
    ["--tolerance, --rtol, --atol and --ulp with --check-dir; --jobs and --summary with --check-dir", ["relu", "d", "--check-dir", "gd", "--tolerance", "torch", "--rtol", "1", "--atol", "1", "--ulp", "1", "--jobs", "2", "--summary", "json"]],
    ["--compress with a .npz --check golden", ["relu", "a.npz", "--check", "g.npz", "--compress"]],
    ["--compression with a Parquet --check golden", ["relu", "a.npy", "--check", "g.parquet", "--compression", "gzip"]],
    ["--compress with --check-dir: the goldens' formats, after the walk", ["relu", "d", "--check-dir", "gd", "--compress", "--compression", "none"]],
    ["--to naming the golden's own format, or the format of a golden without an extension", ["relu", "a.npy", "--check", "g.csv", "--to", "csv"]],
    ["--to for a golden without an extension", ["relu", "a.npy", "--check", "golden", "--to", "csv", "--decimal", ","]],
    ["--decimal with a CSV golden", ["relu", "a", "--format", "npy", "--check", "g.csv", "--decimal", ","]],
    ["defaults are not typed options", ["relu", "a.npy"]],
  ] as [string, string[]][])("%s", async (_rule, argv) => {
    await expect(plan(argv)).resolves.toBeDefined();
  });

  it("a batch and a check-dir mark their runs as checked for the whole run, not per file", async () => {
    const b = await plan(["relu", "d", "--out-dir", "o"]);
    const c = await plan(["relu", "d", "--check-dir", "gd"]);
    const s = await plan(["relu", "a.npy"]);
    expect(b.kind === "batch" && b.base.fitChecked).toBe(true);
    expect(c.kind === "check-dir" && c.base.fitChecked).toBe(true);
    expect(s.kind === "single" && s.spec.fitChecked).toBeUndefined();
  });

  it("without commander's value sources, a default value counts as not typed", () => {
    const act = findActivation("relu")!;
    const opts = { output: "-", tolerance: "numpy", summary: "text", report: [], include: [], exclude: [], key: [] } as unknown as ActivationOpts;
    expect(planRun(act, ["a.npy"], opts, CTX).kind).toBe("single");
    expect(() => planRun(act, ["a.npy"], { ...opts, tolerance: "torch" }, CTX)).toThrow(/option --tolerance: found without --check/);
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

  it("check-dir: --skip-existing and --resume are usage errors (a check compares every input on every run)", async () => {
    for (const extra of [["--skip-existing"], ["--resume", "r.jsonl"]]) {
      await expect(plan(["relu", "a.npy", "--check-dir", "gd", ...extra])).rejects.toMatchObject({ code: "USAGE", detail: expect.stringContaining(`option ${extra[0]}: found with --check-dir`) });
    }
  });

  it("check-dir: goldens below the folder", async () => {
    const p = await plan(["relu", "a.npy", "--check-dir", "gd", "--jobs", "1", "--log", "l.jsonl", "--update=force", "--report", "junit:r.xml", "--prune"]);
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
