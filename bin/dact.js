#!/usr/bin/env node
// CommonJS (bin/package.json says so), like the bundle it loads: the CLI is
// one file, dist/dact.cjs, made by `npm run build`. Start-up is a measured
// target (within 1.5× `node -e 0`, issue 17), and Node's ES module loader
// costs ~10 ms more than require() here.
"use strict";

let dact;
try {
  dact = require("../dist/dact.cjs");
} catch (err) {
  if (err?.code !== "MODULE_NOT_FOUND" || !String(err.message).includes("dact.cjs")) throw err;
  process.stderr.write("dact: not built yet; expected dist/dact.cjs (run npm run build in the dact folder)\n");
  process.exit(2);
}
// An event loop that empties while main() is still pending means some
// promise can never settle (a bug: two streams waiting on each other).
// Node would exit 0 then, silently; this is an internal error instead, and
// what the run had begun to write is removed. ('beforeExit' comes only when
// the loop empties, never on process.exit, so signals keep their codes.)
let settled = false;
process.once("beforeExit", () => {
  if (settled) return;
  process.stderr.write("dact: internal error (this is a bug in dact; please report it): the run stopped with work still pending; nothing was written\n");
  dact.cleanupForExit?.();
  process.exit(2);
});
dact.main(process.argv.slice(2)).then(
  (code) => {
    settled = true;
    process.exitCode = code;
  },
  (err) => {
    settled = true;
    process.stderr.write(`dact: internal error (this is a bug in dact; please report it): ${err?.stack ?? String(err)}\n`);
    dact.cleanupForExit?.();
    process.exitCode = 2;
  },
);
