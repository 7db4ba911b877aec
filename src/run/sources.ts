/**
 * Opening what a run reads and writes: an input (gzip data decompressed as
 * it streams), an output (.gz compressed), committed only on success, and
 * G for --grad-output. Whether a run has a gradient is decided here
 * (withGradOf); how it is applied, in stages.ts (derive).
 */
import { DactError } from "../errors.js";
import { GzipOutput, maybeGunzip } from "../formats/gzip.js";
import { detectFormat, formatSpec } from "../formats/index.js";
import type { ReadOptions } from "../formats/spec.js";
import { memberPicker, openContainer } from "../formats/members.js";
import type { GradSource } from "../grad.js";
import { openInput, openOutput, STDIO, type Input, type Output, type OutputOptions } from "../io.js";

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
 * How the run reads text, which G's reader takes too: a G exported by the
 * same producer as X has X's decimal comma, delimiter, header, comment and
 * NA tokens. Which columns are X's labels (--index-col, --columns) is not
 * passed: G's own labels are found as any table's, and G holds the values.
 */
export type GradReadOptions = Pick<ReadOptions, "delimiter" | "header" | "maxLine" | "decimal" | "comment" | "naValues">;

/** The text-parsing options of a run's reader that G's reader takes as well (GradReadOptions). */
export function gradReadOptions(o: GradReadOptions): GradReadOptions {
  return { delimiter: o.delimiter, header: o.header, maxLine: o.maxLine, decimal: o.decimal, comment: o.comment, naValues: o.naValues };
}

/**
 * Opens G for --grad-output and closes it after `work`, which gets the
 * gradient for an array: the whole of a single-array G (or a plain number),
 * or, for a container G, its member of the same name (key by key). A text G
 * is read with the run's text options (`read`, GradReadOptions).
 */
export async function withGrad<T>(g: string | number, say: (m: string) => void, work: (gradFor: (member: string | null) => GradSource) => Promise<T>, read: GradReadOptions = {}): Promise<T> {
  if (typeof g === "number") return work(() => ({ kind: "number", value: g }));
  const input = await openSource(g);
  try {
    const spec = formatSpec(await detectFormat(input));
    if (spec.kind === "array") {
      let used = false;
      return await work((member) => {
        if (member !== null || used) throw new DactError("USAGE", `option --grad-output: ${input.name} holds one array; expected a container gradient (.npz, .safetensors) for a container input, key by key`);
        used = true;
        return { kind: "array", name: input.name, read: (sink, after) => spec.read(input, gradReadOptions(read), sink, after, say) };
      });
    }
    const reader = await openContainer(input, spec);
    const pick = memberPicker(reader.members, input.name, { key: "option --grad-output", role: "option --grad-output", one: "for a single-array input", several: "KEY" });
    return await work((member) => {
      const m = pick(member);
      return { kind: "array", name: `${input.name} [${m.name}]`, dtype: m.sourceDtype ?? m.dtype, read: (sink, after) => reader.read(m.name, sink, after, say) };
    });
  } finally {
    await input.close();
  }
}


/** A run's gradient, per member: none (f'(x) alone) when --grad-output is absent, else withGrad's. */
export type GradFor = ((member: string | null) => GradSource) | null;

/** `work` with the run's gradient (a text G read with `read`, the run's text options), or with null when there is none: the one place a run's "gradient or not" is decided. */
export function withGradOf<T>(g: string | number | undefined, read: GradReadOptions, say: (m: string) => void, work: (gradFor: GradFor) => Promise<T>): Promise<T> {
  return g === undefined ? work(null) : withGrad(g, say, work, read);
}
