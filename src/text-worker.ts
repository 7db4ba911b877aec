/**
 * A helper thread for text-parallel.ts: formats CSV cells (cells.ts) and
 * JSON ops (json/ops.ts), parses plain CSV rows (the wasm parser, then
 * plain-rows.ts) and JSON Lines (the wasm parser) in shared memory whenever the main thread asks.
 */
import { workerData } from "node:worker_threads";
import { formatPlainCells } from "./formats/csv/cells.js";
import { parsePlainRows } from "./formats/csv/plain-rows.js";
import { formatJsonOps } from "./formats/json/ops.js";
import { csvRows, jsonlRows, wasmDelimiter } from "./wasm/text.js";
import { claimFront, Ctl, HelperState, Job } from "./text-parallel.js";

const d = workerData as { ctrl: SharedArrayBuffer; f64: SharedArrayBuffer; m8: SharedArrayBuffer; e8: SharedArrayBuffer; bytes: SharedArrayBuffer };
const ctrl = new Int32Array(d.ctrl);
const f64 = new Float64Array(d.f64);
const m8 = new Uint8Array(d.m8);
const e8 = new Uint8Array(d.e8);
const bytes = Buffer.from(d.bytes);
const NO_TOKENS: readonly string[] = [];

function format(): void {
  const n = ctrl[Ctl.Arg]!;
  const cols = ctrl[Ctl.Arg + 1]!;
  const missing = ctrl[Ctl.Arg + 2] ? m8 : null;
  const endings = ctrl[Ctl.Arg + 3] ? e8 : null;
  const size = ctrl[Ctl.Chunk]!;
  if (size > 0) {
    // A pipelined block: chunks of whole rows from the front, while the main thread may steal from the back (PendingText).
    let p = 0;
    for (let j = claimFront(ctrl); j >= 0; j = claimFront(ctrl)) {
      const from = j * size;
      p = formatPlainCells(f64, missing, from, Math.min(n, from + size), bytes, p, cols, { col: 0, row: from / cols }, endings, ctrl[Ctl.Arg + 4]!, ctrl[Ctl.Arg + 5]!, NO_TOKENS);
    }
    ctrl[Ctl.Arg + 6] = p;
    return;
  }
  const cur = { col: 0, row: 0 };
  ctrl[Ctl.Arg + 6] = formatPlainCells(f64, missing, 0, n, bytes, 0, cols, cur, endings, ctrl[Ctl.Arg + 4]!, ctrl[Ctl.Arg + 5]!, NO_TOKENS);
  ctrl[Ctl.Arg + 7] = cur.col;
  ctrl[Ctl.Arg + 8] = cur.row;
}

function formatJson(): void {
  const st = { depth: ctrl[Ctl.Arg + 1]!, first: ctrl[Ctl.Arg + 2] === 1, v: 0, e: 0 };
  const n = ctrl[Ctl.Arg]!;
  const size = ctrl[Ctl.Chunk]!;
  if (size > 0) {
    // A pipelined batch in chunks of ops from the front (0, 1, 2...: the state carries from one to the next).
    let p = 0;
    for (let j = claimFront(ctrl); j >= 0; j = claimFront(ctrl)) p = formatJsonOps(m8, j * size, Math.min(n, (j + 1) * size), f64, e8, bytes, p, st, ctrl[Ctl.Arg + 3] === 1);
    ctrl[Ctl.Arg + 4] = p;
    return;
  }
  ctrl[Ctl.Arg + 4] = formatJsonOps(m8, 0, n, f64, e8, bytes, 0, st, ctrl[Ctl.Arg + 3] === 1);
}

/** Slices for the wasm parser: at most this many bytes, and never more than twice the cells left (a cell takes 2 bytes or more). */
const SLICE = 64 << 10;

function parse(): void {
  const n = ctrl[Ctl.Arg]!;
  const cols = ctrl[Ctl.Arg + 1]!;
  const delim = ctrl[Ctl.Arg + 2]!;
  const point = ctrl[Ctl.Arg + 3]!;
  let pos = 0;
  let rows = 0;
  // The wasm row parser first (the reader's own, src/wasm/text.wat), in slices that fit what is left of f64;
  // not with a delimiter it would read as part of a number (a sign: --delimiter +), as the reader's own check.
  while (wasmDelimiter(delim, point)) {
    const room = f64.length - rows * cols;
    const limit = pos + Math.min(2 * room, SLICE);
    const to = limit >= n ? n : bytes.lastIndexOf(10, limit - 1) + 1;
    if (room < cols || to <= pos) break;
    const r = csvRows(bytes, pos, to, cols, delim, point, f64, rows * cols, m8, rows);
    rows += r.rows;
    pos = r.end;
    if (pos < to) break;
  }
  // Where it stopped (a line it leaves to the reader: inf, underscores, 20 digits...), plain-rows.ts goes on.
  if (pos < n) {
    const r = parsePlainRows(bytes, pos, n, cols, delim, point, ctrl[Ctl.Arg + 4] === 1, f64.subarray(rows * cols), m8.subarray(rows), f64.length - rows * cols);
    rows += r.rows;
    pos = r.stop;
  }
  ctrl[Ctl.Arg + 5] = rows;
  ctrl[Ctl.Arg + 6] = pos;
}

/**
 * JSON Lines: whole lines bytes[0, n) through the wasm row parser (the
 * reader's fastLines), values to f64, ops to m8, endings to e8, in slices
 * no longer than the room left in any of them (a line of k bytes gives at
 * most k ops, values or endings), each with the first slice's width.
 * Stops at a line the parser leaves to the reader's scanner, or when full;
 * the reader scans on from there.
 */
function parseJsonl(): void {
  const n = ctrl[Ctl.Arg]!;
  let width = -1;
  let pos = 0;
  let values = 0;
  let ops = 0;
  let lines = 0;
  while (pos < n) {
    const limit = pos + Math.min(m8.length - ops, f64.length - values, e8.length - lines, SLICE);
    const to = limit >= n ? n : bytes.lastIndexOf(10, limit - 1) + 1;
    if (to <= pos) break;
    const r = jsonlRows(bytes, pos, to, width, f64, values, m8, ops, e8, lines);
    values += r.values;
    ops += r.ops;
    lines += r.lines;
    if (r.lines > 0) width = r.width;
    pos = r.end;
    if (pos < to) break;
  }
  ctrl[Ctl.Arg + 1] = values;
  ctrl[Ctl.Arg + 2] = ops;
  ctrl[Ctl.Arg + 3] = lines;
  ctrl[Ctl.Arg + 4] = pos;
  ctrl[Ctl.Arg + 5] = width;
}

for (;;) {
  const state = Atomics.load(ctrl, Ctl.State);
  if (state === HelperState.Quit) break;
  // Idle, or Done and not yet seen: sleep until told (never spin: the main thread needs the core).
  if (state !== HelperState.Offered) {
    Atomics.wait(ctrl, Ctl.State, state);
    continue;
  }
  // Take the work, unless the main thread took it back first (then it is Quit).
  if (Atomics.compareExchange(ctrl, Ctl.State, HelperState.Offered, HelperState.Taken) !== HelperState.Offered) continue;
  try {
    if (ctrl[Ctl.Job] === Job.Format) format();
    else if (ctrl[Ctl.Job] === Job.Parse) parse();
    else if (ctrl[Ctl.Job] === Job.FormatJson) formatJson();
    else if (ctrl[Ctl.Job] === Job.ParseJsonl) parseJsonl();
    else ctrl[Ctl.Failed] = 1;
  } catch {
    // A bug, never an input's fault (the main thread's own pass reports those): the main thread does the job itself.
    ctrl[Ctl.Failed] = 1;
  }
  Atomics.store(ctrl, Ctl.State, HelperState.Done);
  Atomics.notify(ctrl, Ctl.State);
}
