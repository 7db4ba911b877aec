/**
 * The types of a run, as plain data: what one run needs (PlanSpec, which
 * crosses to batch workers), what it gives back (RunResult), and what a
 * --check found (CheckResult). Types only: every layer may use them.
 */
import type { Params } from "../activations/types.js";
import type { NamedComparison, Tolerance, TolerancePolicy } from "../compare.js";
import type { FloatDType } from "../formats/array.js";
import type { ColumnSpec, HeaderMode, LabelSpec } from "../formats/csv/reader.js";
import type { Format } from "../formats/index.js";
import type { Printf } from "../formats/text/printf.js";

/**
 * Everything one run needs, as plain data (it crosses to batch workers):
 * the activation by name with checked parameters, where to read and write,
 * and how.
 */
export interface PlanSpec {
  activation: string;
  params: Params;
  /** Input path or "-" for stdin. */
  input: string;
  /** Output path or "-" for stdout. */
  output: string;
  format?: Format | undefined;
  /** CSV/TSV: --delimiter (default: tab for .tsv/.tab, else comma) and --header/--no-header. */
  delimiter?: string | undefined;
  header?: HeaderMode | undefined;
  /** --to: the output format, when not the input's. */
  to?: Format | undefined;
  /** --dtype: the .npy output dtype. */
  dtype?: FloatDType | undefined;
  /** --reshape: a numpy-style shape for the result (one -1 allowed). */
  reshape?: number[] | undefined;
  /** --check: compare with this golden file instead of writing (--update: write it when missing or different). */
  check?: { path: string; tolerance: TolerancePolicy | Tolerance; update?: "off" | "on" | "force" | "pending" | undefined; /** --check-dir: golden updates create folders only below it (never through links). */ root?: string | undefined } | undefined;
  /** Called with the input size and as bytes are read (progress bars). */
  progress?: ((read: number, total: number) => void) | undefined;
  /** --force: replace a read-only output file. */
  force?: boolean | undefined;
  /** --max-line-size: the longest line, cell or header a text reader holds, in bytes. */
  maxLine?: number | undefined;
  /** CSV: --decimal, --comment, --na-values, --index-col. */
  decimal?: "." | "," | undefined;
  /** CSV/TSV/JSON output: --float-format (null or absent: the default layout). */
  floatFormat?: Printf | null | undefined;
  comment?: string | undefined;
  naValues?: string[] | undefined;
  labels?: LabelSpec | undefined;
  /** --columns: the only columns differentiated. */
  columns?: ColumnSpec | undefined;
  /** Batch: the format-bound options (src/option-fit.ts) were checked against the whole run, not each file. */
  fitChecked?: boolean | undefined;
  /** Batch: never write through a link at the output path. */
  noFollow?: boolean | undefined;
  /** Batch: the output's temporary file, named and tracked by the main thread. */
  tempName?: string | undefined;
  /** fsync the output before its rename (default true); false: --no-fsync, for scratch outputs. */
  fsync?: boolean | undefined;
  /** Batch: false, the folder is fsync'ed once at the batch's end rather than after each file. */
  syncFolder?: boolean | undefined;
  /** Containers: --key, the arrays to take (all when absent). */
  keys?: string[] | undefined;
  /** .npz output: deflate every member (--compress), not only those that were. */
  compress?: boolean | undefined;
  /** Parquet output: --compression, the page codec (default snappy). */
  compression?: "snappy" | "gzip" | "none" | undefined;
  /** --threads: the most threads the kernel may use (default: every core). */
  threads?: number | undefined;
  /** --grad-output: G, a file or a plain number; the output is G ⊙ f'(X). */
  gradOutput?: string | number | undefined;
}

export interface RunResult {
  /** 0, or 1 when --check found differences. */
  status: number;
  /** The --check report, when there is one. */
  report?: string;
  /** --check: what was compared and found (for batch lines and JUnit/JSON reports). */
  check?: CheckResult;
}

export type CheckStatus = "ok" | "differs" | "missing" | "written" | "error" | "obsolete";

export interface CheckResult {
  status: CheckStatus;
  input: string;
  golden: string;
  /** The text report (empty when ok). */
  report: string;
  comparison: NamedComparison | null;
  seconds: number;
  /** --pending: the NAME.new.EXT written beside the golden. */
  pending?: string | undefined;
}

