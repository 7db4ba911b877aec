/**
 * Golden files: --check against one golden, --check-dir against a folder
 * of them, --update to create or refresh them (jest's -u, insta's
 * INSTA_UPDATE), and reports CI understands (JUnit XML) or a program can
 * read (JSON).
 *
 * Update rules: with --update (or DACT_UPDATE=1) a missing or different
 * golden is written, atomically, and the run passes. Without it a missing
 * golden is a failure. With CI=true a missing golden is never written
 * unless --update=force, as jest's --ci refuses to write new snapshots.
 */
import * as path from "node:path";
import type { Kernel } from "./activations/types.js";
import { compareNamed, type NamedComparison } from "./compare.js";
import { pendingPath } from "./pending.js";
import { jsonExtras } from "./report-extras.js";
import { DactError } from "./errors.js";
import { detectFormat, type FormatSpec, type ReadOptions } from "./formats/index.js";
import { goldenFormat } from "./output-ext.js";
import { makeFolders, openOutput, pathExists, prepareReport, Protected, sweepDeadTemps, type Input } from "./io.js";
import { readNamed, writeMatrix, writeMembers } from "./matrix.js";
import { resultsInMemory } from "./run/results.js";
import { commitOrAbort, openSink, openSource } from "./run/sources.js";
import type { CheckResult, CheckStatus, PlanSpec, RunResult } from "./run/types.js";

export type { CheckResult, CheckStatus } from "./run/types.js";

/** The update mode from --update[=force] and DACT_UPDATE. */
export function updateMode(flag: string | boolean | undefined, env: NodeJS.ProcessEnv = process.env): "off" | "on" | "force" | "pending" {
  if (flag === "pending") return "pending";
  if (flag === "force" || env["DACT_UPDATE"] === "force") return "force";
  if (flag === true || flag === "on" || env["DACT_UPDATE"] === "1" || env["DACT_UPDATE"] === "true") return "on";
  if (flag === undefined && env["DACT_UPDATE"] === "pending") return "pending";
  return "off";
}

export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  return env["CI"] !== undefined && env["CI"] !== "" && env["CI"] !== "false" && env["CI"] !== "0";
}

/** --check for one input: compute in memory, compare with the golden (or write it, under --update). */
export async function checkGolden(input: Input, from: FormatSpec, plan: PlanSpec, kernel: Kernel, readOpts: ReadOptions, say: (m: string) => void): Promise<RunResult> {
  const t0 = Date.now();
  const check = plan.check!;
  const mode = check.update ?? "off";
  const done = (status: CheckStatus, report: string, comparison: NamedComparison | null): RunResult => ({
    status: status === "ok" || status === "written" ? 0 : 1,
    report,
    check: { status, input: input.name, golden: check.path, report, comparison, seconds: (Date.now() - t0) / 1000 },
  });
  const { checkStreaming, drainResults, dtypeVerdict, goldenReadOptions, rereadable } = await import("./check-stream.js");
  // --pending writes NAME.new.EXT beside the golden, never under CI.
  const pending = mode === "pending" && !isCI() ? (await import("./pending.js")).pendingPath(check.path) : null;
  // Compared streaming, unless a write needs results an input read once can no longer give.
  const streamed = mode === "off" || (mode === "pending" && !pending) || rereadable(input);
  const results = streamed ? null : await resultsInMemory(input, from, plan, kernel, readOpts, say);
  const write = async (to: string) => writeGolden(to, results ?? (await rerun(input, from, plan, kernel, readOpts, say)), plan, from);
  const withPending = async (status: CheckStatus, report: string, c: NamedComparison | null) => {
    await write(pending!);
    const r = done(status, `${report}pending: wrote ${pending}; dact review accepts or rejects it\n`, c);
    r.check!.pending = pending!;
    return r;
  };
  if (!(await pathExists(check.path))) {
    if (mode === "force" || (mode === "on" && !isCI())) {
      await writeGolden(check.path, results ?? (await resultsInMemory(input, from, plan, kernel, readOpts, say)), plan, from);
      return done("written", "", null);
    }
    const why = mode === "on" ? " (CI is set: new goldens need --update=force)" : "";
    const report = `${check.path} does not exist; run with --update to create it${why}\n`;
    if (pending) {
      await writeGolden(pending, results ?? (await resultsInMemory(input, from, plan, kernel, readOpts, say)), plan, from);
      const r = done("missing", `${report}pending: wrote ${pending}; dact review accepts or rejects it\n`, null);
      r.check!.pending = pending;
      return r;
    }
    if (!results) await drainResults(input, from, plan, kernel, readOpts, say);
    return done("missing", report, null);
  }
  let c: NamedComparison;
  if (results) {
    const golden = await openSource(check.path);
    let expected;
    try {
      expected = await readNamed(golden, await detectFormat(golden), goldenReadOptions(plan), say);
    } finally {
      await golden.close();
    }
    c = compareNamed({ ...results, name: `the result for ${input.name}` }, { ...expected, name: golden.name }, check.tolerance);
    c = dtypeVerdict(c, plan.dtype, new Map(expected.arrays.map(([k, m]) => [k, m.dtype])), { name: golden.name, container: expected.container });
  } else c = await checkStreaming(input, from, plan, kernel, readOpts, say, check.path, check.tolerance);
  if (c.equal) {
    // A pending file of a golden that now passes is stale (insta removes it too).
    if (pending) await (await import("./review.js")).removeQuietly(pending);
    return done("ok", "", c);
  }
  if (pending) return withPending("differs", c.text, c);
  if (mode === "on" || mode === "force") {
    await write(check.path);
    return done("written", "", c);
  }
  return done("differs", c.text, c);
}

/** The results again, in memory, from a fresh read of the input (to write a golden after a streamed comparison). */
async function rerun(input: Input, from: FormatSpec, plan: PlanSpec, kernel: Kernel, readOpts: ReadOptions, say: (m: string) => void): Promise<{ container: boolean; arrays: [string, import("./matrix.js").Matrix][] }> {
  const again = await openSource(input.path);
  try {
    return await resultsInMemory(again, from, plan, kernel, readOpts, say);
  } finally {
    await again.close();
  }
}

/**
 * Writes a golden in its own format (by its extension; else --to's, else
 * the input's), atomically, with the options that shape what -o writes
 * (--dtype, --float-format, --decimal, --compress, --compression): --check
 * checks what -o would have written, and --update writes that.
 */
async function writeGolden(p: string, results: { container: boolean; arrays: [string, import("./matrix.js").Matrix][] }, plan: PlanSpec, from: FormatSpec): Promise<void> {
  const format = goldenFormat(p, plan.to, from.name);
  const { dirname } = await import("node:path");
  // --check-dir: folders only below it, one level at a time, never through
  // a link; a lone --check golden's folder is the user's to name.
  makeFolders(dirname(p), plan.check?.root);
  sweepDeadTemps(dirname(p));
  const out = await openSink(p, { force: plan.force, noFollow: plan.noFollow, regularOnly: true, tempName: plan.tempName, fsync: plan.fsync, syncFolder: plan.syncFolder });
  await commitOrAbort(out, async () => {
    const { formatSpec } = await import("./formats/index.js");
    const spec = formatSpec(format);
    const opts = { delimiter: format === from.name ? plan.delimiter : undefined, decimal: plan.decimal, floatFormat: plan.floatFormat, dtype: plan.dtype, compression: plan.compression };
    if (spec.kind === "container") return writeMembers(results.arrays, out, spec, { ...opts, compress: plan.compress });
    if (results.arrays.length !== 1) throw new DactError("USAGE", `${p}: ${results.arrays.length} arrays cannot be one ${format} golden; expected an .npz or .safetensors golden, or --key`);
    await writeMatrix(results.arrays[0]![1], out, format, opts);
  });
}

/** A report destination from --report KIND:FILE. */
export interface ReportSpec {
  kind: "junit" | "json";
  file: string;
}

/**
 * Text as XML 1.0 character data or attribute value. What XML 1.0 cannot
 * hold at all (C0 controls but tab, LF and CR; U+FFFE, U+FFFF; a lone
 * surrogate) is written as a visible escape (\\x01, \\uFFFE): the file
 * stays well-formed and the name stays recognisable.
 */
export function xml(s: string): string {
  return s
    .replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!)
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`)
    .replace(/[\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`);
}

export function junitReport(results: readonly CheckResult[], activation: string): string {
  const failures = results.filter((r) => r.status === "differs" || r.status === "missing" || r.status === "obsolete").length;
  const errors = results.filter((r) => r.status === "error").length;
  const time = results.reduce((a, r) => a + r.seconds, 0).toFixed(3);
  const cases = results.map((r) => {
    const head = `    <testcase classname="dact.${xml(activation)}" name="${r.status === "obsolete" ? `${xml(r.golden)} (obsolete)` : `${xml(r.input)} vs ${xml(r.golden)}`}" time="${r.seconds.toFixed(3)}"`;
    if (r.status === "ok" || r.status === "written") return `${head}/>`;
    const tag = r.status === "error" ? "error" : "failure";
    const message = r.status === "missing" ? "golden file missing" : r.status === "error" ? "error" : r.status === "obsolete" ? "golden file obsolete: no input maps to it" : "differs from the golden file";
    return `${head}>\n      <${tag} message="${xml(message)}" type="${r.status}">${xml(r.report)}</${tag}>\n    </testcase>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="dact" tests="${results.length}" failures="${failures}" errors="${errors}" time="${time}">\n  <testsuite name="dact ${xml(activation)}" tests="${results.length}" failures="${failures}" errors="${errors}" skipped="0" time="${time}">\n${cases.join("\n")}\n  </testsuite>\n</testsuites>\n`;
}

/** What a --check-dir JSON report carries for `dact merge-reports`: the shard, and every golden the run found. */
export interface ReportMeta {
  shard?: string | null | undefined;
  goldens?: readonly string[] | undefined;
  /** Whether the run listed obsolete goldens itself (false for a shard or a filtered run). */
  obsoleteChecked?: boolean | undefined;
}

export function jsonReport(results: readonly CheckResult[], activation: string, meta: ReportMeta = {}): string {
  const keys = (c: NamedComparison | null) =>
    c?.keys.map((k) => ({
      key: k.key,
      status: k.status,
      shapes: k.comparison?.shapes ?? null,
      total: k.comparison?.total ?? null,
      mismatched: k.comparison?.mismatched ?? null,
      max_abs: k.comparison?.maxAbs ?? null,
      max_rel: k.comparison?.maxRel ?? null,
      tolerance: k.comparison?.tolerance ?? null,
      first: k.comparison?.first ?? [],
      ...jsonExtras(k.comparison),
    })) ?? [];
  const doc = {
    tool: "dact",
    activation,
    summary: Object.fromEntries((["ok", "differs", "missing", "written", "error", "obsolete"] as const).map((s) => [s, results.filter((r) => r.status === s).length])),
    results: results.map((r) => ({ input: r.input, golden: r.golden, status: r.status, seconds: r.seconds, report: r.report, keys: keys(r.comparison), ...(r.pending ? { pending: r.pending } : {}) })),
    ...(meta.goldens ? { shard: meta.shard ?? null, obsolete_checked: meta.obsoleteChecked ?? false, goldens: meta.goldens } : {}),
  };
  // Infinity and NaN are not JSON: as strings.
  return JSON.stringify(doc, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v), 2) + "\n";
}

/**
 * Checks each --report before the run writes anything: its folder is
 * created, and it must not be an input or golden (by device and inode) nor
 * a FIFO or device. The files a run reads are in `guard`.
 */
export function prepareReports(specs: readonly ReportSpec[], guard: Protected): void {
  const seen = new Set<string>();
  for (const s of specs) {
    prepareReport(s.file, "--report", guard);
    const { resolve } = path;
    if (seen.has(resolve(s.file))) throw new DactError("USAGE", `--report ${s.file}: found twice; expected one report per file`);
    seen.add(resolve(s.file));
  }
}

/** The files a single --check reads: its input and its golden. */
export function checkGuard(input: string, golden: string, gradient?: string | number): Protected {
  const g = new Protected();
  g.add(input, "input");
  g.add(golden, "golden");
  g.add(pendingPath(golden), "pending golden");
  if (typeof gradient === "string" && gradient !== "-") g.add(gradient, "gradient");
  return g;
}

/** Writes each --report, atomically; checked again against `guard` just before. */
export async function writeReports(specs: readonly ReportSpec[], results: readonly CheckResult[], activation: string, meta: ReportMeta = {}, guard?: Protected): Promise<void> {
  for (const s of specs) {
    if (guard) prepareReport(s.file, "--report", guard);
    const out = await openOutput(s.file, { regularOnly: true });
    const text = s.kind === "junit" ? junitReport(results, activation) : jsonReport(results, activation, meta);
    await commitOrAbort(out, async () => {
      await out.write(Buffer.from(text, "utf8"));
    });
  }
}

/** One line per file of a batch check, as a test runner prints. */
export function checkLine(r: CheckResult): string {
  if (r.status === "obsolete") return `obsolete ${r.golden}`;
  return `${r.status.padEnd(7)} ${r.input} vs ${r.golden}${r.pending ? ` (pending: ${r.pending})` : ""}`;
}

