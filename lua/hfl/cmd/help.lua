--- `hfl help [COMMAND]`: the top-level help, or one command's flags.
--- The CLI prints help itself (hfl.cli.help); this module only declares the command.
local M = {}

M.summary = "Show help for hfl or one command"

--- Declares the optional COMMAND argument.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:positional("[COMMAND]", 1)
end

--- Prints the help (the CLI normally handles `help` before dispatching here).
---@param inv hfl.cli.Invocation
---@return integer|nil, string|nil
function M.run(inv)
  return require("hfl.cli").help(inv.args[1])
end

return M
