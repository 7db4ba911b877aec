/**
 * Whitespace-separated input: a row whose first cell is an NA token
 * (`#N/A`, `#NA`) or an Excel error value is data, as in comma CSV (see
 * docs/formats.md, comments); before, `#N/A  0` was a comment line and the
 * row was lost. pandas (`read_csv(sep=r"\s+", header=None)`) reads
 * "1 2\n#N/A 0\n3 -4\n" as [[1, 2], [nan, 0], [3, -4]].
 */
import { describe, expect, it } from "vitest";
import { CsvReader } from "../src/formats/csv/reader.js";
import { dact } from "./workdir.js";

/** relu of whitespace-separated stdin, as JSON Lines (NaN is null). */
const rows = (text: string) => {
  const r = dact(["relu", "--delimiter", "whitespace", "--to", "jsonl", "-"], { input: text });
  return { status: r.status, stderr: r.stderr, lines: r.stdout.toString().trim().split("\n").filter((l) => l !== "") };
};

describe("a whitespace-separated row that starts with an NA token is data", () => {
  it.each([
    ["#N/A, then spaces", "1 2\n#N/A 0\n3 -4\n", ["[1.0,1.0]", "[null,0.0]", "[1.0,0.0]"]],
    ["#N/A, then a tab", "1 2\n#N/A\t0\n", ["[1.0,1.0]", "[null,0.0]"]],
    ["leading spaces", "1 2\n   #N/A  \t 5\n", ["[1.0,1.0]", "[null,1.0]"]],
    ["#NA (pandas' list)", "1 2\n#NA 5\n", ["[1.0,1.0]", "[null,1.0]"]],
    ["the last line, no newline", "1 2\n#N/A 0", ["[1.0,1.0]", "[null,0.0]"]],
    ["CRLF", "1 2\r\n#N/A 0\r\n", ["[1.0,1.0]", "[null,0.0]"]],
    ["a comment is still a comment", "# x y\n1 2\n# N/A 0\n#note: 5 6\n3 4\n", ["[1.0,1.0]", "[1.0,1.0]"]],
  ])("%s", (_, text, want) => {
    const r = rows(text);
    expect(r.status, r.stderr).toBe(0);
    expect(r.lines).toEqual(want);
  });

  it("an Excel error value in a numeric column is an error naming its cell, not a comment", () => {
    const r = dact(["relu", "--delimiter", "whitespace", "-"], { input: "1 2\n3 4\n#DIV/0! 5\n" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dact: <stdin>:3:1: /);
  });

  it("same-format output keeps the row and the comments", () => {
    const r = dact(["relu", "--delimiter", "whitespace", "-"], { input: "# x y\n1 -2\n#N/A 0\n" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe("# x y\n1.0 0.0\n#N/A 0.0\n");
  });

  it("gives the same rows for the input cut anywhere (the token held across chunks)", () => {
    const text = "# head\n1 2\n#N/A   -1\n  #N/A\t3\n# N/A 9\n#VALUE_long_not_a_token 1 2\n4 5\n#N/A 7";
    const read = (cuts: number[]) => {
      const got: string[] = [];
      const comments: string[] = [];
      const reader = new CsvReader({
        delimiter: "whitespace",
        header: "auto",
        onBatch: (b) => {
          for (let k = 0; k < b.n; k++) got.push(b.missing[k] ? "NA" : String(b.values[k]));
          for (const c of b.comments) comments.push(c.text);
        },
      });
      let at = 0;
      for (const c of [...cuts, text.length]) {
        reader.push(Buffer.from(text.slice(at, c)));
        at = c;
      }
      reader.end();
      return { got, comments };
    };
    const whole = read([]);
    expect(whole.got).toEqual(["1", "2", "NA", "-1", "NA", "3", "4", "5", "NA", "7"]);
    expect(whole.comments).toEqual(["# head", "# N/A 9", "#VALUE_long_not_a_token 1 2"]);
    for (let a = 1; a < text.length; a++) {
      for (const b of [a + 1, a + 3]) {
        if (b >= text.length) continue;
        expect(read([a, b]), `cut at ${a} and ${b}`).toEqual(whole);
      }
    }
  });
});

/**
 * Without --delimiter the sniffer decides: it skipped every line that
 * starts with '#', so a file whose rows all start with #N/A had no row to
 * sniff, was read as one comma column and came back unchanged, exit 0
 * (every line a comment). pandas' read_csv(sep=r"\s+", header=None) reads
 * "#N/A 1.5 -2\n#N/A 0.5 3\n" as [[nan, 1.5, -2], [nan, 0.5, 3]].
 */
describe("the sniffer reads a row that starts with an NA token as a row", () => {
  it.each([
    ["every row starts with #N/A", "#N/A 1.5 -2\n#N/A 0.5 3\n", ["[null,1.0,0.0]", "[null,1.0,1.0]"]],
    ["#NA, then a tab and spaces", "#NA\t1 -2\n#NA  -1 3\n", ["[null,1.0,0.0]", "[null,0.0,1.0]"]],
    ["a comment line before them", "# made by hand\n#N/A 1 -2\n#N/A 0 3\n", ["[null,1.0,0.0]", "[null,0.0,1.0]"]],
  ])("%s", (_, text, want) => {
    const r = dact(["relu", "--to", "jsonl", "-"], { input: text });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.toString().trim().split("\n")).toEqual(want);
  });

  it("same-format output keeps the delimiter and the tokens", () => {
    const r = dact(["relu", "-"], { input: "#N/A 1.5 -2\n#N/A 0.5 3\n" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe("#N/A 1.0 0.0\n#N/A 1.0 1.0\n");
  });
});

describe("a tab-separated stdin whose every row starts with #N/A", () => {
  it("is read as TSV rows, not as comment lines copied back", () => {
    const r = dact(["relu", "-"], { input: "#N/A\t1\n#N/A\t-2\n" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe("#N/A\t1.0\n#N/A\t0.0\n");
  });
});
