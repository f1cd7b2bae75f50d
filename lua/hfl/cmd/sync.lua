--- `hfl sync`: upgrade --install every selected release, without diffing first.
local deploy = require "hfl.cli.deploy"
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
  set:bool("suppress-diff", "don't print the diff (sync prints none; for Helmfile's CLI)")
  deploy.plan_flags(set)
end

---@param inv hfl.cli.Invocation
function M.run(inv)
  return deploy.run(inv, "sync")
end

return M
