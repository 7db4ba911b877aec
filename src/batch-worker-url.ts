/**
 * Where the batch worker's script is: beside this module in src/ and in
 * dist/ (tsc's modules), and beside dist/dact.cjs, whose own URL stands in
 * for import.meta.url (scripts/build.mjs). At the top of src/, as
 * src/batch.ts was, so the relative path is the same in all three.
 */
export function batchWorkerUrl(): URL {
  return new URL("./batch-worker.js", import.meta.url);
}
