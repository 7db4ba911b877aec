/**
 * The only module that opens files, stdin and stdout. It turns a path (or
 * `-`) into an Input or an Output and puts the path into every error.
 *
 * Output to a file is atomic: bytes go to a temporary file in the same
 * folder, which is renamed over the target only on commit. A failed or
 * interrupted run removes the temporary file and leaves any existing target
 * untouched.
 *
 * A barrel: the code lives in src/io/ (common.ts, exit.ts, input.ts,
 * random-access.ts, output.ts, spool.ts, gate.ts); this module re-exports
 * what it always exported, so importers need not change.
 */

/** The gate for side files, folders and leftovers (src/io/gate.ts). */
export * from "./io/gate.js";

export { STDIO } from "./io/common.js";
export { batchFifos, cleanupForExit, exitGate, releaseBlockedOpens, removeLiveTemps, trackTemp, useExitGate } from "./io/exit.js";
export { Input, memoryInput, openInput, pump } from "./io/input.js";
export { randomAccess } from "./io/random-access.js";
export type { RandomAccess } from "./io/random-access.js";
export { cutToBytes, MemoryOutput, openOutput, syncFolder, tempNameFor } from "./io/output.js";
export type { Output, OutputOptions } from "./io/output.js";
export { Spool } from "./io/spool.js";
