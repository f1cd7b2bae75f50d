--- `hfl doctor`: review the pending changes for risks.
local commands = require "hfl.cli.commands"

local M = {}

M.summary = "Review the pending changes for risks"

--- Declares the flags of `hfl doctor`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:bool("force", "review even when nothing changed")
  set:string("output", "report format", { arg = "FORMAT" })
  set:string("diff-output", "diff output format", { arg = "FORMAT" })
  set:int("context", "lines of context around each change", { default = 3 })
end

M.run = commands.not_implemented("doctor")

return M
