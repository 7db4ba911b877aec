/**
 * One gate for the files dact writes beside its outputs: folders, the
 * --skip-existing manifest, --log, --report, golden updates, and the
 * temporary files of dead runs. Every such write (and the reads of the
 * manifest and of a --resume log) passes the same rules:
 *
 * - folders below an allowed root are created one level at a time, each
 *   checked before the next: never through a link, never outside the root
 *   (mkdirSync's `recursive` would create them through a linked subfolder
 *   before any check could run);
 * - side files (manifest, log) are opened with O_NOFOLLOW and O_NONBLOCK and
 *   must be regular files: a FIFO or a device would block the thread (and
 *   with it the signal handlers) for good;
 * - nothing is written onto an input or a golden, compared by device and
 *   inode (a report named like an input, a log that is a hard link to one);
 * - errors are one line (DactError, exit 2).
 *
 * io.ts re-exports this module; it imports nothing of dact's but errors.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DactError } from "../errors.js";

function why(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case "ENOENT":
      return "no such file or folder";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ELOOP":
      return "is a symbolic link";
    case "ENOTDIR":
    case "EEXIST":
      return "a part of the path is not a folder";
    case "ENOSPC":
      return "no space left on the device";
    case "EROFS":
      return "read-only file system";
    default:
      return e.message ?? String(err);
  }
}

/** `dev:ino` of what `p` names (links followed), or null when nothing is there. */
export function fileId(p: string): string | null {
  try {
    const st = fs.statSync(p);
    return `${st.dev}:${st.ino}`;
  } catch {
    return null;
  }
}

/**
 * Files dact must never write onto: the inputs and goldens of a run, by
 * device and inode (so a second name, a hard link or a link to one is
 * caught too).
 */
export class Protected {
  private readonly ids = new Map<string, string>();
  /** Real paths, for files that may not exist yet (a golden --update will write). */
  private readonly paths = new Map<string, string>();
  /** Records `p` as `role` ("input", "golden"), by device and inode if it exists, and by real path. */
  add(p: string, role: string): void {
    const id = fileId(p);
    if (id !== null && !this.ids.has(id)) this.ids.set(id, `the ${role} ${p}`);
    const real = realpathLoose(p);
    if (!this.paths.has(real)) this.paths.set(real, `the ${role} ${p}`);
  }
  /** What `p` is, when it is protected. */
  owner(p: string): string | null {
    const id = fileId(p);
    return (id === null ? undefined : this.ids.get(id)) ?? this.paths.get(realpathLoose(p)) ?? null;
  }
  /** Throws when writing `p` (as `what`, "--report") would overwrite a protected file. */
  check(p: string, what: string): void {
    const o = this.owner(p);
    if (o !== null) throw new DactError("USAGE", `${what} ${p}: found that it is ${o}; expected a file that is not an input or golden of this run`);
  }
}

/** The real path of `p`, which may not exist yet: its nearest existing ancestor's real path, then the rest. */
export function realpathLoose(p: string): string {
  const rest: string[] = [];
  let cur = path.resolve(p);
  for (;;) {
    let r: string | null = null;
    try {
      r = fs.realpathSync(cur);
    } catch {
      r = null;
    }
    if (r !== null) return path.join(r, ...rest.reverse());
    rest.push(path.basename(cur));
    const up = path.dirname(cur);
    if (up === cur) return path.resolve(p);
    cur = up;
  }
}

function inside(real: string, root: string): boolean {
  return real === root || real.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/**
 * The side files of one run (each --report, --log, the manifest), as
 * [path, what the user wrote]: no two may be the same file, by real path
 * or device and inode (a second name, a hard link, a link to it). A report
 * is renamed over its file and a log appended to: one would replace, or mix
 * into, the other.
 */
export function distinctSideFiles(files: readonly (readonly [string, string])[]): void {
  const seen: { what: string; real: string; id: string | null }[] = [];
  for (const [p, what] of files) {
    const real = realpathLoose(p);
    const id = fileId(p);
    const other = seen.find((s) => s.real === real || (id !== null && s.id === id));
    if (other) throw new DactError("USAGE", `${other.what} and ${what}: found the same file; expected a different file for each (one would replace or mix into the other)`);
    seen.push({ what, real, id });
  }
}

/**
 * Creates `dir` and its missing parents. With `root` (an existing folder),
 * `dir` must lie below it: the folders between them are created one at a
 * time, and each one, new or old, must be a real folder (not a link) whose
 * real path is inside the root's, before the next is made. Without a root
 * (a path the user named, as --report reports/x.xml) the missing folders
 * are created, and what is there must be a folder.
 */
export function makeFolders(dir: string, root?: string): void {
  const abs = path.resolve(dir);
  if (root === undefined) {
    try {
      fs.mkdirSync(abs, { recursive: true });
    } catch (err) {
      throw new DactError("WRITE", `cannot be created: ${why(err)}`, dir);
    }
    return;
  }
  const absRoot = path.resolve(root);
  let realRoot: string;
  try {
    realRoot = fs.realpathSync(absRoot);
  } catch (err) {
    throw new DactError("WRITE", `cannot be opened: ${why(err)}`, root);
  }
  const rel = path.relative(absRoot, abs);
  if (rel.startsWith("..") || path.isAbsolute(rel)) throw new DactError("WRITE", `lies outside ${root}; expected a folder inside it`, dir);
  let cur = absRoot;
  let shown = root; // as the user wrote it, for messages
  for (const part of rel ? rel.split(path.sep) : []) {
    cur = path.join(cur, part);
    shown = path.join(shown, part);
    let st: fs.Stats | null = null;
    try {
      st = fs.lstatSync(cur);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw new DactError("WRITE", `cannot be opened: ${why(err)}`, shown);
    }
    if (st === null) {
      try {
        fs.mkdirSync(cur); // not recursive: its parent was checked just now
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw new DactError("WRITE", `cannot be created: ${why(err)}`, shown);
      }
      st = fs.lstatSync(cur);
    }
    if (st.isSymbolicLink()) throw new DactError("WRITE", `is a symbolic link (to ${realpathLoose(cur)}); expected a folder inside ${root} (folders are never created or written through links)`, shown);
    if (!st.isDirectory()) throw new DactError("WRITE", `is not a folder; expected a folder inside ${root}`, shown);
    const real = fs.realpathSync(cur);
    if (!inside(real, realRoot)) throw new DactError("WRITE", `leads outside ${root} (to ${real}); expected a folder inside it`, shown);
  }
}

const { O_RDONLY, O_WRONLY, O_APPEND, O_CREAT, O_NOFOLLOW, O_NONBLOCK } = fs.constants;

/**
 * null when `p` (links followed) is a regular file or nothing; else the
 * error that says what it is. Stat'ed, never opened: a FIFO or device is
 * refused at once instead of an open(2) that waits for good. `role` says
 * what the file is to the run ("the golden of x.csv").
 */
export function notRegularAt(p: string, role: string, code: "OPEN" | "WRITE" = "OPEN"): DactError | null {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    return null;
  }
  if (st.isFile()) return null;
  return new DactError(code, `found ${kindOf(st)}; expected a regular file${code === "WRITE" ? " or nothing there" : ""} (${role})`, p);
}

/** What a file that is not a regular file is, for messages: "a FIFO", "a character device"... */
export function kindOf(st: fs.Stats): string {
  if (st.isFile()) return "a regular file";
  if (st.isFIFO()) return "a FIFO";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  if (st.isDirectory()) return "a folder";
  if (st.isSymbolicLink()) return "a symbolic link";
  return "not a regular file";
}

/** Checks an open side file: a regular file, and not protected. */
function checkOpened(fd: number, p: string, what: string, guard?: Protected): void {
  const st = fs.fstatSync(fd);
  if (!st.isFile()) {
    fs.closeSync(fd);
    throw new DactError("USAGE", `${what} ${p}: found ${kindOf(st)}; expected a regular file`);
  }
  const o = guard?.owner(p) ?? null;
  if (o !== null) {
    fs.closeSync(fd);
    throw new DactError("USAGE", `${what} ${p}: found that it is ${o}; expected a file that is not an input or golden of this run`);
  }
}

/**
 * A file dact appends JSON lines to (the manifest, --log). Opened once,
 * up front: never through a link, never a FIFO or device (checked on the
 * open descriptor, opened without blocking), never an input or golden.
 */
/** Whether the regular file open on `fd` is non-empty and its last byte is not a newline. */
function endsCut(p: string, fd: number): boolean {
  const size = fs.fstatSync(fd).size;
  if (size === 0) return false;
  let r = -1;
  try {
    r = fs.openSync(p, fs.constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    const last = Buffer.alloc(1);
    fs.readSync(r, last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } catch {
    return false;
  } finally {
    if (r >= 0) fs.closeSync(r);
  }
}

export class AppendFile {
  private fd: number;
  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  static open(p: string, what: string, guard?: Protected): AppendFile {
    guard?.check(p, what); // before O_CREAT: a golden yet to be written is not created empty
    let fd: number;
    try {
      fd = fs.openSync(p, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK, 0o666);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ELOOP") throw new DactError("USAGE", `${what} ${p}: found a symbolic link; expected a regular file (dact never appends through links)`);
      if (code === "ENXIO") throw new DactError("USAGE", `${what} ${p}: found a FIFO; expected a regular file`);
      throw new DactError("WRITE", `cannot open ${what}: ${why(err)}`, p);
    }
    checkOpened(fd, p, what, guard);
    const f = new AppendFile(p, fd);
    f.cut = endsCut(p, fd);
    return f;
  }

  /** The file ended inside a line (a run killed mid-append): the first line written ends it first. */
  private cut = false;

  /** Appends one line (a single write(2) on an O_APPEND descriptor: lines of concurrent shards do not interleave). */
  line(text: string): void {
    const buf = Buffer.from((this.cut ? "\n" : "") + text + "\n", "utf8");
    this.cut = false;
    let off = 0;
    try {
      while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off);
    } catch (err) {
      throw new DactError("WRITE", `cannot write: ${why(err)}`, this.path);
    }
  }

  close(): void {
    if (this.fd < 0) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      /* already closed */
    }
    this.fd = -1;
  }
}

/**
 * The text of a side file dact reads (the manifest, a --resume log), or
 * null when there is none: a regular file only, opened without blocking,
 * and with `noFollow` never through a link.
 */
export function readSideFile(p: string, what: string, noFollow: boolean): string | null {
  let fd: number;
  try {
    fd = fs.openSync(p, O_RDONLY | O_NONBLOCK | (noFollow ? O_NOFOLLOW : 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    if (code === "ELOOP") throw new DactError("USAGE", `${what} ${p}: found a symbolic link; expected a regular file (dact never reads its records through links)`);
    throw new DactError("OPEN", `cannot read ${what}: ${why(err)}`, p);
  }
  checkOpened(fd, p, what);
  try {
    return fs.readFileSync(fd, "utf8");
  } catch (err) {
    throw new DactError("OPEN", `cannot read ${what}: ${why(err)}`, p);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Checks, before any output is written, a file dact will create whole at
 * the end (a --report): its folder is created (as the user named it), and
 * what is there now must be nothing or a regular file that is not an input
 * or golden. The write itself is atomic (openOutput) and checked again.
 */
export function prepareReport(p: string, what: string, guard?: Protected): void {
  guard?.check(p, what); // also a golden that does not exist yet
  makeFolders(path.dirname(p));
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw new DactError("WRITE", `cannot open ${what}: ${why(err)}`, p);
  }
  if (!st.isFile()) throw new DactError("USAGE", `${what} ${p}: found ${kindOf(st)}; expected a regular file or nothing there`);
  guard?.check(p, what);
}

/** Whether something is at `p` (links followed), without blocking the event loop. */
export async function pathExists(p: string): Promise<boolean> {
  return fs.promises.stat(p).then(
    () => true,
    () => false,
  );
}

/** FNV-1a of this host's name, 6 hex digits: temporary names say which machine's process made them. */
let host: string | undefined;
function hostTag(): string {
  if (host === undefined) {
    let h = 0x811c9dc5;
    for (const b of Buffer.from(os.hostname(), "utf8")) {
      h ^= b;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    host = (h & 0xffffff).toString(16).padStart(6, "0");
  }
  return host;
}

/** The end of every temporary file's name: `.<host>-<pid>.<random>.dact-tmp`. */
export function tempSuffix(): string {
  return `.${hostTag()}-${process.pid}.${Math.random().toString(36).slice(2, 10)}.dact-tmp`;
}

const TEMP = /\.([0-9a-f]{6})-(\d+)\.[0-9a-z]+\.dact-tmp$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM"; // someone else's live process
  }
}

/**
 * Removes, in `dir`, the temporary files that processes of this machine
 * left when they died without cleaning up (SIGKILL, a power cut): those
 * whose pid is not alive. A live process's files, and files made on
 * another machine (a shared folder, another shard), are left alone.
 * Returns the names removed.
 */
export function sweepDeadTemps(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const n of names) {
    const m = TEMP.exec(n);
    if (!m || m[1] !== hostTag()) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || alive(pid)) continue;
    const p = path.join(dir, n);
    try {
      if (!fs.lstatSync(p).isFile()) continue;
      fs.unlinkSync(p);
      removed.push(n);
    } catch {
      /* gone already, or not ours to remove */
    }
  }
  return removed;
}
