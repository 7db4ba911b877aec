/**
 * A module loaded on its first use rather than at start-up. dact's start-up
 * is measured against `node -e 0` (issue 17: within 1.5×); zlib and stream
 * (gzip), worker_threads (parallel kernels) and @petamoriken/float16 (a
 * whole Float16Array polyfill) cost ~15 ms together to load, and most runs
 * need none of them.
 */
import { createRequire } from "node:module";

const load = createRequire(import.meta.url);

export function lazy<T>(id: string): () => T {
  let mod: T | undefined;
  return () => (mod ??= load(id) as T);
}
