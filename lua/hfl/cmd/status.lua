--- `hfl status`: helm status of every selected release.
local commands = require "hfl.cli.commands"
local groups = require "hfl.cli.groups"

local M = {}

M.summary = "Show the status of the releases in the state file"

--- Declares the flags of `hfl status`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  groups.args(set)
end

M.run = commands.not_implemented("status")

return M
