// npm run build: tsc (JS and type declarations into dist/), then esbuild:
// - dist/dact.cjs, the CLI in one CommonJS file: loading ~40 separate ES
//   modules cost ~40 ms of start-up, and Node's ES module loader itself
//   ~7 ms more than require() of one file;
// - dist/index.js, dist/vitest.js and dist/batch-worker.js bundled in
//   place, so that @stdlib's erfc (Apache-2.0, ~140 small packages, 15 MB
//   installed) is inlined and stays a build-time dependency; its licence
//   ships in dist/THIRD-PARTY-LICENSES.txt;
// then the man page, dact.1, from the same definitions as --help. First of
// all, scripts/build-wasm.mjs assembles the float32 SIMD kernels.
import { execFileSync } from "node:child_process";
import { copyFileSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { createRequire } from "node:module";
import { build } from "esbuild";

const require = createRequire(import.meta.url);
rmSync("dist", { recursive: true, force: true }); // no stale modules from deleted sources
execFileSync(process.execPath, ["scripts/build-wasm.mjs"], { stdio: "inherit" }); // src/wasm/kernels.generated.ts
execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.json"], { stdio: "inherit" });

// Runtime dependencies stay imports (they install with dact); @stdlib is inlined, and so are
// hyparquet and its writer and compressors (ESM only: require() of them needs Node 20.19+).
const external = ["commander", "csv-parse", "csv-parse/*", "cli-progress", "minimatch", "@petamoriken/float16", "apache-arrow"];
const banner = { js: "import { createRequire as __dactRequire } from 'node:module'; const require = __dactRequire(import.meta.url);" };
const common = { bundle: true, platform: "node", format: "esm", logLevel: "warning", external, banner, legalComments: "eof" };
// commander requires node:child_process when it loads, for executable
// subcommands (which dact has none of); with net and stream it brings,
// that was ~2 ms of every start-up. In the bundle, commander gets a stand-in
// that loads the real module on first use.
const lazyChildProcess = {
  name: "lazy-child-process",
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) => (args.importer.includes(`${path.sep}commander${path.sep}`) ? { path: "lazy-child-process", namespace: "dact" } : undefined));
    b.onLoad({ filter: /.*/, namespace: "dact" }, () => ({
      contents: 'let cp; module.exports = new Proxy({}, { get: (_, key) => (cp ??= require("node:child_process"))[key] });',
      loader: "js",
    }));
  },
};
await build({
  ...common,
  entryPoints: ["dist/cli.js"],
  outfile: "dist/dact.cjs",
  plugins: [lazyChildProcess],
  format: "cjs",
  external: external.filter((e) => e !== "commander" && !e.startsWith("csv-parse")),
  // import.meta does not exist in CommonJS: the bundle's own URL stands in
  // (it sits in dist/ beside the worker scripts, as the modules did).
  define: { "import.meta.url": "__dactUrl" },
  banner: { js: "const __dactUrl = require('node:url').pathToFileURL(__filename).href;" },
});
// One build of the four entry points, from tsc's modules, with the code they
// share in chunks: bundling one after another in place bundled an already
// bundled dist/index.js (banner and all) into dist/vitest.js, which then
// declared __dactRequire twice and did not load; and "dact" and "dact/vitest"
// would have held two copies of the library (two DactError classes).
// The workers stay one file each (a worker's start-up loads one module).
await build({ ...common, entryPoints: { index: "dist/index.js", vitest: "dist/vitest.js" }, outdir: "dist/.bundle", splitting: true, chunkNames: "chunk-[hash]" });
for (const e of ["batch-worker", "kernel-worker", "text-worker"]) await build({ ...common, entryPoints: [`dist/${e}.js`], outfile: `dist/.bundle/${e}.js` });
for (const f of readdirSync("dist/.bundle")) renameSync(`dist/.bundle/${f}`, `dist/${f}`);
rmSync("dist/.bundle", { recursive: true });
copyFileSync(require.resolve("@stdlib/math-base-special-erfc/LICENSE"), "dist/THIRD-PARTY-LICENSES.txt");
writeFileSync("dist/THIRD-PARTY-LICENSES.txt", `dact bundles @stdlib/math-base-special-erfc and its @stdlib dependencies (https://github.com/stdlib-js/stdlib), under this licence:\n\n${readFileSync("dist/THIRD-PARTY-LICENSES.txt", "utf8")}`);
// hyparquet, hyparquet-writer, hyparquet-compressors and what they bring (hysnappy, fzstd) are bundled too.
for (const pkg of ["hyparquet", "hyparquet-writer", "hyparquet-compressors", "hysnappy", "fzstd"]) {
  const lic = readFileSync(path.join("node_modules", pkg, "LICENSE"), "utf8");
  writeFileSync("dist/THIRD-PARTY-LICENSES.txt", `${readFileSync("dist/THIRD-PARTY-LICENSES.txt", "utf8")}\n\ndact bundles ${pkg} (npm), under this licence:\n\n${lic}`);
}
const { manPage } = await import(new URL("../dist/man.js", import.meta.url).href);
writeFileSync("dact.1", manPage());
