#!/usr/bin/env node
// CommonJS (bin/package.json says so), like the bundle it loads: the CLI is
// one file, dist/dact.cjs, made by `npm run build`. Start-up is a measured
// target (within 1.5× `node -e 0`, issue 17), and Node's ES module loader
// costs ~10 ms more than require() here.
"use strict";

let main;
try {
  ({ main } = require("../dist/dact.cjs"));
} catch (err) {
  if (err?.code !== "MODULE_NOT_FOUND" || !String(err.message).includes("dact.cjs")) throw err;
  process.stderr.write("dact: not built yet; expected dist/dact.cjs (run npm run build in the dact folder)\n");
  process.exit(2);
}
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
