--- hfl.trim: whitespace trimming in time linear in the string. The pattern idioms
--- s:gsub("%s+$", "") and s:match("^%s*(.-)%s*$") retry a run of spaces from each of its
--- positions, so a run of n spaces that does not end the string costs n² steps (a padded HTTP
--- header, a long label value); every trim in hfl goes through here instead. Whitespace is
--- Lua's %s: space, \t, \n, \v, \f, \r.
--
--   trim.both("  a b \n")  --> "a b"
local M = {}

local byte, sub, find = string.byte, string.sub, string.find

local function last_non_space(s)
  local e = #s
  while e > 0 do
    local b = byte(s, e)
    if b ~= 32 and (b < 9 or b > 13) then break end
    e = e - 1
  end
  return e
end

--- s without trailing whitespace.
---@param s string
---@return string
function M.right(s)
  return sub(s, 1, last_non_space(s))
end

--- s without trailing blanks and tabs only (what Go's tabwriter padding leaves).
---@param s string
---@return string
function M.right_blanks(s)
  local e = #s
  while e > 0 do
    local b = byte(s, e)
    if b ~= 32 and b ~= 9 then break end
    e = e - 1
  end
  return sub(s, 1, e)
end

--- s without leading whitespace.
---@param s string
---@return string
function M.left(s)
  local i = find(s, "%S")
  return i and sub(s, i) or ""
end

--- s without leading and trailing whitespace.
---@param s string
---@return string
function M.both(s)
  local i = find(s, "%S")
  if not i then return "" end
  return sub(s, i, last_non_space(s))
end

return M
