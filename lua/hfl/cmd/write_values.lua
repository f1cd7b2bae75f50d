--- `hfl write-values`: write each release's merged values to a file.
local commands = require "hfl.cli.commands"
local groups = require "hfl.cli.groups"

local M = {}

M.summary = "Write the merged values of each release to files"

--- Declares the flags of `hfl write-values`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  groups.values(set)
  set:string("output-file-template", "Go template for each values file's path",
    { arg = "TEMPLATE" })
end

M.run = commands.not_implemented("write-values")

return M
