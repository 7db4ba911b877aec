// A new user's findings: the unknown-command list, the option name in a
// library error, unknown output extensions, float16 input at float64 output.
import { describe, expect, it } from "vitest";
import { DactError } from "../src/errors.js";
import { derivative } from "../src/index.js";
import { ACTIVATIONS } from "../src/activations/registry.js";
import { dact } from "./workdir.js";

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
