/**
 * What serde_json refuses in a .safetensors header before JSON.parse sees
 * it (JSON.parse takes any depth and keeps the last of two equal keys):
 * nesting deeper than serde_json's recursion limit, 128, and an object
 * with the same key twice (safetensors refuses a duplicate field; for two
 * tensors of one name, dact would have to pick one), and a number with a
 * fraction or an exponent (`3.0`, `1e0`: serde reads sizes and offsets as
 * integers, and metadata values are strings). One pass, no recursion,
 * whatever the header's size.
 */
export const MAX_DEPTH = 128;

export type HeaderProblem = { kind: "depth"; at: number } | { kind: "duplicate"; key: string; at: number } | { kind: "fraction"; token: string; at: number } | null;

/** The first problem in `text`, or null; syntax errors are left to JSON.parse. `at` is a character index. */
export function scanHeader(text: string): HeaderProblem {
  /** Per open container: its keys (objects only), and whether a key comes next. */
  const stack: { keys: Set<string> | null; wantKey: boolean }[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= MAX_DEPTH) return { kind: "depth", at: i };
      stack.push(c === 0x7b ? { keys: new Set(), wantKey: true } : { keys: null, wantKey: false });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.keys) top.wantKey = true;
    } else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      while (i + 1 < text.length && /[0-9+\-.eE]/.test(text[i + 1]!)) i++;
      const token = text.slice(start, i + 1);
      if (/[.eE]/.test(token)) return { kind: "fraction", token, at: start };
    } else if (c === 0x22 /* " */) {
      const start = i;
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
      const top = stack[stack.length - 1];
      if (top?.keys && top.wantKey) {
        top.wantKey = false;
        let key: string;
        try {
          key = JSON.parse(text.slice(start, i + 1)) as string;
        } catch {
          return null; // JSON.parse words the syntax error
        }
        if (top.keys.has(key)) return { kind: "duplicate", key, at: start };
        top.keys.add(key);
      }
    }
  }
  return null;
}
