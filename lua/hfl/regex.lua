--- hfl.regex: regular expressions with RE2's syntax (PCRE2 underneath), for the template
--- functions in hfl.stdlib.regex. A thin wrapper of the C module hfl.core.regex; see
--- c/meta/hfl.core.regex.lua for `compile` and the Regex methods.
local core = require("hfl.core").regex

local M = {}

--- Compiles pattern: a Regex, or nil, message, offset, code.
---@param pattern string
---@return userdata|nil re, string|nil msg, integer|nil offset, integer|nil code
function M.compile(pattern) return core.compile(pattern) end

return M
