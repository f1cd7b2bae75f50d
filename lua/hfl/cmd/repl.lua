--- `hfl repl`: the rendered state as live Lua tables.
local commands = require "hfl.cli.commands"

local M = {}

M.summary = "Explore the rendered state in a Lua REPL"

--- `hfl repl` has no flags of its own.
function M.add_to_parser() end

M.run = commands.not_implemented("repl")

return M
