import { Command, Option } from "commander";
import { DEFAULT_TOLERANCE } from "../compare.js";
import { FORMAT_NAMES, type Format } from "../formats/index.js";
import { formatOption, toleranceOption } from "../options.js";
import { EXIT_DIFFERENT, EXIT_HELP, EXIT_OK, type Io, type Status } from "./shared.js";

interface CompareOpts {
  rtol?: number;
  atol?: number;
  format?: Format;
}

export function compareCommand(io: Io, status: Status): Command {
  return new Command("compare")
    .summary("compare two matrices (any formats) as numpy.testing.assert_allclose does")
    .description("Exit 0 when the shapes match and every element satisfies |actual - expected| <= atol + rtol·|expected| (NaN equals NaN; infinities must match exactly); 1 with a report otherwise; 2 on errors such as unreadable input or differing shapes.")
    .argument("<actual>", "the file to check")
    .argument("<expected>", "the golden file")
    .option("--rtol <r>", "relative tolerance (default: 1e-7, as numpy)", toleranceOption("--rtol"))
    .option("--atol <a>", "absolute tolerance (default: 0)", toleranceOption("--atol"))
    .addOption(new Option("--format <format>", "format of both files; default: each detected").choices(FORMAT_NAMES).argParser(formatOption))
    .addHelpText("after", EXIT_HELP)
    .action(async (actual: string, expected: string, opts: CompareOpts) => {
      const tol = { rtol: opts.rtol ?? DEFAULT_TOLERANCE.rtol, atol: opts.atol ?? DEFAULT_TOLERANCE.atol };
      const { openInput } = await import("../io.js");
      const { detectFormat } = await import("../formats/index.js");
      const { readMatrix } = await import("../matrix.js");
      const { compareMatrices, formatComparison } = await import("../compare.js");
      const read = async (p: string) => {
        const input = await openInput(p);
        try {
          return { name: input.name, m: await readMatrix(input, await detectFormat(input, opts.format), {}, io.err) };
        } finally {
          await input.close();
        }
      };
      const a = await read(actual);
      const e = await read(expected);
      const c = compareMatrices(a.m, e.m, tol, { actual: a.name, expected: e.name });
      if (!c.equal) io.out(formatComparison(c, tol));
      status.code = c.equal ? EXIT_OK : EXIT_DIFFERENT;
    });
}
