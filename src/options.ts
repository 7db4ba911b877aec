/**
 * Option parsers, handed to commander as its custom-processing functions:
 * each turns the raw text into a checked value or throws a DactError that
 * names the option, before any input is read.
 */
import { parseOptionNumber } from "./activations/registry.js";
import { DactError } from "./errors.js";
import type { FloatDType } from "./formats/array.js";
import { parseDelimiter } from "./formats/csv/delimiter.js";
import type { ColumnSpec } from "./formats/csv/reader.js";
import { parseFloatFormat, type Printf } from "./formats/text/printf.js";
import { parseFormat, type Format } from "./formats/index.js";

export function formatOption(s: string): Format {
  return parseFormat(s);
}

export function dtypeOption(s: string): FloatDType {
  if (s === "f2" || s === "f4" || s === "f8" || s === "bf16") return s;
  throw new DactError("USAGE", `option --dtype: found ${JSON.stringify(s)}; expected f2, f4, f8 or bf16`);
}

export function reshapeOption(s: string): number[] {
  const parts = s.split(",").map((t) => t.trim());
  if (!parts.every((t) => /^(-1|\d+)$/.test(t)) || parts.filter((t) => t === "-1").length > 1) {
    throw new DactError("USAGE", `option --reshape: found ${JSON.stringify(s)}; expected sizes like 100,20 (one of them may be -1)`);
  }
  const dims = parts.map(Number);
  if (dims.length > 64) throw new DactError("USAGE", `option --reshape: found ${dims.length} dimensions; expected at most 64 (numpy's limit)`);
  if (dims.some((d) => d > Number.MAX_SAFE_INTEGER)) throw new DactError("USAGE", `option --reshape: found ${JSON.stringify(s)}; expected sizes below 2^53`);
  return dims;
}

export function delimiterOption(s: string): string {
  return parseDelimiter(s);
}

/** A whole number >= 1 in plain decimal digits: `1e1`, `0x2` and ` 2 ` are refused. */
export function countOption(option: string) {
  return (s: string): number => {
    if (!/^[0-9]+$/.test(s) || Number(s) < 1 || !Number.isSafeInteger(Number(s))) {
      throw new DactError("USAGE", `option ${option}: found ${JSON.stringify(s)}; expected a whole number >= 1 in decimal digits`);
    }
    return Number(s);
  };
}

export function toleranceOption(option: string) {
  return (s: string): number => {
    const v = parseOptionNumber(s, option);
    if (v < 0) throw new DactError("USAGE", `option ${option}: found ${JSON.stringify(s)}; expected a number >= 0`);
    return v;
  };
}

/** A size in bytes: digits with an optional K, M or G (powers of 1024): `64M`. */
export function sizeOption(option: string) {
  return (s: string): number => {
    const m = /^([0-9]+)([KMG]?)$/i.exec(s);
    const n = m ? Number(m[1]) * 1024 ** " KMG".indexOf((m[2] || " ").toUpperCase()) : NaN;
    if (!m || !Number.isSafeInteger(n) || n < 1) throw new DactError("USAGE", `option ${option}: found ${JSON.stringify(s)}; expected a size in bytes such as 65536, 64M or 1G`);
    return n;
  };
}

/** --shard I/N: 0 <= I < N, decimal digits. */
export function shardOption(s: string): { index: number; count: number } {
  const m = /^([0-9]+)\/([0-9]+)$/.exec(s);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(count) || count < 1 || index >= count) {
    throw new DactError("USAGE", `option --shard: found ${JSON.stringify(s)}; expected I/N with 0 <= I < N, such as 0/4`);
  }
  return { index, count };
}

/** --float-format: "shortest" (null) or a printf conversion such as %.6g (printf.ts). */
export function floatFormatOption(s: string): Printf | null {
  return parseFloatFormat(s);
}

/** --decimal: "." or ",". */
export function decimalOption(s: string): "." | "," {
  if (s === "." || s === ",") return s;
  throw new DactError("USAGE", `option --decimal: found ${JSON.stringify(s)}; expected "." or ","`);
}

/** --comment: one character, or "" for no comments. */
export function commentOption(s: string): string {
  if (s === "" || (s.length === 1 && s !== '"' && s !== "\n" && s !== "\r")) return s;
  throw new DactError("USAGE", `option --comment: found ${JSON.stringify(s)}; expected one character, or '' for none`);
}

/** --na-values: a comma-separated list (the empty cell is always missing). */
export function naValuesOption(s: string): string[] {
  return s.split(",").filter((t) => t !== "");
}

/**
 * --columns LIST, repeatable: comma-separated 0-based numbers, header
 * names, and ranges as Python slices them (`2:5` is 2, 3, 4; `3:` to the end).
 */
export function columnsOption(s: string, previous: ColumnSpec | undefined): ColumnSpec {
  const out: ColumnSpec[number][] = [...(previous ?? [])];
  for (const t of s.split(",")) {
    if (t === "") throw new DactError("USAGE", `option --columns: found ${JSON.stringify(s)}; expected comma-separated column numbers, names or ranges such as 2:5, none empty`);
    const m = /^([0-9]*):([0-9]*)$/.exec(t);
    if (m) {
      const from = m[1] === "" ? 0 : Number(m[1]);
      const to = m[2] === "" ? null : Number(m[2]);
      if (to !== null && to <= from) throw new DactError("USAGE", `option --columns: found the range ${t}; expected from:to with from < to (to excluded, as in Python)`);
      out.push({ from, to });
    } else out.push(/^[0-9]+$/.test(t) ? Number(t) : t);
  }
  return out;
}

/** --index-col N|NAME|none, repeatable: label columns by 0-based number or header name. */
export function indexColOption(s: string, previous: (number | string)[] | "none" | undefined): (number | string)[] | "none" {
  if (s === "none") return "none";
  const list = previous === undefined || previous === "none" ? [] : previous;
  return [...list, /^[0-9]+$/.test(s) ? Number(s) : s];
}
