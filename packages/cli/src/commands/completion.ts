import type { Command } from 'commander';
import { UsageError } from '../ui/exit.js';

/**
 * Shell completion generated from the command tree itself, so it never drifts from the
 * flags: subcommands at each level, then that command's long options.
 */
interface Node {
  path: string[];
  subcommands: string[];
  options: string[];
  description: string;
}

function walk(cmd: Command, path: string[] = [], out: Node[] = []): Node[] {
  out.push({
    path,
    subcommands: cmd.commands.map((c) => c.name()),
    options: [...cmd.options.map((o) => o.long).filter((l): l is string => l !== undefined), '--help'],
    description: cmd.description(),
  });
  for (const c of cmd.commands) walk(c, [...path, c.name()], out);
  return out;
}

export function completion(program: Command, shell: string): void {
  const nodes = walk(program);
  const script = shell === 'bash' ? bash(nodes) : shell === 'zsh' ? zsh(nodes) : shell === 'fish' ? fish(nodes) : undefined;
  if (script === undefined) throw new UsageError(`unknown shell ${JSON.stringify(shell)}: use bash, zsh or fish`);
  process.stdout.write(script);
}

function bash(nodes: Node[]): string {
  const cases = nodes.map((n) => `    "${n.path.join(' ')}") words="${[...n.subcommands, ...n.options].join(' ')}" ;;`).join('\n');
  return `# sigil completion for bash: source <(sigil completion bash)
_sigil() {
  local cur path="" w words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  for w in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case "$w" in -*) ;; *) if _sigil_is_cmd "\${path:+$path }$w"; then path="\${path:+$path }$w"; fi ;; esac
  done
  case "$path" in
${cases}
    *) words="" ;;
  esac
  if [[ "$cur" == -* || -n "$words" ]]; then COMPREPLY=( $(compgen -W "$words" -- "$cur") ); fi
  [[ \${#COMPREPLY[@]} -eq 0 ]] && COMPREPLY=( $(compgen -f -- "$cur") )
}
_sigil_is_cmd() {
  case "$1" in
${nodes.filter((n) => n.path.length > 0).map((n) => `    "${n.path.join(' ')}") return 0 ;;`).join('\n')}
  esac
  return 1
}
complete -o filenames -F _sigil sigil
`;
}

function zsh(nodes: Node[]): string {
  return `#compdef sigil
# sigil completion for zsh: source <(sigil completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bash(nodes)}`;
}

function fish(nodes: Node[]): string {
  const lines = ['# sigil completion for fish: sigil completion fish | source', 'complete -c sigil -f'];
  for (const n of nodes) {
    const cond = n.path.length === 0 ? '__fish_use_subcommand' : `__fish_seen_subcommand_from ${n.path[n.path.length - 1]}`;
    for (const s of n.subcommands) {
      const child = nodes.find((c) => c.path.join(' ') === [...n.path, s].join(' '));
      lines.push(`complete -c sigil -n '${cond}' -a ${s} -d '${(child?.description ?? '').replace(/'/g, "\\'")}'`);
    }
    if (n.path.length > 0) for (const o of n.options) lines.push(`complete -c sigil -n '${cond}' -l ${o.replace(/^--/, '')}`);
  }
  return lines.join('\n') + '\n';
}
