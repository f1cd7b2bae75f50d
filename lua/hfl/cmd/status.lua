--- `hfl status`: helm status of every selected release.
local deploy = require "hfl.cli.deploy"
local groups = require "hfl.cli.groups"

local M = {}

M.summary = "Show the status of the releases in the state file"

--- Declares the flags of `hfl status`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  groups.args(set)
end

---@param inv hfl.cli.Invocation
function M.run(inv)
  return deploy.run_each(inv, "status")
end

return M
