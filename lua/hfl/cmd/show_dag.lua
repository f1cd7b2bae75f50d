--- `hfl show-dag`: the releases in dependency order, in groups.
local commands = require "hfl.cli.commands"

local M = {}

M.summary = "Print the releases' dependency graph"

--- `hfl show-dag` has no flags of its own.
function M.add_to_parser() end

M.run = commands.not_implemented("show-dag")

return M
