--- "Did you mean …?" for mistyped commands, flags and values.
local M = {}

--- Levenshtein distance between two strings (bytes).
---@param a string
---@param b string
---@return integer
function M.distance(a, b)
  local prev = {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = { [0] = i }
    local ca = a:byte(i)
    for j = 1, #b do
      local cost = (ca == b:byte(j)) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev = cur
  end
  return prev[#b]
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
