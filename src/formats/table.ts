/**
 * What Parquet and Arrow share: a table is a matrix of its numeric columns.
 * Each column is classified once (a float of some width, an integer, a
 * tensor column of fixed width, or a label column that passes through),
 * the kernel runs per column in the column's result dtype (floats keep their
 * width, integers give float64), and the array path sees the numeric
 * columns side by side, row-major, as an (rows, columns) array.
 */
import type { Kernel } from "../activations/types.js";
import { DactError } from "../errors.js";
import { roundTo } from "./round.js";
import { float32Of } from "../wasm/index.js";
import type { ArrayHead, ArrayWriter, FloatDType, IntDType, Values } from "./array.js";
import type { GradStage } from "./context.js";
import { promote } from "./round.js";

/** A numeric column's kind: its float width, or an integer (computed as float64). */
export type NumKind = "f2" | "f4" | "f8" | "int";

export interface NumColumn {
  readonly name: string;
  readonly kind: NumKind;
  /** Values per row: 1, or n for a FixedSizeList<n> (tensor) column. */
  readonly width: number;
}

/** The dtype a column's results take: floats keep their width, integers give float64. */
export function resultDtype(kind: NumKind): FloatDType {
  return kind === "int" ? "f8" : kind;
}

/** The dtype of the matrix of several columns: their common float dtype, else float64. */
export function matrixDtype(cols: readonly NumColumn[]): FloatDType {
  const ds = new Set(cols.map((c) => resultDtype(c.kind)));
  return ds.size === 1 ? [...ds][0]! : "f8";
}

/** Each matrix column's result dtype (a tensor column gives its width of them): an ArrayHead's columnDtypes. */
/**
 * pandas' schema metadata ("pandas" key) after computing columns: each
 * computed column's pandas_type and numpy_type become its stored float
 * dtype, so pandas reads the floats back (a nullable Int64 column left
 * described as Int64 made read_parquet fail on the first fraction).
 * Unparseable metadata is returned as it was; tensor columns (object
 * columns of arrays to pandas) keep theirs.
 */
export function pandasMetadataFor(json: string, stored: ReadonlyMap<string, FloatDType>): string {
  let m: { columns?: { name?: unknown; field_name?: unknown; pandas_type?: unknown; numpy_type?: unknown; metadata?: unknown }[] };
  try {
    m = JSON.parse(json) as typeof m;
  } catch {
    return json;
  }
  if (!Array.isArray(m.columns)) return json;
  const NAME: Record<FloatDType, string> = { f2: "float16", f4: "float32", f8: "float64", bf16: "float32" };
  let changed = false;
  for (const c of m.columns) {
    const key = typeof c.field_name === "string" ? c.field_name : typeof c.name === "string" ? c.name : null;
    const d = key === null ? undefined : stored.get(key);
    if (d === undefined || (c.pandas_type === NAME[d] && c.numpy_type === NAME[d])) continue;
    c.pandas_type = NAME[d];
    c.numpy_type = NAME[d];
    c.metadata = null;
    changed = true;
  }
  // Unchanged: the writer's bytes as they were. Changed: laid out as
  // pyarrow writes it (Python's json.dumps: ", " and ": ", ASCII only).
  return changed ? pyJson(m) : json;
}

/** Python's json.dumps(v) with its defaults: separators ", " and ": ", non-ASCII as \\uXXXX. */
function pyJson(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v).replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (Array.isArray(v)) return `[${v.map(pyJson).join(", ")}]`;
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${pyJson(k)}: ${pyJson(x)}`).join(", ")}}`;
}

/** Each value's column name along the last axis (ArrayHead.valueNames). */
export function valueNamesOf(cols: readonly { name: string; width: number }[]): string[] {
  return cols.flatMap((c) => Array<string>(c.width).fill(c.name));
}

export function columnDtypesOf(cols: readonly NumColumn[]): FloatDType[] {
  return cols.flatMap((c) => Array<FloatDType>(c.width).fill(resultDtype(c.kind)));
}

/**
 * A head's integer dtypes (`intOf`: an integer column's own, int8..uint64),
 * for a gradient's promotion (grad.ts): columnSourceDtypes per matrix
 * column, and sourceDtype when every column is one integer dtype (the
 * matrix is then of that dtype, as pandas' to_numpy gives it). Nothing
 * when no column is an integer.
 */
export function sourceDtypesOf<C extends NumColumn>(cols: readonly C[], intOf: (c: C) => IntDType): { columnSourceDtypes?: (IntDType | undefined)[]; sourceDtype?: IntDType } {
  if (!cols.some((c) => c.kind === "int")) return {};
  const per = cols.map((c) => (c.kind === "int" ? intOf(c) : undefined));
  const one = per.every((d) => d !== undefined && d === per[0]) ? per[0] : undefined;
  return { columnSourceDtypes: cols.flatMap((c, i) => Array<IntDType | undefined>(c.width).fill(per[i])), ...(one ? { sourceDtype: one } : {}) };
}

/**
 * --grad-output in a table transform: one group of rows' numeric columns,
 * side by side (C order, as the array path reads them), through the stage;
 * back column by column, each in its result dtype (`dtypes`: per matrix
 * column; a tensor column takes the widest of its own).
 */
export async function gradColumns(stage: GradStage, cols: readonly NumColumn[], data: readonly ColumnValues[], rows: number, dtypes: readonly FloatDType[]): Promise<{ values: Float64Array | Float32Array; dtype: FloatDType }[]> {
  const { values } = interleave(cols, data, rows, "f8");
  const r = await stage.apply(values, values.length);
  const total = dtypes.length;
  const out: { values: Float64Array | Float32Array; dtype: FloatDType }[] = [];
  let at = 0;
  for (const c of cols) {
    const w = c.width;
    const dtype = dtypes.slice(at, at + w).reduce(promote);
    const v = new Float64Array(rows * w);
    for (let i = 0; i < rows; i++) for (let k = 0; k < w; k++) v[i * w + k] = r[i * total + at + k]!;
    out.push({ values: castColumn(v, dtype), dtype });
    at += w;
  }
  return out;
}

/** One column's values as floats: NaN where missing, with the missing mask (null when none). */
export interface ColumnValues {
  values: Float64Array | Float32Array;
  missing: Uint8Array | null;
}

/** The kernel over one column, in the column's result dtype (f4 stays f4, f2 rounds once). */
export function deriveColumn(kernel: Kernel, dtype: FloatDType, src: Float64Array | Float32Array): Float64Array | Float32Array {
  const n = src.length;
  const dst = dtype === "f4" ? new Float32Array(n) : new Float64Array(n);
  const k32 = float32Of(kernel);
  (src instanceof Float32Array && dst instanceof Float32Array ? (k32 ?? kernel) : kernel)(src, dst, n);
  if (dtype === "f2" || dtype === "bf16") roundTo(dst as Float64Array, n, dtype);
  return dst;
}

/**
 * A result in the stored dtype (--dtype): deriveColumn has already rounded
 * it once to that dtype, so this only changes the array type.
 */
export function castColumn(v: Float64Array | Float32Array, to: FloatDType): Float64Array | Float32Array {
  if (to === "f4") return v instanceof Float32Array ? v : Float32Array.from(v);
  const out = Float64Array.from(v);
  if (to === "f2" || to === "bf16") roundTo(out, out.length, to);
  return out;
}

/** Interleaves columns (each rows × width) into row-major values of the matrix dtype. */
export function interleave(cols: readonly NumColumn[], data: readonly ColumnValues[], rows: number, dtype: FloatDType): { values: Float64Array | Float32Array; missing: Uint8Array | null } {
  const total = cols.reduce((s, c) => s + c.width, 0);
  const values = dtype === "f4" ? new Float32Array(rows * total) : new Float64Array(rows * total);
  let missing: Uint8Array | null = null;
  let at = 0;
  for (let j = 0; j < cols.length; j++) {
    const w = cols[j]!.width;
    const { values: v, missing: m } = data[j]!;
    if (w === 1) for (let r = 0, o = at; r < rows; r++, o += total) values[o] = v[r]!;
    else {
      for (let r = 0; r < rows; r++) {
        const o = r * total + at;
        for (let k = 0; k < w; k++) values[o + k] = v[r * w + k]!;
      }
    }
    if (m) {
      missing ??= new Uint8Array(rows * total);
      for (let r = 0; r < rows; r++) for (let k = 0; k < w; k++) if (m[r * w + k]) missing[r * total + at + k] = 1;
    }
    at += w;
  }
  return { values, missing };
}

/**
 * The column names as a header for the array path; none when every name is
 * a number ("0", "1", ...: the names pandas gives, and that dact writes for
 * arrays), which a CSV reader would take back as a row of data.
 */
export function headerOf(names: readonly string[]): string[] | null {
  return names.every((n) => n.trim() !== "" && Number.isFinite(Number(n))) ? null : [...names];
}

/** float16 bits to a number (exact). */
export function halfToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 31;
  const f = h & 1023;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1024 + f) * 2 ** (e - 25);
}

/** A number exactly representable in float16 (results are rounded first) to its bits. */
export function numberToHalf(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a === Infinity) return sign | 0x7c00;
  if (a < 2 ** -14) return sign | Math.round(a * 2 ** 24);
  let e = Math.floor(Math.log2(a));
  while (2 ** e > a) e--;
  while (2 ** (e + 1) <= a) e++;
  return sign | ((e + 15) << 10) | Math.round((a / 2 ** e - 1) * 1024);
}

/**
 * The columns pandas stored its index in (the "pandas" schema metadata's
 * index_columns): labels, not data, whatever their type.
 */
export function pandasIndexColumns(pandasJson: string | undefined | null): Set<string> {
  if (!pandasJson) return new Set();
  try {
    const m = JSON.parse(pandasJson) as { index_columns?: unknown[] };
    return new Set((m.index_columns ?? []).filter((c): c is string => typeof c === "string"));
  } catch {
    return new Set();
  }
}

/** The error for a column dact cannot compute on or pass through. */
export function unsupportedColumn(file: string, name: string, type: string): DactError {
  return new DactError("FORMAT", `column ${JSON.stringify(name)} is ${type}; expected numbers (float16/32/64, integers, a fixed-size list of them) or text, dates, timestamps, booleans (passed through)`, file);
}

/** Rows of elements per output row group or record batch written from the array path. */
export const GROUP_ELEMENTS = 1 << 20;

/**
 * The array path into a table: values come row-major; they are split into
 * columns, held until a group of rows is full, and handed to `emit` (a row
 * group or a record batch). A 1-D array is one column; a 2-D array's
 * columns are named by the header when it has one name per column, else
 * "0", "1", ... (as pandas names a DataFrame's columns).
 */
export abstract class TableArrayWriter implements ArrayWriter {
  protected names: string[] = [];
  protected dtype: FloatDType = "f8";
  private cols = 1;
  private groupRows = 1;
  private buf: Float64Array[] = [];
  private miss: (Uint8Array | null)[] = [];
  private row = 0;
  private col = 0;
  private rowsDone = 0;

  /** `stored`: --dtype, the dtype written (default: the head's). */
  constructor(protected readonly source: string | undefined, private readonly stored?: FloatDType | undefined) {}

  begin(head: ArrayHead): void {
    if (head.shape.length < 1 || head.shape.length > 2) {
      const dims = head.shape.map((d, i) => (i === 0 && head.growing ? "…" : String(d)));
      throw new DactError("SHAPE", `found a ${head.shape.length}-D array of shape (${dims.join(", ")}); expected a 1-D or 2-D array for a table (pass --reshape rows,cols, e.g. --reshape -1,${head.shape.slice(1).reduce((a, b) => a * b, 1)})`, this.source);
    }
    this.cols = head.shape.length === 1 ? 1 : head.shape[1]!;
    let header = head.header ? [...head.header] : null;
    if (header && head.labelCols?.length && header.length !== this.cols) header = header.filter((_, i) => !head.labelCols!.includes(i));
    this.names = header && header.length === this.cols && new Set(header).size === header.length ? header : Array.from({ length: this.cols }, (_, i) => String(i));
    this.dtype = this.stored ?? head.dtype;
    this.groupRows = Math.max(1, Math.floor(GROUP_ELEMENTS / Math.max(1, this.cols)));
    this.reset();
    this.start();
  }

  private reset(): void {
    this.buf = Array.from({ length: this.cols }, () => new Float64Array(this.groupRows));
    this.miss = Array.from({ length: this.cols }, () => null);
    this.row = 0;
  }

  write(values: Values, missing: Uint8Array | null, n: number): void {
    for (let i = 0; i < n; i++) {
      const c = this.col;
      this.buf[c]![this.row] = values[i]!;
      if (missing && missing[i]) (this.miss[c] ??= new Uint8Array(this.groupRows))[this.row] = 1;
      if (++this.col === this.cols) {
        this.col = 0;
        if (++this.row === this.groupRows) this.group();
      }
    }
  }

  private group(): void {
    if (this.row === 0 || this.cols === 0) return;
    const rows = this.row;
    if (this.dtype === "f2" || this.dtype === "bf16") for (const b of this.buf) roundTo(b, rows, this.dtype);
    this.emit(this.buf.map((b) => b.subarray(0, rows)), this.miss.map((m) => m && m.subarray(0, rows)), rows);
    this.rowsDone += rows;
    this.reset();
  }

  async end(shape: readonly number[]): Promise<void> {
    this.group();
    void shape;
    await this.finish();
  }

  abstract flush(): Promise<void>;
  /** Called from begin(): names, dtype and column count are known. */
  protected abstract start(): void;
  /** One group of rows, column by column (values of the result dtype, exactly representable). */
  protected abstract emit(cols: Float64Array[], missing: (Uint8Array | null)[], rows: number): void;
  protected abstract finish(): Promise<void>;
}
