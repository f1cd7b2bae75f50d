--- `hfl create`: a new helmfile project in a directory.
local commands = require "hfl.cli.commands"

local M = {}

M.summary = "Create a new helmfile project"

--- Declares the flags of `hfl create`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:positional("[NAME]", 1)
  set:string("output-dir", "create the project in DIR", { short = "o", arg = "DIR" })
  set:bool("force", "overwrite existing files")
end

M.run = commands.not_implemented("create")

return M
