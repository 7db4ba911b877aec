/**
 * Picking a container member is one function (src/formats/members.ts) with
 * one wording per error, whoever asks: --key, a single-array output, a
 * container gradient, the library's readMatrix. The codes are what they
 * were: a name not there is KEY; several arrays and none named is USAGE
 * (KEY for a container gradient).
 */
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { DactError } from "../src/errors.js";
import { memberPicker, pickMember, selectMembers } from "../src/formats/members.js";
import { matrix, readMatrix, writeMatrix } from "../src/index.js";
import { runDerivative } from "../src/pipeline.js";
import { FIXTURES } from "./helpers.js";
import { workdir } from "./workdir.js";

const STORED = path.join(FIXTURES, "containers", "stored.npz"); // 10 arrays: f8, f4, ..., empty
const NOT_THERE = /^(--key|option --grad-output|key) "nope": no array of that name; expected one of "f8", "f4", /;
const SEVERAL = /^(option --grad-output: )?holds 10 arrays \("f8", "f4", .*"empty"\); expected one /;

async function failure(p: Promise<unknown>): Promise<DactError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DactError);
  return err as DactError;
}

describe("memberPicker", () => {
  const ms = [{ name: "a" }, { name: "b" }];
  it("finds a member by name, and the only one when none is named", () => {
    expect(pickMember(ms, "b", "f.npz", { key: "--key", one: "for x" })).toBe(ms[1]);
    expect(pickMember([ms[0]!], null, "f.npz", { key: "--key", one: "for x" })).toBe(ms[0]);
    expect(selectMembers(ms, ["b", "a"], "f.npz")).toEqual(ms); // the container's order
    expect(selectMembers(ms, undefined, "f.npz")).toEqual(ms);
  });

  it.each([
    ["a name not there", "z", {}, "KEY", 'dact: f.npz: --key "z": no array of that name; expected one of "a", "b"'],
    ["several, none named", null, {}, "USAGE", 'dact: f.npz: holds 2 arrays ("a", "b"); expected one for x'],
    ["several, none named, another code and a role", undefined, { several: "KEY" as const, role: "option --grad-output" }, "KEY", 'dact: f.npz: option --grad-output: holds 2 arrays ("a", "b"); expected one for x'],
  ])("%s", (_what, key, extra, code, message) => {
    const pick = memberPicker(ms, "f.npz", { key: "--key", one: "for x", ...extra });
    expect(() => pick(key)).toThrow(expect.objectContaining({ code, message }));
  });

  it("an empty container says so", () => {
    expect(() => pickMember([], "z", "e.npz", { key: "--key", one: "for x" })).toThrow(expect.objectContaining({ code: "KEY", message: 'dact: e.npz: --key "z": no array of that name; expected one of (none: the container is empty)' }));
    expect(() => pickMember([], null, "e.npz", { key: "--key", one: "for x" })).toThrow(expect.objectContaining({ code: "USAGE", message: "dact: e.npz: holds 0 arrays; expected one for x" }));
  });
});

describe("every site that picks a member says it the same way", () => {
  const relu = { activation: "relu", params: { "at-zero": 0 } };

  it("--key, to a container and to a single-array format", async () => {
    const d = workdir();
    const a = await failure(runDerivative({ ...relu, input: STORED, output: path.join(d, "o.npz"), keys: ["nope"] }, () => {}));
    expect([a.code, a.file]).toEqual(["KEY", STORED]);
    expect(a.detail).toMatch(NOT_THERE);
    const b = await failure(runDerivative({ ...relu, input: STORED, output: path.join(d, "o.csv") }, () => {}));
    expect([b.code, b.file]).toEqual(["USAGE", STORED]);
    expect(b.detail).toMatch(SEVERAL);
  });

  it("--grad-output: a container gradient for a single array, and a member it does not have", async () => {
    const d = workdir();
    await writeMatrix(path.join(d, "x.npy"), matrix([1, -1, 0]));
    const a = await failure(runDerivative({ ...relu, input: path.join(d, "x.npy"), output: path.join(d, "o.npy"), gradOutput: STORED }, () => {}));
    expect([a.code, a.file]).toEqual(["KEY", STORED]);
    expect(a.detail).toMatch(SEVERAL);
    expect(a.detail).toMatch(/^option --grad-output: /);
    await writeMatrix(path.join(d, "x.npz"), matrix([1, -1, 0]), { key: "nope" });
    const b = await failure(runDerivative({ ...relu, input: path.join(d, "x.npz"), output: path.join(d, "o.npz"), gradOutput: STORED }, () => {}));
    expect([b.code, b.file]).toEqual(["KEY", STORED]);
    expect(b.detail).toMatch(NOT_THERE);
  });

  it("the library's readMatrix, with and without a key", async () => {
    const a = await failure(readMatrix(STORED, { key: "nope" }));
    expect([a.code, a.file]).toEqual(["KEY", STORED]);
    expect(a.detail).toMatch(NOT_THERE);
    const b = await failure(readMatrix(STORED));
    expect([b.code, b.file]).toEqual(["USAGE", STORED]);
    expect(b.detail).toMatch(SEVERAL);
    expect((await readMatrix(STORED, { key: "f8" })).shape).toEqual([2, 3]);
  });
});
