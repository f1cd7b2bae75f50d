--- `hfl init`: check helm and the helm plugins Helmfile uses.
local commands = require "hfl.cli.commands"

local M = {}

M.summary = "Check that helm is installed and recent enough"

--- Declares the flags of `hfl init`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:bool("force", "install missing pieces without asking")
end

M.run = commands.not_implemented("init")

return M
