--- hfl.memcap: a cap on the Lua heap counted in the allocator (thin wrapper of
--- hfl.core.memcap, c/l_memcap.c), for the helmfile.lua sandbox: the allocator refuses the
--- allocation that would cross the cap, which LuaJIT raises as "not enough memory" there.
--
--   memcap.limit(64 * 2^20) … if memcap.refused() then … end … memcap.unlimit()
local core = require("hfl.core").memcap

local M = {}

--- From now on the heap may grow by at most `bytes` (64 MB more are left for error handling
--- once an allocation was refused).
---@param bytes number
function M.limit(bytes) core.limit(bytes) end

--- Removes the cap (and the allocator wrapper).
function M.unlimit() core.unlimit() end

--- Whether an allocation was refused since the last limit().
---@return boolean
function M.refused() return core.refused() end

return M
