--- hfl.git: clone/fetch of one ref into a work tree (libgit2), for remote state files and
--- git chart sources (hfl.charts.git). A thin wrapper of the C module hfl.core.git; see
--- c/meta/hfl.core.git.lua.
local core = require("hfl.core").git

local M = {}

--- Starts a checkout on the event loop: a Job (job:done(), job:result()), or nil, err.
---@return table|nil job, string|nil err
function M.start(url, ref, gitdir, workdir) return core.start(url, ref, gitdir, workdir) end

--- A checkout run to its end: the commit id, or nil, err.
---@return string|nil commit, string|nil err
function M.checkout(url, ref, gitdir, workdir) return core.checkout(url, ref, gitdir, workdir) end

return M
