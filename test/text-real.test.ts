/**
 * Issue 12: text files as pandas, R, Excel and numpy write them. The files
 * and their expected values come from the real producers
 * (fixtures/make_text.py); each "silently wrong" case of the issue is here
 * as the right result or a clear error.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { readMatrix } from "../src/index.js";
import { FIXTURES } from "./helpers.js";
import { dact, workdir } from "./workdir.js";

const TEXT = path.join(FIXTURES, "text");
const cases = readdirSync(TEXT)
  .filter((f) => f.endsWith(".expected.json"))
  .map((f) => f.replace(".expected.json", ""));

interface Expected {
  shape: number[];
  values: (number | null)[];
  labels?: string[];
  cli: string[];
}

describe("files from pandas, numpy, R and Excel: the values their producer meant", () => {
  it.each(cases)("%s", async (name) => {
    const file = readdirSync(TEXT).find((f) => f.startsWith(name + ".") && !f.endsWith(".expected.json"))!;
    const want = JSON.parse(readFileSync(path.join(TEXT, name + ".expected.json"), "utf8")) as Expected;
    const d = workdir();
    const r = dact(["relu", "--at-zero", "0.5", ...want.cli, path.join(TEXT, file), "-o", path.join(d, "out.npy")]);
    expect(r.status, r.stderr).toBe(0);
    const got = await readMatrix(path.join(d, "out.npy"));
    expect(got.shape).toEqual(want.shape);
    expect(Array.from(got.data, (x) => (Number.isNaN(x) ? null : x))).toEqual(want.values);
    if (want.labels) expect(r.stderr).toMatch(/the first column passes through as labels[^\n]*\n.*the CSV header \([^\n]*\) and label column 0 \(counted from 0\) have no place in npy; dropped\n$/s);
  });
});

describe("same-format output keeps what the producer wrote", () => {
  it("pandas' index and R's row names pass through as labels, with a notice", () => {
    const r = dact(["relu", path.join(TEXT, "pandas-dates.csv")]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(`dact: ${path.join(TEXT, "pandas-dates.csv")}: the header's first cell is empty (a pandas or R index): the first column passes through as labels (--index-col none to differentiate it)\n`);
    const lines = r.stdout.toString().split("\n");
    expect(lines[0]).toBe(",a,b,c");
    expect(lines[1]).toMatch(/^2026-01-01,[01]\.[05],[01]\.[05],[01]\.[05]$/);
    // --index-col none: the index is differentiated (and a date is then an error).
    const none = dact(["relu", path.join(TEXT, "pandas-dates.csv"), "--index-col", "none"]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/:2:1: "2026-01-01" is not a number/);
    const r2 = dact(["relu", path.join(TEXT, "r-write-csv.csv"), "-q"]);
    expect(r2.stdout.toString().split("\n").slice(0, 2)).toEqual(['"","a","b","c"', "1,0.0,NA,1.0"]);
  });

  it("--index-col by number or header name, repeatable", () => {
    const d = workdir();
    writeFileSync(path.join(d, "m.csv"), "id,x,name,y\n7,-1,ann,2\n8,3,bob,-4\n");
    const r = dact(["relu", "m.csv", "--index-col", "0", "--index-col", "name"], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe("id,x,name,y\n7,0.0,ann,1.0\n8,1.0,bob,0.0\n");
    const j = dact(["relu", "m.csv", "--index-col", "0", "--index-col", "name", "--to", "json"], { cwd: d });
    expect(j.stdout.toString()).toBe("[[0.0,1.0],[1.0,0.0]]\n");
    expect(j.stderr).toMatch(/the CSV header \(id, x, name, y\) and label columns "id", "name" have no place in json; dropped/);
    expect(dact(["relu", "m.csv", "--index-col", "nope"], { cwd: d }).stderr).toMatch(/option --index-col: found "nope"; expected a column number or one of the header's names \(id, x, name, y\)/);
  });

  it("NA tokens are missing values, copied back as written; --na-values replaces the list", () => {
    const d = workdir();
    writeFileSync(path.join(d, "na.csv"), "a,b,c\nNA,-1,#N/A\nNULL,2,nan\n<NA>,n/a,None\n");
    expect(dact(["relu", "na.csv"], { cwd: d }).stdout.toString()).toBe("a,b,c\nNA,0.0,#N/A\nNULL,1.0,nan\n<NA>,n/a,None\n");
    expect(dact(["relu", "na.csv", "--to", "json"], { cwd: d }).stdout.toString()).toBe("[[null,0.0,null],[null,1.0,null],[null,null,null]]\n");
    const custom = dact(["relu", "na.csv", "--na-values", "-999,NA"], { cwd: d });
    expect(custom.status).toBe(2);
    // Without #N/A among the tokens, column c's first cell is text: c passes through, and NULL in column a is the error.
    expect(custom.stderr).toMatch(/na\.csv:3:1: "NULL" is not a number, in column "a" \(pass --index-col a /);
    writeFileSync(path.join(d, "m.csv"), "-999,1\n");
    expect(dact(["relu", "m.csv", "--na-values", "-999"], { cwd: d }).stdout.toString()).toBe("-999,1.0\n");
  });

  it.each(["-999,NA", "NA,-999", "NA,-999,None"])("--na-values %s: the numeric token matches by value wherever it sits in the list", (list) => {
    const d = workdir();
    // pandas writes -999 as -999.0: read_csv(na_values=[-999]) reads both as missing.
    writeFileSync(path.join(d, "m.csv"), "a,b\n1.5,-999.0\n-999,NA\n");
    const r = dact(["relu", "m.csv", "--na-values", list], { cwd: d });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe("a,b\n1.0,-999.0\n-999,NA\n");
    // A file large enough for the reader's helper threads: the same cells missing with 1, 2 and 4 threads.
    const rows = ["a,b,c"];
    for (let i = 0; i < 120_000; i++) rows.push(i % 7 === 3 ? `-999.0,${i % 2 ? -1.5 : 2.5},NA` : `${(i % 5) - 2}.25,-999,${i}.5`);
    writeFileSync(path.join(d, "big.csv"), rows.join("\n") + "\n");
    const want = rows.map((line, k) => (k === 0 ? line : line.split(",").map((c) => (c === "-999.0" || c === "-999" || c === "NA" ? c : Number(c) > 0 ? "1.0" : "0.0")).join(","))).join("\n") + "\n";
    for (const t of ["1", "2", "4"]) {
      const b = dact(["relu", "big.csv", "--na-values", list, "--threads", t], { cwd: d });
      expect(b.status, b.stderr).toBe(0);
      expect(b.stdout.toString() === want, `--threads ${t}`).toBe(true);
    }
  });

  it("comment lines: kept in CSV output, skipped in conversion; --comment changes or turns them off", () => {
    const p = path.join(TEXT, "savetxt-header.txt");
    const same = dact(["relu", p]);
    expect(same.stdout.toString().split("\n")[0]).toBe("# a b c");
    const d = workdir();
    writeFileSync(path.join(d, "c.csv"), "# made by hand\n1,-2\n# between\n-3,4\n");
    expect(dact(["relu", "c.csv"], { cwd: d }).stdout.toString()).toBe("# made by hand\n1.0,0.0\n# between\n0.0,1.0\n");
    expect(dact(["relu", "c.csv", "--to", "json"], { cwd: d }).stdout.toString()).toBe("[[1.0,0.0],[0.0,1.0]]\n");
    writeFileSync(path.join(d, "p.csv"), "% matlab\n1,-2\n");
    expect(dact(["relu", "p.csv", "--comment", "%"], { cwd: d }).stdout.toString()).toBe("% matlab\n1.0,0.0\n");
    writeFileSync(path.join(d, "c2.csv"), "1,-2\n# between\n-3,4\n");
    const off = dact(["relu", "c2.csv", "--comment", ""], { cwd: d });
    expect(off.status).toBe(2);
    expect(off.stderr).toBe('dact: c2.csv:2:1: "# between" is not a number\n');
  });

  it("CR-only line endings are kept per row, like LF and CRLF", () => {
    const d = workdir();
    writeFileSync(path.join(d, "mixed.csv"), "1,-1\r-2,2\r\n3,-3\n4,4\r");
    expect(dact(["relu", "mixed.csv"], { cwd: d }).stdout.toString()).toBe("1.0,0.0\r0.0,1.0\r\n1.0,0.0\n1.0,1.0\r");
  });

  it("whitespace-separated input (np.savetxt's default): written with single spaces", () => {
    const out = dact(["relu", path.join(TEXT, "savetxt-aligned.txt")]).stdout.toString();
    expect(out.split("\n")[0]).toMatch(/^[01]\.[05] [01]\.[05] [01]\.[05]$/);
    const d = workdir();
    writeFileSync(path.join(d, "w.txt"), "  1   -2\t 3\n-4 5 6  \n");
    expect(dact(["relu", "w.txt", "--delimiter", "whitespace"], { cwd: d }).stdout.toString()).toBe("1.0 0.0 1.0\n0.0 1.0 1.0\n");
    expect(dact(["relu", "w.txt", "--delimiter", " "], { cwd: d }).stdout.toString()).toBe("1.0 0.0 1.0\n0.0 1.0 1.0\n");
  });

  it("decimal comma: --decimal , reads and writes 1,5 with ; between cells", () => {
    const d = workdir();
    writeFileSync(path.join(d, "eu.csv"), "x;y\n-1,5;2,25\n0,0;-0,5\n");
    expect(dact(["relu", "eu.csv", "--decimal", ",", "--at-zero", "0.25"], { cwd: d }).stdout.toString()).toBe("x;y\n0,0;1,0\n0,25;0,0\n");
    // gelu'(-1.5) = -0.12746919222997954... (mpmath), written with a comma
    expect(dact(["gelu", "eu.csv", "--decimal", ","], { cwd: d }).stdout.toString().split("\n")[1]).toMatch(/^-0,127469192229979\d*;1,05918974397520\d*$/);
  });
});

describe("the issue's silently wrong cases", () => {
  it("a one-row np.savetxt file is data, not a header echoed back", () => {
    const r = dact(["relu", path.join(TEXT, "savetxt-onerow.txt")]);
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toMatch(/^[01]\.0 [01]\.0 [01]\.0\n$/);
  });

  it("np.savetxt's default is read with its spaces, whatever its length", () => {
    const r = dact(["relu", path.join(TEXT, "savetxt-default.txt"), "--to", "json"]);
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout.toString()) as number[][];
    expect(rows.map((row) => row.length)).toEqual([3, 3, 3, 3, 3, 3]);
  });

  it("European Excel without --decimal: an error that says what to pass", () => {
    const r = dact(["relu", path.join(TEXT, "excel-european.csv")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`dact: ${path.join(TEXT, "excel-european.csv")}:2:1: "-0,0068" is not a number (a decimal comma? pass --decimal ","; or a thousands separator?), in column "a"\n`);
  });

  it.each([
    ["1..5,2\n3,4\n", 'dact: t.csv:1:1: "1..5" is not a number\n'],
    ["\u22121.5,2\n3,4\n", 'dact: t.csv:1:1: "\u22121.5" is not a number (its minus is U+2212, not the ASCII "-")\n'],
    ["\u22121.5,\u22122\n3,4\n", 'dact: t.csv:1:1: "\u22121.5" is not a number (its minus is U+2212, not the ASCII "-")\n'],
    ["1,5;2\n", 'dact: t.csv:1:1: "1,5" is not a number (a decimal comma? pass --decimal ","; or a thousands separator?)\n'],
    ['"1,234",2\n', 'dact: t.csv:1:1: "1,234" is not a number (a decimal comma? pass --decimal ","; or a thousands separator?)\n'],
    ['"1,234,567",2\n', 'dact: t.csv:1:1: "1,234,567" is not a number (a thousands separator? write the number without it)\n'],
  ])("a first row with a typo is data, and its error says so: %j", (text, message) => {
    const d = workdir();
    writeFileSync(path.join(d, "t.csv"), text);
    const r = dact(["relu", "t.csv"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(message);
  });

  it("a lone row that looks like a header gets a notice", () => {
    const d = workdir();
    writeFileSync(path.join(d, "h.csv"), "a,b\n");
    const r = dact(["relu", "h.csv"], { cwd: d });
    expect([r.status, r.stdout.toString()]).toEqual([0, "a,b\n"]);
    expect(r.stderr).toBe("dact: h.csv: the only row (a, b) was read as a header, as no cell is a number; pass --no-header if it is data\n");
  });

  it("non-breaking spaces and other Unicode whitespace around numbers, as float() takes them", () => {
    const d = workdir();
    writeFileSync(path.join(d, "u.csv"), "\u00a01.5\u00a0,\u2003-2\n\u0663,\uff0d1\n");
    const r = dact(["relu", "u.csv"], { cwd: d });
    expect(r.status).toBe(2); // U+FF0D (fullwidth minus) is not a sign to float()
    expect(r.stderr).toMatch(/u\.csv:2:2: "－1" is not a number \(its minus is U\+FF0D/);
    writeFileSync(path.join(d, "v.csv"), "\u00a01.5\u00a0,\u2003-2\u0085\n\u0663,\u0661\u0660\n");
    expect(dact(["relu", "v.csv"], { cwd: d }).stdout.toString()).toBe("1.0,0.0\n1.0,1.0\n");
  });

  it("JSON from Python: NaN and Infinity are read; output stays RFC 8259", () => {
    const d = workdir();
    writeFileSync(path.join(d, "p.json"), "[NaN, Infinity, -Infinity, -1.5]");
    expect(dact(["relu", "p.json"], { cwd: d }).stdout.toString()).toBe("[null,1.0,0.0,0.0]\n");
    expect(dact(["relu", "p.json", "--to", "npy", "-o", "p.npy"], { cwd: d }).status).toBe(0);
  });

  it.each(["pandas-split.json", "pandas-records.json"])("pandas' %s is read as a table (fixtures/tables has the oracle)", (file) => {
    const r = dact(["relu", path.join(TEXT, file), "--to", "csv"]);
    expect(r.status).toBe(0);
    const lines = r.stdout.toString().trim().split("\n");
    expect(lines[0]).toBe("a,b,c");
    expect(lines).toHaveLength(7);
  });
});

describe("messages are one line that cannot drive a terminal", () => {
  it.each([
    ["C1 NEL", "a\u0085b"],
    ["C1 CSI", "a\u009b31mb"],
    ["LINE SEPARATOR", "a\u2028b"],
    ["PARAGRAPH SEPARATOR", "a\u2029b"],
  ])("%s in a cell, a header and a notice", (_name, bad) => {
    const d = workdir();
    writeFileSync(path.join(d, "x.csv"), `${bad},y\n1,2\n3,${bad}\n`);
    const r = dact(["relu", "x.csv"], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr.split("\n")).toHaveLength(2);
    expect(r.stderr).not.toMatch(/[\u0080-\u009f\u2028\u2029]/);
    writeFileSync(path.join(d, "h.csv"), `${bad},y\n1,2\n`);
    const n = dact(["relu", "h.csv", "--to", "json"], { cwd: d });
    expect(n.stderr).toMatch(/the CSV header \(a\\x[0-9a-f]{2}.*|the CSV header \(a\\u202[89]b, y\)/);
    expect(n.stderr).not.toMatch(/[\u0080-\u009f\u2028\u2029]/);
  });

  it("a usage error from commander with a control character in the argument", () => {
    const r = dact(["relu", "--rtol", "1\u009b2J"]);
    expect(r.stderr).toBe('dact: option --rtol: found "1\\x9b2J"; expected a finite number\n');
    const u = dact(["relu", "--bogus\u0085"]);
    expect(u.stderr).toBe("dact: unknown option '--bogus\\x85' (run with --help for usage)\n");
  });
});
