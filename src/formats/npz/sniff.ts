/** An .npz starts with a zip local file header whose member is a .npy. */
export function sniffNpz(head: Uint8Array): boolean {
  if (head.length < 30) return false;
  const b = Buffer.from(head.buffer, head.byteOffset, head.length);
  if (b.readUInt32LE(0) !== 0x04034b50) return false;
  const len = b.readUInt16LE(26);
  return 30 + len <= b.length && b.toString("utf8", 30, 30 + len).endsWith(".npy");
}
