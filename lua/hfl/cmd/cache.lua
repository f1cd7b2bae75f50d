--- `hfl cache`: show or clean hfl's download cache.
local commands = require "hfl.cli.commands"

local M = {}

M.summary = "Show or clean the cache of downloaded charts"

--- Declares the flags of `hfl cache`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:positional("info|cleanup", 1, { "info", "cleanup" })
end

M.run = commands.not_implemented("cache")

return M
