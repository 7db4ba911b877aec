/**
 * Batch mode's ledger: what made an output (optionsKey, gradIdentity), how
 * the manifest records a file (fileIdentity), and reading the manifest and
 * --log/--resume files, where a record cut short by a killed run counts as
 * not written. Split out of src/batch.ts.
 */
import { createHash } from "node:crypto";
import type * as fs from "node:fs";
import * as path from "node:path";
import { DactError } from "../errors.js";
import { readSideFile } from "../io.js";
import type { PlanSpec } from "../run/types.js";
import { statOrNull, type BatchJob, type BatchOptions } from "./plan.js";

/** An output as the manifest records it: size, mtime and inode (rewritten, renamed over or touched: another file). */
export function fileIdentity(st: fs.Stats): string {
  return `${st.size}:${st.mtimeMs}:${st.ino}`;
}

/** What made an output: the options that change its bytes, and dact's version. */
export function optionsKey(plan: Omit<PlanSpec, "input" | "output">, version: string): string {
  const { activation, params, format, delimiter, header, to, dtype, reshape, labels, columns, decimal, comment, naValues, keys, compress, compression, gradOutput } = plan;
  // --float-format by its text (the parsed form is derived from it); null (Python's repr) kept apart from unset.
  const floatFormat = plan.floatFormat === null ? null : plan.floatFormat?.text;
  // Unset options drop out of the JSON: keys made before an option existed stay the same.
  // Not here: what changes no output byte (--threads, --no-fsync, --force, --max-line-size, progress).
  // A G of inf, -inf, NaN or -0 by its text: JSON writes the first three as null and -0 as 0 (a finite G keeps its old key).
  const g = typeof gradOutput === "number" && (!Number.isFinite(gradOutput) || Object.is(gradOutput, -0)) ? { number: Object.is(gradOutput, -0) ? "-0" : String(gradOutput) } : gradOutput;
  return createHash("sha256")
    .update(JSON.stringify({ version, activation, params, format, delimiter, header, to, dtype, reshape, labels, columns, decimal, comment, naValues, keys, compress, compression, floatFormat, gradOutput: g }))
    .digest("hex")
    .slice(0, 16);
}

/** A gradient file's identity for the manifest: a changed gradient (size, mtime or inode) redoes the output. */
export function gradIdentity(o: Pick<BatchOptions, "gradDir">, base: Pick<PlanSpec, "gradOutput">, job: BatchJob): string | undefined {
  const file = o.gradDir !== undefined ? path.join(o.gradDir, job.inRel) : typeof base.gradOutput === "string" ? base.gradOutput : undefined;
  if (file === undefined) return undefined;
  const st = statOrNull(file);
  return st ? `${st.size}:${st.mtimeMs}:${st.dev}:${st.ino}` : "none";
}

/** The manifest --skip-existing keeps in --out-dir: one JSON line per output written. */
export const MANIFEST = ".dact-manifest.jsonl";

/** The records of a manifest or log (a regular file, read without blocking; the manifest never through a link). */
export function readJsonLines(file: string, what: string, noFollow: boolean): Record<string, unknown>[] {
  const text = readSideFile(file, what, noFollow);
  if (text === null) return [];
  const out: Record<string, unknown>[] = [];
  const lines = text.split("\n");
  lines.forEach((line, k) => {
    if (!line.trim()) return;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch (err) {
      // A record cut short by a killed run (or a full disk), which the next
      // append ended with a newline: JSON that stops at the end of its line.
      // It was never complete, so it counts as not written.
      if (cutShort(line, err)) return;
      throw new DactError("FORMAT", `found a line that is not JSON; expected one JSON object per line (a dact log)`, file, { line: k + 1 });
    }
  });
  return out;
}

/** Whether `line` is the start of a JSON object that JSON.parse ran off the end of. */
function cutShort(line: string, err: unknown): boolean {
  const message = (err as Error).message;
  if (/end of JSON input/.test(message)) return line.startsWith("{");
  const m = /^(?:Unterminated|Expected|Bad (?:control|escaped)).* at position (\d+)/.exec(message);
  return line.startsWith("{") && m !== null && Number(m[1]) >= line.trimEnd().length - 1;
}
