--- `hfl fetch`: download every selected release's chart.
local commands = require "hfl.cli.commands"

local M = {}

M.summary = "Download the charts of the releases in the state file"

--- Declares the flags of `hfl fetch`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:string("output-dir", "put the charts under DIR", { arg = "DIR" })
  set:string("output-dir-template", "Go template for each chart's directory", { arg = "TEMPLATE" })
  set:bool("write-output", "print the state with charts replaced by their local paths")
end

M.run = commands.not_implemented("fetch")

return M
