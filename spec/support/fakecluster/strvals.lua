-- Helm's --set syntax (pkg/strvals) for the fake helm's stored config: `a.b=c,d[1]=e,l={x,y}`,
-- `\,` and `\.` escapes, values typed as --set types them (true/false, null removes the key,
-- integers without a leading zero) or kept as strings (--set-string, --set-literal).
local value = require "hfl.value"

local M = {}

local function typed(s, as_string)
  if as_string then return s end
  if s == "true" then return true end
  if s == "false" then return false end
  if s == "null" then return value.null end
  if s == "0" or s:match("^-?[1-9]%d*$") then return value.int(s) end
  return s
end

-- Splits s at sep characters outside braces, honouring backslash escapes (kept for the next step).
local function split(s, sep)
  local out, cur, depth, i = {}, {}, 0, 1
  while i <= #s do
    local c = s:sub(i, i)
    if c == "\\" and i < #s then
      cur[#cur + 1] = s:sub(i, i + 1)
      i = i + 1
    elseif c == "{" then
      depth = depth + 1
      cur[#cur + 1] = c
    elseif c == "}" then
      depth = depth - 1
      cur[#cur + 1] = c
    elseif c == sep and depth == 0 then
      out[#out + 1] = table.concat(cur)
      cur = {}
    else
      cur[#cur + 1] = c
    end
    i = i + 1
  end
  out[#out + 1] = table.concat(cur)
  return out
end

local function unescape(s) return (s:gsub("\\(.)", "%1")) end

-- The value text of one assignment: a list for {…}, else one typed scalar.
local function parse_value(text, as_string, literal)
  if literal then return text end
  if not as_string and text:match("^{.*}$") then
    local items = {}
    for _, item in ipairs(split(text:sub(2, -2), ",")) do items[#items + 1] = typed(unescape(item), false) end
    return value.list(items)
  end
  return typed(unescape(text), as_string)
end

local function set_path(m, key, v)
  local parts = split(key, ".")
  local cur = m
  for i, part in ipairs(parts) do
    local name, idx = part:match("^(.-)%[(%d+)%]$")
    name = unescape(name or part)
    local last = i == #parts
    if idx then
      idx = tonumber(idx) + 1
      if value.kind(cur[name]) ~= "list" then cur[name] = value.list {} end
      local l = cur[name]
      for j = #l + 1, idx - 1 do l[j] = value.null end
      if last then
        l[idx] = v
      else
        if value.kind(l[idx]) ~= "map" then l[idx] = value.map {} end
        cur = l[idx]
      end
    elseif last then
      if v == value.null then cur[name] = nil else cur[name] = v end
    else
      if value.kind(cur[name]) ~= "map" then cur[name] = value.map {} end
      cur = cur[name]
    end
  end
end

--- Parses one --set argument into a map; nil, err for a term without "=".
---@param s string
---@param mode? "string"|"literal"
function M.parse(s, mode)
  local m = value.map {}
  local terms = mode == "literal" and { s } or split(s, ",")
  for _, term in ipairs(terms) do
    local key, text = term:match("^(.-)=(.*)$")
    if not key then return nil, ("key %q has no value"):format(term) end
    set_path(m, key, parse_value(text, mode ~= nil, mode == "literal"))
  end
  return m
end

return M
