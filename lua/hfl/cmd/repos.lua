--- `hfl repos`: add the chart repositories of the state file.
local commands = require "hfl.cli.commands"
local groups = require "hfl.cli.groups"

local M = {}

M.summary = "Add the chart repositories of the state file"

--- Declares the flags of `hfl repos`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  groups.args(set)
end

M.run = commands.not_implemented("repos")

return M
