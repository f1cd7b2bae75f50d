--- `hfl apply`: diff, then upgrade only the releases that changed.
local deploy = require "hfl.cli.deploy"
local groups = require "hfl.cli.groups"

local M = {}

M.summary = "Apply all releases from the state file, only where they changed"

--- Declares diff's flags, the sync flags, --skip-cleanup and --suppress-diff.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  require("hfl.cmd.diff").add_flags(set)
  groups.sync(set)
  set:bool("skip-cleanup", "keep the temporary values files")
  set:bool("suppress-diff", "don't print the diff before applying")
  set:bool("prune", "uninstall releases hfl installed from this state that it no longer lists")
  deploy.plan_flags(set)
end

---@param inv hfl.cli.Invocation
function M.run(inv)
  return deploy.run(inv, "apply")
end

return M
