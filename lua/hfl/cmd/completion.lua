--- `hfl completion bash|zsh|fish`: prints the shell's completion script (hfl.cli.completion).
local M = {}

M.summary = "Print the shell completion script for bash, zsh or fish"
M.description = "Print the completion script for SHELL (bash, zsh or fish), generated from hfl's\n" ..
  "commands and flags. Load it with:\n" ..
  "  bash: source <(hfl completion bash)\n" ..
  "  zsh:  source <(hfl completion zsh)   (after compinit)\n" ..
  "  fish: hfl completion fish | source"

--- Declares the SHELL argument.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:positional("bash|zsh|fish", 1, require("hfl.cli.completion").SHELLS)
end

--- Prints the script to stdout.
---@param inv hfl.cli.Invocation
---@return integer
function M.run(inv)
  io.stdout:write(require("hfl.cli.completion").script(inv.args[1]))
  return 0
end

return M
