--- hfl.time: the wall clock and the system's time zones, for the template date functions
--- (hfl.stdlib.dates). A thin wrapper of the C module hfl.core.time (libc's zoneinfo).
local core = require("hfl.core").time

local M = {}

--- The wall clock: seconds and nanoseconds since the epoch.
---@return number sec, number nsec
function M.now() return core.now() end

--- The UTC offset (seconds) and abbreviation ("CET") of a zone at a unix time; "Local" is the
--- process's zone, other names are IANA zones. nil when libc cannot tell.
---@param location string
---@param sec number
---@return number|nil offset, string|nil abbr
function M.zone(location, sec) return core.zone(location, sec) end

return M
