/**
 * Delimiter sniffing, for CSV input without --delimiter (a .csv file may
 * hold ';' from a European Excel, np.savetxt writes spaces): among `,` TAB
 * `;` `|` and runs of whitespace, the candidate whose rows all have the
 * same number of cells (two or more) with the most number-like cells wins;
 * ties go in that order. A file where none qualifies has one column.
 */
import { CellStatus, cellStatus, parseNumberText } from "../text/number.js";
import { EXCEL_ERRORS, PANDAS_NA, WHITESPACE } from "./reader.js";

/** How much of the input the sniffer looks at. */
export const SNIFF_BYTES = 64 << 10;
const SNIFF_LINES = 20;

/** Splits a line at `d` outside double quotes. */
function split(line: string, d: string): string[] {
  // Runs of whitespace outside double quotes (R's write.table row names, "Mazda RX4").
  if (d === WHITESPACE) return line.includes('"') ? (line.trim().match(/"[^"]*"[^ \t\v\f]*|[^ \t\v\f]+/g) ?? [""]) : line.trim().split(/[ \t\v\f]+/);
  if (!line.includes('"')) return line.split(d);
  const out: string[] = [];
  let cur = "";
  let q = false;
  for (const ch of line) {
    if (ch === '"') q = !q;
    else if (ch === d && !q) {
      out.push(cur);
      cur = "";
      continue;
    }
    cur += ch;
  }
  out.push(cur);
  return out;
}

function numberLike(cell: string, decimalComma: boolean, na: Set<string>): boolean {
  const t = cell.trim().replace(/^"(.*)"$/, "$1");
  if (t === "" || na.has(t)) return true;
  parseNumberText(decimalComma ? t.replace(",", ".") : t);
  if (cellStatus === CellStatus.Number) return true;
  // A decimal comma without --decimal: number-like, so ';' wins and the
  // reader's error can say what to pass.
  return !decimalComma && /^[-+]?\d+,\d+(e[-+]?\d+)?$/i.test(t);
}

const ROW_STARTS = new Set([...PANDAS_NA, ...EXCEL_ERRORS]);

/**
 * Whether a line of the head is a comment: its first non-blank character
 * is `comment`, and its first cell (up to `,` TAB `;` `|`, or else up to
 * whitespace) is not an NA token or an Excel error value (`#N/A  0` is a
 * row, as the reader reads it, whitespace-separated included).
 */
export function isCommentLine(line: string, comment: string): boolean {
  const t = line.trimStart();
  if (comment === "" || !t.startsWith(comment)) return false;
  const cell = t.split(/[,\t;|\r\n]/, 1)[0]!.trim();
  if (ROW_STARTS.has(cell)) return false;
  return !ROW_STARTS.has(cell.split(/[ \t\v\f]/, 1)[0]!);
}

/**
 * Whether tab-separated cells are really runs of space-separated numbers
 * (`1.5  -2<TAB>3`: aligned columns with a tab among the spaces): some
 * cell holds two or more tokens, every one a number or an NA token. Such
 * content is whitespace-separated (or whatever the sniffer finds), not
 * TSV, as the same bytes in a .txt file; cells of words with spaces
 * (`row one`, R's quoted `"Mazda RX4"`, a header `"a" "b"`) are not
 * numbers and leave TSV to the other rules.
 */
export function tabCellsHoldSpacedNumbers(lines: readonly string[]): boolean {
  const na = new Set(PANDAS_NA);
  for (const l of lines) {
    for (const cell of l.split("\t")) {
      const toks = cell.trim().split(/[ \v\f]+/);
      if (toks.length >= 2 && toks.every((t) => numberLike(t, false, na))) return true;
    }
  }
  return false;
}

/** A quoted cell that is a number with a decimal comma: `"0,5"`, `"-1,25e-07"`. */
const QUOTED_DECIMAL_COMMA = /(^|,)\s*"\s*[-+]?(\d[\d_]*)?,\d[\d_]*([eE][-+]?\d+)?\s*"\s*(,|$)/;

export function sniffDelimiter(head: Buffer, opts: { decimal?: "." | "," | undefined; comment?: string | undefined; complete: boolean }): string {
  let text = head.toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let lines = text.split(/\r\n|\n|\r/);
  // Excel's delimiter hint, `sep=;` as the first line: Excel and pandas' python engine honour it.
  const hint = /^sep=([^\r\n])$/.exec(lines[0] ?? "");
  if (hint && (lines.length > 1 || opts.complete)) return hint[1]!;
  if (!opts.complete) lines.pop(); // the last line may be cut
  const comment = opts.comment ?? "#";
  lines = lines.filter((l) => l.trim() !== "" && !isCommentLine(l, comment)).slice(0, SNIFF_LINES);
  const decimalComma = opts.decimal === ",";
  const fallback = decimalComma ? ";" : ",";
  if (lines.length === 0) return fallback;
  const na = new Set(PANDAS_NA);
  // With a decimal comma, ',' between cells only where numbers are quoted
  // ("0,5": pandas' to_csv(decimal=",") with its default sep): else a
  // column of 0,5 would be two columns of integers.
  const quotedComma = decimalComma && lines.some((l) => QUOTED_DECIMAL_COMMA.test(l));
  const candidates = [",", "\t", ";", "|", WHITESPACE].filter((d) => !(decimalComma && d === "," && !quotedComma));
  let best = fallback;
  let bestScore = 0;
  for (const d of candidates) {
    const rows = lines.map((l) => split(l, d));
    const n = rows[rows.length > 1 ? 1 : 0]!.length;
    // R's write.table: the header has one cell fewer than the rows (their first cell is the row name).
    if (n < 2 || !rows.every((r, k) => r.length === n || (k === 0 && d === WHITESPACE && r.length === n - 1))) continue;
    // The first row may be a header: score the rest (or it, when alone).
    const data = rows.length > 1 ? rows.slice(1) : rows;
    let numeric = 0;
    let all = 0;
    for (const r of data) {
      for (const c of r) {
        all++;
        if (numberLike(c, decimalComma, na)) numeric++;
      }
    }
    const score = numeric / all;
    if (score > bestScore) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}
