--- `hfl test`: helm test every selected release.
local commands = require "hfl.cli.commands"
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

M.run = commands.not_implemented("test")

return M
