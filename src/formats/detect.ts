import * as path from "node:path";
import { DactError } from "../errors.js";
import type { Input } from "../io.js";
import { MAGIC } from "./npy/header.js";

export const FORMATS = ["csv", "tsv", "json", "jsonl", "npy"] as const;
export type Format = (typeof FORMATS)[number];

const BY_EXTENSION: Record<string, Format> = {
  ".csv": "csv",
  ".tsv": "tsv",
  ".tab": "tsv",
  ".json": "json",
  ".jsonl": "jsonl",
  ".ndjson": "jsonl",
  ".npy": "npy",
};

export function formatFromPath(p: string): Format | undefined {
  return BY_EXTENSION[path.extname(p).toLowerCase()];
}

/**
 * The input's format: the --format option, else the file extension, else
 * the content: the .npy magic, a JSON array or number start, or CSV.
 */
export async function detectFormat(input: Input, forced?: Format): Promise<Format> {
  if (forced) return forced;
  const byExt = formatFromPath(input.path);
  if (byExt) return byExt;
  const head = await input.peek(4096);
  if (head.length >= MAGIC.length && head.subarray(0, MAGIC.length).equals(MAGIC)) return "npy";
  let text = head.toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const t = text.trimStart();
  if (t.startsWith("[")) {
    // One array per line is JSON Lines; one document spread over lines is JSON.
    const firstLine = t.split("\n", 1)[0]!.trim();
    return firstLine.startsWith("[") && balanced(firstLine) && t.slice(firstLine.length).trim().startsWith("[") ? "jsonl" : "json";
  }
  if (t.includes("\t") && !t.split("\n", 1)[0]!.includes(",")) return "tsv";
  return "csv";
}

function balanced(line: string): boolean {
  let depth = 0;
  for (const c of line) {
    if (c === "[") depth++;
    else if (c === "]") depth--;
  }
  return depth === 0;
}

export function parseFormat(s: string): Format {
  if ((FORMATS as readonly string[]).includes(s)) return s as Format;
  throw new DactError("USAGE", `option --format: found ${JSON.stringify(s)}; expected one of ${FORMATS.join(", ")}`);
}
