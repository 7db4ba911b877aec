/**
 * Containers of named arrays (.npz, .safetensors). Each member goes through
 * the single-array protocol (array.ts): a container reader streams one
 * member into an ArraySink, a container writer hands out one ArrayWriter
 * per member. Members are read and written one at a time, so memory is one
 * read buffer whatever the container's size.
 */
import type { ArrayHead, ArraySink, ArrayWriter, FloatDType, IntDType } from "./array.js";
import type { Input, Output } from "../io.js";

export interface MemberInfo {
  readonly name: string;
  readonly shape: readonly number[];
  /** The result dtype of the member (floats keep theirs, integers and bools give f8). */
  readonly dtype: FloatDType;
  /** A bool or integer member's own dtype (ArrayHead.sourceDtype), known from the header: a gradient's dtype promotes by it. */
  readonly sourceDtype?: IntDType | undefined;
  /** .npz: the member was deflated. */
  readonly compressed: boolean;
}

export interface ContainerReader {
  /** The members, in the container's own order. */
  readonly members: readonly MemberInfo[];
  /** .safetensors' __metadata__ (string to string), in the file's order. */
  readonly metadata: readonly (readonly [string, string])[] | null;
  /** Streams one member's elements (C order) into `sink`; returns its shape. */
  read(name: string, sink: ArraySink, after: () => Promise<void>, notice: (m: string) => void): Promise<number[]>;
  /** .npz: a member's .npy bytes as an Input, for the .npy codec's own transform (keeps Fortran order exactly). */
  memberInput?(name: string): Input;
}

/** A member to be written: its name, shape and stored dtype, and whether to compress it. */
export interface MemberPlan {
  readonly name: string;
  readonly head: ArrayHead;
  readonly dtype: FloatDType;
  readonly compressed: boolean;
}

export interface ContainerWriter {
  /** Every member before any is written (safetensors' header needs all shapes); returns the order to write them in. */
  plan(members: readonly MemberPlan[], metadata: readonly (readonly [string, string])[] | null): readonly MemberPlan[];
  /** The writer for the next member in the planned order. */
  member(plan: MemberPlan): ArrayWriter;
  /** .npz: the next member as raw .npy bytes (written by the .npy codec's transform); null when the writer has no such member. */
  rawMember?(plan: MemberPlan): { output: Output; end(): Promise<void> };
  end(): Promise<void>;
}

/**
 * A member name no reader can take for a path, or '' when `name` is one:
 * .npz members are files in a zip, which unzip and Python's zipfile
 * extract by name. Refused on reading and on writing, in both containers
 * (a .safetensors name becomes an .npz member's): an empty name, a `/` or
 * `\` at the start, a drive letter, a `..` component, or a control
 * character. Names with `/` inside (np.savez(f, **{"a/b": x})) are fine.
 */
export function unsafeMemberName(name: string): string {
  if (name === "") return "an empty name";
  if (/^[/\\]/.test(name)) return "a name that starts at the root";
  if (/^[a-zA-Z]:/.test(name)) return "a name with a drive letter";
  if (name.split(/[/\\]/).includes("..")) return "a name with a '..' component";
  if (/[\x00-\x1f\x7f-\x9f]/.test(name)) return "a name with a control character";
  return "";
}

/** Yields to the event loop when `every` ms have passed since the last time: signals act within that, however many small members run. */
export function yielder(every = 50): () => Promise<void> {
  let last = Date.now();
  return async () => {
    if (Date.now() - last < every) return;
    await new Promise((r) => setImmediate(r));
    last = Date.now();
  };
}
