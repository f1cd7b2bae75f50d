--- `hfl diff`: what apply would change, release by release.
local groups = require "hfl.cli.groups"
local deploy = require "hfl.cli.deploy"

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
  set:bool("three-way", "also compare with the live objects: drift made behind helm's back "
    .. "counts (HELM_DIFF_THREE_WAY_MERGE=true does the same)")
  set:bool("full-diff", "compare every release fully, even where hfl's digest says unchanged")
end

--- Declares diff's flags.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  M.add_flags(set)
end

---@param inv hfl.cli.Invocation
function M.run(inv)
  return deploy.run_diff(inv)
end

return M
