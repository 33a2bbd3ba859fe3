// `completion bash|zsh|fish`: a shell completion script generated from commander's command tree, so
// every command, option and choice the CLI has is offered, and nothing is kept by hand.
import type { Command, Option } from 'commander';
import { usageError } from '../../errors.js';
import type { Deps } from '../../deps.js';
import { HELP_TOPICS } from '../../help.js';
import type { RunContext } from '../../cli/register.js';
import type { CompletionOptions } from '../completion.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export interface Flag {
  /** "--to", "--json"; every flag has a long form here. */
  long: string;
  short?: string;
  takesValue: boolean;
  choices: string[];
  description: string;
}

export interface CommandNode {
  /** [] for the root, ["sandbox", "serve"] for a subcommand. */
  path: string[];
  description: string;
  /** Its own flags (the root's are global: offered everywhere). */
  flags: Flag[];
  subcommands: CommandNode[];
  /** Values offered for its first positional, when the tree knows them (choices, help topics). */
  positionalChoices: string[];
}

const BIN = 'tiktok-channel';

function flagOf(option: Option): Flag | undefined {
  if (!option.long || option.hidden) return undefined;
  return {
    long: option.long,
    short: option.short,
    takesValue: option.required || option.optional,
    choices: option.argChoices ?? [],
    description: option.description,
  };
}

/** The tree as plain data, walked from commander (help and version flags included). */
export function commandTree(program: Command): CommandNode {
  const walk = (command: Command, path: string[]): CommandNode => {
    const flags = command.options.map(flagOf).filter((flag): flag is Flag => flag !== undefined);
    if (path.length === 0) flags.push({ long: '--help', short: '-h', takesValue: false, choices: [], description: 'show help' });
    const subcommands = command.commands.filter((sub) => !(sub as unknown as { _hidden?: boolean })._hidden).map((sub) => walk(sub, [...path, sub.name()]));
    const first = command.registeredArguments[0];
    let positionalChoices = first?.argChoices ? [...first.argChoices] : [];
    if (path.length === 1 && path[0] === 'help')
      positionalChoices = [...Object.keys(HELP_TOPICS), ...program.commands.map((sub) => sub.name()).filter((name) => name !== 'help')];
    return { path, description: firstLine(command.summary() || command.description()), flags, subcommands, positionalChoices };
  };
  return walk(program, []);
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').trim();
}

function allNodes(root: CommandNode): CommandNode[] {
  return [root, ...root.subcommands.flatMap(allNodes)];
}

/** The script itself, on stdout whether or not --json is given (a shell reads it, not a program). */
export function completion(options: CompletionOptions, deps: Deps, context: RunContext): void {
  const shell = options.shell.trim().toLowerCase();
  if (!(SHELLS as readonly string[]).includes(shell)) {
    throw usageError(
      `No completion for "${options.shell}"; choose bash, zsh or fish.`,
      'e.g. `tiktok-channel completion bash > ~/.local/share/bash-completion/completions/tiktok-channel`',
    );
  }
  deps.io.out(completionScript(shell as Shell, commandTree(context.program)));
}

export function completionScript(shell: Shell, tree: CommandNode): string {
  if (shell === 'bash') return bashScript(tree);
  if (shell === 'zsh') return zshScript(tree);
  return fishScript(tree);
}

const singleQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
const words = (values: string[]) => values.join(' ');

/** The shell `case` over command paths shared by bash and zsh: one branch per command. */
function caseByPath(tree: CommandNode, value: (node: CommandNode) => string): string {
  return allNodes(tree)
    .map((node) => `    ${singleQuote(node.path.join(' '))}) echo ${singleQuote(value(node))} ;;`)
    .join('\n');
}

function flagWords(node: CommandNode, global: Flag[]): string {
  const flags = node.path.length ? [...node.flags, ...global] : global;
  return words(flags.flatMap((flag) => [flag.long, ...(flag.short ? [flag.short] : [])]));
}

function valueFlags(node: CommandNode, global: Flag[]): string {
  const flags = node.path.length ? [...node.flags, ...global] : global;
  return words(flags.filter((flag) => flag.takesValue).flatMap((flag) => [flag.long, ...(flag.short ? [flag.short] : [])]));
}

/** Shared shell functions (bash and zsh syntax agree here): the tree's facts per command path. */
function pathFunctions(tree: CommandNode, prefix: string): string {
  const global = tree.flags;
  const choiceBranches = allNodes(tree).flatMap((node) =>
    (node.path.length ? [...node.flags, ...global] : global)
      .filter((flag) => flag.choices.length)
      .map((flag) => `    ${singleQuote(`${node.path.join(' ')}|${flag.long}`)}) echo ${singleQuote(words(flag.choices))} ;;`),
  );
  return `${prefix}_subcommands() {
  case "$1" in
${caseByPath(tree, (node) => words(node.subcommands.map((sub) => sub.path[sub.path.length - 1]!)))}
  esac
}
${prefix}_flags() {
  case "$1" in
${caseByPath(tree, (node) => flagWords(node, global))}
  esac
}
${prefix}_value_flags() {
  case "$1" in
${caseByPath(tree, (node) => valueFlags(node, global))}
  esac
}
${prefix}_positionals() {
  case "$1" in
${caseByPath(tree, (node) => words(node.positionalChoices))}
  esac
}
${prefix}_choices() {
  case "$1|$2" in
${choiceBranches.join('\n')}
  esac
}
# The command path of the words before the cursor (options and their values skipped).
${prefix}_path() {
  local path="" previous="" word
  for word in "$@"; do
    if [ -n "$previous" ]; then
      case " $(${prefix}_value_flags "$path") " in *" $previous "*) previous=""; continue ;; esac
    fi
    previous="$word"
    case "$word" in -*) continue ;; esac
    case " $(${prefix}_subcommands "$path") " in *" $word "*) path="\${path:+$path }$word" ;; esac
  done
  echo "$path"
}`;
}

function bashScript(tree: CommandNode): string {
  const prefix = '__tiktok_channel';
  return `# bash completion for ${BIN}, generated from its command tree by \`${BIN} completion bash\`.
# Install: ${BIN} completion bash > ~/.local/share/bash-completion/completions/${BIN}
${pathFunctions(tree, prefix)}
_tiktok_channel() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local path choices
  path="$(${prefix}_path "\${COMP_WORDS[@]:1:COMP_CWORD-1}")"
  choices="$(${prefix}_choices "$path" "$prev")"
  if [[ -n "$choices" ]]; then
    COMPREPLY=($(compgen -W "$choices" -- "$cur"))
    return
  fi
  if [[ " $(${prefix}_value_flags "$path") " == *" $prev "* ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
    return
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(${prefix}_flags "$path")" -- "$cur"))
    return
  fi
  COMPREPLY=($(compgen -W "$(${prefix}_subcommands "$path") $(${prefix}_positionals "$path")" -- "$cur"))
}
complete -F _tiktok_channel ${BIN}
`;
}

function zshScript(tree: CommandNode): string {
  const prefix = '__tiktok_channel';
  const described = allNodes(tree)
    .map((node) => {
      const entries = node.subcommands.map((sub) => singleQuote(`${sub.path[sub.path.length - 1]}:${sub.description.replace(/:/g, '\\:')}`));
      return `    ${singleQuote(node.path.join(' '))}) commands=(${entries.join(' ')}) ;;`;
    })
    .join('\n');
  return `#compdef ${BIN}
# zsh completion for ${BIN}, generated from its command tree by \`${BIN} completion zsh\`.
# Install: ${BIN} completion zsh > "\${fpath[1]}/_${BIN}"   (then restart zsh)
${pathFunctions(tree, prefix)}
_tiktok_channel() {
  local cur="\${words[CURRENT]}" prev="\${words[CURRENT-1]}"
  local path choices
  local -a commands
  path="$(${prefix}_path "\${(@)words[2,CURRENT-1]}")"
  choices="$(${prefix}_choices "$path" "$prev")"
  if [[ -n "$choices" ]]; then
    compadd -- \${=choices}
    return
  fi
  if [[ " $(${prefix}_value_flags "$path") " == *" $prev "* ]]; then
    _files
    return
  fi
  if [[ "$cur" == -* ]]; then
    local flags="$(${prefix}_flags "$path")"
    compadd -- \${=flags}
    return
  fi
  case "$path" in
${described}
  esac
  (( \${#commands} )) && _describe 'command' commands
  local positionals="$(${prefix}_positionals "$path")"
  [[ -n "$positionals" ]] && compadd -- \${=positionals}
}
compdef _tiktok_channel ${BIN}
`;
}

function fishScript(tree: CommandNode): string {
  const lines = [
    `# fish completion for ${BIN}, generated from its command tree by \`${BIN} completion fish\`.`,
    `# Install: ${BIN} completion fish > ~/.config/fish/completions/${BIN}.fish`,
    `complete -c ${BIN} -f`,
  ];
  const condition = (path: string[], node: CommandNode) => {
    // Inside `path`, and none of this node's subcommands chosen yet.
    const inside = path.map((name) => `__fish_seen_subcommand_from ${name}`);
    const children = node.subcommands.map((sub) => sub.path[sub.path.length - 1]);
    const notYet = children.length ? [`not __fish_seen_subcommand_from ${children.join(' ')}`] : [];
    const parts = [...(path.length ? inside : ['__fish_use_subcommand']), ...(path.length ? notYet : [])];
    return parts.join('; and ');
  };
  const flagLine = (flag: Flag, when?: string) => {
    const name = `-l ${flag.long.replace(/^--/, '')}${flag.short ? ` -s ${flag.short.replace(/^-/, '')}` : ''}`;
    const value = flag.choices.length ? ` -x -a ${singleQuote(words(flag.choices))}` : flag.takesValue ? ' -r -F' : '';
    return `complete -c ${BIN}${when ? ` -n ${singleQuote(when)}` : ''} ${name}${value} -d ${singleQuote(flag.description)}`;
  };
  for (const flag of tree.flags) lines.push(flagLine(flag));
  for (const node of allNodes(tree)) {
    const when = condition(node.path, node);
    for (const sub of node.subcommands) {
      lines.push(`complete -c ${BIN} -n ${singleQuote(when)} -a ${sub.path[sub.path.length - 1]} -d ${singleQuote(sub.description)}`);
    }
    if (node.positionalChoices.length) lines.push(`complete -c ${BIN} -n ${singleQuote(when)} -a ${singleQuote(words(node.positionalChoices))}`);
    if (node.path.length) {
      const inside = node.path.map((name) => `__fish_seen_subcommand_from ${name}`).join('; and ');
      for (const flag of node.flags) lines.push(flagLine(flag, inside));
    }
  }
  return `${lines.join('\n')}\n`;
}
