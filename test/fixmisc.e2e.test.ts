// A new user's findings: the unknown-command list, the option name in a
// library error, unknown output extensions, float16 input at float64 output.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { knownExtensions } from "../src/formats/index.js";
import { DactError } from "../src/errors.js";
import { derivative } from "../src/index.js";
import { ACTIVATIONS } from "../src/activations/registry.js";
import { dact, workdir } from "./workdir.js";

describe("unknown command", () => {
  it("names every registered subcommand, derived from the program", () => {
    const r = dact(["gelux", "x.csv"]);
    expect(r.status).toBe(2);
    // every subcommand that dact --help lists (activations and help aside) is in the one-line message
    const all = dact(["--help"]).stdout.toString();
    const start = all.indexOf("\nCommands:\n");
    const help = all.slice(start, all.indexOf("\n\n", start + 1));
    const acts = new Set(ACTIVATIONS.map((a) => a.name));
    const names = [...help.matchAll(/^ {2}([a-z][a-z0-9-]*) /gm)].map((m) => m[1]!).filter((n) => n !== "help" && !acts.has(n));
    for (const n of ["list", "compare", "review", "merge-reports", "completion"]) expect(names).toContain(n);
    const tail = r.stderr.slice(r.stderr.lastIndexOf(";"));
    for (const n of names) expect(tail).toContain(n);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe("library option error", () => {
  it("names the option once", () => {
    let e: unknown;
    try {
      derivative("relu", [1], { atZero: "abc" } as never);
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(DactError);
    expect((e as DactError).code).toBe("USAGE");
    expect((e as DactError).message).not.toMatch(/option option/);
    expect((e as DactError).message).toMatch(/at-zero/);
  });
});

const nums = (csv: string) => csv.split(/[,\n]/).filter((c) => c !== "").map(Number);

describe("-o with an extension no format has", () => {
  it("is a usage error without --to, and writes nothing", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "1,-2\n0,3\n");
    for (const ext of [".xlsx", ".pt", ".h5", ".bin", ".xlsx.gz"]) {
      const r = dact(["relu", "x.csv", "-o", `out${ext}`], { cwd: d });
      expect(r.status, ext).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      // the message lists the registry's extensions
      for (const known of knownExtensions()) expect(r.stderr).toContain(known);
      expect(existsSync(path.join(d, `out${ext}`))).toBe(false);
    }
    expect(readdirSync(d)).toEqual(["x.csv"]);
  });

  it("with --to, or with no extension, writes as before; batch names are untouched", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "1,-2\n0,3\n");
    expect(dact(["relu", "x.csv", "-o", "out.dat", "--to", "json"], { cwd: d }).status).toBe(0);
    expect(JSON.parse(readFileSync(path.join(d, "out.dat"), "utf8"))).toEqual([[1, 0], [0, 1]]);
    expect(dact(["relu", "x.csv", "-o", "out"], { cwd: d }).status).toBe(0);
    expect(nums(readFileSync(path.join(d, "out"), "utf8"))).toEqual([1, 0, 0, 1]);
    // a batch input named directly, of an unknown extension, keeps its name
    writeFileSync(path.join(d, "data.dat"), "1,-2\n");
    const b = dact(["relu", "data.dat", "--format", "csv", "--out-dir", "o", "-q"], { cwd: d });
    expect(b.status).toBe(0);
    expect(nums(readFileSync(path.join(d, "o", "data.dat"), "utf8"))).toEqual([1, 0]);
  });
});
