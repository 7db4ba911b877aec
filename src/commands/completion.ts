/**
 * `dact completion bash|zsh|fish`: a completion script generated from the
 * registries (activations, their options, formats, file extensions), so it
 * never lags behind the commands.
 */
import { Argument, Command } from "commander";
import { ACTIVATIONS } from "../activations/registry.js";
import { FORMATS, FORMAT_NAMES } from "../formats/index.js";
import { activationCommand } from "./activation.js";
import type { Io, Status } from "./shared.js";

interface Words {
  commands: string[];
  options: string[];
  formats: string[];
  extensions: string[];
}

export function completionWords(io: Io, status: Status): Words {
  const options = new Set<string>();
  for (const act of ACTIVATIONS) for (const o of activationCommand(act, io, status).options) if (o.long) options.add(o.long);
  const extensions = [...new Set(FORMATS.flatMap((f) => f.extensions.map((e) => e.slice(1))))];
  return { commands: [...ACTIVATIONS.map((a) => a.name), "list", "compare", "completion", "review", "merge-reports"], options: [...options].sort(), formats: [...FORMAT_NAMES], extensions };
}

export function completionScript(shell: "bash" | "zsh" | "fish", w: Words): string {
  const exts = w.extensions.flatMap((e) => [e, `${e}.gz`]);
  if (shell === "bash") {
    return `# dact completion for bash: source it, or put it in /etc/bash_completion.d/dact
_dact() {
  local cur prev
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${w.commands.join(" ")} --help --version" -- "$cur") )
    return
  fi
  case "$prev" in
    --format|--to) COMPREPLY=( $(compgen -W "${w.formats.join(" ")}" -- "$cur") ); return ;;
    --dtype) COMPREPLY=( $(compgen -W "f2 f4 f8 bf16" -- "$cur") ); return ;;
    --tolerance) COMPREPLY=( $(compgen -W "numpy torch" -- "$cur") ); return ;;
    --approximate) COMPREPLY=( $(compgen -W "none tanh" -- "$cur") ); return ;;
    -o|--output|--out-dir|--check|--check-dir|--grad-output|--grad-output-dir|--log|--resume) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "${w.options.join(" ")}" -- "$cur") )
  else
    COMPREPLY=( $(compgen -f -X '!*.@(${exts.join("|")})' -- "$cur") $(compgen -d -- "$cur") )
  fi
}
complete -o filenames -F _dact dact
`;
  }
  if (shell === "zsh") {
    return `#compdef dact
# dact completion for zsh: put it on your $fpath as _dact
_dact() {
  if (( CURRENT == 2 )); then
    compadd -- ${w.commands.join(" ")}
    return
  fi
  case "\${words[CURRENT-1]}" in
    --format|--to) compadd -- ${w.formats.join(" ")}; return ;;
    --dtype) compadd -- f2 f4 f8 bf16; return ;;
    --tolerance) compadd -- numpy torch; return ;;
  esac
  if [[ "\${words[CURRENT]}" == -* ]]; then
    compadd -- ${w.options.join(" ")}
  else
    _files -g '*.(${exts.join("|")})'
  fi
}
compdef _dact dact
`;
  }
  const lines = [`# dact completion for fish: put it in ~/.config/fish/completions/dact.fish`, `complete -c dact -f`];
  lines.push(`complete -c dact -n "__fish_use_subcommand" -a "${w.commands.join(" ")}"`);
  for (const o of w.options) lines.push(`complete -c dact -n "not __fish_use_subcommand" -l ${o.slice(2)}`);
  lines.push(`complete -c dact -l format -l to -xa "${w.formats.join(" ")}"`);
  lines.push(`complete -c dact -l dtype -xa "f2 f4 f8 bf16"`);
  lines.push(`complete -c dact -n "not __fish_use_subcommand" -a "(__fish_complete_suffix ${exts.map((e) => "." + e).join(" ")})"`);
  return lines.join("\n") + "\n";
}

export function completionCommand(io: Io, status: Status): Command {
  return new Command("completion")
    .summary("print a shell completion script (bash, zsh or fish)")
    .addArgument(new Argument("<shell>", "bash, zsh or fish").choices(["bash", "zsh", "fish"]))
    .action((shell: "bash" | "zsh" | "fish") => io.out(completionScript(shell, completionWords(io, status))));
}

