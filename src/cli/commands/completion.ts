/**
 * `tsfig completion bash|zsh|fish`: a shell script that completes commands, their flags, and
 * service names (asked of `tsfig config --services` with the -f/--project-directory/--env-file/
 * --profile words already typed). Made from the commander program itself, so it never lags
 * behind the commands.
 */
import { Command, type Option } from 'commander';
import { UsageError } from '../../errors.js';
import type { IO } from '../context.js';

interface Spec {
  commands: Array<{ name: string; aliases: string[]; description: string; flags: string[] }>;
  globals: string[];
  /** Global flags that take a value (the next word is not the command). */
  valued: string[];
}

function flagsOf(options: readonly Option[]): string[] {
  return options.flatMap((o) => [o.short, o.long].filter((f): f is string => f !== undefined));
}

export function completionSpec(program: Command): Spec {
  const commands = program.commands
    .filter((c) => c.name() !== 'completion' && c.name() !== 'help')
    .map((c) => ({ name: c.name(), aliases: c.aliases(), description: c.description().split('\n')[0] ?? '', flags: [...flagsOf(c.options), '--help'] }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  commands.push({ name: 'completion', aliases: [], description: 'Print a shell completion script (bash, zsh, fish)', flags: ['--help'] });
  return {
    commands,
    globals: [...flagsOf(program.options), '--help'],
    valued: program.options.filter((o) => o.required || o.optional).flatMap((o) => [o.short, o.long].filter((f): f is string => f !== undefined)),
  };
}

/** The words that select the project, passed on to `tsfig config --services`. */
const PROJECT_FLAGS = ['-f', '--file', '--project-directory', '--env-file', '--profile', '-p', '--project-name'];

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function bashScript(spec: Spec): string {
  const cases = spec.commands.map((c) => `    ${[c.name, ...c.aliases].join('|')}) flags=${sq(c.flags.join(' '))} ;;`).join('\n');
  return `# tsfig completion for bash: eval "$(tsfig completion bash)" (e.g. in ~/.bashrc)
_tsfig() {
  local cur=\${COMP_WORDS[COMP_CWORD]} cmd= i w flags
  local -a project=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    case $w in
      ${spec.valued.join('|')})
        case $w in ${PROJECT_FLAGS.join('|')}) project+=("$w" "\${COMP_WORDS[i+1]}") ;; esac
        ((i++)) ;;
      -*) ;;
      *) cmd=$w; break ;;
    esac
  done
  case \${COMP_WORDS[COMP_CWORD-1]} in
    ${spec.valued.join('|')}) [[ -z $cmd ]] && { COMPREPLY=($(compgen -f -- "$cur")); return; } ;;
  esac
  if [[ -z $cmd ]]; then
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W ${sq(spec.globals.join(' '))} -- "$cur"))
    else
      COMPREPLY=($(compgen -W ${sq(spec.commands.flatMap((c) => [c.name, ...c.aliases]).join(' '))} -- "$cur"))
    fi
    return
  fi
  if [[ $cur == -* ]]; then
    case $cmd in
${cases}
      *) flags= ;;
    esac
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
    return
  fi
  case $cmd in
    completion) COMPREPLY=($(compgen -W 'bash zsh fish' -- "$cur")) ;;
    *) COMPREPLY=($(compgen -W "$(command tsfig "\${project[@]}" config --services 2>/dev/null)" -- "$cur")) ;;
  esac
}
complete -F _tsfig tsfig
`;
}

export function zshScript(spec: Spec): string {
  const desc = spec.commands.flatMap((c) => [c.name, ...c.aliases].map((n) => sq(`${n.replace(/:/g, '\\:')}:${c.description}`))).join('\n    ');
  const cases = spec.commands.map((c) => `    (${[c.name, ...c.aliases].join('|')}) compadd -- ${c.flags.join(' ')} ;;`).join('\n');
  return `#compdef tsfig
# tsfig completion for zsh: eval "$(tsfig completion zsh)" (after compinit), or save it as _tsfig in $fpath
_tsfig() {
  local cmd= i w
  local -a project commands
  commands=(
    ${desc}
  )
  for ((i = 2; i < CURRENT; i++)); do
    w=\${words[i]}
    case $w in
      (${spec.valued.join('|')})
        case $w in (${PROJECT_FLAGS.join('|')}) project+=("$w" "\${words[i+1]}") ;; esac
        ((i++)) ;;
      (-*) ;;
      (*) cmd=$w; break ;;
    esac
  done
  if [[ -z $cmd ]]; then
    if [[ \${words[CURRENT]} == -* ]]; then
      compadd -- ${spec.globals.join(' ')}
    else
      _describe 'command' commands
    fi
    return
  fi
  if [[ \${words[CURRENT]} == -* ]]; then
    case $cmd in
${cases}
    esac
    return
  fi
  case $cmd in
    (completion) compadd -- bash zsh fish ;;
    (*) compadd -- \${(f)"$(command tsfig "\${project[@]}" config --services 2>/dev/null)"} ;;
  esac
}
compdef _tsfig tsfig
`;
}

export function fishScript(spec: Spec): string {
  const names = spec.commands.flatMap((c) => [c.name, ...c.aliases]);
  const lines = [
    '# tsfig completion for fish: tsfig completion fish | source (or save it in ~/.config/fish/completions/tsfig.fish)',
    'function __tsfig_services',
    '    set -l words (commandline -opc)',
    '    set -l project',
    '    set -l i 2',
    '    while test $i -le (count $words)',
    `        if contains -- $words[$i] ${PROJECT_FLAGS.join(' ')}`,
    '            set -a project $words[$i] $words[(math $i + 1)]',
    '            set i (math $i + 1)',
    '        end',
    '        set i (math $i + 1)',
    '    end',
    '    command tsfig $project config --services 2>/dev/null',
    'end',
    'complete -c tsfig -f',
  ];
  for (const f of spec.globals) {
    lines.push(`complete -c tsfig -n __fish_use_subcommand ${f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`}`);
  }
  for (const c of spec.commands) {
    for (const n of [c.name, ...c.aliases]) lines.push(`complete -c tsfig -n __fish_use_subcommand -a ${n} -d ${sq(c.description)}`);
    const seen = `'__fish_seen_subcommand_from ${[c.name, ...c.aliases].join(' ')}'`;
    for (const f of c.flags) lines.push(`complete -c tsfig -n ${seen} ${f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`}`);
  }
  lines.push(`complete -c tsfig -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'`);
  lines.push(`complete -c tsfig -n 'not __fish_use_subcommand; and not __fish_seen_subcommand_from completion ${names.filter((n) => n === 'completion').join(' ')}' -a '(__tsfig_services)'`);
  return `${lines.join('\n')}\n`;
}

export function completionCommand(io: IO, program: () => Promise<Command>): Command {
  return new Command('completion')
    .description('Print a shell completion script (bash, zsh, fish): commands, flags and service names')
    .argument('<shell>', 'bash, zsh or fish')
    .action(async (shell: string) => {
      const make = shell === 'bash' ? bashScript : shell === 'zsh' ? zshScript : shell === 'fish' ? fishScript : undefined;
      if (make === undefined) throw new UsageError(`completion: no script for ${JSON.stringify(shell)}: give bash, zsh or fish`);
      io.stdout(make(completionSpec(await program())));
    });
}
