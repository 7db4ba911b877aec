/**
 * Container members (.npz, .safetensors): opening a container input, the
 * name a single array gets in one, and choosing members by name. Every
 * path that picks a member (--key, a single-array output, a container
 * gradient, the library's readMatrix) asks `memberPicker`, so "not there"
 * and "several, none named" are one error each, worded once.
 */
import * as path from "node:path";
import { DactError, type ErrorCode } from "../errors.js";
import { randomAccess, STDIO, type Input } from "../io.js";
import type { ContainerReader } from "./container.js";
import { withoutGz } from "./gzip.js";
import type { FormatSpec } from "./index.js";

/** The member name a single array gets in a container: its file's stem (x.csv.gz: x); stdin's is arr_0, as np.savez names a positional array. */
export function stemOf(input: Input): string {
  if (input.path === STDIO) return "arr_0";
  const base = path.basename(withoutGz(input.path));
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(0, dot) : base;
}

/** Opens a container input: in place for a file, else spooled (gzip data, a pipe) up to the size its header gives. */
export async function openContainer(input: Input, from: FormatSpec): Promise<ContainerReader> {
  if (from.kind !== "container") throw new Error("unreachable: not a container");
  if (input.file) return from.open(await randomAccess(input), input.name);
  // Spooled (gzip data, a pipe): the header first, and never more than it says.
  const limit = await from.spoolLimit(input);
  const tooLong = () => new DactError(from.name === "npz" ? "NPZ" : "SAFETENSORS", `holds more than the ${limit} bytes its header gives; expected the data to end there`, input.name, { offset: limit! });
  return from.open(await randomAccess(input, limit === null ? undefined : { bytes: limit, fail: tooLong }), input.name);
}

/** Who asks for a member, for the error when it cannot be had. */
export interface MemberAsk {
  /** How a name is given, before the name in "not there": "--key", "option --grad-output", "key" (library). */
  key: string;
  /** What the one array is for, after "expected one" when several are there and none is named: "for csv output: pass --key NAME, or write .npz or .safetensors". */
  one: string;
  /** Whose arrays these are, a prefix when it is not the run's input: "option --grad-output". */
  role?: string;
  /** The code when several arrays are there and none is named: USAGE (default) or KEY (a container gradient). A name not there is always KEY. */
  several?: ErrorCode;
}

function names(members: readonly { name: string }[]): string {
  return members.map((m) => JSON.stringify(m.name)).join(", ");
}

/**
 * A function from a member name to the member (null: the container's only
 * one), built once: linear in the members, however many are asked for.
 * The two errors, worded once:
 *   <key> "k": no array of that name; expected one of "a", "b"          (KEY)
 *   [<role>: ]holds 2 arrays ("a", "b"); expected one <what it is for>   (USAGE, or ask.several)
 */
export function memberPicker<M extends { name: string }>(members: readonly M[], file: string, ask: MemberAsk): (key: string | null | undefined) => M {
  const byName = new Map<string, M>();
  for (const m of members) if (!byName.has(m.name)) byName.set(m.name, m);
  return (key) => {
    if (key === null || key === undefined) {
      if (members.length === 1) return members[0]!;
      throw new DactError(ask.several ?? "USAGE", `${ask.role ? `${ask.role}: ` : ""}holds ${members.length} arrays${members.length ? ` (${names(members)})` : ""}; expected one ${ask.one}`, file);
    }
    const m = byName.get(key);
    if (m) return m;
    throw new DactError("KEY", `${ask.key} ${JSON.stringify(key)}: no array of that name; expected one of ${names(members) || "(none: the container is empty)"}`, file);
  };
}

/** The member named `key`, or the only one when `key` is absent. */
export function pickMember<M extends { name: string }>(members: readonly M[], key: string | null | undefined, file: string, ask: MemberAsk): M {
  return memberPicker(members, file, ask)(key);
}

/** The members --key selects (all when none), in the container's order; an unknown name is an error listing the names. */
export function selectMembers<M extends { name: string }>(members: readonly M[], keys: readonly string[] | undefined, file: string): M[] {
  if (!keys?.length) return [...members];
  const pick = memberPicker(members, file, { key: "--key", one: "" });
  for (const k of keys) pick(k);
  const wanted = new Set(keys);
  return members.filter((m) => wanted.has(m.name));
}
