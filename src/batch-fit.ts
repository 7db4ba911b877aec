/**
 * Batch mode's rule for the format-bound options (src/option-fit.ts): an
 * option is a usage error only if it applies to no input (or output) of
 * the run, so a folder of CSV and .npy files together keeps taking the CSV
 * options (docs/formats.md, "Options that do not apply"). Checked after the
 * walk, before any output is written; a file whose extension names no
 * format is sniffed only when the extensions alone do not settle it, and a
 * pipe or device is never read here (it may fit).
 */
import * as fs from "node:fs";
import { DactError } from "./errors.js";
import { detectFormat, formatFromPath, type Format } from "./formats/index.js";
import { batchRules, fits, foundText, givenRules, unfitRule, type FitOptions, type RunFormats } from "./option-fit.js";
import { openSource } from "./run/sources.js";

export async function checkBatchFit(s: FitOptions & Parameters<typeof batchRules>[0] & { format?: Format | undefined }, inputs: readonly string[], to: Format | undefined, checks: boolean): Promise<void> {
  if (givenRules(s).length === 0 && batchRules(s).length === 0) return;
  // --check-dir's goldens mirror the inputs' names (--to renames them): they are what --out-dir would write.
  const formats = (ins: readonly (Format | undefined)[]): RunFormats => ({ inputs: ins, outputs: to ? [to] : ins, goldens: checks });
  const known = inputs.map((i) => s.format ?? formatFromPath(i));
  // The extensions alone settle it when the known formats fit every option.
  const unfit = (f: RunFormats) => unfitRule(s, f) ?? batchRules(s).find((r) => !fits(r, f)) ?? null;
  if (unfit(formats(known.filter((f) => f !== undefined))) === null) return;
  const sniffed = await Promise.all(inputs.map(async (p, k) => known[k] ?? (await sniff(p))));
  const f = formats(sniffed);
  const rule = unfit(f);
  if (rule) throw new DactError("USAGE", `option ${rule.flag}: ${foundText(rule, f).replace(/^found (?!with )/, "found only ")}, in all ${inputs.length} input${inputs.length === 1 ? "" : "s"} of the run; expected it only with ${rule.expected}`);
}

/** A regular file's detected format; undefined for a pipe, a device or a file that cannot be read (its own run reports that). */
async function sniff(p: string): Promise<Format | undefined> {
  try {
    if (!fs.statSync(p).isFile()) return undefined;
    const input = await openSource(p);
    try {
      return await detectFormat(input);
    } finally {
      await input.close();
    }
  } catch {
    return undefined;
  }
}
