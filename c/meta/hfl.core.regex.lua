---@meta
-- Editor stub for the C module hfl.core.regex (c/l_regex.c, c/regex.c: PCRE2 with RE2's
-- syntax). Domain code uses hfl.stdlib.regex.

---@class hfl.core.regex
local regex = {}

--- Compiles a pattern; on failure nil, PCRE2's message, the byte offset and PCRE2's error
--- code (0 for syntax RE2 lacks: backreferences, lookaround, atomic groups, \Z…).
---@param pattern string
---@return hfl.core.regex.Regex|nil re, string? message, integer? offset, integer? code
function regex.compile(pattern) end

---@class hfl.core.regex.Regex
local Regex = {}

--- Searches subject from byte offset start (0-based); the match's offsets
--- {s0, e0, s1, e1, …} (0-based, end exclusive, -1 for unset groups), or nil.
---@param subject string
---@param start? integer
---@return integer[]|nil
function Regex:exec(subject, start) end

---@return integer groups  capture groups, not counting the whole match
function Regex:groups() end

---@return (string|false)[] names  the name of each group, false when unnamed
function Regex:names() end
