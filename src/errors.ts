/**
 * The one error class for everything a user can get wrong: bad options, bad
 * input, unwritable output. Anything else that escapes is a bug in dact and
 * is allowed to show a stack trace.
 *
 * Messages follow one template, `dact: <where>: <what was found>; <what was
 * expected>`, where <where> is the file plus a position when there is one:
 * `file:line:column` for text formats (1-based), `file: byte N` for binary.
 * Tests assert the code, not the prose.
 */
export type ErrorCode =
  | "USAGE" // bad command line
  | "OPEN" // input cannot be opened or read
  | "INPUT_CHANGED" // the input file shrank while it was read
  | "TOO_LONG" // a line, cell or header over the size cap
  | "WRITE" // output cannot be written
  | "FORMAT" // format cannot be detected or is not supported
  | "BINARY" // binary data where text was expected, or a binary file dact does not read
  | "NPZ" // a bad .npz container
  | "SAFETENSORS" // a bad .safetensors container
  | "KEY" // --key names an array the container does not have
  | "NPY_MAGIC"
  | "NPY_VERSION"
  | "NPY_HEADER"
  | "NPY_HEADER_SIZE"
  | "NPY_DTYPE"
  | "NPY_SHAPE"
  | "NPY_TRUNCATED"
  | "CSV_NUMBER"
  | "CSV_FIELDS"
  | "CSV_QUOTE"
  | "JSON_SYNTAX"
  | "JSON_SHAPE"
  | "JSON_DEPTH"
  | "JSON_RECORD" // pandas records: a record with other keys, or a value that is not a number in a numeric column
  | "SHAPE"; // shapes that cannot be compared or converted

export interface Position {
  /** 1-based line, for text formats. */
  line?: number;
  /** 1-based column, for text formats. */
  column?: number;
  /** 0-based byte offset, for binary formats. */
  offset?: number;
}

export class DactError extends Error {
  readonly code: ErrorCode;
  readonly file: string | undefined;
  readonly position: Position;
  /** The message without the `dact: <where>: ` prefix. */
  readonly detail: string;

  constructor(code: ErrorCode, detail: string, file?: string, position: Position = {}) {
    super(formatMessage(detail, file, position));
    this.name = "DactError";
    this.code = code;
    this.file = file;
    this.position = position;
    this.detail = detail;
  }

  /** The same error, re-anchored to a file name (readers may not know it). */
  withFile(file: string): DactError {
    return this.file === undefined ? new DactError(this.code, this.detail, file, this.position) : this;
  }
}

export function formatMessage(detail: string, file: string | undefined, pos: Position): string {
  let where = file ?? "";
  if (pos.line !== undefined) {
    where += `:${pos.line}`;
    if (pos.column !== undefined) where += `:${pos.column}`;
  } else if (pos.offset !== undefined) {
    where += `${where ? ": " : ""}byte ${pos.offset}`;
  }
  const text = where ? `dact: ${where}: ${detail}` : `dact: ${detail}`;
  return cutLong(escapeControls(text));
}

/** Longer runs without a space are cut in messages (a path is at most 4096 bytes; a 20 MB tensor name is not worth echoing). */
const MAX_RUN = 300;
/** The longest message, whatever it holds: the middle goes, so the place and what was expected stay. */
const MAX_MESSAGE = 2000;

/**
 * Every message at a readable length: a value from the input (a tensor
 * name, a cell, a header) can be megabytes long. Each run of more than
 * MAX_RUN characters without a space keeps its start and end around
 * `…[N characters cut]…`, and a message still over MAX_MESSAGE loses its
 * middle the same way.
 */
export function cutLong(text: string): string {
  const cut = (s: string, keep: number) => `${s.slice(0, keep)}…[${s.length - keep - Math.floor(keep / 2)} characters cut]…${s.slice(s.length - Math.floor(keep / 2))}`;
  let out = text;
  if (text.length > MAX_RUN) {
    // One pass (a regular expression retries on many runs just under the limit).
    const parts: string[] = [];
    let from = 0;
    for (let i = 0; i <= text.length; i++) {
      if (i < text.length && text.charCodeAt(i) !== 32) continue; // controls are escaped by now: a space is the only blank
      const run = text.slice(from, i);
      parts.push(run.length > MAX_RUN ? cut(run, 160) : run);
      if (i < text.length) parts.push(text[i]!);
      from = i + 1;
    }
    out = parts.join("");
  }
  if (out.length > MAX_MESSAGE) out = cut(out, 1200);
  return out;
}

/**
 * One line, always, that cannot drive a terminal: C0 controls, DEL, C1
 * controls (U+0085 NEL, U+009B CSI...) and the Unicode line and paragraph
 * separators are escaped (invalid UTF-8 has become U+FFFD on decoding).
 */
export function escapeControls(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, (c) => {
    const n = c.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u${n.toString(16)}`;
  });
}

/** Signals that the reader of our stdout went away; main exits quietly. */
export class BrokenPipe extends Error {
  constructor() {
    super("broken pipe");
    this.name = "BrokenPipe";
  }
}

/** Shows a value found in the input, shortened and quoted, for a message. */
export function shown(text: string, max = 40): string {
  const cut = text.length > max ? text.slice(0, max) + "…" : text;
  return JSON.stringify(cut);
}
