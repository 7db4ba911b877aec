// Runs the CLI (dist/cli.js) with the given arguments and prints its peak
// RSS to stderr as `maxRSS=<KiB>`: VmHWM of this process's own address
// space (getrusage's ru_maxrss would carry the forking parent's peak).
import { readFileSync } from "node:fs";

const { main } = await import(new URL("../dist/cli.js", import.meta.url).href);
const code = await main(process.argv.slice(2));
const hwm = /VmHWM:\s*(\d+)/.exec(readFileSync("/proc/self/status", "utf8"));
process.stderr.write(`\nmaxRSS=${hwm ? hwm[1] : "NaN"}\n`);
process.exit(code);
