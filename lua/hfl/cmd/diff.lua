--- `hfl diff`: what apply would change, release by release.
local commands = require "hfl.cli.commands"
local groups = require "hfl.cli.groups"

local M = {}

M.summary = "Diff the releases in the state file against the cluster"

--- The flags diff shares with apply: V, N, R, D and the upgrade flags.
---@param set hfl.cli.FlagSet
function M.add_flags(set)
  groups.values(set)
  groups.needs(set, true)
  groups.render(set)
  groups.diff(set)
  groups.upgrade(set)
  groups.args(set)
end

--- Declares diff's flags.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  M.add_flags(set)
end

M.run = commands.not_implemented("diff")

return M
