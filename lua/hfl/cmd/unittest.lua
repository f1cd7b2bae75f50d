--- `hfl unittest`: helm unittest for releases that declare unitTests.
local commands = require "hfl.cli.commands"
local groups = require "hfl.cli.groups"

local M = {}

M.summary = "Run helm unittest on the releases that declare unitTests"

--- Declares V, the needs flags, --fail-fast and --debug-plugin (--color is the global flag).
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  groups.values(set)
  groups.needs(set, false)
  set:bool("fail-fast", "stop at the first failing test")
  set:bool("debug-plugin", "run the unittest plugin with --debug")
  groups.args(set)
end

M.run = commands.not_implemented("unittest")

return M
