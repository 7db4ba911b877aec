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
import type { Kernel } from "./activations/types.js";
import { compareNamed, type NamedComparison } from "./compare.js";
import { DactError } from "./errors.js";
import { detectFormat, formatFromPath, type FormatSpec, type ReadOptions } from "./formats/index.js";
import { openOutput, type Input } from "./io.js";
import { readNamed, writeMatrix } from "./matrix.js";
import { resultsInMemory } from "./named.js";
import { commitOrAbort, openSink, openSource, type PlanSpec, type RunResult } from "./pipeline.js";

export type CheckStatus = "ok" | "differs" | "missing" | "written" | "error";

export interface CheckResult {
  status: CheckStatus;
  input: string;
  golden: string;
  /** The text report (empty when ok). */
  report: string;
  comparison: NamedComparison | null;
  seconds: number;
}

/** The update mode from --update[=force] and DACT_UPDATE. */
export function updateMode(flag: string | boolean | undefined, env: NodeJS.ProcessEnv = process.env): "off" | "on" | "force" {
  if (flag === "force" || env["DACT_UPDATE"] === "force") return "force";
  if (flag === true || flag === "on" || env["DACT_UPDATE"] === "1" || env["DACT_UPDATE"] === "true") return "on";
  return "off";
}

function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  return env["CI"] !== undefined && env["CI"] !== "" && env["CI"] !== "false" && env["CI"] !== "0";
}

async function exists(p: string): Promise<boolean> {
  const { promises } = await import("node:fs");
  return promises.stat(p).then(
    () => true,
    () => false,
  );
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
  const results = await resultsInMemory(input, from, plan, kernel, readOpts, say);
  const write = () => writeGolden(check.path, results, plan, from);
  if (!(await exists(check.path))) {
    if (mode === "force" || (mode === "on" && !isCI())) {
      await write();
      return done("written", "", null);
    }
    const why = mode === "on" ? " (CI is set: new goldens need --update=force)" : "";
    return done("missing", `${check.path} does not exist; run with --update to create it${why}\n`, null);
  }
  const golden = await openSource(check.path);
  let expected;
  try {
    expected = await readNamed(golden, await detectFormat(golden), {}, say);
  } finally {
    await golden.close();
  }
  const c = compareNamed({ ...results, name: `the result for ${input.name}` }, { ...expected, name: golden.name }, check.tolerance);
  if (c.equal) return done("ok", "", c);
  if (mode !== "off") {
    await write();
    return done("written", "", c);
  }
  return done("differs", c.text, c);
}

/** Writes a golden in its own format (by its extension; else the input's), atomically. */
async function writeGolden(p: string, results: { container: boolean; arrays: [string, import("./matrix.js").Matrix][] }, plan: PlanSpec, from: FormatSpec): Promise<void> {
  const format = formatFromPath(p) ?? from.name;
  const { mkdirSync } = await import("node:fs");
  const { dirname } = await import("node:path");
  try {
    mkdirSync(dirname(p), { recursive: true });
  } catch (err) {
    throw new DactError("WRITE", `cannot create the golden's folder: ${(err as Error).message}`, p);
  }
  const out = await openSink(p, { force: plan.force, noFollow: plan.noFollow, tempName: plan.tempName, fsync: plan.fsync, syncFolder: plan.syncFolder });
  await commitOrAbort(out, async () => {
    const { formatSpec } = await import("./formats/index.js");
    const spec = formatSpec(format);
    if (spec.kind === "container") {
      const cw = await spec.writer(out, {});
      const plans = results.arrays.map(([name, m]) => ({ name, head: { shape: m.shape, growing: false, dtype: m.dtype, header: m.header }, dtype: m.dtype, compressed: false }));
      const { writeWhole } = await import("./formats/array.js");
      const byName = new Map(results.arrays); // linear in the members
      for (const pl of cw.plan(plans, null)) {
        const m = byName.get(pl.name)!;
        await writeWhole(cw.member(pl), pl.head, m.data, m.missing);
      }
      await cw.end();
      return;
    }
    if (results.arrays.length !== 1) throw new DactError("USAGE", `${p}: ${results.arrays.length} arrays cannot be one ${format} golden; expected an .npz or .safetensors golden, or --key`);
    await writeMatrix(results.arrays[0]![1], out, format, { delimiter: format === from.name ? plan.delimiter : undefined });
  });
}

/** A report destination from --report KIND:FILE. */
export interface ReportSpec {
  kind: "junit" | "json";
  file: string;
}

function xml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!).replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

export function junitReport(results: readonly CheckResult[], activation: string): string {
  const failures = results.filter((r) => r.status === "differs" || r.status === "missing").length;
  const errors = results.filter((r) => r.status === "error").length;
  const time = results.reduce((a, r) => a + r.seconds, 0).toFixed(3);
  const cases = results.map((r) => {
    const head = `    <testcase classname="dact.${xml(activation)}" name="${xml(r.input)} vs ${xml(r.golden)}" time="${r.seconds.toFixed(3)}"`;
    if (r.status === "ok" || r.status === "written") return `${head}/>`;
    const tag = r.status === "error" ? "error" : "failure";
    const message = r.status === "missing" ? "golden file missing" : r.status === "error" ? "error" : "differs from the golden file";
    return `${head}>\n      <${tag} message="${xml(message)}" type="${r.status}">${xml(r.report)}</${tag}>\n    </testcase>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="dact" tests="${results.length}" failures="${failures}" errors="${errors}" time="${time}">\n  <testsuite name="dact ${xml(activation)}" tests="${results.length}" failures="${failures}" errors="${errors}" skipped="0" time="${time}">\n${cases.join("\n")}\n  </testsuite>\n</testsuites>\n`;
}

export function jsonReport(results: readonly CheckResult[], activation: string): string {
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
    })) ?? [];
  const doc = {
    tool: "dact",
    activation,
    summary: Object.fromEntries((["ok", "differs", "missing", "written", "error"] as const).map((s) => [s, results.filter((r) => r.status === s).length])),
    results: results.map((r) => ({ input: r.input, golden: r.golden, status: r.status, seconds: r.seconds, report: r.report, keys: keys(r.comparison) })),
  };
  // Infinity and NaN are not JSON: as strings.
  return JSON.stringify(doc, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v), 2) + "\n";
}

/** Writes each --report, atomically. */
export async function writeReports(specs: readonly ReportSpec[], results: readonly CheckResult[], activation: string): Promise<void> {
  for (const s of specs) {
    const out = await openOutput(s.file);
    const text = s.kind === "junit" ? junitReport(results, activation) : jsonReport(results, activation);
    await commitOrAbort(out, async () => {
      await out.write(Buffer.from(text, "utf8"));
    });
  }
}

/** One line per file of a batch check, as a test runner prints. */
export function checkLine(r: CheckResult): string {
  return `${r.status.padEnd(7)} ${r.input} vs ${r.golden}`;
}

