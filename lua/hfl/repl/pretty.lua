--- hfl.repl.pretty: how the REPL shows a value. It follows the value model of hfl.value:
--- maps as `{ key = value }` with sorted keys, lists as `[ a, b ]` (so an empty list `[]` and
--- an empty map `{}` stay apart), hfl.null as `null`. A table that fits on a line is shown on
--- one; longer ones are folded: one entry a line, at most MAX_ITEMS entries and MAX_DEPTH
--- levels, the rest summarised. Releases and States show what they describe, not their
--- internals.
local value = require "hfl.value"
local release = require "hfl.state.release"

local M = {}

--- Entries of one table shown before "… N more".
M.MAX_ITEMS = 50
--- Nesting shown before a table is summarised as `{…}` (its size).
M.MAX_DEPTH = 8
--- Characters of a string shown before the rest is summarised.
M.MAX_STRING = 2000
--- Width a table must fit to be shown on one line.
M.WIDTH = 78

local KEYWORDS = {}
for w in ([[and break do else elseif end false for function goto if in local nil not or
  repeat return then true until while]]):gmatch("%a+") do KEYWORDS[w] = true end

local ESCAPES = { ["\n"] = "\\n", ["\t"] = "\\t", ["\r"] = "\\r", ['"'] = '\\"', ["\\"] = "\\\\" }

--- A string as a Lua literal, cut after MAX_STRING characters.
---@param s string
---@return string
function M.quote(s)
  local rest = #s - M.MAX_STRING
  if rest > 0 then s = s:sub(1, M.MAX_STRING) end
  local q = '"' .. s:gsub('[%c"\\]', function(c)
    return ESCAPES[c] or ("\\%03d"):format(c:byte())
  end) .. '"'
  if rest > 0 then q = q .. (" …(%d more bytes)"):format(rest) end
  return q
end

--- True for a string usable as `name` in `t.name`.
---@param k any
---@return boolean
function M.is_identifier(k)
  return type(k) == "string" and k:match("^[%a_][%w_]*$") ~= nil and not KEYWORDS[k]
end

local function show_key(k)
  if M.is_identifier(k) then return k end
  if type(k) == "string" then return "[" .. M.quote(k) .. "]" end
  return "[" .. tostring(k) .. "]"
end

-- Numbers first (by value), then strings, then anything else (by its text).
local function key_less(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then
    if ta == "number" then return true end
    if tb == "number" then return false end
    if ta == "string" then return true end
    if tb == "string" then return false end
    return ta < tb
  end
  if ta == "number" or ta == "string" then return a < b end
  return tostring(a) < tostring(b)
end

--- The keys of a table in the order the REPL shows them.
---@param t table
---@return any[]
function M.sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys, key_less)
  return keys
end

local function release_id(r)
  local ok, id = pcall(r.id, r)
  return ok and id or tostring(rawget(r.spec, "name"))
end

--- What an object stands for, for showing: a release is its fields (its spec), a State a
--- summary of its files, environment and releases. Nil for plain values.
---@param v any
---@return string|nil label, table|nil shown
function M.view(v)
  if type(v) ~= "table" then return nil end
  local mt = getmetatable(v)
  if mt == release.Release then
    return ("release %q"):format(release_id(v)), rawget(v, "spec")
  end
  if mt == require("hfl.state").State then
    local files, rels = value.list(), value.list()
    for _, s in ipairs(v.states) do files[#files + 1] = s.path end
    for _, r in ipairs(v:releases()) do rels[#rels + 1] = release_id(r) end
    return "State", value.map { environment = v.environment, files = files, releases = rels,
      selectors = value.list(v.selectors) }
  end
  return nil
end

local function scalar(v)
  if v == nil then return "nil" end
  local kind = value.kind(v)
  if kind == "null" then return "null" end
  if kind == "string" then return M.quote(v) end
  if kind == "int" and type(v) == "number" then return ("%.0f"):format(v) end
  if kind == "float" then
    -- an integral float keeps a ".0", so it does not read as an int
    local text = ("%.14g"):format(value.tonumber(v))
    if not text:find("[%.eni]") then text = text .. ".0" end
    return text
  end
  if kind == "int" or kind == "bool" then return tostring(v) end
  return nil
end

local function atom(v)
  local s = scalar(v)
  if s then return s end
  local t = type(v)
  if t == "table" then
    local mt = getmetatable(v)
    if mt and mt.__tostring then return tostring(v) end
    return nil
  end
  return "<" .. tostring(v) .. ">"
end

local show

-- The entries of a table as strings, at most MAX_ITEMS, and the number left out.
local function entries(t, is_list, depth, seen, indent)
  local out, n = {}, 0
  local keys = is_list and nil or M.sorted_keys(t)
  local total = is_list and #t or #keys
  for i = 1, math.min(total, M.MAX_ITEMS) do
    local k = is_list and i or keys[i]
    local v = show(t[k], depth + 1, seen, indent .. "  ")
    out[i] = is_list and v or (show_key(k) .. " = " .. v)
    n = n + 1
  end
  return out, total - n
end

-- List items that each fit on a line, several to a line (a list of numbers or names would
-- otherwise run down the screen); items spanning lines stay alone on theirs.
local function packed(items, width)
  local lines, line = {}, nil
  for _, item in ipairs(items) do
    if item:find("\n", 1, true) or (line and #line + 2 + #item > width) then
      if line then lines[#lines + 1] = line end
      line = nil
    end
    if item:find("\n", 1, true) then
      lines[#lines + 1] = item
    else
      line = line and (line .. ", " .. item) or item
    end
  end
  if line then lines[#lines + 1] = line end
  return lines
end

show = function(v, depth, seen, indent)
  local a = atom(v)
  if a then return a end
  if seen[v] then return "<cycle>" end
  local label, shown = M.view(v)
  local t = shown or v
  local prefix = label and (label .. " ") or ""
  local is_list = value.kind(t) == "list"
  local open, close = is_list and "[" or "{", is_list and "]" or "}"
  if next(t) == nil then return prefix .. open .. close end
  if depth >= M.MAX_DEPTH then
    local count = 0
    for _ in pairs(t) do count = count + 1 end
    return ("%s%s…%s (%d)"):format(prefix, open, close, count)
  end
  seen[v] = true
  local items, more = entries(t, is_list, depth, seen, indent)
  seen[v] = nil
  if more > 0 then items[#items + 1] = ("… %d more"):format(more) end
  local flat = prefix .. open .. " " .. table.concat(items, ", ") .. " " .. close
  if #flat + #indent <= M.WIDTH and not flat:find("\n", 1, true) then return flat end
  local lines = is_list and packed(items, M.WIDTH - #indent - 2) or items
  return prefix .. open .. "\n" .. indent .. "  " .. table.concat(lines, ",\n" .. indent .. "  ")
    .. "\n" .. indent .. close
end

--- A value as the REPL prints it (may span several lines).
---@param v any
---@return string
function M.show(v)
  return show(v, 0, {}, "")
end

--- What `:yaml` encodes for a value: releases and States as M.view shows them.
---@param v any
---@return any
function M.plain(v)
  local _, shown = M.view(v)
  return shown or v
end

return M
