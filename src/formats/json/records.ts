/**
 * pandas' tables in JSON: `df.to_json(orient="records", lines=True)` (JSON
 * Lines of objects with the same keys, the only JSON Lines pandas writes),
 * `orient="records"` (an array of such objects) and `orient="split"`
 * (`{"columns": [...], "index": [...], "data": [[...], ...]}`).
 *
 * The keys (split: "columns") are the column names, in the first record's
 * order. As in a CSV file with a header, a column whose first value is a
 * string, a boolean or any non-number (an id, a date) is a label column and
 * passes through; null is a missing value; --index-col and --columns choose
 * as they do for CSV. Same-format output writes the same records, with the
 * same keys, each number replaced by f'(x).
 *
 * JSON Lines stream line by line. The array and split forms are read whole
 * (JSON.parse): pandas writes them on one line, so a stream parser would
 * hold as much.
 */
import { DactError, shown } from "../../errors.js";
import { pump, type Input, type Output } from "../../io.js";
import { OutBuffer, type ArrayHead, type ArraySink } from "../array.js";
import type { TransformContext } from "../context.js";
import type { ColumnSpec, LabelSpec } from "../csv/reader.js";
import { grow } from "../../grow.js";
import { formatNumber } from "../text/number.js";
import { formatPrintf, notJsonNumber, type Printf } from "../text/printf.js";
import { StringDecoder } from "node:string_decoder";

export type RecordsLayout = "lines" | "array" | "split";

export interface RecordsOptions {
  labels?: LabelSpec | undefined;
  columns?: ColumnSpec | undefined;
  maxLine?: number | undefined;
  notice?: ((m: string) => void) | undefined;
}

/** The layout of a JSON input whose first value is an object (or an array of objects); null for arrays of numbers. */
export async function recordsLayout(input: Input, lines: boolean): Promise<RecordsLayout | null> {
  let t = (await input.peek(4096)).toString("utf8");
  if (t.charCodeAt(0) === 0xfeff) t = t.slice(1);
  t = t.trimStart();
  if (t.startsWith("{")) return lines ? "lines" : /^\{\s*"columns"\s*:/.test(t) || !/\}\s*[\r\n]+\s*\{/.test(t) ? "split" : "lines";
  if (!lines && /^\[\s*\{/.test(t)) return "array";
  return null;
}

/** A number as dact's JSON writer writes it: null for NaN, ±1e999 for ±inf. */
function jsonNumber(x: number): string {
  return x !== x ? "null" : x === Infinity ? "1e999" : x === -Infinity ? "-1e999" : formatNumber(x);
}

/**
 * How the records' numbers are written: jsonNumber, or with --float-format
 * its text for a finite number (NaN and ±inf as jsonNumber), as the JSON
 * array writer does; a format whose output is not always a JSON number is
 * refused as there, before anything is written.
 */
function numberText(f: Printf | null | undefined, source: string): (x: number) => string {
  if (!f) return jsonNumber;
  const why = notJsonNumber(f);
  if (why !== null) throw new DactError("USAGE", `option --float-format: found ${JSON.stringify(f.text)} for JSON output; expected a format whose output is a JSON number (${why})`, source);
  return (x) => (x - x === 0 ? formatPrintf(x, f) : jsonNumber(x));
}

/** A label value as a CSV cell: strings as they are, null empty, the rest as JSON. */
function labelText(v: unknown): string {
  return typeof v === "string" ? v : v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
}

/**
 * The columns of a table: their names, and which are labels. Decided by
 * the first row; every later row is checked against it.
 */
class Table {
  readonly labelCols: number[];
  private readonly isLabel: boolean[];
  values = new Float64Array(1 << 12);
  missing = new Uint8Array(1 << 12);
  n = 0;
  labels: string[] = [];
  rows = 0;

  constructor(readonly keys: string[], first: readonly unknown[], opts: RecordsOptions, private readonly file: string, where: string) {
    const byName = (c: number | string, option: string): number => {
      const k = typeof c === "number" ? c : keys.indexOf(c);
      if (k < 0 || k >= keys.length) throw new DactError("USAGE", `option ${option}: found ${JSON.stringify(c)}; expected a column number (0..${keys.length - 1}) or one of the keys (${keys.join(", ")})`, file);
      return k;
    };
    const labels = new Set<number>();
    if (Array.isArray(opts.labels)) for (const c of opts.labels) labels.add(byName(c, "--index-col"));
    if (opts.columns && opts.columns.length > 0) {
      const picked = new Set<number>();
      for (const c of opts.columns) {
        if (typeof c === "object") {
          if (c.from >= keys.length) throw new DactError("USAGE", `option --columns: found ${c.from}:${c.to ?? ""}; expected a range within 0..${keys.length - 1}`, file);
          for (let k = c.from; k < Math.min(c.to ?? keys.length, keys.length); k++) picked.add(k);
        } else picked.add(byName(c, "--columns"));
      }
      keys.forEach((_k, i) => picked.has(i) || labels.add(i));
    } else if (opts.labels !== "none") {
      first.forEach((v, i) => (typeof v === "number" || v === null ? 0 : labels.add(i)));
    }
    this.labelCols = [...labels].sort((a, b) => a - b);
    this.isLabel = keys.map((_k, i) => labels.has(i));
    void where;
  }

  get cols(): number {
    return this.keys.length - this.labelCols.length;
  }

  /** Appends a row (values in key order): numbers to `values`, labels' text to `labels`. */
  add(row: readonly unknown[], where: () => Where): void {
    this.values = grow(this.values, this.n, this.n + this.keys.length);
    this.missing = grow(this.missing, this.n, this.n + this.keys.length);
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      if (this.isLabel[i]) {
        this.labels.push(labelText(v));
        continue;
      }
      if (typeof v === "number") {
        this.values[this.n] = v;
        this.missing[this.n++] = 0;
      } else if (v === null) {
        this.values[this.n] = NaN;
        this.missing[this.n++] = 1;
      } else {
        const w = where();
        const key = this.keys[i]!;
        throw new DactError("JSON_RECORD", `${prefix(w)}found ${typeof v === "string" ? shown(v) : shown(JSON.stringify(v) ?? String(v))} under key ${shown(key)}; expected a number or null, as in the first record (pass --index-col ${/^[\p{L}\p{N}_.-]+$/u.test(key) ? key : JSON.stringify(key)} to keep the column aside as labels)`, this.file, positionOf(w));
      }
    }
    this.rows++;
  }

  reset(): void {
    this.n = 0;
    this.labels = [];
    this.rows = 0;
  }
}

/** Where a record is: its name ("record 2") and, when known, its line and column. */
type Where = { text: string; line?: number; column?: number };

function positionOf(w: Where): { line?: number; column?: number } {
  return w.line === undefined ? {} : w.column === undefined ? { line: w.line } : { line: w.line, column: w.column };
}

/** Where a record is, for a message: nothing when the error has a line (the position says it), else "record N: ". */
function prefix(w: Where): string {
  return w.line !== undefined ? "" : `${w.text}: `;
}

/** One record's values in `keys` order; a record with other keys is an error. */
function recordRow(rec: unknown, keys: readonly string[], file: string, where: () => Where): unknown[] {
  if (rec === null || typeof rec !== "object" || Array.isArray(rec)) {
    const w = where();
    throw new DactError("JSON_RECORD", `${prefix(w)}found ${Array.isArray(rec) ? "an array" : shown(JSON.stringify(rec) ?? String(rec))}; expected an object with the keys ${keys.join(", ")}`, file, positionOf(w));
  }
  const o = rec as Record<string, unknown>;
  const own = Object.keys(o);
  if (own.length !== keys.length || !keys.every((k) => Object.prototype.hasOwnProperty.call(o, k))) {
    const w = where();
    const extra = own.filter((k) => !keys.includes(k));
    const lacking = keys.filter((k) => !Object.prototype.hasOwnProperty.call(o, k));
    const diff = [extra.length ? `the key${extra.length > 1 ? "s" : ""} ${extra.map((k) => JSON.stringify(k)).join(", ")} that the first record lacks` : "", lacking.length ? `no ${lacking.map((k) => JSON.stringify(k)).join(", ")}` : ""].filter((x) => x).join(" and ");
    throw new DactError("JSON_RECORD", `${prefix(w)}found a record with ${diff}; expected the first record's keys (${keys.join(", ")})`, file, positionOf(w));
  }
  return keys.map((k) => o[k]);
}

/** The 1-based line and column of text[offset]. */
function lineCol(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

/**
 * Where each child of the array or object starting at text[start] starts
 * (an object's: its values, with their keys). Only for messages: errors
 * in the array and split layouts point at the record they are about.
 */
function children(text: string, start: number): { key: string | null; at: number }[] {
  const out: { key: string | null; at: number }[] = [];
  const isObject = text[start] === "{";
  let depth = 0;
  let key: string | null = null;
  let expect = true;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      if (depth === 1 && expect) {
        if (isObject && key === null) {
          try {
            key = JSON.parse(text.slice(i, j + 1)) as string;
          } catch {
            key = "";
          }
        } else out.push({ key, at: i });
        expect = false;
      }
      i = j;
    } else if (c === "[" || c === "{") {
      if (depth === 1 && expect) {
        out.push({ key, at: i });
        expect = false;
      }
      depth++;
    } else if (c === "]" || c === "}") {
      if (--depth === 0) break;
    } else if (depth === 1 && c === ",") {
      expect = true;
      key = null;
    } else if (depth === 1 && c === ":") expect = true;
    else if (depth === 1 && expect && c !== " " && c !== "\t" && c !== "\n" && c !== "\r") {
      out.push({ key, at: i });
      expect = false;
    }
  }
  return out;
}

/** The position of row i of an array or split document (its "data" array), for messages. */
function rowPosition(text: string, layout: "array" | "split", i: number): { line: number; column: number } {
  const top = text.search(/[[{]/);
  let at = top < 0 ? 0 : top;
  if (layout === "split") {
    const data = children(text, at).find((c) => c.key === "data");
    if (!data) return lineCol(text, at);
    at = data.at;
  }
  const row = children(text, at)[i];
  return lineCol(text, row ? row.at : at);
}

function parseJson(text: string, file: string, line?: number): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const m = (err as Error).message.replace(/^JSON\.parse: /, "");
    const at = /at position (\d+)/.exec(m);
    const where = line !== undefined ? (at ? { line, column: Number(at[1]) + 1 } : { line }) : at ? lineCol(text, Number(at[1])) : lineCol(text, text.length);
    throw new DactError("JSON_SYNTAX", `${m.replace(/ in JSON at position \d+.*$/s, "").replace(/, ".*" is not valid JSON$/s, "").slice(0, 80)}; expected JSON`, file, where);
  }
}

/** Splits input into lines (UTF-8 safe across chunks), each with its ending. */
class Lines {
  private decoder = new StringDecoder("utf8");
  private carry = "";
  private started = false;
  line = 0;
  constructor(private readonly onLine: (text: string, ending: string, line: number) => void, private readonly maxLine: number, private readonly file: string) {}
  push(chunk: Buffer): void {
    let s = this.carry + this.decoder.write(chunk);
    if (!this.started && s.length > 0) {
      this.started = true;
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    }
    let pos = 0;
    for (;;) {
      const nl = s.indexOf("\n", pos);
      if (nl < 0) break;
      const cr = nl > pos && s.charCodeAt(nl - 1) === 13;
      this.onLine(s.slice(pos, cr ? nl - 1 : nl), cr ? "\r\n" : "\n", ++this.line);
      pos = nl + 1;
    }
    this.carry = s.slice(pos);
    if (this.carry.length > this.maxLine) throw new DactError("TOO_LONG", `found a line longer than ${this.maxLine} characters; expected shorter ones (raise the cap with --max-line-size)`, this.file, { line: this.line + 1 });
  }
  end(): void {
    const s = this.carry + this.decoder.end();
    this.carry = "";
    if (s !== "") this.onLine(s, "", ++this.line);
  }
}

/** Reads the whole input as text (array and split layouts). */
async function wholeText(input: Input): Promise<string> {
  const parts: Buffer[] = [];
  // Nothing is pushed while the text is read: `after` (a flush of what was
  // pushed) comes once the records are sent; before that, a reader of the
  // sink (--grad-output) would find no head yet.
  for await (const c of input.chunks()) parts.push(Buffer.from(c)); // a copy: sources reuse their buffers
  let t = Buffer.concat(parts).toString("utf8");
  if (t.charCodeAt(0) === 0xfeff) t = t.slice(1);
  return t;
}

/** The rows of an array or split document, and its column names. */
function documentRows(doc: unknown, layout: "array" | "split", file: string, text: string): { keys: string[]; rows: unknown[][] } {
  if (layout === "array") {
    const recs = doc as unknown[];
    if (recs.length === 0) return { keys: [], rows: [] };
    const first = recs[0];
    if (first === null || typeof first !== "object" || Array.isArray(first)) throw new DactError("JSON_RECORD", `found ${shown(JSON.stringify(first) ?? "")}; expected an object (a pandas record), as the array's first value`, file, rowPosition(text, layout, 0));
    const keys = Object.keys(first);
    return { keys, rows: recs.map((r, i) => recordRow(r, keys, file, () => ({ text: `record ${i + 1}`, ...rowPosition(text, layout, i) }))) };
  }
  const o = doc as Record<string, unknown>;
  if (o === null || typeof o !== "object" || Array.isArray(o) || !Array.isArray(o["columns"]) || !Array.isArray(o["data"])) {
    throw new DactError("JSON_RECORD", `found an object without "columns" and "data" arrays (pandas' default orient="columns" or orient="index"?); expected pandas' orient="split" ({"columns": [...], "index": [...], "data": [[...], ...]}), orient="records" ([{...}, ...]) or an array of numbers: write it with df.to_json(orient="split") or orient="records"`, file, lineCol(text, Math.max(0, text.search(/\{/))));
  }
  const keys = (o["columns"] as unknown[]).map((c) => (typeof c === "string" ? c : JSON.stringify(c)));
  const rows = (o["data"] as unknown[]).map((r, i) => {
    if (!Array.isArray(r) || r.length !== keys.length) throw new DactError("JSON_RECORD", `found ${Array.isArray(r) ? `a "data" row of ${r.length} values` : shown(JSON.stringify(r) ?? "")}; expected ${keys.length} values, one per column`, file, rowPosition(text, "split", i));
    return r as unknown[];
  });
  return { keys, rows };
}

/**
 * A split document's "index" has no place in the array this path makes (a
 * conversion: the same-format transform keeps it): a notice when it is
 * not pandas' default (0, 1, 2, ...), which `to_json(orient="split")`
 * writes for a plain DataFrame and dropping loses nothing.
 */
function droppedIndex(doc: unknown, layout: RecordsLayout, file: string): { full: string; brief: string } | undefined {
  if (layout !== "split") return undefined;
  const index = (doc as Record<string, unknown>)["index"];
  if (!Array.isArray(index) || index.every((v, i) => v === i)) return undefined;
  const shown = index.slice(0, 5).map((v) => JSON.stringify(v)).join(", ") + (index.length > 5 ? ", …" : "");
  const brief = `its "index" (${shown}) is dropped`;
  // Said by the output's sink (kernelSink, noticingWriter), merged with what else it drops; never for a G or a JSON golden.
  return { full: `dact: ${file}: ${brief} (JSON split output keeps it)`, brief };
}

/** Records in, as an array (rows, numeric columns): the keys are its header, label columns pass aside. */
export async function readRecords(input: Input, layout: RecordsLayout, opts: RecordsOptions, sink: ArraySink, after: () => Promise<void>): Promise<number[]> {
  let table: Table | null = null;
  const file = input.name;
  let indexNote: { full: string; brief: string } | undefined;
  const headerName = layout === "split" ? 'its "columns"' : "the record keys";
  const begin = (t: Table) => sink.begin({ shape: [0, t.cols], growing: true, dtype: "f8", header: t.keys, headerName, naTokens: [], labelCols: t.labelCols, indexNote });
  const send = (t: Table) => {
    if (t.rows === 0) return;
    sink.data(t.values, t.missing, t.n, { naTokens: [], labelCols: t.labelCols, labels: t.labels, comments: [] });
    t.reset();
  };
  let rows = 0;
  if (layout === "lines") {
    let keys: string[] = [];
    const lines = new Lines(
      (text, _e, line) => {
        if (text.trim() === "") return;
        const rec = parseJson(text, file, line);
        const where = () => ({ text: `line ${line}`, line });
        if (table === null) {
          if (rec === null || typeof rec !== "object" || Array.isArray(rec)) throw new DactError("JSON_RECORD", `found ${shown(text)}; expected an object (a pandas record) on every line, as on the first`, file, { line });
          keys = Object.keys(rec);
          table = new Table(keys, recordRow(rec, keys, file, where), opts, file, "line 1");
          begin(table);
        }
        table.add(recordRow(rec, keys, file, where), where);
        rows++;
      },
      opts.maxLine ?? 64 << 20,
      file,
    );
    await pump(input, lines, async () => {
      if (table) send(table);
      await after();
    });
    if (table) send(table);
  } else {
    const text = await wholeText(input);
    const doc = parseJson(text, file);
    const { keys, rows: data } = documentRows(doc, layout, file, text);
    indexNote = droppedIndex(doc, layout, file);
    if (data.length > 0 || keys.length > 0) {
      const t: Table = new Table(keys, data[0] ?? keys.map(() => null), opts, file, "record 1");
      table = t;
      begin(t);
      data.forEach((r, i) => t.add(r, () => ({ text: `record ${i + 1}`, ...rowPosition(text, layout, i) })));
      rows = data.length;
      send(t);
    }
  }
  const shape = table === null ? [0, 0] : [rows, (table as Table).cols];
  if (table === null) sink.begin({ shape, growing: false, dtype: "f8", header: null });
  if (layout !== "lines") await after();
  return shape;
}

/** The head readRecords gives for a table: its keys as the header, label columns aside. */
function tableHead(t: Table, rows: number, growing: boolean): ArrayHead {
  return { shape: [rows, t.cols], growing, dtype: "f8", header: t.keys, naTokens: [], labelCols: t.labelCols };
}

/** The numbers' results: f'(x) in place, or G ⊙ f'(x) with --grad-output (NaN where null: written as null again). */
async function derived(ctx: TransformContext, values: Float64Array, n: number): Promise<Float64Array> {
  if (!ctx.grad) {
    ctx.kernel(values, values, n);
    return values;
  }
  return ctx.grad.apply(values, n);
}

/** One record as pandas writes it (compact, keys in order), numbers from `values` from `k`. */
function recordText(keys: readonly string[], row: readonly unknown[], isNumeric: readonly boolean[], values: Float64Array, k: number, asObject: boolean, num: (x: number) => string): [string, number] {
  let s = asObject ? "{" : "[";
  for (let i = 0; i < keys.length; i++) {
    if (i > 0) s += ",";
    if (asObject) s += JSON.stringify(keys[i]) + ":";
    s += isNumeric[i] ? num(values[k++]!) : JSON.stringify(row[i]);
  }
  return [s + (asObject ? "}" : "]"), k];
}

/**
 * Records in, the same records out: the same keys in the same order, label
 * values as they were (re-encoded by JSON.stringify: the same value), each
 * number and null of a numeric column replaced by f'(x) (null stays null).
 */
export async function transformRecords(input: Input, output: Output, ctx: TransformContext, layout: RecordsLayout, opts: RecordsOptions): Promise<void> {
  const out = new OutBuffer(output);
  const file = input.name;
  const num = numberText(ctx.floatFormat, file);
  const numericOf = (t: Table) => t.keys.map((_k, i) => !t.labelCols.includes(i));
  if (layout === "lines") {
    let table: Table | null = null;
    let keys: string[] = [];
    let isNumeric: boolean[] = [];
    const pending: { row: unknown[] | null; text: string; ending: string }[] = [];
    const lines = new Lines(
      (text, ending, line) => {
        if (text.trim() === "") {
          pending.push({ row: null, text, ending });
          return;
        }
        const rec = parseJson(text, file, line);
        const where = () => ({ text: `line ${line}`, line });
        if (table === null) {
          if (rec === null || typeof rec !== "object" || Array.isArray(rec)) throw new DactError("JSON_RECORD", `found ${shown(text)}; expected an object (a pandas record) on every line, as on the first`, file, { line });
          keys = Object.keys(rec);
          table = new Table(keys, recordRow(rec, keys, file, where), opts, file, "line 1");
          isNumeric = numericOf(table);
        }
        const row = recordRow(rec, keys, file, where);
        table.add(row, where);
        pending.push({ row, text, ending });
      },
      opts.maxLine ?? 64 << 20,
      file,
    );
    let begun = false;
    const flush = async () => {
      if (table) {
        if (ctx.grad && !begun) {
          // G's head is checked against the table's (as the array reader gives it) before any record is written.
          await ctx.grad.begin(tableHead(table, 0, true));
          begun = true;
        }
        const results = await derived(ctx, table.values, table.n);
        let k = 0;
        for (const p of pending) {
          if (p.row === null) out.text(p.text + p.ending);
          else {
            const [s, next] = recordText(keys, p.row, isNumeric, results, k, true, num);
            k = next;
            out.text(s + p.ending);
          }
        }
        table.reset();
      } else for (const p of pending) out.text(p.text + p.ending);
      pending.length = 0;
      await out.flush();
    };
    let rows = 0;
    const count = async () => {
      rows += table?.rows ?? 0;
      await flush();
    };
    await pump(input, lines, count);
    await count();
    if (ctx.grad) {
      if (!table) await ctx.grad.begin({ shape: [0, 0], growing: false, dtype: "f8", header: null });
      await ctx.grad.finish([rows, table ? (table as Table).cols : 0]);
    }
    return;
  }
  const raw = await wholeText(input);
  const doc = parseJson(raw, file);
  const { keys, rows } = documentRows(doc, layout, file, raw);
  const trailing = /\r?\n$/.exec(raw)?.[0] ?? "";
  const t = new Table(keys, rows[0] ?? keys.map(() => null), opts, file, "record 1");
  rows.forEach((r, i) => t.add(r, () => ({ text: `record ${i + 1}`, ...rowPosition(raw, layout, i) })));
  if (ctx.grad) await ctx.grad.begin(rows.length > 0 || keys.length > 0 ? tableHead(t, rows.length, false) : { shape: [0, 0], growing: false, dtype: "f8", header: null });
  const results = await derived(ctx, t.values, t.n);
  await ctx.grad?.finish(rows.length > 0 || keys.length > 0 ? [rows.length, t.cols] : [0, 0]);
  const isNumeric = numericOf(t);
  let k = 0;
  const texts = rows.map((r) => {
    const [s, next] = recordText(keys, r, isNumeric, results, k, layout === "array", num);
    k = next;
    return s;
  });
  if (layout === "array") out.text(`[${texts.join(",")}]${trailing}`);
  else {
    const o = doc as Record<string, unknown>;
    const parts = Object.keys(o).map((key) => `${JSON.stringify(key)}:${key === "data" ? `[${texts.join(",")}]` : JSON.stringify(o[key])}`);
    out.text(`{${parts.join(",")}}${trailing}`);
  }
  await out.flush();
}
