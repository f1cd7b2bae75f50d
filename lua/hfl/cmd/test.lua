--- `hfl test`: helm test every selected release.
local deploy = require "hfl.cli.deploy"
local groups = require "hfl.cli.groups"

local M = {}

M.summary = "Run the tests of the releases in the state file"

--- Declares the flags of `hfl test`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:bool("cleanup", "delete test pods afterwards (only warns: helm 3 removed it)")
  set:bool("logs", "print the test pods' logs")
  set:int("timeout", "seconds to wait for each test", { arg = "SECONDS", default = 300 })
  groups.args(set)
end

---@param inv hfl.cli.Invocation
function M.run(inv)
  return deploy.run_each(inv, "test")
end

return M
