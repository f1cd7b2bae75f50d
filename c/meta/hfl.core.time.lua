---@meta
-- Editor stub for the C module hfl.core.time (c/l_time.c). Domain code uses hfl.time.

---@class hfl.core.time
local time = {}

--- The wall clock (CLOCK_REALTIME).
---@return number sec, number nsec
function time.now() end

--- UTC offset in seconds and abbreviation of a zone ("Local" or an IANA name) at a unix time;
--- nothing when libc cannot convert it.
---@param location string
---@param sec number
---@return number? offset, string? abbr
function time.zone(location, sec) end

return time
