--- `hfl lint`: helm lint every selected release's chart with its values.
local commands = require "hfl.cli.commands"
local groups = require "hfl.cli.groups"

local M = {}

M.summary = "Lint the charts of the releases in the state file"

--- Declares V and the needs flags.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  groups.values(set)
  groups.needs(set, false)
  groups.args(set)
end

M.run = commands.not_implemented("lint")

return M
