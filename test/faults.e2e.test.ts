/**
 * Faults around a run: full devices, unwritable folders, inputs that are
 * not files or vanish, signals, readers that leave early, a terminal on
 * stdin. In every case: a clear message, the documented exit status, and
 * no partial output left behind.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { needs } from "./machine.js";
import { BIN, dact, workdir as sharedWorkdir } from "./workdir.js";

const workdir = () => sharedWorkdir("dact-faults-");

/** A float64 .npy of n elements, all -1 (so the output differs from the input). */
function npy(n: number): Buffer {
  const text = `{'descr': '<f8', 'fortran_order': False, 'shape': (${n},), }`;
  const pad = 64 - ((10 + text.length + 1) % 64);
  const header = Buffer.concat([Buffer.from([0x93]), Buffer.from("NUMPY\x01\x00", "latin1"), Buffer.alloc(2), Buffer.from(text + " ".repeat(pad % 64) + "\n", "latin1")]);
  header.writeUInt16LE(header.length - 10, 8);
  return Buffer.concat([header, Buffer.from(new Float64Array(n).fill(-1).buffer)]);
}

/** A tmpfs of our own (root and mount(8) only: the test skips, saying so, without them), unmounted and removed when the test ends. */
function tmpfs(options: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "dact-faults-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir]);
  onTestFinished(() => {
    spawnSync("umount", [dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

describe("the output device or folder fails", () => {
  it("-o /dev/full: a clear error, exit 2, and the device is still a device", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.npy"), npy(100_000));
    const r = dact(["relu", "x.npy", "-o", "/dev/full"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("dact: /dev/full: cannot write: no space left on device\n");
    expect(execFileSync("stat", ["-c", "%F", "/dev/full"]).toString().trim()).toBe("character special file");
  });

  it("stdout is /dev/full: a clear error, exit 2", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "1,2\n");
    const r = spawnSync("sh", ["-c", `"${process.execPath}" "${BIN}" relu x.csv > /dev/full`], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr.toString()).toBe("dact: <stdout>: cannot write: no space left on device\n");
  });

  it("a full file system: exit 2, no partial file, the old output kept", (ctx) => {
    needs(ctx, "root", "mount", "umount");
    const small = tmpfs("size=1m");
    const d = workdir();
    writeFileSync(path.join(d, "x.npy"), npy(400_000)); // 3.2 MB of output into 1 MB
    writeFileSync(path.join(small, "out.npy"), "precious");
    const r = dact(["relu", path.join(d, "x.npy"), "-o", path.join(small, "out.npy")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/out\.npy: cannot write: no space left on device\n$/);
    expect(readdirSync(small)).toEqual(["out.npy"]);
    expect(readFileSync(path.join(small, "out.npy"), "utf8")).toBe("precious");
  });

  it("a read-only folder is named", (ctx) => {
    needs(ctx, "root", "mount", "umount");
    const ro = tmpfs("ro,size=1m");
    const r = dact(["relu", "-", "--format", "csv", "-o", path.join(ro, "out.csv")], { input: Buffer.from("1\n") });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`dact: ${path.join(ro, "out.csv")}: cannot create output in folder ${ro}: read-only file system\n`);
  });

  it("a missing folder is named", () => {
    const r = dact(["relu", "-", "--format", "csv", "-o", "/no/such/dir/out.csv"], { input: Buffer.from("1\n") });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("dact: /no/such/dir/out.csv: cannot create output in folder /no/such/dir: no such file or folder\n");
  });
});

describe("the input is not a readable file", () => {
  it("a folder", () => {
    const r = dact(["relu", workdir()]);
    expect(r.status).toBe(2);
    // Batch mode takes folders: the message says how.
    expect(r.stderr).toMatch(/: is a folder; expected a file \(for every file in a folder, pass --out-dir DIR, or --check-dir DIR for goldens\)\n$/);
    // A folder as G is only refused (--out-dir is no help there).
    const dir = workdir();
    writeFileSync(path.join(dir, "x.csv"), "1,-2\n");
    const g = dact(["relu", path.join(dir, "x.csv"), "--grad-output", workdir()]);
    expect(g.status).toBe(2);
    expect(g.stderr).toMatch(/: is a folder; expected a file\n$/);
  });

  it("unreadable: a read error is named", () => {
    // As root every file is readable; /proc/self/mem fails every read with EIO.
    const r = dact(["relu", "/proc/self/mem", "--format", "npy"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("dact: /proc/self/mem: cannot read: input/output error\n");
  });

  it("vanishes mid-read (truncated while dact reads it): a truncation error, no output file", async () => {
    const d = workdir();
    const input = path.join(d, "x.npy");
    writeFileSync(input, npy(2_000_000)); // 16 MB
    const fifo = path.join(d, "slow-reader");
    execFileSync("mkfifo", [fifo]);
    // dact writes into a FIFO nobody reads yet, so it stops mid-run.
    const child = spawn(process.execPath, [BIN, "relu", input, "-o", fifo], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (b) => (stderr += b));
    const { createReadStream } = await import("node:fs");
    const reader = createReadStream(fifo);
    let seen = 0;
    await new Promise<void>((resolve) =>
      reader.on("data", (b) => {
        seen += (b as Buffer).length;
        if (seen > 1_000_000 && existsSync(input)) {
          truncateSync(input, 4_000_000);
          resolve();
        }
      }),
    );
    reader.resume();
    const code = await new Promise<number | null>((r) => child.on("close", r));
    expect(code).toBe(2);
    // The read loop sees the file shrink before the .npy decoder sees it end early.
    expect(stderr).toBe(`dact: ${input}: byte 4000000: file shrank while being read: 16000128 bytes when opened, 4000000 now, 4000000 read; expected a file nobody changes meanwhile\n`);
  });
});

describe("signals mid-run", () => {
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    it(`${signal}: the temporary file is removed, the old output kept, exit ${code}`, async () => {
      const d = workdir();
      writeFileSync(path.join(d, "out.npy"), "precious");
      const child = spawn(process.execPath, [BIN, "relu", "-", "-o", "out.npy"], { cwd: d, stdio: ["pipe", "ignore", "pipe"] });
      child.stdin.on("error", () => {}); // EPIPE once the child is gone
      const whole = npy(1_000_000);
      child.stdin.write(whole.subarray(0, 3_000_000)); // part of the input; stdin stays open
      // Wait until the run is under way: its temporary file exists.
      for (let i = 0; i < 200 && readdirSync(d).length < 2; i++) await new Promise((r) => setTimeout(r, 25));
      expect(readdirSync(d).some((f) => f.endsWith(".dact-tmp"))).toBe(true);
      child.kill(signal);
      const status = await new Promise<number | null>((r) => child.on("close", (c) => r(c)));
      expect(status).toBe(code);
      expect(readdirSync(d)).toEqual(["out.npy"]);
      expect(readFileSync(path.join(d, "out.npy"), "utf8")).toBe("precious");
    });
  }

  it("SIGTERM during a batch removes the workers' temporary files too", async () => {
    const d = workdir();
    mkdirSync(path.join(d, "out"));
    const fifo = path.join(d, "in.npy");
    execFileSync("mkfifo", [fifo]);
    const child = spawn(process.execPath, [BIN, "relu", "in.npy", "--out-dir", "out"], { cwd: d, stdio: ["ignore", "ignore", "pipe"] });
    const { createWriteStream } = await import("node:fs");
    const w = createWriteStream(fifo);
    w.on("error", () => {}); // the reader goes away when dact is killed
    w.write(npy(1_000_000).subarray(0, 2_000_000)); // the worker blocks for the rest
    for (let i = 0; i < 200 && readdirSync(path.join(d, "out")).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(readdirSync(path.join(d, "out")).length).toBe(1);
    child.kill("SIGTERM");
    const status = await new Promise<number | null>((r) => child.on("close", (c) => r(c)));
    w.destroy();
    expect(status).toBe(143);
    expect(readdirSync(path.join(d, "out"))).toEqual([]);
  });
});

describe("stdout closed early, at every stage: a quiet exit", () => {
  const inputs: [string, Buffer][] = [
    ["npy", npy(3_000_000)],
    ["csv", Buffer.from("-1.5,2,0\n".repeat(500_000))],
    ["json", Buffer.from("[" + Array(500_000).fill("[1,-2]").join(",") + "]")],
    ["jsonl", Buffer.from("[1,-2]\n".repeat(500_000))],
  ];
  for (const [format, data] of inputs) {
    for (const reader of ["head -c 1", "head -n 0", "head -c 100000"]) {
      it(`${format} | ${reader}`, () => {
        const d = workdir();
        writeFileSync(path.join(d, `in.${format}`), data);
        const r = spawnSync("bash", ["-c", `set -o pipefail; "${process.execPath}" "${BIN}" relu in.${format} | ${reader} > /dev/null`], { cwd: d });
        expect(r.stderr.toString()).toBe("");
        expect(r.status).toBe(0);
      });
    }
  }
});

describe("stdout closed early on the other commands: a quiet exit", () => {
  for (const args of [["--help"], ["help", "relu"], ["relu", "--help"], ["list"]]) {
    it(`dact ${args.join(" ")} | head -c 1`, () => {
      const r = spawnSync("bash", ["-c", `set -o pipefail; "${process.execPath}" "${BIN}" ${args.join(" ")} | head -c 1 > /dev/null`]);
      expect(r.stderr.toString()).toBe("");
      expect(r.status).toBe(0);
    });
  }
});

describe("stdin is a terminal", () => {
  it("with no input given: a usage hint, not a hang", (ctx) => {
    needs(ctx, "script"); // script(1) runs it on a pseudo-terminal
    const r = spawnSync("script", ["-qec", `"${process.execPath}" "${BIN}" relu`, "/dev/null"], { timeout: 20_000 });
    expect(r.signal).toBe(null);
    expect(r.stdout.toString()).toMatch(/dact: no input: stdin is a terminal; give an input file, or pipe data in/);
    expect(r.status).toBe(2);
  });
});

