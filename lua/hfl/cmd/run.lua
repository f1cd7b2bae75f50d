--- `hfl run`: run a Lua workflow script.
local commands = require "hfl.cli.commands"

local M = {}

M.summary = "Run a Lua workflow script"

--- Declares the flags of `hfl run`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:positional("SCRIPT [ARG...]", nil)
end

M.run = commands.not_implemented("run")

return M
