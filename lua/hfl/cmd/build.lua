--- `hfl build`: the state as hfl read it, as YAML.
local commands = require "hfl.cli.commands"

local M = {}

M.summary = "Print the state as hfl reads it, after templating"

--- Declares the flags of `hfl build`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:bool("embed-values", "inline the content of values files")
end

M.run = commands.not_implemented("build")

return M
