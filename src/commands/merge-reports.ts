import { Command } from "commander";
import { EXIT_HELP, type Io, type Status } from "./shared.js";

interface MergeOpts {
  junit?: string;
}

export function mergeReportsCommand(io: Io, status: Status): Command {
  return new Command("merge-reports")
    .summary("merge the JSON reports of --check-dir shards into one JSON and one JUnit report")
    .description(
      "Reads the --report json:FILE of every shard (--shard I/N) of one --check-dir run and writes OUT (JSON) and a JUnit file (--junit FILE; default OUT with .xml) as the unsharded run would: every result, the obsolete goldens (found by a shard, mapped to by no shard's input), its summary line and its exit status (0 all ok, 1 differences, missing or obsolete goldens, 2 errors).",
    )
    .argument("<out>", "the merged JSON report")
    .argument("<inputs...>", "every shard's JSON report")
    .option("--junit <file>", "the merged JUnit XML (default: OUT with .xml)")
    .addHelpText("after", EXIT_HELP)
    .action(async (out: string, inputs: string[], opts: MergeOpts) => {
      const { checkMergeOutputs, readReportText, writeText } = await import("../merge-io.js");
      const { mergeReports } = await import("../merge-reports.js");
      const junit = opts.junit ?? (/\.json$/i.test(out) ? out.replace(/\.json$/i, ".xml") : `${out}.xml`);
      checkMergeOutputs(out, junit, inputs); // before anything is read or written
      const texts = [];
      for (const f of inputs) texts.push({ file: f, text: await readReportText(f) });
      const m = mergeReports(texts);
      // Nor onto a file the reports name: a golden or an input of the run.
      const doc = JSON.parse(m.json) as { goldens: string[]; results: { input: string; golden: string }[] };
      const listed = [...doc.goldens, ...doc.results.flatMap((r) => [r.input, r.golden])].filter((f) => typeof f === "string" && f !== "");
      checkMergeOutputs(out, junit, inputs, listed);
      await writeText(out, m.json, inputs, listed);
      await writeText(junit, m.junit, inputs, listed);
      for (const l of m.lines) io.err(l);
      io.err(m.summary);
      status.code = m.status;
    });
}
