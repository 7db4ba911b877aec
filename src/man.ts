/**
 * The man page, dact.1, generated at build time from the same registries
 * and option definitions as --help (npm run build writes it; package.json
 * ships it as "man").
 */
import { ACTIVATIONS } from "./activations/registry.js";
import { activationCommand } from "./commands/activation.js";
import { EXIT_HELP } from "./commands/shared.js";
import { FORMATS } from "./formats/index.js";
import { version } from "./version.js";

/** roff-escapes text: backslashes, and a leading dot or quote. */
function roff(s: string): string {
  return s.replace(/\\/g, "\\e").replace(/-/g, "\\-").replace(/^([.'])/gm, "\\&$1");
}

export function manPage(): string {
  const io = { out: () => {}, err: () => {} };
  const status = { code: 0 };
  const sample = activationCommand(ACTIVATIONS[0]!, io, status);
  const own = new Set(ACTIVATIONS[0]!.params.map((p) => `--${p.flag}`));
  const lines = [
    `.TH DACT 1 "" "dact ${version()}" "User Commands"`,
    ".SH NAME",
    "dact \\- elementwise activation derivatives over arrays in CSV, JSON, .npy, .npz and .safetensors",
    ".SH SYNOPSIS",
    ".B dact",
    ".I activation",
    "[\\fIinputs\\fR...] [\\fIoptions\\fR]",
    ".br",
    ".B dact compare",
    ".I actual expected",
    ".br",
    ".B dact review",
    "[\\fIdir\\fR] [--accept|--reject [\\fIglob\\fR]]",
    ".br",
    ".B dact merge-reports",
    ".I out inputs...",
    ".br",
    ".B dact list",
    ".br",
    ".B dact completion",
    ".I bash|zsh|fish",
    ".SH DESCRIPTION",
    roff("dact computes f'(x) elementwise for an activation f, or G ⊙ f'(x) with --grad-output, streaming the input to the output in the same format or another. Formats: ") + roff(FORMATS.map((f) => `${f.name} (${f.extensions.join(", ")})`).join(", ")) + roff("; any of them gzipped."),
    ".SH ACTIVATIONS",
  ];
  for (const a of ACTIVATIONS) {
    lines.push(".TP", `.B ${a.name}`, roff(`${a.summary}. Derivative: ${a.formula}. At kinks: ${a.kinks}.`));
    if (a.params.length) lines.push(roff(`Options: ${a.params.map((p) => `--${p.flag} (${p.default}): ${p.description}`).join("; ")}.`));
  }
  lines.push(".SH OPTIONS");
  for (const o of sample.options.filter((o) => !own.has(o.long ?? ""))) lines.push(".TP", `.B ${roff(o.flags)}`, roff(o.description));
  lines.push(".SH EXIT STATUS", ".nf", roff(EXIT_HELP.trim().split("\n").slice(1).map((l) => l.trim()).join("\n")), ".fi");
  lines.push(".SH EXAMPLES", ".nf", roff("dact relu in.npy -o out.npy\ncat data.csv | dact gelu | head\ndact relu weights.npz -o grads.npz\ndact gelu x.npy --grad-output gy.npy -o gx.npy\ndact relu inputs/ --check-dir goldens/ --report junit:dact.xml"), ".fi");
  lines.push(".SH SEE ALSO", "The documentation in docs/ of the dact package: formats.md, activations.md, batch.md, golden.md, guarantees.md.");
  return lines.join("\n") + "\n";
}
