#!/usr/bin/env node
// The CLI is bundled into one file (dist/dact.mjs, by esbuild in `npm run
// build`): loading ~25 separate ES modules cost ~40 ms at every start-up.
import { main } from "../dist/dact.mjs";

process.exitCode = await main(process.argv.slice(2));
