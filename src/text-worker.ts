/**
 * A helper thread for text-parallel.ts: runs the format's own same-format
 * transform (parse, kernel, format) over one range of whole rows and sends
 * the bytes back, or the error it met (the caller re-runs the file on one
 * thread for the exact message and position).
 */
import { parentPort, workerData } from "node:worker_threads";
import { findActivation } from "./activations/registry.js";
import type { Params } from "./activations/types.js";
import { DactError } from "./errors.js";
import { arrayFormat, type Format } from "./formats/index.js";
import { memoryInput, MemoryOutput } from "./io.js";

const port = parentPort!;
const { activation, params, format } = workerData as { activation: string; params: Params; format: Format };
const act = findActivation(activation)!;
const kernel = act.kernel(params);
const transform = arrayFormat(format).transform({});

port.on("message", async (msg: { id: number; bytes: Uint8Array }) => {
  try {
    const out = new MemoryOutput();
    await (await transform)(memoryInput(msg.bytes, "<chunk>", [msg.bytes.length]), out, { kernel, signOnly: act.signOnly ?? false, notice: () => {} });
    const bytes = new Uint8Array(out.bytes()); // a buffer of its own: Buffer.concat may hand out the shared pool
    port.postMessage({ id: msg.id, bytes }, [bytes.buffer as ArrayBuffer]);
  } catch (err) {
    port.postMessage({ id: msg.id, error: err instanceof DactError ? err.code : String((err as Error)?.message ?? err) });
  }
});
