// Preloaded with `node --require test/peak-rss.cjs bin/dact.js ...`: at exit,
// prints the process's peak RSS and CPU time to stderr as
// `maxRSS=<KiB> cpuMs=<ms>`: VmHWM from /proc/self/status (its own address
// space; no GNU time needed), and user + system time over every thread
// (process.cpuUsage), which, unlike wall time, a loaded machine barely moves.
"use strict";
const { readFileSync, writeSync } = require("node:fs");
process.on("exit", () => {
  const hwm = /VmHWM:\s*(\d+)/.exec(readFileSync("/proc/self/status", "utf8"));
  const cpu = process.cpuUsage();
  writeSync(2, `\nmaxRSS=${hwm ? hwm[1] : "NaN"} cpuMs=${Math.round((cpu.user + cpu.system) / 1000)}\n`);
});
