--- `hfl destroy`: uninstall every selected release, in reverse dependency order.
local deploy = require "hfl.cli.deploy"
local groups = require "hfl.cli.groups"

local M = {}

M.summary = "Uninstall the releases in the state file"

--- Declares the flags of `hfl destroy`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:bool("skip-charts", "don't prepare charts first")
  set:string("cascade", "deletion cascading: background, orphan or foreground",
    { arg = "MODE", choices = { "background", "orphan", "foreground" } })
  set:bool("deleteWait", "wait until resources are deleted")
  set:int("deleteTimeout", "seconds to wait for deletion",
    { arg = "SECONDS", default = 300 })
  set:bool("purge", "accepted for Helmfile compatibility (helm 3 always purges)")
  groups.args(set)
  deploy.plan_flags(set)
end

---@param inv hfl.cli.Invocation
function M.run(inv)
  return deploy.run(inv, "destroy")
end

return M
