// Preloaded with `node --require test/peak-rss.cjs bin/dact.js ...`: at exit,
// prints the process's peak RSS to stderr as `maxRSS=<KiB>`, from VmHWM in
// /proc/self/status (its own address space; no GNU time needed).
"use strict";
const { readFileSync, writeSync } = require("node:fs");
process.on("exit", () => {
  const hwm = /VmHWM:\s*(\d+)/.exec(readFileSync("/proc/self/status", "utf8"));
  writeSync(2, `\nmaxRSS=${hwm ? hwm[1] : "NaN"}\n`);
});
