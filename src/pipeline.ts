import { findActivation } from "./activations/registry.js";
import type { Activation, Kernel, Params } from "./activations/types.js";
import type { Printf } from "./formats/text/printf.js";
import type { Tolerance, TolerancePolicy } from "./compare.js";
import type { CheckResult } from "./golden.js";
import { streamGrad, type GradSource } from "./grad.js";
import { parallelKernel, threadCount } from "./parallel.js";
import { float32Kernel, float32Of, withFloat32 } from "./wasm/index.js";
import { DactError } from "./errors.js";
import { CollectWriter, WRITE_SLICE, type ArrayHead, type ArraySink, type ArrayWriter, type FloatDType, type RowExtras, type Values } from "./formats/array.js";
import { arrayFormat, detectFormat, formatFromPath, formatSpec, type ArrayFormat, type Format, type ReadOptions } from "./formats/index.js";
import { GzipOutput, maybeGunzip } from "./formats/gzip.js";
import type { ColumnSpec, HeaderMode, LabelSpec } from "./formats/csv/reader.js";
import { openInput, openOutput, STDIO, type Input, type Output, type OutputOptions } from "./io.js";
import { reshaped, roundTo } from "./matrix.js";

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

function activationOf(name: string): Activation {
  const act = findActivation(name);
  if (!act) throw new DactError("USAGE", `unknown activation ${JSON.stringify(name)}; expected one of dact list`);
  return act;
}

const notice = (m: string) => process.stderr.write(m + "\n");

/** The table formats, and the single-array formats that store a dtype (--dtype). */
const TABLES: readonly Format[] = ["parquet", "arrow", "arrows"];
const DTYPED: readonly Format[] = ["npy", ...TABLES];

/**
 * The output format: --to, else the -o extension, else the input's. --to
 * that names another format than the -o extension is a usage error.
 */
export function outputFormat(plan: Pick<PlanSpec, "to" | "output">, input: Format): Format {
  const byExt = plan.output !== STDIO ? formatFromPath(plan.output) : undefined;
  if (plan.to && byExt && plan.to !== byExt) {
    throw new DactError("USAGE", `options --to ${plan.to} and -o ${plan.output}: found two different output formats; expected one (drop --to, or give -o a ${formatSpec(plan.to).extensions[0]} name)`);
  }
  return plan.to ?? byExt ?? input;
}

/**
 * source -> format reader -> kernel -> format writer -> sink, for one
 * input. A run whose output format is its input's streams through the
 * format's own transform, which keeps the layout (line endings, header,
 * nesting); any other pair streams through the array protocol (any reader
 * into any writer). The output is opened before any input is read, so an
 * unwritable target fails first, and is committed only on success.
 */
export async function runDerivative(plan: PlanSpec, say: (m: string) => void = notice, defer?: (commit: Promise<void>) => void): Promise<RunResult> {
  const act = activationOf(plan.activation);
  const input = await openSource(plan.input, plan.progress);
  try {
    const format = await detectFormat(input, plan.format);
    const from = formatSpec(format);
    const threads = threadCount(plan.threads);
    // float32 in and out has a SIMD form (src/wasm), found by float32Of(kernel).
    const base = act.kernel(plan.params);
    const k32 = float32Kernel(act, plan.params, base);
    const kernel = withFloat32(parallelKernel(act, plan.params, base, threads), k32 && parallelKernel(act, plan.params, k32, threads, true));
    const readOpts: ReadOptions = { delimiter: plan.delimiter, header: plan.header, signOnly: act.signOnly ?? false, maxLine: plan.maxLine, decimal: plan.decimal, comment: plan.comment, naValues: plan.naValues, labels: plan.labels, columns: plan.columns, notice: say };
    if (plan.columns?.length && (from.kind === "container" || from.name === "npy")) throw new DactError("USAGE", `option --columns: ${input.name} is ${from.name}, arrays without named columns; expected a CSV/TSV file or a pandas JSON table`);
    // Parquet and Arrow columns are typed: the numeric ones are differentiated, the others pass through.
    if (TABLES.includes(from.name) && (plan.columns?.length || (plan.labels !== undefined && plan.labels !== "auto"))) throw new DactError("USAGE", `option ${plan.columns?.length ? "--columns" : "--index-col"}: ${input.name} is ${from.name}, whose typed columns decide (numeric ones are differentiated, the others pass through); expected it with CSV/TSV or JSON tables`);
    if (plan.keys?.length && from.kind !== "container") throw new DactError("USAGE", `option --key: ${input.name} is ${from.name}, one array without names; expected --key only with .npz or .safetensors input`);
    if (plan.check) {
      const { checkGolden } = await import("./golden.js");
      return await checkGolden(input, from, plan, kernel, readOpts, say);
    }
    const to = formatSpec(outputFormat(plan, format));
    if (plan.floatFormat && !["csv", "tsv", "json", "jsonl"].includes(to.name)) throw new DactError("USAGE", `option --float-format: ${to.name} output holds binary numbers; expected --float-format with CSV, TSV or JSON output`);
    if (plan.dtype !== undefined && to.kind === "array" && !DTYPED.includes(to.name)) throw new DactError("USAGE", `option --dtype: ${to.name} output has no dtype; expected --dtype with .npy, .npz, .safetensors, Parquet or Arrow output`);
    if (plan.dtype === "bf16" && TABLES.includes(to.name)) throw new DactError("USAGE", `option --dtype: ${to.name} has no bfloat16 type; expected f2, f4 or f8`);
    const output = await openSink(plan.output, { force: plan.force, noFollow: plan.noFollow, tempName: plan.tempName, notice: say, fsync: plan.fsync, syncFolder: plan.syncFolder, defer });
    await commitOrAbort(output, async () => {
      if (from.kind === "array" && to.kind === "array") {
        const sameLayout = to === from && plan.reshape === undefined && !(plan.dtype !== undefined && to.name === "npy") && plan.gradOutput === undefined;
        if (plan.gradOutput !== undefined) {
          const writer = await to.writer(output, { delimiter: to === from ? plan.delimiter : undefined, decimal: plan.decimal, floatFormat: plan.floatFormat, dtype: plan.dtype, source: input.name, compression: plan.compression });
          await withGrad(plan.gradOutput, say, (gradFor) => streamGrad(input, from, readOpts, reshapeWriter(noticingWriter(writer, say, input.name, to.keepsHeader, to.name), plan.reshape), kernel, gradFor(null), say, plan.dtype));
        } else if (sameLayout) {
          const transform = await from.transform(readOpts);
          await transform(input, output, { kernel, signOnly: act.signOnly ?? false, floatFormat: plan.floatFormat, notice: say, dtype: plan.dtype, compression: plan.compression });
        } else {
          const writer = await to.writer(output, { delimiter: to === from ? plan.delimiter : undefined, decimal: plan.decimal, floatFormat: plan.floatFormat, dtype: plan.dtype, source: input.name, compression: plan.compression });
          await streamArray(input, from, readOpts, reshapeWriter(writer, plan.reshape), kernel, say, to.keepsHeader, to.name, plan.dtype);
        }
      } else {
        const { runNamed } = await import("./named.js");
        await runNamed(input, from, to, output, plan, kernel, readOpts, say);
      }
    });
    // Empty input is valid, but an empty stdin (cron, CI, xargs with nothing
    // piped) replacing a file that had content is worth a word.
    if (input.path === STDIO && input.bytesRead === 0 && (output.replacedSize ?? -1) > 0) {
      say(`dact: ${plan.output}: replaced ${output.replacedSize} bytes with the result of an empty stdin`);
    }
    return { status: 0 };
  } finally {
    await input.close();
  }
}

/**
 * Opens G for --grad-output and closes it after `work`, which gets the
 * gradient for an array: the whole of a single-array G (or a plain number),
 * or, for a container G, its member of the same name (key by key).
 */
export async function withGrad<T>(g: string | number, say: (m: string) => void, work: (gradFor: (member: string | null) => GradSource) => Promise<T>): Promise<T> {
  if (typeof g === "number") return work(() => ({ kind: "number", value: g }));
  const input = await openSource(g);
  try {
    const spec = formatSpec(await detectFormat(input));
    if (spec.kind === "array") {
      let used = false;
      return await work((member) => {
        if (member !== null || used) throw new DactError("USAGE", `option --grad-output: ${input.name} holds one array; expected a container gradient (.npz, .safetensors) for a container input, key by key`);
        used = true;
        return { kind: "array", name: input.name, read: (sink, after) => spec.read(input, {}, sink, after, say) };
      });
    }
    const { openContainer } = await import("./named.js");
    const reader = await openContainer(input, spec);
    const byName = new Map(reader.members.map((x) => [x.name, x])); // linear in the members, whatever their number
    return await work((member) => {
      const m = member === null ? (reader.members.length === 1 ? reader.members[0]! : null) : byName.get(member);
      if (!m) throw new DactError("KEY", `option --grad-output: ${member === null ? `holds ${reader.members.length} arrays; expected one for a single-array input` : `no array named ${JSON.stringify(member)}; expected the input's names, key by key`}`, input.name);
      return { kind: "array", name: `${input.name} [${m.name}]`, read: (sink, after) => reader.read(m.name, sink, after, say) };
    });
  } finally {
    await input.close();
  }
}

/** Opens an input for reading arrays: gzip data is decompressed as it streams. */
export async function openSource(p: string, progress?: (read: number, total: number) => void): Promise<Input> {
  return maybeGunzip(await openInput(p, progress));
}

/** Opens an output; a path ending in .gz is compressed. */
export async function openSink(p: string, opts: OutputOptions = {}): Promise<Output> {
  const out = await openOutput(p, opts);
  return p !== STDIO && /\.gz$/i.test(p) ? new GzipOutput(out) : out;
}

/** Runs `work` on an output; commits it on success, removes it on any failure. */
export async function commitOrAbort(output: Output, work: () => Promise<void>): Promise<void> {
  try {
    await work();
    await output.commit();
  } catch (err) {
    await output.abort();
    throw err;
  }
}

/**
 * Any reader into any writer: each batch of source values goes through the
 * kernel into a reused buffer of the result dtype (f4 rounds once on store,
 * f2 once by f16round) and on to the writer; the writer's bytes go out
 * after each input chunk, so memory stays bounded by a chunk's worth.
 */
export async function streamArray(input: Input, from: ArrayFormat, opts: ReadOptions, writer: ArrayWriter, kernel: Kernel, say: (m: string) => void, keepsHeader: boolean, toName = "this format", outDtype?: FloatDType): Promise<void> {
  const shape = await from.read(input, opts, kernelSink(writer, kernel, say, input.name, keepsHeader, toName, outDtype), () => writer.flush(), say);
  await writer.end(shape);
}

/**
 * The sink between a reader and a writer: each batch of source values
 * goes through the kernel into a reused buffer of the result dtype (f4
 * rounds once on store, f2 and bf16 once by their rounding) and on to the
 * writer. A header or label columns the writer has no place for are
 * dropped with a notice.
 */
export function kernelSink(writer: ArrayWriter, kernel: Kernel, say: (m: string) => void, source: string, keepsHeader: boolean, toName: string, outDtype?: FloatDType): ArraySink {
  let dtype: FloatDType = "f8";
  let dst: Float64Array | Float32Array = new Float64Array(0);
  const k32 = float32Of(kernel);
  return {
    takesTextNote: true,
    begin(h: ArrayHead) {
      // The output dtype (--dtype), else the input's: f'(x) in float64 rounded once to what is written.
      dtype = outDtype ?? h.dtype;
      // Parquet/Arrow keep the header as column names but have no place for CSV label columns.
      if (!keepsHeader || (TABLES.includes(toName as Format) && (h.labelCols?.length ?? 0) > 0)) dropNotice(h, say, source, toName, keepsHeader);
      else if (h.textNote) say(h.textNote.full);
      writer.begin(h);
    },
    data(values: Values, missing: Uint8Array | null, n: number, extras?: RowExtras | null) {
      if (dst.length < n) dst = dtype === "f4" ? new Float32Array(Math.max(n, WRITE_SLICE)) : new Float64Array(Math.max(n, WRITE_SLICE));
      (values instanceof Float32Array && dst instanceof Float32Array ? (k32 ?? kernel) : kernel)(values, dst, n);
      if (dtype === "f2" || dtype === "bf16") roundTo(dst as Float64Array, n, dtype);
      writer.write(dst, missing, n, extras);
    },
  };
}

/**
 * One notice for what a writer without a place for labels drops: the
 * CSV header and every label column (index, text, --columns' others), by name.
 * A Parquet/Arrow writer keeps the header (as column names) but, from an
 * array reader, not the label columns: those alone are named (headerKept).
 */
export function dropNotice(h: ArrayHead, say: (m: string) => void, source: string, toName: string, headerKept = false): void {
  const labels = h.labelCols ?? [];
  const parts: string[] = [];
  // One line however wide the table: long lists are cut.
  const cut = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}…` : s);
  if (h.header && !headerKept) parts.push(`${h.headerName ?? "the CSV header"} (${cut(h.header.slice(0, 100).join(", "))})`);
  if (labels.length > 0) {
    const names = labels.slice(0, 100).map((c) => (h.header?.[c]?.trim() ? JSON.stringify(h.header[c]) : `${c + 1}`));
    parts.push(`label column${labels.length > 1 ? "s" : ""} ${cut(names.join(", "))}`);
  }
  // Text columns found on the first data row: one line with what is dropped.
  const text = h.textNote ? `${h.textNote.brief}; ` : "";
  if (parts.length > 0) say(`dact: ${source}: ${text}${parts.join(" and ")} ha${parts.length > 1 || labels.length > 1 ? "ve" : "s"} no place in ${toName}; dropped`);
}

/** A writer that says what it drops (dropNotice) when it begins: for paths without a kernelSink (--grad-output). */
export function noticingWriter(inner: ArrayWriter, say: (m: string) => void, source: string, keepsHeader: boolean, toName: string): ArrayWriter {
  return {
    begin(h) {
      if (!keepsHeader || (TABLES.includes(toName as Format) && (h.labelCols?.length ?? 0) > 0)) dropNotice(h, say, source, toName, keepsHeader);
      else if (h.textNote) say(h.textNote.full);
      inner.begin(h);
    },
    write: (v, m, n, x) => inner.write(v, m, n, x),
    flush: () => inner.flush(),
    end: (s) => inner.end(s),
  };
}

/**
 * --reshape in front of a writer. When the size is known at the start (a
 * .npy) or the -1 is the growing first axis, the new shape is known at
 * once and the values stream; otherwise (a -1 elsewhere on a CSV or JSON
 * input) they are held until the size is known. The size is checked at the
 * end either way, and a mismatch fails the run before the output is committed.
 */
export function reshapeWriter(inner: ArrayWriter, to: readonly number[] | undefined): ArrayWriter {
  if (!to) return inner;
  let head: ArrayHead | null = null;
  let held: CollectWriter | null = null;
  return {
    begin(h) {
      head = h;
      if (!h.growing) inner.begin({ ...h, shape: reshaped(h.shape.reduce((a, b) => a * b, 1), to, h.shape), growing: false });
      else if (!to.includes(-1)) inner.begin({ ...h, shape: to, growing: false });
      else if (to[0] === -1 && to.indexOf(-1, 1) < 0) inner.begin({ ...h, shape: [0, ...to.slice(1)], growing: true });
      else held = new CollectWriter();
    },
    write(values, missing, n) {
      if (held) held.write(values, missing, n);
      else inner.write(values, missing, n);
    },
    flush() {
      return held ? Promise.resolve() : inner.flush();
    },
    async end(shape) {
      const final = reshaped(shape.reduce((a, b) => a * b, 1), to, shape);
      if (held) {
        const { data, missing } = held.values();
        inner.begin({ ...head!, shape: final, growing: false });
        for (let s = 0; s < data.length; s += WRITE_SLICE) {
          const e = Math.min(data.length, s + WRITE_SLICE);
          inner.write(data.subarray(s, e), missing ? missing.subarray(s, e) : null, e - s);
          await inner.flush();
        }
      }
      await inner.end(final);
    },
  };
}

/** The same-format streaming path on an already opened Input and Output (tests). */
export async function deriveStream(
  input: Input,
  output: Output,
  plan: { activation: Activation; params: Params; format?: Format | undefined; delimiter?: string | undefined; header?: HeaderMode | undefined; maxLine?: number | undefined; notice?: (m: string) => void },
  format?: Format,
): Promise<void> {
  const spec = arrayFormat(format ?? (await detectFormat(input, plan.format)));
  const transform = await spec.transform({ delimiter: plan.delimiter, header: plan.header, maxLine: plan.maxLine });
  await commitOrAbort(output, () =>
    transform(input, output, {
      kernel: plan.activation.kernel(plan.params),
      signOnly: plan.activation.signOnly ?? false,
      notice: plan.notice ?? notice,
    }),
  );
}

/** The output file name for an input in batch mode: its base name, with the new extension under --to. */
export function batchOutputName(input: string, to: Format | undefined): string {
  const base = input.split(/[\\/]/).pop()!;
  if (!to) return base;
  const ext = formatFromPath(base) ? base.slice(base.lastIndexOf(".")) : "";
  const stem = ext ? base.slice(0, -ext.length) : base;
  return `${stem}${formatSpec(to).extensions[0]}`;
}
