--- Shell completion scripts for bash, zsh and fish, generated from the command table
--- (hfl.cli.commands), each command's flag set and the global flags, so a new command or flag
--- is offered without editing a script. `hfl completion SHELL` prints them.
local commands = require "hfl.cli.commands"
local global = require "hfl.cli.global"

local M = {}

M.SHELLS = { "bash", "zsh", "fish" }

local concat, fmt = table.concat, string.format

---@class hfl.cli.CompletionCommand
---@field name string
---@field summary string
---@field flags hfl.cli.Flag[]
---@field subcommands string[]|nil  the words the first positional must be
---@field files boolean  whether it takes positional arguments other than subcommands

--- What completion offers: the commands (in help order) with their flags, and the global flags.
---@return hfl.cli.CompletionCommand[] cmds, hfl.cli.Flag[] globals
function M.model()
  local cmds = {}
  for _, name in ipairs(commands.names) do
    local set = commands.flags(name)
    cmds[#cmds + 1] = { name = name, summary = commands.summary(name), flags = set.flags,
      subcommands = set.arg_choices, files = set.max_args ~= 0 and not set.arg_choices }
  end
  return cmds, global.flags().flags
end

-- Whether the word after the flag is its value (not so for a flag with an implicit value,
-- which takes one only as --flag=value).
local function takes_value(f)
  return f.kind ~= "bool" and not f.implicit
end

local function spellings(f)
  local words = { "--" .. f.long }
  if f.short then words[2] = "-" .. f.short end
  return words
end

local function flag_words(flags)
  local words = {}
  for _, f in ipairs(flags) do
    for _, w in ipairs(spellings(f)) do words[#words + 1] = w end
  end
  return concat(words, " ")
end

local function sq(s)
  return "'" .. s:gsub("'", [['\'']]) .. "'"
end

-- One `case` branch: `patterns) body ;;`, or nothing when there are no patterns.
local function branch(out, patterns, body)
  if #patterns > 0 then out[#out + 1] = fmt("    %s) %s ;;", concat(patterns, "|"), body) end
end

-- Shell functions bash and zsh share (POSIX `case`, so both read them alike):
-- _hfl_commands, _hfl_flags CMD, _hfl_takes_value CMD FLAG, _hfl_choices CMD FLAG,
-- _hfl_subcommands CMD.
local function shared_functions(cmds, globals)
  local names = {}
  for i, c in ipairs(cmds) do names[i] = c.name end
  local out = { "_hfl_commands() {", "  echo " .. sq(concat(names, " ")), "}", "",
    "_hfl_flags() {", '  case "$1" in' }
  for _, c in ipairs(cmds) do
    if #c.flags > 0 then branch(out, { c.name }, "echo " .. sq(flag_words(c.flags))) end
  end
  out[#out + 1] = "  esac"
  out[#out + 1] = "  echo " .. sq(flag_words(globals))
  out[#out + 1] = "}"
  out[#out + 1] = ""
  local valued, choices = {}, {}
  for _, c in ipairs(cmds) do
    for _, f in ipairs(c.flags) do
      for _, w in ipairs(spellings(f)) do
        if takes_value(f) then valued[#valued + 1] = sq(c.name .. " " .. w) end
        if takes_value(f) and f.choices then branch(choices, { sq(c.name .. " " .. w) }, "echo " .. sq(concat(f.choices, " "))) end
      end
    end
  end
  for _, f in ipairs(globals) do
    for _, w in ipairs(spellings(f)) do
      if takes_value(f) then valued[#valued + 1] = "*" .. sq(" " .. w) end
      if takes_value(f) and f.choices then branch(choices, { "*" .. sq(" " .. w) }, "echo " .. sq(concat(f.choices, " "))) end
    end
  end
  out[#out + 1] = "_hfl_takes_value() {"
  out[#out + 1] = '  case "$1 $2" in'
  branch(out, valued, "return 0")
  out[#out + 1] = "  esac"
  out[#out + 1] = "  return 1"
  out[#out + 1] = "}"
  out[#out + 1] = ""
  out[#out + 1] = "_hfl_choices() {"
  out[#out + 1] = '  case "$1 $2" in'
  for _, l in ipairs(choices) do out[#out + 1] = l end
  out[#out + 1] = "  esac"
  out[#out + 1] = "}"
  out[#out + 1] = ""
  out[#out + 1] = "_hfl_subcommands() {"
  out[#out + 1] = '  case "$1" in'
  for _, c in ipairs(cmds) do
    if c.subcommands then branch(out, { c.name }, "echo " .. sq(concat(c.subcommands, " "))) end
  end
  branch(out, { "help" }, "_hfl_commands")
  out[#out + 1] = "  esac"
  out[#out + 1] = "}"
  return concat(out, "\n")
end

local BASH_MAIN = [==[
# Finds the command in the words before the cursor (flags and their values may come first),
# then offers a flag's values, flags, commands, subcommands or files.
_hfl() {
  local cur="${COMP_WORDS[COMP_CWORD]}" cmd="" want="" npos=0 i w words
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="${COMP_WORDS[i]}"
    case "$w" in
      -*=*) ;;
      -*) if _hfl_takes_value "$cmd" "$w"; then
            if [ $((i + 1)) -eq "$COMP_CWORD" ]; then want="$w"; fi
            i=$((i + 1))
          fi ;;
      *) if [ -z "$cmd" ]; then cmd="$w"; else npos=$((npos + 1)); fi ;;
    esac
  done
  COMPREPLY=()
  if [ -n "$want" ]; then
    words="$(_hfl_choices "$cmd" "$want")"
  elif [[ "$cur" == -* ]]; then
    words="$(_hfl_flags "$cmd")"
  elif [ -z "$cmd" ]; then
    words="$(_hfl_commands)"
  elif [ "$npos" -eq 0 ]; then
    words="$(_hfl_subcommands "$cmd")"
  fi
  if [ -n "$words" ]; then
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  else
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
  return 0
}

complete -F _hfl hfl
]==]

--- The bash script: `source <(hfl completion bash)`.
---@return string
function M.bash()
  local cmds, globals = M.model()
  return "# bash completion for hfl, generated by `hfl completion bash`.\n" ..
    "# Load it with: source <(hfl completion bash)\n\n" ..
    shared_functions(cmds, globals) .. "\n\n" .. BASH_MAIN
end

local ZSH_MAIN = [==[
_hfl() {
  local cur=${words[CURRENT]} cmd="" want="" npos=0 i w
  local -a offer
  for (( i = 2; i < CURRENT; i++ )); do
    w=${words[i]}
    case $w in
      -*=*) ;;
      -*) if _hfl_takes_value "$cmd" "$w"; then
            (( i + 1 == CURRENT )) && want=$w
            (( i += 1 ))
          fi ;;
      *) if [[ -z $cmd ]]; then cmd=$w; else (( npos += 1 )); fi ;;
    esac
  done
  if [[ -n $want ]]; then
    offer=( $(_hfl_choices "$cmd" "$want") )
  elif [[ $cur == -* ]]; then
    offer=( $(_hfl_flags "$cmd") )
  elif [[ -z $cmd || ( $cmd == help && $npos -eq 0 ) ]]; then
    _describe -t commands 'hfl command' _hfl_described
    return
  elif (( npos == 0 )); then
    offer=( $(_hfl_subcommands "$cmd") )
  fi
  if (( ${#offer} )); then compadd -a offer; else _files; fi
}

if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then
  _hfl "$@"
else
  compdef _hfl hfl
fi
]==]

--- The zsh script: `source <(hfl completion zsh)` after compinit, or as `_hfl` on $fpath.
---@return string
function M.zsh()
  local cmds, globals = M.model()
  local described = {}
  for i, c in ipairs(cmds) do described[i] = "  " .. sq(c.name .. ":" .. c.summary) end
  return "#compdef hfl\n# zsh completion for hfl, generated by `hfl completion zsh`.\n" ..
    "# Load it with: source <(hfl completion zsh)  (after compinit)\n\n" ..
    shared_functions(cmds, globals) .. "\n\n" ..
    "_hfl_described=(\n" .. concat(described, "\n") .. "\n)\n\n" .. ZSH_MAIN
end

-- fish's single quotes take \' and \\ as escapes.
local function fq(s)
  return "'" .. s:gsub("[\\']", "\\%0") .. "'"
end

local function fish_flag(f, cond)
  local parts = { "complete -c hfl" }
  if cond then parts[#parts + 1] = "-n " .. fq(cond) end
  parts[#parts + 1] = "-l " .. f.long
  if f.short then parts[#parts + 1] = "-s " .. f.short end
  if takes_value(f) and f.choices then
    parts[#parts + 1] = "-x -a " .. fq(concat(f.choices, " "))
  elseif takes_value(f) then
    parts[#parts + 1] = "-r -F"
  end
  parts[#parts + 1] = "-d " .. fq(f.desc)
  return concat(parts, " ")
end

local function fish_global_valued(globals)
  local words = {}
  for _, f in ipairs(globals) do
    if takes_value(f) then
      for _, w in ipairs(spellings(f)) do words[#words + 1] = fq(w) end
    end
  end
  return concat(words, " ")
end

--- The fish script: `hfl completion fish | source`, or saved as
--- ~/.config/fish/completions/hfl.fish.
---@return string
function M.fish()
  local cmds, globals = M.model()
  local out = {
    "# fish completion for hfl, generated by `hfl completion fish`.",
    "# Load it with: hfl completion fish | source",
    "",
    "# The command among the words typed so far (global flags and their values may come first).",
    "function __hfl_command",
    "    set -l words (commandline -opc)",
    "    set -e words[1]",
    "    set -l skip 0",
    "    for w in $words",
    "        if test $skip = 1",
    "            set skip 0",
    "            continue",
    "        end",
    "        switch $w",
    "            case '-*=*'",
    "            case " .. fish_global_valued(globals),
    "                set skip 1",
    "            case '-*'",
    "            case '*'",
    "                echo $w",
    "                return 0",
    "        end",
    "    end",
    "    return 1",
    "end",
    "",
    "function __hfl_command_is",
    "    set -l cmd (__hfl_command); or return 1",
    "    test \"$cmd\" = \"$argv[1]\"",
    "end",
    "",
    "complete -c hfl -f",
  }
  for _, c in ipairs(cmds) do
    out[#out + 1] = fmt("complete -c hfl -n 'not __hfl_command' -a %s -d %s", c.name, fq(c.summary))
  end
  for _, f in ipairs(globals) do out[#out + 1] = fish_flag(f) end
  for _, c in ipairs(cmds) do
    local cond = "__hfl_command_is " .. c.name
    for _, f in ipairs(c.flags) do out[#out + 1] = fish_flag(f, cond) end
    if c.subcommands then
      out[#out + 1] = fmt("complete -c hfl -n %s -a %s", fq(cond), fq(concat(c.subcommands, " ")))
    elseif c.name == "help" then
      for _, h in ipairs(cmds) do
        out[#out + 1] = fmt("complete -c hfl -n %s -a %s -d %s", fq(cond), h.name, fq(h.summary))
      end
    elseif c.files then
      out[#out + 1] = fmt("complete -c hfl -n %s -F", fq(cond))
    end
  end
  return concat(out, "\n") .. "\n"
end

--- The script for `shell` ("bash", "zsh" or "fish").
---@param shell string
---@return string
function M.script(shell)
  local render = ({ bash = M.bash, zsh = M.zsh, fish = M.fish })[shell]
  assert(render, "unknown shell " .. tostring(shell))
  return render()
end

return M
