/**
 * Files that are not data where dact reads or writes data: a folder on
 * stdin, a device, FIFO or socket planted where a batch output, a golden or
 * a --report goes, and side files (--log, --report, the manifest) that name
 * each other. Each is one line on stderr, exit 2, and nothing written or
 * changed (the folder's bytes are compared before and after), at once.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { openOutput } from "../src/io.js";
import { userEnv } from "./helpers.js";
import { BIN, dact, workdir } from "./workdir.js";

/** Every entry below `dir` with its kind and bytes (a device or FIFO is never read). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const p = path.join(dir, r);
      if (e.isDirectory()) {
        out[r + "/"] = "dir";
        walk(r);
      } else if (e.isFile()) out[r] = readFileSync(p).toString("base64");
      else {
        const st = lstatSync(p);
        out[r] = `${e.isFIFO() ? "fifo" : e.isCharacterDevice() ? "chr" : e.isSymbolicLink() ? "link" : "other"}:${st.rdev}:${st.ino}`;
      }
    }
  };
  walk("");
  return out;
}

/** One line on stderr, dact's format, no stack trace. */
const oneLine = /^dact: [^\n]+\n$/;

const isRoot = process.getuid?.() === 0;

/** A character device like /dev/null (1, 3) at `p`; needs root (CAP_MKNOD). */
function mknodNull(p: string): void {
  execFileSync("mknod", [p, "c", "1", "3"]);
}

describe("stdin that is a folder", () => {
  const run = (args: string[], cwd: string) => {
    const fd = openSync(cwd, "r"); // a folder opened for reading, as `< dir` does
    try {
      const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env: userEnv(), stdio: [fd, "pipe", "pipe"], timeout: 30_000 });
      return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
    } finally {
      closeSync(fd);
    }
  };

  it("is refused (exit 2, one line), not read as an empty input with exit 0", () => {
    const d = workdir();
    const r = run(["relu"], d);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(oneLine);
    expect(r.stderr).toContain("<stdin>");
    expect(r.stdout).toBe("");
  });

  it("never replaces -o with an empty result", () => {
    const d = workdir();
    writeFileSync(path.join(d, "o.npy"), "keep me");
    const before = snapshot(d);
    for (const args of [["relu", "-", "-o", "o.npy"], ["relu", "-o", "o.npy"]]) {
      const r = run(args, d);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(oneLine);
      expect(snapshot(d)).toEqual(before);
    }
  });

  it("a regular file, a pipe and /dev/null on stdin are still data", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "-1,2\n");
    const fd = openSync(path.join(d, "x.csv"), "r");
    try {
      const r = spawnSync(process.execPath, [BIN, "relu"], { cwd: d, env: userEnv(), stdio: [fd, "pipe", "pipe"] });
      expect(r.status).toBe(0);
      expect(r.stdout.toString()).toBe("0.0,1.0\n");
    } finally {
      closeSync(fd);
    }
    expect(dact(["relu"], { input: "-1,2\n", cwd: d }).stdout.toString()).toBe("0.0,1.0\n");
    const nul = openSync("/dev/null", "r");
    try {
      expect(spawnSync(process.execPath, [BIN, "relu"], { cwd: d, env: userEnv(), stdio: [nul, "pipe", "pipe"] }).status).toBe(0);
    } finally {
      closeSync(nul);
    }
  });
});

describe("a device, FIFO or socket where a batch output goes", () => {
  /** A folder with x.csv and y.csv as inputs, and `kind` planted at od/x.csv. */
  const setup = (kind: "chr" | "fifo") => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "-1,2\n");
    mkdirSync(path.join(d, "od"));
    if (kind === "chr") mknodNull(path.join(d, "od", "x.csv"));
    else execFileSync("mkfifo", [path.join(d, "od", "x.csv")]);
    return d;
  };

  it.skipIf(!isRoot)("a character device planted in --out-dir is refused: exit 2, that file's one line, nothing written (mknod needs root)", () => {
    const d = setup("chr");
    const before = snapshot(d);
    const r = dact(["relu", "x.csv", "--out-dir", "od", "-q"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(oneLine);
    expect(r.stderr).toMatch(/^dact: od\/x\.csv: found a character device; /);
    expect(snapshot(d)).toEqual(before);
  });

  it("a FIFO planted in --out-dir is refused at once, never waited on", () => {
    const d = setup("fifo");
    const before = snapshot(d);
    const r = dact(["relu", "x.csv", "--out-dir", "od", "-q"], { cwd: d, timeout: 20_000 });
    expect(r.signal).toBeNull(); // not killed by the timeout
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dact: od\/x\.csv: found a FIFO; /);
    expect(r.stderr).toMatch(oneLine);
    expect(snapshot(d)).toEqual(before);
  });

  it("the other files of the batch are still written", () => {
    const d = setup("fifo");
    writeFileSync(path.join(d, "y.csv"), "3,-4\n");
    const r = dact(["relu", "x.csv", "y.csv", "--out-dir", "od"], { cwd: d, timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.split("\n").filter((l) => l.startsWith("dact: "))).toHaveLength(1);
    expect(readFileSync(path.join(d, "od", "y.csv"), "utf8")).toBe("1.0,0.0\n");
    expect(lstatSync(path.join(d, "od", "x.csv")).isFIFO()).toBe(true);
  });

  it("a single run's -o /dev/null still writes into the device", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "-1,2\n");
    const r = dact(["relu", "x.csv", "-o", "/dev/null"], { cwd: d });
    expect(r.status).toBe(0);
    expect(lstatSync("/dev/null").isCharacterDevice()).toBe(true);
  });
});

describe("--check with a golden that is a FIFO or device", () => {
  for (const update of [[], ["--update"], ["--pending"]]) {
    it(`a FIFO golden is refused at once ${update.join(" ") || "(compare only)"}, as --check-dir refuses it`, () => {
      const d = workdir();
      writeFileSync(path.join(d, "x.csv"), "-1,2\n");
      execFileSync("mkfifo", [path.join(d, "G.csv")]);
      const before = snapshot(d);
      const r = dact(["relu", "x.csv", "--check", "G.csv", ...update], { cwd: d, timeout: 20_000, env: userEnv() });
      expect(r.signal).toBeNull();
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(oneLine);
      expect(r.stderr).toMatch(/^dact: G\.csv: found a FIFO; /);
      expect(snapshot(d)).toEqual(before);
      // --check-dir, for the same golden, says the same of it.
      mkdirSync(path.join(d, "gd"));
      execFileSync("mkfifo", [path.join(d, "gd", "x.csv")]);
      const b = dact(["relu", "x.csv", "--check-dir", "gd", ...update], { cwd: d, timeout: 20_000 });
      expect(b.status).toBe(2);
      expect(b.stderr).toContain("dact: gd/x.csv: found a FIFO; ");
    });
  }

  it.skipIf(!isRoot)("a character device as the golden is refused under --update, never written into (mknod needs root)", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "-1,2\n");
    mknodNull(path.join(d, "G.csv"));
    const before = snapshot(d);
    const r = dact(["relu", "x.csv", "--check", "G.csv", "--update"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dact: G\.csv: found a character device; [^\n]*\n$/);
    expect(snapshot(d)).toEqual(before);
  });

  it("a FIFO where --pending writes NAME.new.EXT is refused at once", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "-1,2\n");
    writeFileSync(path.join(d, "G.csv"), "5.0,5.0\n");
    execFileSync("mkfifo", [path.join(d, "G.new.csv")]);
    const before = snapshot(d);
    const r = dact(["relu", "x.csv", "--check", "G.csv", "--pending"], { cwd: d, timeout: 20_000 });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dact: G\.new\.csv: found a FIFO; [^\n]*\n$/);
    expect(snapshot(d)).toEqual(before);
  });
});

describe("openOutput's regularOnly (batch outputs, goldens, reports)", () => {
  it("refuses a FIFO at once with regularOnly or noFollow, and writes into one without", async () => {
    const d = workdir();
    const f = path.join(d, "f.csv");
    execFileSync("mkfifo", [f]);
    for (const o of [{ regularOnly: true }, { noFollow: true }]) {
      await expect(openOutput(f, o)).rejects.toMatchObject({ code: "WRITE", detail: expect.stringMatching(/^found a FIFO; /) });
    }
    expect(lstatSync(f).isFIFO()).toBe(true);
  });

  it("refuses /dev/null with regularOnly, opens it without (a single -o)", async () => {
    await expect(openOutput("/dev/null", { regularOnly: true })).rejects.toMatchObject({ code: "WRITE", detail: expect.stringMatching(/^found a character device; /) });
    const out = await openOutput("/dev/null");
    await out.abort();
  });
});

describe("side files that are the same file", () => {
  /** x.csv and its golden gd/x.csv, made by a first run. */
  const setup = () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "-1,2\n");
    expect(dact(["relu", "x.csv", "--check-dir", "gd", "--update", "-q"], { cwd: d }).status).toBe(0);
    writeFileSync(path.join(d, "F"), '{"old": "log line"}\n');
    return d;
  };
  const refused = (d: string, args: string[]) => {
    const before = snapshot(d);
    const r = dact(args, { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(oneLine);
    expect(r.stderr).toContain("found the same file");
    expect(snapshot(d)).toEqual(before);
  };

  it("--check-dir: --report json:F and --log F (the report would replace the log's lines)", () => {
    const d = setup();
    refused(d, ["relu", "x.csv", "--check-dir", "gd", "--report", "json:F", "--log", "F"]);
  });

  it("--check-dir: --log by a hard link or a second name of the report", () => {
    const d = setup();
    execFileSync("ln", [path.join(d, "F"), path.join(d, "H")]);
    refused(d, ["relu", "x.csv", "--check-dir", "gd", "--report", "json:F", "--log", "H"]);
    refused(d, ["relu", "x.csv", "--check-dir", "gd", "--report", "junit:./F", "--log", "F"]);
  });

  it("--report twice with the same file, by name or hard link, with --check and --check-dir", () => {
    const d = setup();
    execFileSync("ln", [path.join(d, "F"), path.join(d, "H")]);
    refused(d, ["relu", "x.csv", "--check-dir", "gd", "--report", "json:F", "--report", "junit:H"]);
    refused(d, ["relu", "x.csv", "--check", "gd/x.csv", "--report", "json:F", "--report", "junit:H"]);
    refused(d, ["relu", "x.csv", "--check", "gd/x.csv", "--report", "json:new.json", "--report", "junit:new.json"]);
  });

  it("--log onto the --skip-existing manifest", () => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), "-1,2\n");
    mkdirSync(path.join(d, "od"));
    refused(d, ["relu", "x.csv", "--out-dir", "od", "--skip-existing", "--log", "od/.dact-manifest.jsonl"]);
  });

  it("different files are fine", () => {
    const d = setup();
    const r = dact(["relu", "x.csv", "--check-dir", "gd", "--report", "json:r.json", "--report", "junit:r.xml", "--log", "F"], { cwd: d });
    expect(r.status).toBe(0);
    expect(readFileSync(path.join(d, "F"), "utf8")).toMatch(/^\{"old": "log line"\}\n\{/);
  });
});

describe("--log under --check-dir", () => {
  it("records each check's status (ok, differs, missing, written, error), with bytes only for a golden written", () => {
    const d = workdir();
    mkdirSync(path.join(d, "in"));
    mkdirSync(path.join(d, "gd"));
    writeFileSync(path.join(d, "in", "ok.csv"), "-1,2\n");
    writeFileSync(path.join(d, "gd", "ok.csv"), "0.0,1.0\n");
    writeFileSync(path.join(d, "in", "differs.csv"), "-1,2\n");
    writeFileSync(path.join(d, "gd", "differs.csv"), "5.0,5.0,5.0,5.0\n");
    writeFileSync(path.join(d, "in", "missing.csv"), "-1,2\n");
    writeFileSync(path.join(d, "in", "bad.csv"), "-1,x\n");
    const before = snapshot(path.join(d, "gd"));
    const r = dact(["relu", "in", "--check-dir", "gd", "--log", "log.jsonl"], { cwd: d });
    expect(r.status).not.toBe(0);
    expect(snapshot(path.join(d, "gd"))).toEqual(before); // nothing written, though the log used to say so
    const lines = readFileSync(path.join(d, "log.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const by = Object.fromEntries(lines.map((l) => [path.basename(l["input"] as string), l]));
    expect(by["ok.csv"]).toMatchObject({ status: "ok", bytes: 0, error: null });
    expect(by["differs.csv"]).toMatchObject({ status: "differs", bytes: 0, error: null });
    expect(by["missing.csv"]).toMatchObject({ status: "missing", bytes: 0 });
    expect(by["bad.csv"]).toMatchObject({ status: "error", bytes: 0, error: expect.stringContaining("in/bad.csv:1:") });
    expect(lines.some((l) => l["status"] === "written")).toBe(false);

    // With --update, the goldens written are "written" with their size; a passing one stays "ok".
    const u = dact(["relu", "in", "--check-dir", "gd", "--update", "--exclude", "bad.csv", "--log", "log2.jsonl"], { cwd: d, env: userEnv() });
    expect(u.status).toBe(0);
    const l2 = readFileSync(path.join(d, "log2.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const by2 = Object.fromEntries(l2.map((l) => [path.basename(l["input"] as string), l]));
    expect(by2["ok.csv"]).toMatchObject({ status: "ok", bytes: 0 });
    expect(by2["differs.csv"]).toMatchObject({ status: "written", bytes: lstatSync(path.join(d, "gd", "differs.csv")).size });
    expect(by2["missing.csv"]).toMatchObject({ status: "written", bytes: lstatSync(path.join(d, "gd", "missing.csv")).size });
  });

  for (const extra of [["--skip-existing"], ["--resume", "log.jsonl"]]) {
    it(`${extra[0]} with --check-dir is a usage error, not accepted and ignored`, () => {
      const d = workdir();
      writeFileSync(path.join(d, "x.csv"), "-1,2\n");
      writeFileSync(path.join(d, "log.jsonl"), "");
      const before = snapshot(d);
      const r = dact(["relu", "x.csv", "--check-dir", "gd", "--update", ...extra], { cwd: d, env: userEnv() });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(oneLine);
      expect(r.stderr).toContain(`option ${extra[0]}: found with --check-dir`);
      expect(snapshot(d)).toEqual(before);
    });
  }
});
