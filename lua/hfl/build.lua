--- hfl.build: facts about this build of hfl, from hfl.core (where the Makefile embeds them).
local core = require "hfl.core"

local M = {}

--- The git commit hfl was built from (abbreviated, "-dirty" with uncommitted changes), or
--- "unknown" for a build outside a git checkout.
---@return string
function M.git_commit()
  return core.git_commit or "unknown"
end

return M
