--- hfl.unittest.messages: the failure lines helm-unittest prints under "- asserts[N] `type`
--- fail" — its layout ("Path:", "Expected[ NOT] …:", "Actual:", "Diff:"), tab-indented values
--- and a go-difflib unified diff — and the YAML it shows values in.
local value = require "hfl.value"
local yaml = require "hfl.yaml"

local M = {}

local fmt = string.format

-- The value with the leading newlines of every string dropped (helm-unittest does so before
-- encoding: go-yaml cannot write such a string as a block).
local function without_leading_newlines(v)
  local k = value.kind(v)
  if k == "string" then return (v:gsub("^\n+", "")) end
  if k == "map" then
    local m = value.map()
    for _, key in ipairs(value.keys(v)) do m[key] = without_leading_newlines(v[key]) end
    return m
  end
  if k == "list" then
    local l = value.list()
    for i = 1, #v do l[i] = without_leading_newlines(v[i]) end
    return l
  end
  return v
end

--- A value as the plugin shows it (go-yaml, leading newlines of strings dropped).
function M.to_yaml(v)
  if v == nil then v = value.null end
  return (yaml.encode(without_leading_newlines(v))) or tostring(v)
end

--- The layout of a failure: path, expected, actual and diff as asked.
function M.fail_format(negative, with_path, with_actual, with_diff, what)
  local f = "\nExpected" .. (negative and " NOT" or "") .. what .. ":\n%s\n"
  if with_path then f = "Path:%s" .. f end
  if with_actual then f = f .. "Actual:\n%s\n" end
  if with_diff then f = f .. "Diff:\n%s\n" end
  return f
end

local function trim_chars(s, chars)
  local cls = "[" .. chars .. "]"
  return (s:gsub("^" .. cls .. "+", ""):gsub(cls .. "+$", ""))
end

--- The lines of a failure: format filled with tab-indented replacements, with the document
--- and value indexes in front when known (>= 0).
function M.split_info(format, doc_index, values_index, ...)
  local reps = { ... }
  for i, r in ipairs(reps) do
    reps[i] = "\t" .. trim_chars(tostring(r):gsub("\n", "\n\t"), "\n\t ")
  end
  local text = fmt(trim_chars(format, "\t\n "), unpack(reps))
  local lines = {}
  if doc_index >= 0 then lines[#lines + 1] = fmt("DocumentIndex:\t%d", doc_index) end
  if values_index >= 0 then lines[#lines + 1] = fmt("ValuesIndex:\t%d", values_index) end
  for l in (text .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = l end
  return lines
end

local ERROR = "\nError:\n%s\n"

--- "Error:" and the message, as failure lines.
function M.error_info(doc_index, values_index, msg)
  return M.split_info(ERROR, doc_index, values_index, msg)
end

--- Appends the lines of src to dst.
function M.append(dst, src)
  for _, l in ipairs(src or {}) do dst[#dst + 1] = l end
end

--- helm-unittest's uniformContent for actual strings: trailing blanks of lines dropped, leading
--- newlines trimmed.
function M.uniform(s)
  return (s:gsub(" +\r?\n", "\n"):gsub("^\n+", ""))
end

--- A unified diff of two texts with one line of context, in go-difflib's shape.
---@param a string
---@param b string
---@return string
function M.diff(a, b)
  -- go-difflib's SplitLines: each line keeps its "\n", and what follows the last one (often
  -- "") is a line too — it counts in the hunk ranges
  local function lines_of(s)
    local out, pos = {}, 1
    while true do
      local nl = s:find("\n", pos, true)
      if not nl then break end
      out[#out + 1] = s:sub(pos, nl)
      pos = nl + 1
    end
    out[#out + 1] = s:sub(pos)
    return out
  end
  local x, y = lines_of(a), lines_of(b)
  local n, m = #x, #y
  local L = {}
  for i = n + 1, 1, -1 do
    L[i] = {}
    for j = m + 1, 1, -1 do
      if i > n or j > m then L[i][j] = 0
      elseif x[i] == y[j] then L[i][j] = L[i + 1][j + 1] + 1
      else L[i][j] = math.max(L[i + 1][j], L[i][j + 1]) end
    end
  end
  local ops, i, j = {}, 1, 1
  while i <= n or j <= m do
    if i <= n and j <= m and x[i] == y[j] then
      ops[#ops + 1] = { " ", x[i], i, j }; i, j = i + 1, j + 1
    elseif i <= n and (j > m or L[i + 1][j] >= L[i][j + 1]) then
      ops[#ops + 1] = { "-", x[i], i, j }; i = i + 1
    else
      ops[#ops + 1] = { "+", y[j], i, j }; j = j + 1
    end
  end
  local out = { "--- Expected\n", "+++ Actual\n" }
  local k = 1
  while k <= #ops do
    if ops[k][1] ~= " " then
      local s = math.max(1, k - 1)
      local e = k
      while e < #ops do
        local nxt = e + 1
        if ops[nxt][1] ~= " " then e = nxt
        elseif nxt + 1 <= #ops and ops[nxt + 1][1] ~= " " then e = nxt + 1
        elseif nxt + 2 <= #ops and ops[nxt + 2][1] ~= " " then e = nxt + 2
        else break end
      end
      e = math.min(#ops, e + 1)
      local a1, alen, b1, blen = ops[s][3], 0, ops[s][4], 0
      for q = s, e do
        if ops[q][1] ~= "+" then alen = alen + 1 end
        if ops[q][1] ~= "-" then blen = blen + 1 end
      end
      local function range(start, len)
        if len == 1 then return tostring(start) end
        if len == 0 then return fmt("%d,0", start - 1) end
        return fmt("%d,%d", start, len)
      end
      out[#out + 1] = fmt("@@ -%s +%s @@\n", range(a1, alen), range(b1, blen))
      for q = s, e do
        local l = ops[q][2]
        out[#out + 1] = ops[q][1] .. l
      end
      k = e + 1
    else
      k = k + 1
    end
  end
  return table.concat(out)
end

return M
