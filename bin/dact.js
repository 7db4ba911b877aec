#!/usr/bin/env node
// The CLI is bundled into one file (dist/dact.mjs, by `npm run build`):
// loading ~40 separate ES modules cost ~40 ms of start-up.
let main;
try {
  ({ main } = await import("../dist/dact.mjs"));
} catch (err) {
  if (err?.code !== "ERR_MODULE_NOT_FOUND" || !String(err.message).includes("dact.mjs")) throw err;
  process.stderr.write("dact: not built yet; expected dist/dact.mjs (run npm run build in the dact folder)\n");
  process.exit(2);
}
process.exitCode = await main(process.argv.slice(2));
