/** The most a .safetensors header may have, as huggingface/safetensors limits it. */
export const MAX_HEADER = 100_000_000;

/** A .safetensors file starts with a plausible 8-byte header length and a JSON object. */
export function sniffSafetensors(head: Uint8Array): boolean {
  if (head.length < 9) return false;
  const n = Buffer.from(head.buffer, head.byteOffset, head.length).readBigUInt64LE(0);
  return n > 1n && n <= BigInt(MAX_HEADER) && head[8] === 0x7b;
}
