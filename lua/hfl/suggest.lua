--- "Did you mean …?" for mistyped commands, flags, fields and keys; used by the CLI and by
--- state validation alike.
local M = {}

local byte, min = string.byte, math.min

--- Optimal string alignment distance between two strings (bytes): Levenshtein where swapping
--- two neighbours counts as one edit, so `lsit` is one edit from `list`, `chrat` from `chart`.
---@param a string
---@param b string
---@return integer
function M.distance(a, b)
  local d = {}
  for i = 0, #a do d[i] = { [0] = i } end
  for j = 0, #b do d[0][j] = j end
  for i = 1, #a do
    local ca, row, up = byte(a, i), d[i], d[i - 1]
    for j = 1, #b do
      local cb = byte(b, j)
      local v = min(up[j] + 1, row[j - 1] + 1, up[j - 1] + (ca == cb and 0 or 1))
      if i > 1 and j > 1 and ca == byte(b, j - 1) and byte(a, i - 1) == cb then
        v = min(v, d[i - 2][j - 2] + 1)
      end
      row[j] = v
    end
  end
  return d[#a][#b]
end

local function _close_enough(word, candidate, d)
  if d <= math.max(1, math.floor(#word / 3)) and d < #candidate then return true end
  return #word >= 3 and candidate:sub(1, #word) == word
end

--- The candidate closest to `word`, or nil when none is plausibly what was meant.
---@param word string
---@param candidates string[]
---@return string|nil
function M.closest(word, candidates)
  local best, best_d
  local lower = word:lower()
  for _, c in ipairs(candidates) do
    local d = M.distance(lower, c:lower())
    if _close_enough(lower, c:lower(), d) and (not best_d or d < best_d) then
      best, best_d = c, d
    end
  end
  return best
end

--- " (did you mean "x"?)" or "" — ready to append to an error message.
---@param word string
---@param candidates string[]
---@return string
function M.hint(word, candidates)
  local c = M.closest(word, candidates)
  if not c then return "" end
  return (' (did you mean "%s"?)'):format(c)
end

return M
