--- `hfl list`: the releases of the state file, as a table or JSON.
local commands = require "hfl.cli.commands"

local M = {}

M.summary = "List the releases in the state file"

--- Declares the flags of `hfl list`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:string("output", "output format: table or json", { arg = "FORMAT" })
  set:bool("skip-charts", "don't prepare charts")
  set:bool("keep-temp-dir", "keep the temporary directory")
end

M.run = commands.not_implemented("list")

return M
