--- `hfl print-env`: the rendered environment of each state file.
local commands = require "hfl.cli.commands"

local M = {}

M.summary = "Print the rendered environment values"

--- Declares the flags of `hfl print-env`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:string("output", "output format: yaml or json",
    { arg = "FORMAT", default = "yaml", choices = { "yaml", "json" } })
end

M.run = commands.not_implemented("print-env")

return M
