/**
 * `dact merge-reports OUT IN...`: the JSON reports of the shards of one
 * --check-dir run (vitest's --merge-reports) merged into one JSON report
 * and one JUnit file that read as the unsharded run's: every result, the
 * obsolete goldens (the goldens any shard found that no shard's input maps
 * to), the summary line and the exit status.
 *
 * The shards must be all of one run: the same activation, every I of I/N
 * exactly once. Anything else is an error, never a partial merge.
 */
import { DactError } from "./errors.js";
import { junitReport, type CheckResult } from "./golden.js";
import { checkExit, summaryLine } from "./obsolete-run.js";
import * as path from "node:path";

interface JsonResult {
  input: string;
  golden: string;
  status: CheckResult["status"];
  seconds: number;
  report: string;
  keys: unknown[];
  pending?: string;
}

interface JsonDoc {
  tool: string;
  activation: string;
  summary: Record<string, number>;
  results: JsonResult[];
  shard?: string | null;
  obsolete_checked?: boolean;
  goldens?: string[];
}

const STATUSES = ["ok", "differs", "missing", "written", "error", "obsolete"] as const;

function parse(text: string, file: string): JsonDoc {
  let doc: JsonDoc;
  try {
    doc = JSON.parse(text) as JsonDoc;
  } catch (err) {
    throw new DactError("JSON_SYNTAX", `not JSON (${(err as Error).message}); expected a report written by --report json:FILE`, file);
  }
  if (doc?.tool !== "dact" || typeof doc.activation !== "string" || !Array.isArray(doc.results)) throw new DactError("FORMAT", "found JSON that is not a dact report; expected one written by --check-dir --report json:FILE", file);
  if (!Array.isArray(doc.goldens)) throw new DactError("FORMAT", "the report has no list of goldens; expected a --check-dir report of this dact version", file);
  return doc;
}

export interface Merged {
  json: string;
  junit: string;
  lines: string[];
  summary: string;
  status: number;
}

/** Merges shard reports (their texts, by file name). */
export function mergeReports(inputs: readonly { file: string; text: string }[]): Merged {
  if (inputs.length === 0) throw new DactError("USAGE", "merge-reports: found no input reports; expected the JSON report of every shard");
  const docs = inputs.map((i) => ({ file: i.file, doc: parse(i.text, i.file) }));
  const activation = docs[0]!.doc.activation;
  for (const d of docs) if (d.doc.activation !== activation) throw new DactError("USAGE", `found activation ${JSON.stringify(d.doc.activation)}; expected ${JSON.stringify(activation)} as in ${docs[0]!.file} (reports of one run)`, d.file);
  // Every shard of one run, once each; or a single unsharded report.
  const shards = docs.map((d) => d.doc.shard ?? null);
  let checkObsolete: boolean;
  if (shards.every((s) => s === null)) {
    if (docs.length > 1) throw new DactError("USAGE", `found ${docs.length} unsharded reports; expected the reports of the shards (--shard I/N) of one run`);
    checkObsolete = docs[0]!.doc.obsolete_checked === true;
  } else {
    const parsed = shards.map((s, k) => {
      const m = s === null ? null : /^(\d+)\/(\d+)$/.exec(s);
      if (!m) throw new DactError("USAGE", `found a report without --shard among shard reports; expected every report from a shard of one run`, docs[k]!.file);
      return { index: Number(m[1]), count: Number(m[2]), file: docs[k]!.file };
    });
    const n = parsed[0]!.count;
    const seen = new Map<number, string>();
    for (const p of parsed) {
      if (p.count !== n) throw new DactError("USAGE", `found shard ${p.index}/${p.count}; expected shards of ${n} as in ${parsed[0]!.file}`, p.file);
      const other = seen.get(p.index);
      if (other !== undefined) throw new DactError("USAGE", `found shard ${p.index}/${n} twice (also ${other}); expected each shard once`, p.file);
      seen.set(p.index, p.file);
    }
    const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !seen.has(i));
    if (missing.length) throw new DactError("USAGE", `found ${seen.size} of ${n} shards; expected every shard (missing ${missing.map((i) => `${i}/${n}`).join(", ")})`);
    checkObsolete = true;
  }
  const results: JsonResult[] = docs.flatMap((d) => d.doc.results.filter((r) => r.status !== "obsolete" || shards.every((s) => s === null)));
  // One run's shards split its goldens: a golden in two reports means
  // reports of different runs (a stale shard beside fresh ones), never merged.
  const owner = new Map<string, string>();
  for (const d of docs) {
    for (const r of d.doc.results) {
      if (r.status === "obsolete") continue;
      const g = path.resolve(r.golden);
      const other = owner.get(g);
      if (other !== undefined) throw new DactError("USAGE", `found golden ${JSON.stringify(r.golden)} checked ${other === d.file ? "twice in this report" : `also in ${other}`}; expected each golden in one shard's report (reports of one run)`, d.file);
      owner.set(g, d.file);
    }
  }
  const goldens = [...new Set(docs.flatMap((d) => d.doc.goldens ?? []))].sort();
  const lines: string[] = [];
  if (checkObsolete && shards.some((s) => s !== null)) {
    const used = new Set(results.map((r) => path.resolve(r.golden)));
    for (const g of goldens) {
      if (used.has(path.resolve(g))) continue;
      results.push({ input: "", golden: g, status: "obsolete", seconds: 0, report: `${g}: no input maps to this golden; --prune removes it\n`, keys: [] });
    }
  }
  results.sort((a, b) => (a.golden < b.golden ? -1 : a.golden > b.golden ? 1 : a.input < b.input ? -1 : a.input > b.input ? 1 : 0));
  for (const r of results) lines.push(r.status === "obsolete" ? `obsolete ${r.golden}` : `${r.status.padEnd(7)} ${r.input} vs ${r.golden}`);
  const count = (s: string) => results.filter((r) => r.status === s).length;
  const doc = {
    tool: "dact",
    activation,
    summary: Object.fromEntries(STATUSES.map((s) => [s, count(s)])),
    results,
    shard: null,
    obsolete_checked: checkObsolete,
    goldens,
  };
  const asChecks: CheckResult[] = results.map((r) => ({ status: r.status, input: r.input, golden: r.golden, report: r.report, comparison: null, seconds: r.seconds }));
  return {
    json: JSON.stringify(doc, null, 2) + "\n",
    junit: junitReport(asChecks, activation),
    lines,
    summary: summaryLine(count),
    status: checkExit(count),
  };
}
