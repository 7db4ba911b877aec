/** Reading shard reports and writing merged ones, through io.ts (atomic outputs, never over an input report). */
import * as fs from "node:fs";
import { DactError } from "./errors.js";
import { fileId, openInput, openOutput, prepareReport, Protected, realpathLoose } from "./io.js";
import { commitOrAbort } from "./run/sources.js";

export async function readReportText(file: string): Promise<string> {
  const input = await openInput(file);
  try {
    const parts: Buffer[] = [];
    for await (const c of input.chunks()) parts.push(Buffer.from(c));
    return Buffer.concat(parts).toString("utf8");
  } finally {
    await input.close();
  }
}

/**
 * Checks the two outputs of merge-reports before any input is read or
 * anything written: neither is a symbolic link (never written through),
 * neither is an input report (by device and inode, so a hard link or a
 * second name is caught), each is nothing or a regular file, and they are
 * two different files.
 */
export function checkMergeOutputs(out: string, junit: string, inputs: readonly string[], listed: readonly string[] = []): void {
  const guard = new Protected();
  for (const i of inputs) guard.add(i, "input report");
  for (const f of listed) guard.add(f, "golden or input named in the reports");
  const outputs: [string, string][] = [
    [out, "merge-reports OUT"],
    [junit, "merge-reports --junit"],
  ];
  for (const [p, what] of outputs) {
    let lst: fs.Stats | null = null;
    try {
      lst = fs.lstatSync(p);
    } catch {
      lst = null;
    }
    if (lst?.isSymbolicLink()) throw new DactError("USAGE", `${what} ${p}: found a symbolic link; expected a regular file or nothing there (reports are never written through links)`);
    prepareReport(p, what, guard);
  }
  const same = realpathLoose(out) === realpathLoose(junit) || (fileId(out) !== null && fileId(out) === fileId(junit));
  if (same) throw new DactError("USAGE", `merge-reports: OUT ${out} and --junit ${junit}: found the same file; expected two different files (the JSON and the JUnit report)`);
}

export async function writeText(file: string, text: string, inputs: readonly string[], listed: readonly string[] = []): Promise<void> {
  const guard = new Protected();
  for (const i of inputs) guard.add(i, "input report");
  for (const f of listed) guard.add(f, "golden or input named in the reports");
  guard.check(file, "merge-reports output");
  const out = await openOutput(file, { noFollow: true });
  await commitOrAbort(out, async () => {
    await out.write(Buffer.from(text, "utf8"));
  });
}
