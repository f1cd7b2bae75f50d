--- `hfl repos`: add the chart repositories of the state file to helm (see hfl.charts.repos).
local clistate = require "hfl.cli.state"
local groups = require "hfl.cli.groups"

local M = {}

M.summary = "Add the chart repositories of the state file"

--- Declares the flags of `hfl repos`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  groups.args(set)
end

--- Runs `hfl repos`.
---@param inv hfl.cli.Invocation
---@return integer|nil code, string|nil err
function M.run(inv)
  local st, err, code = clistate.load(inv)
  if not st then return code, err end
  local added
  added, err = st:repos()
  if not added then return nil, err end
  return 0
end

return M
