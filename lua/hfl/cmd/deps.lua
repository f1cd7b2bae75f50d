--- `hfl deps`: update the charts' dependencies and the lock file.
local commands = require "hfl.cli.commands"
local groups = require "hfl.cli.groups"

local M = {}

M.summary = "Update chart dependencies and the lock file"

--- Declares the flags of `hfl deps`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:bool("skip-repos", "don't update repositories first")
  groups.args(set)
end

M.run = commands.not_implemented("deps")

return M
