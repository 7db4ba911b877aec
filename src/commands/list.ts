import { Command } from "commander";
import { ACTIVATIONS } from "../activations/registry.js";
import type { Io } from "./shared.js";

/** The text of `dact list`, from the registry (as --help is). */
export function listActivations(): string {
  const lines: string[] = [];
  for (const a of ACTIVATIONS) {
    lines.push(`${a.name} - ${a.summary}`);
    lines.push(`  derivative: ${a.formula}`);
    lines.push(`  at kinks:   ${a.kinks}`);
    if (a.params.length) lines.push(`  options:    ${a.params.map((p) => `--${p.flag} (${p.default})`).join(", ")}`);
    lines.push("");
  }
  return lines.join("\n");
}

export function listCommand(io: Io): Command {
  return new Command("list").summary("list every activation: derivative, options with defaults, kink conventions").action(() => io.out(listActivations()));
}
