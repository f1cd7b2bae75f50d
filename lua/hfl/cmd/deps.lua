--- `hfl deps`: build the dependencies of selected local charts and resolve every release's
--- `repo/chart` version into the lock file (see hfl.charts.lockdeps).
local clistate = require "hfl.cli.state"
local groups = require "hfl.cli.groups"

local M = {}

M.summary = "Update chart dependencies and the lock file"

--- Declares the flags of `hfl deps`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:bool("skip-repos", "don't update repositories first")
  groups.args(set)
end

--- Runs `hfl deps`.
---@param inv hfl.cli.Invocation
---@return integer|nil code, string|nil err
function M.run(inv)
  local st, err, code = clistate.load(inv)
  if not st then return code, err end
  local written
  written, err = st:lock()
  if not written then return nil, err end
  return 0
end

return M
