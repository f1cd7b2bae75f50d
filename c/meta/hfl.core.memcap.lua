---@meta
-- Editor stub for the C module hfl.core.memcap (c/l_memcap.c): a cap on the Lua heap counted
-- in the allocator. Used by hfl.state.luasandbox.

---@class hfl.core.memcap
local memcap = {}

--- From now on the Lua heap may grow by at most `bytes`; an allocation past that fails with
--- "not enough memory" (and leaves 64 MB of room for the error handling).
---@param bytes number
function memcap.limit(bytes) end

--- Removes the cap.
function memcap.unlimit() end

--- Whether an allocation was refused since the last limit().
---@return boolean
function memcap.refused() end

return memcap
