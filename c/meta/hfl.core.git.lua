---@meta
-- Editor stub for the C module hfl.core.git (c/l_git.c). Domain code uses hfl.charts.git.

---@class hfl.core.git
local git = {}

---@class hfl.core.git.Job
local Job = {}
---@return boolean
function Job:done() end
--- Waits for the checkout thread; the job is spent afterwards.
---@return string|nil commit, string? err
function Job:result() end

--- Fetches ref (branch, tag or commit) of url into gitdir and checks it out into workdir.
---@return string|nil commit, string? err
function git.checkout(url, ref, gitdir, workdir) end
--- The same checkout on its own thread, so other transfers go on.
---@return hfl.core.git.Job|nil job, string? err
function git.start(url, ref, gitdir, workdir) end

return git
