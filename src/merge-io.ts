/** Reading shard reports and writing merged ones, through io.ts (atomic outputs, never over an input report). */
import * as path from "node:path";
import { DactError } from "./errors.js";
import { openInput, openOutput } from "./io.js";
import { commitOrAbort } from "./pipeline.js";

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

export async function writeText(file: string, text: string, inputs: readonly string[]): Promise<void> {
  if (inputs.some((i) => path.resolve(i) === path.resolve(file))) throw new DactError("USAGE", "dact merge-reports: an output is one of the input reports; expected a new file", file);
  const out = await openOutput(file);
  await commitOrAbort(out, async () => {
    await out.write(Buffer.from(text, "utf8"));
  });
}
