/**
 * A strict parser for the Python literals that appear in a .npy header:
 * dicts, tuples, lists, strings, ints, floats, True/False/None. It evaluates
 * nothing: anything else (names, calls, operators) is a syntax error. This is
 * the subset of ast.literal_eval that numpy headers can use, and nothing
 * more.
 */
export type PyValue =
  | { t: "str"; v: string }
  | { t: "int"; v: bigint }
  | { t: "float"; v: number }
  | { t: "bool"; v: boolean }
  | { t: "none" }
  | { t: "tuple"; items: PyValue[] }
  | { t: "list"; items: PyValue[] }
  | { t: "dict"; entries: [PyValue, PyValue][] };

export class LiteralError extends Error {
  constructor(message: string, readonly index: number) {
    super(message);
  }
}

const MAX_DEPTH = 32;

export function parsePyLiteral(text: string, opts: { allowLongSuffix?: boolean } = {}): PyValue {
  let i = 0;
  const n = text.length;

  const skipWs = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12) i++;
      else break;
    }
  };
  const found = () => (i >= n ? "the end of the header" : JSON.stringify(text.slice(i, i + 12)));
  const fail = (expected: string): never => {
    throw new LiteralError(`found ${found()}; expected ${expected}`, i);
  };

  const value = (depth: number): PyValue => {
    if (depth > MAX_DEPTH) throw new LiteralError(`nesting deeper than ${MAX_DEPTH} levels`, i);
    skipWs();
    const c = text[i];
    if (c === "{") return dict(depth);
    if (c === "(") return seq(depth, ")", "tuple");
    if (c === "[") return seq(depth, "]", "list");
    if (c === "'" || c === '"') return str();
    if ((c === "u" || c === "U") && (text[i + 1] === "'" || text[i + 1] === '"')) {
      i++;
      return str();
    }
    if (c !== undefined && /[-+0-9.]/.test(c)) return num();
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 64))?.[0];
    if (word === "True" || word === "False") {
      i += word.length;
      return { t: "bool", v: word === "True" };
    }
    if (word === "None") {
      i += 4;
      return { t: "none" };
    }
    return fail("a Python literal");
  };

  const dict = (depth: number): PyValue => {
    i++; // {
    const entries: [PyValue, PyValue][] = [];
    for (;;) {
      skipWs();
      if (text[i] === "}") {
        i++;
        return { t: "dict", entries };
      }
      const k = value(depth + 1);
      skipWs();
      if (text[i] !== ":") fail('":"');
      i++;
      const v = value(depth + 1);
      entries.push([k, v]);
      skipWs();
      if (text[i] === ",") i++;
      else if (text[i] !== "}") fail('"," or "}"');
    }
  };

  const seq = (depth: number, close: string, t: "tuple" | "list"): PyValue => {
    i++;
    const items: PyValue[] = [];
    let sawComma = false;
    for (;;) {
      skipWs();
      if (text[i] === close) {
        i++;
        // (x) is a parenthesised x, not a tuple; (x,) and () are tuples.
        if (t === "tuple" && items.length === 1 && !sawComma) return items[0]!;
        return { t, items } as PyValue;
      }
      items.push(value(depth + 1));
      skipWs();
      if (text[i] === ",") {
        sawComma = true;
        i++;
      } else if (text[i] !== close) fail(`"," or "${close}"`);
    }
  };

  const str = (): PyValue => {
    const q = text[i]!;
    i++;
    let out = "";
    for (;;) {
      if (i >= n) fail(`a closing ${q}`);
      const c = text[i]!;
      if (c === "\n") fail(`a closing ${q}`);
      if (c === q) {
        i++;
        return { t: "str", v: out };
      }
      if (c === "\\") {
        const e = text[i + 1];
        const simple: Record<string, string> = { "\\": "\\", "'": "'", '"': '"', n: "\n", t: "\t", r: "\r", "0": "\0" };
        if (e !== undefined && simple[e] !== undefined) {
          out += simple[e];
          i += 2;
          continue;
        }
        if (e === "x" && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16));
          i += 4;
          continue;
        }
      }
      out += c;
      i++;
    }
  };

  const num = (): PyValue => {
    const m = /^[-+]?(?:(\d+)(L?)(?![.eEjJ\d])|(\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)(?![jJ]))/.exec(text.slice(i, i + 4096));
    if (!m) return fail("a number");
    if (m[2] === "L" && !opts.allowLongSuffix) fail("a number");
    const tok = m[0];
    i += tok.length;
    if (m[1] !== undefined) {
      const digits = tok.replace(/L$/, "");
      if (/^[-+]?0\d/.test(digits)) {
        i -= tok.length;
        fail("a number without leading zeros");
      }
      return { t: "int", v: BigInt(digits.replace(/^\+/, "")) };
    }
    return { t: "float", v: Number(tok) };
  };

  const v = value(0);
  skipWs();
  if (i < n) fail("the end of the header");
  return v;
}

/** Control and non-ASCII characters as escapes, so a message stays one printable line. */
function escapeText(s: string): string {
  return s.replace(/[\\']/g, (c) => "\\" + c).replace(/[^\x20-\x7e]/g, (c) => {
    const n = c.charCodeAt(0);
    return n < 0x100 ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u${n.toString(16).padStart(4, "0")}`;
  });
}

/** Python's repr of a literal, for messages. */
export function pyRepr(v: PyValue): string {
  switch (v.t) {
    case "str": return `'${escapeText(v.v)}'`;
    case "int": return v.v.toString();
    case "float": return String(v.v);
    case "bool": return v.v ? "True" : "False";
    case "none": return "None";
    case "tuple": return v.items.length === 1 ? `(${pyRepr(v.items[0]!)},)` : `(${v.items.map(pyRepr).join(", ")})`;
    case "list": return `[${v.items.map(pyRepr).join(", ")}]`;
    case "dict": return `{${v.entries.map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(", ")}}`;
  }
}
