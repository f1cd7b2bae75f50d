--- `--set n=3` gives Helm an int64, and hfl an int64 box (value.int64): it prints, compares,
--- encodes and computes as an int, Go's type names call it int64 (typeOf, kindIs, %T) and an
--- int parameter refuses it, as in Go. What the box does not follow is reflect.DeepEqual,
--- which tells int64 from int where hfl's equality does not: deepEqual, and Sprig's has,
--- without and uniq. A chart whose templates use them with anything but a string literal to
--- compare is left to helm when --set typed a value as an integer: this module finds such
--- templates, erring on the side of helm.
local M = {}

-- Sprig functions comparing with reflect.DeepEqual: false (always sensitive), 1 (has NEEDLE
-- LIST: safe with a string literal needle), 2 (without LIST ITEM…: safe with string literals).
local DEEP_EQUAL = { deepEqual = false, uniq = false, mustUniq = false, has = 1, mustHas = 1,
  without = 2, mustWithout = 2 }

-- An action's tokens: strings {s=}, "(", ")", "|", and words (identifiers, fields,
-- variables, numbers, operators).
local function tokens(text)
  local out, i, n = {}, 1, #text
  while i <= n do
    local c = text:sub(i, i)
    if c:match("%s") then
      i = i + 1
    elseif c == '"' then
      local j = i + 1
      while j <= n and text:sub(j, j) ~= '"' do
        if text:sub(j, j) == "\\" then j = j + 1 end
        j = j + 1
      end
      out[#out + 1] = { s = text:sub(i + 1, j - 1) }
      i = j + 1
    elseif c == "`" then
      local j = text:find("`", i + 1, true) or n
      out[#out + 1] = { s = text:sub(i + 1, j - 1) }
      i = j + 1
    elseif c == "(" or c == ")" or c == "|" then
      out[#out + 1] = c
      i = i + 1
    else
      local j = i
      while j <= n and not text:sub(j, j):match('[%s()|"`]') do j = j + 1 end
      out[#out + 1] = text:sub(i, j - 1)
      i = j
    end
  end
  return out
end

-- Whether one action's text (between {{ and }}) might compare with reflect.DeepEqual.
local function sensitive_action(text)
  local toks = tokens(text)
  for k, t in ipairs(toks) do
    local pos = DEEP_EQUAL[t]
    if pos == false then return true end
    if pos == 1 and type(toks[k + 1]) ~= "table" then return true end
    if pos == 2 then
      -- without LIST "a" "b": every item to leave out a string literal
      local j = k + 2
      if type(toks[k + 1]) ~= "string" or toks[k + 1] == "(" or type(toks[j]) ~= "table" then return true end
      while toks[j] ~= nil and toks[j] ~= "|" and toks[j] ~= ")" do
        if type(toks[j]) ~= "table" then return true end
        j = j + 1
      end
    end
  end
  return false
end

local function sensitive(text)
  -- comments first: their text may hold braces of its own
  text = text:gsub("{{%-?%s*/%*.-%*/%s*%-?}}", "")
  for action in text:gmatch("{{(.-)}}") do
    if sensitive_action(action) then return true end
  end
  return false
end

--- The first template (of the chart and its subcharts) that might tell an int64 from an int,
--- or nil.
---@param c table  a loaded chart
---@return string|nil name
function M.sensitive_template(c)
  local function walk(ch)
    for _, t in ipairs(ch.templates) do
      if sensitive(t.data) then return t.name end
    end
    for _, d in ipairs(ch.dependencies) do
      local found = walk(d)
      if found then return found end
    end
  end
  return walk(c)
end

return M
