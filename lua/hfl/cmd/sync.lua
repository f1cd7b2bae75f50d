--- `hfl sync`: upgrade --install every selected release, without diffing first.
local commands = require "hfl.cli.commands"
local groups = require "hfl.cli.groups"

local M = {}

M.summary = "Sync every release in the state file to the cluster"

--- Declares V, N, R, S, the upgrade flags and the D flags (used by --interactive's preview).
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  groups.values(set)
  groups.needs(set, true)
  groups.render(set)
  groups.sync(set)
  groups.upgrade(set)
  groups.diff(set)
  groups.args(set)
end

M.run = commands.not_implemented("sync")

return M
