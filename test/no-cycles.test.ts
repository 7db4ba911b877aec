/**
 * The build's check of the layers (docs/ARCHITECTURE.md): no import circle
 * among src/ files, and no file imports a file of a higher layer. Imports
 * are what runs: static imports, re-exports and dynamic import() of
 * relative paths; type-only imports are left out, as TypeScript erases
 * them (test/import-graph.ts).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { circles, importGraph, runtimeImports } from "./import-graph.js";
import { ROOT } from "./helpers.js";
import { workdir } from "./workdir.js";

/**
 * The layers, lowest first, as docs/ARCHITECTURE.md draws them. A file is
 * in the first layer one of whose prefixes its path starts with; a file in
 * none is taken to be an entry point (the top), so a lower file cannot
 * import it until it is placed here.
 */
const LAYERS: { name: string; prefixes: string[] }[] = [
  { name: "types and errors", prefixes: ["src/errors.ts", "src/types.ts", "src/run/types.ts", "src/lazy.ts", "src/grow.ts", "src/version.ts"] },
  { name: "io, formats, activations", prefixes: ["src/io.ts", "src/io/", "src/formats/", "src/activations/", "src/wasm/", "src/parallel.ts", "src/kernel-worker.ts", "src/text-parallel.ts", "src/text-worker.ts", "src/suggest.ts"] },
  { name: "run stages", prefixes: ["src/run/", "src/grad.ts", "src/matrix.ts", "src/compare.ts", "src/compare-stats.ts", "src/compare-stream.ts", "src/ulp.ts", "src/validate.ts", "src/output-ext.ts", "src/option-fit.ts"] },
  { name: "pipeline, batch, golden", prefixes: ["src/pipeline.ts", "src/write-output.ts", "src/named.ts", "src/batch", "src/golden.ts", "src/check-stream.ts", "src/review.ts", "src/pending.ts", "src/obsolete", "src/merge-", "src/run-guards.ts", "src/report-extras.ts"] },
  { name: "commands, cli, library", prefixes: [] },
];

function layerOf(file: string): number {
  const i = LAYERS.findIndex((l) => l.prefixes.some((p) => file.startsWith(p)));
  return i < 0 ? LAYERS.length - 1 : i;
}

describe("the import graph of src/", () => {
  const graph = importGraph(path.join(ROOT, "src"), ROOT);

  it("has no circle", () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(circles(graph).map((c) => c.join(" -> "))).toEqual([]);
  });

  it("has no arrow up the layers", () => {
    const up: string[] = [];
    for (const [f, deps] of graph) for (const d of deps) if (layerOf(d) > layerOf(f)) up.push(`${f} (${LAYERS[layerOf(f)]!.name}) -> ${d} (${LAYERS[layerOf(d)]!.name})`);
    expect(up).toEqual([]);
  });

  it("places the modules this layering is about", () => {
    const where = (f: string) => LAYERS[layerOf(f)]!.name;
    expect(["src/run/types.ts"].map(where)).toEqual(["types and errors"]);
    expect(["src/formats/members.ts", "src/formats/round.ts", "src/io.ts"].map(where)).toEqual(Array(3).fill("io, formats, activations"));
    expect(["src/run/sources.ts", "src/run/stages.ts", "src/run/results.ts", "src/grad.ts", "src/matrix.ts"].map(where)).toEqual(Array(5).fill("run stages"));
    expect(["src/pipeline.ts", "src/named.ts", "src/golden.ts", "src/batch.ts"].map(where)).toEqual(Array(4).fill("pipeline, batch, golden"));
    expect(["src/cli.ts", "src/commands/activation.ts", "src/index.ts", "src/vitest.ts"].map(where)).toEqual(Array(4).fill("commands, cli, library"));
    for (const f of graph.keys()) expect(f.startsWith("src/")).toBe(true);
  });
});

describe("the walker", () => {
  it("counts static, re-exported and dynamic imports, not type-only ones", () => {
    const text = [
      'import { a } from "./a.js";',
      'import type { B } from "./b.js";',
      'import { type C, type D } from "./c.js";',
      'import { type E, e } from "./e.js";',
      'import "./side.js";',
      'export { f } from "./f.js";',
      'export type { G } from "./g.js";',
      'export * from "./star.js";',
      'import * as fs from "node:fs";',
      'type H = import("./h.js").H;',
      'const i = await import("./i.js");',
    ].join("\n");
    expect(runtimeImports(text)).toEqual(["./a.js", "./e.js", "./side.js", "./f.js", "./star.js", "./i.js"]);
  });

  it("finds a circle, through a dynamic import too, and not through a type-only one", () => {
    const d = workdir();
    mkdirSync(path.join(d, "src", "low"), { recursive: true });
    writeFileSync(path.join(d, "src", "top.ts"), 'import { mid } from "./mid.js";\nexport const top = mid;\n');
    writeFileSync(path.join(d, "src", "mid.ts"), 'import { low } from "./low/low.js";\nexport const mid = low;\n');
    writeFileSync(path.join(d, "src", "low", "low.ts"), 'import type { T } from "../top.js";\nexport const low = 1;\nexport async function up(): Promise<T> { return (await import("../mid.js")).mid as T; }\n');
    writeFileSync(path.join(d, "src", "alone.ts"), 'import type { X } from "./alone.js";\nexport type X = number;\n');
    const g = importGraph(path.join(d, "src"), d);
    expect(g.get("src/low/low.ts")).toEqual(["src/mid.ts"]);
    expect(circles(g)).toEqual([["src/low/low.ts", "src/mid.ts", "src/low/low.ts"]]);
  });
});
