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
import type { NamedComparison } from "./compare.js";
import { pendingPath } from "./pending.js";
import { jsonExtras } from "./report-extras.js";
import { DactError } from "./errors.js";
import type { FormatSpec, ReadOptions } from "./formats/index.js";
import { goldenFormat } from "./output-ext.js";
import { makeFolders, memoryInput, openOutput, pathExists, prepareReport, Protected, sweepDeadTemps, type Input } from "./io.js";
import { writeOutput } from "./write-output.js";
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
  const { checkStreaming, drainResults, rereadable } = await import("./check-stream.js");
  // --pending writes NAME.new.EXT beside the golden, never under CI.
  const pending = mode === "pending" && !isCI() ? (await import("./pending.js")).pendingPath(check.path) : null;
  // A golden is written as -o writes it (write-output.ts), from a fresh read
  // of the input after the streamed comparison. An input that cannot be
  // read twice (stdin, a pipe) is held in memory first when a write may follow.
  const mayWrite = mode === "on" || mode === "force" || pending !== null;
  const held = mayWrite && !rereadable(input) ? await readWhole(input) : null;
  const source = held ? memoryInput(held, input.name) : input;
  const fresh = async () => (held ? memoryInput(held, input.name) : await openSource(input.path));
  const write = (to: string) => writeGolden(to, fresh, from, plan, kernel, readOpts);
  if (!(await pathExists(check.path))) {
    if (mode === "force" || (mode === "on" && !isCI())) {
      await write(check.path);
      return done("written", "", null);
    }
    const why = mode === "on" ? " (CI is set: new goldens need --update=force)" : "";
    const report = `${check.path} does not exist; run with --update to create it${why}\n`;
    if (pending) {
      await write(pending);
      const r = done("missing", `${report}pending: wrote ${pending}; dact review accepts or rejects it\n`, null);
      r.check!.pending = pending;
      return r;
    }
    await drainResults(source, from, plan, kernel, readOpts, say);
    return done("missing", report, null);
  }
  const c: NamedComparison = await checkStreaming(source, from, plan, kernel, readOpts, say, check.path, check.tolerance);
  if (c.equal) {
    // A pending file of a golden that now passes is stale (insta removes it too).
    if (pending) await (await import("./review.js")).removeQuietly(pending);
    return done("ok", "", c);
  }
  if (pending) {
    await write(pending);
    const r = done("differs", `${c.text}pending: wrote ${pending}; dact review accepts or rejects it\n`, c);
    r.check!.pending = pending;
    return r;
  }
  if (mode === "on" || mode === "force") {
    await write(check.path);
    return done("written", "", c);
  }
  return done("differs", c.text, c);
}

/** Every byte of an input read once (stdin, a pipe): decompressed, as its reader would see them. */
async function readWhole(input: Input): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of input.chunks()) parts.push(chunk);
  return Buffer.concat(parts);
}

/**
 * Writes a golden in its own format (by its extension; else --to's, else
 * the input's), atomically, as -o writes that file: the same code
 * (write-output.ts) over a fresh read of the input, so the golden keeps
 * what -o keeps (a CSV's comment lines, label columns and header, pandas'
 * records, an .npz member's Fortran order and compression) and is
 * byte-identical to `-o GOLDEN` with the same options. Its notices were
 * said by the comparison's read already: the write says none.
 */
async function writeGolden(p: string, fresh: () => Promise<Input>, from: FormatSpec, plan: PlanSpec, kernel: Kernel, readOpts: ReadOptions): Promise<void> {
  const { formatSpec } = await import("./formats/index.js");
  const to = formatSpec(goldenFormat(p, plan.to, from.name));
  const { dirname } = await import("node:path");
  // --check-dir: folders only below it, one level at a time, never through
  // a link; a lone --check golden's folder is the user's to name.
  makeFolders(dirname(p), plan.check?.root);
  sweepDeadTemps(dirname(p));
  const input = await fresh();
  try {
    const out = await openSink(p, { force: plan.force, noFollow: plan.noFollow, regularOnly: true, tempName: plan.tempName, fsync: plan.fsync, syncFolder: plan.syncFolder });
    await commitOrAbort(out, () => writeOutput(input, from, to, out, plan, kernel, readOpts, () => {}));
  } finally {
    await input.close();
  }
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

