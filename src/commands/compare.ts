import { Command, Option } from "commander";
import { FORMAT_NAMES, type Format } from "../formats/index.js";
import { formatOption, toleranceOption } from "../options.js";
import { EXIT_DIFFERENT, EXIT_HELP, EXIT_OK, type Io, type Status } from "./shared.js";

interface CompareOpts {
  rtol?: number;
  atol?: number;
  ulp?: number;
  tolerance: "numpy" | "torch";
  format?: Format;
}

export function compareCommand(io: Io, status: Status): Command {
  return new Command("compare")
    .summary("compare two arrays or containers (any formats) as numpy.testing.assert_allclose does")
    .description("Exit 0 when the shapes match and every element satisfies |actual - expected| <= atol + rtol·|expected| (NaN equals NaN; infinities must match exactly); 1 with a report when they differ, including shapes and, for .npz/.safetensors, names on one side only; 2 on errors such as unreadable input.")
    .argument("<actual>", "the file to check")
    .argument("<expected>", "the golden file")
    .addOption(new Option("--tolerance <table>", "numpy: rtol 1e-7, atol 0 (assert_allclose); torch: torch.testing.assert_close's by dtype").choices(["numpy", "torch"]).default("numpy"))
    .option("--rtol <r>", "relative tolerance, overriding --tolerance's", toleranceOption("--rtol"))
    .option("--atol <a>", "absolute tolerance, overriding --tolerance's", toleranceOption("--atol"))
    .option("--ulp <n>", "also pass within N units in the last place of the expected file's dtype (alone: the only rule)", toleranceOption("--ulp"))
    .addOption(new Option("--format <format>", "format of both files; default: each detected").choices(FORMAT_NAMES).argParser(formatOption))
    .addHelpText("after", EXIT_HELP)
    .action(async (actual: string, expected: string, opts: CompareOpts) => {
      const { openSource } = await import("../run/sources.js");
      const { compareSides, fileSide } = await import("../compare-stream.js");
      const a = await openSource(actual);
      try {
        const e = await openSource(expected);
        try {
          const c = await compareSides(await fileSide(a, opts.format, io.err), await fileSide(e, opts.format, io.err), { mode: opts.tolerance, rtol: opts.rtol, atol: opts.atol, ulp: opts.ulp });
          if (!c.equal) io.out(c.text);
          status.code = c.equal ? EXIT_OK : EXIT_DIFFERENT;
        } finally {
          await e.close();
        }
      } finally {
        await a.close();
      }
    });
}
