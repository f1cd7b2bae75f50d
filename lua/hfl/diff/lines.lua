--- A line diff of two texts: a longest common subsequence of their lines, removed lines
--- before added ones, as helm-diff prints them. Equal head and tail are trimmed first; the
--- middle is found by Myers' greedy search (fast when few lines changed), and when that needs
--- more than MAX_EDITS edits, by a score table while it is small and split in half
--- (Hirschberg) when it is not, so a large object never needs n*m memory.
local ffi = require "ffi"

local M = {}

-- Score-table cells allowed at once (int32 each: 16 MB); above that the middle is split.
M.TABLE_CELLS = 4 * 1024 * 1024

--- The lines of a text split at "\n" (a final newline ends the last line, it does not start
--- an empty one).
---@param text string
---@return string[]
function M.split(text)
  local out = {}
  if text == "" then return out end
  local pos = 1
  while true do
    local nl = text:find("\n", pos, true)
    if not nl then
      if pos <= #text then out[#out + 1] = text:sub(pos) end
      return out
    end
    out[#out + 1] = text:sub(pos, nl - 1)
    pos = nl + 1
  end
end

-- Lines become small integers so comparisons are cheap.
local function intern(a, b)
  local ids, next_id = {}, 0
  local function map(lines)
    local out = {}
    for i = 1, #lines do
      local id = ids[lines[i]]
      if not id then
        next_id = next_id + 1
        id = next_id
        ids[lines[i]] = id
      end
      out[i] = id
    end
    return out
  end
  return map(a), map(b)
end

-- Appends records for a[alo..ahi] against b[blo..bhi] with a full score table:
-- score(i, j) = LCS of a[i..ahi] and b[j..bhi].
local function solve_table(a, alo, ahi, b, blo, bhi, emit)
  local n, m = ahi - alo + 1, bhi - blo + 1
  local w = m + 1
  local score = ffi.new("int32_t[?]", (n + 1) * w)
  for i = n - 1, 0, -1 do
    local ai = a[alo + i]
    local row, below = i * w, (i + 1) * w
    for j = m - 1, 0, -1 do
      if ai == b[blo + j] then
        score[row + j] = score[below + j + 1] + 1
      else
        local down, right = score[below + j], score[row + j + 1]
        score[row + j] = down >= right and down or right
      end
    end
  end
  local i, j = 0, 0
  while i < n and j < m do
    if a[alo + i] == b[blo + j] then
      emit(" ", alo + i, blo + j)
      i, j = i + 1, j + 1
    elseif score[(i + 1) * w + j] >= score[i * w + j + 1] then
      emit("-", alo + i, nil)
      i = i + 1
    else
      emit("+", nil, blo + j)
      j = j + 1
    end
  end
  for k = i, n - 1 do emit("-", alo + k, nil) end
  for k = j, m - 1 do emit("+", nil, blo + k) end
end

-- LCS lengths of a[alo..ahi] against every prefix b[blo..blo+j-1], j = 0..m.
local function forward_scores(a, alo, ahi, b, blo, bhi)
  local m = bhi - blo + 1
  local prev, cur = ffi.new("int32_t[?]", m + 1), ffi.new("int32_t[?]", m + 1)
  for i = alo, ahi do
    local ai = a[i]
    cur[0] = 0
    for j = 1, m do
      if ai == b[blo + j - 1] then
        cur[j] = prev[j - 1] + 1
      else
        local up, left = prev[j], cur[j - 1]
        cur[j] = up >= left and up or left
      end
    end
    prev, cur = cur, prev
  end
  return prev
end

-- LCS lengths of a[alo..ahi] against every suffix b[blo+j..bhi], j = 0..m.
local function backward_scores(a, alo, ahi, b, blo, bhi)
  local m = bhi - blo + 1
  local prev, cur = ffi.new("int32_t[?]", m + 1), ffi.new("int32_t[?]", m + 1)
  for i = ahi, alo, -1 do
    local ai = a[i]
    cur[m] = 0
    for j = m - 1, 0, -1 do
      if ai == b[blo + j] then
        cur[j] = prev[j + 1] + 1
      else
        local down, right = prev[j], cur[j + 1]
        cur[j] = down >= right and down or right
      end
    end
    prev, cur = cur, prev
  end
  return prev
end

local function solve(a, alo, ahi, b, blo, bhi, emit)
  local n, m = ahi - alo + 1, bhi - blo + 1
  if n <= 0 then
    for j = blo, bhi do emit("+", nil, j) end
    return
  elseif m <= 0 then
    for i = alo, ahi do emit("-", i, nil) end
    return
  end
  if (n + 1) * (m + 1) <= M.TABLE_CELLS or n == 1 then
    return solve_table(a, alo, ahi, b, blo, bhi, emit)
  end
  local mid = alo + math.floor(n / 2)
  local f = forward_scores(a, alo, mid - 1, b, blo, bhi)
  local r = backward_scores(a, mid, ahi, b, blo, bhi)
  local split, best = 0, -1
  for j = 0, m do
    local s = f[j] + r[j]
    if s > best then split, best = j, s end
  end
  solve(a, alo, mid - 1, b, blo, blo + split - 1, emit)
  solve(a, mid, ahi, b, blo + split, bhi, emit)
end

-- Edits Myers' greedy search tries before it hands over to the score table: its snapshots
-- grow with the square of the edits, its time with lines times edits.
M.MAX_EDITS = 1000

-- Myers' O((N+M)D) shortest edit script for a[alo..ahi] against b[blo..bhi]; false when it
-- needs more than M.MAX_EDITS edits.
local function myers(a, alo, ahi, b, blo, bhi, emit)
  local n, m = ahi - alo + 1, bhi - blo + 1
  local v, trace = { [1] = 0 }, {}
  local last = math.min(n + m, M.MAX_EDITS)
  for d = 0, last do
    for k = -d, d, 2 do
      local x
      if k == -d or (k ~= d and v[k - 1] < v[k + 1]) then x = v[k + 1] else x = v[k - 1] + 1 end
      local y = x - k
      while x < n and y < m and a[alo + x] == b[blo + y] do x, y = x + 1, y + 1 end
      v[k] = x
      if x >= n and y >= m then
        local edits = {}
        for dd = d, 1, -1 do
          local prev = trace[dd - 1]
          local kk = x - y
          local pk
          if kk == -dd or (kk ~= dd and prev[kk - 1] < prev[kk + 1]) then pk = kk + 1 else pk = kk - 1 end
          local px = prev[pk]
          local py = px - pk
          while x > px and y > py do
            x, y = x - 1, y - 1
            edits[#edits + 1] = { " ", x }
          end
          if x == px then
            y = y - 1
            edits[#edits + 1] = { "+", y }
          else
            x = x - 1
            edits[#edits + 1] = { "-", x }
          end
        end
        while x > 0 do
          x = x - 1
          edits[#edits + 1] = { " ", x }
        end
        for i = #edits, 1, -1 do
          local e = edits[i]
          if e[1] == "+" then emit("+", nil, blo + e[2])
          elseif e[1] == "-" then emit("-", alo + e[2], nil)
          else emit(" ", alo + e[2], nil) end
        end
        return true
      end
    end
    local snap = {}
    for k = -d, d, 2 do snap[k] = v[k] end
    trace[d] = snap
  end
  return false
end

--- The diff of two lists of lines: records `{op = " "|"-"|"+", text = line}` in order.
---@param old string[]
---@param new string[]
---@return {op: string, text: string}[]
function M.diff(old, new)
  local out = {}
  local function emit(op, i, j)
    out[#out + 1] = { op = op, text = op == "+" and new[j] or old[i] }
  end
  local n, m = #old, #new
  local head = 0
  while head < n and head < m and old[head + 1] == new[head + 1] do head = head + 1 end
  local tail = 0
  while tail < n - head and tail < m - head and old[n - tail] == new[m - tail] do tail = tail + 1 end
  for i = 1, head do emit(" ", i) end
  local a, b = intern(old, new)
  if not myers(a, head + 1, n - tail, b, head + 1, m - tail, emit) then
    solve(a, head + 1, n - tail, b, head + 1, m - tail, emit)
  end
  for i = n - tail + 1, n do emit(" ", i) end
  return out
end

--- How many records of a diff add or remove a line.
---@param records {op: string}[]
---@return integer
function M.changes(records)
  local count = 0
  for _, r in ipairs(records) do
    if r.op ~= " " then count = count + 1 end
  end
  return count
end

return M
