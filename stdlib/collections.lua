--- Sprig's list, dict and default functions (list.go, dict.go, defaults.go), with mergo's
--- merge rules for merge / mergeOverwrite.
local value = require("hfl.value")
local util = require("hfl.stdlib.util")

local M = {}

local kind, is_nil, null, sprint = util.kind, util.is_nil, util.null, util.sprint
local equal, copy = value.equal, value.copy
local select, floor, fmt = select, math.floor, string.format

local NIL_DEREF = "runtime error: invalid memory address or nil pointer dereference"

-- A Go nil stored in a list or map.
local function store(v)
  if v == nil then return null end
  return v
end

local function pack(...)
  local out = {}
  for i = 1, select("#", ...) do out[i] = store((select(i, ...))) end
  return out
end

--- Sprig's empty: nil, false, 0, "" and empty lists and maps.
local function empty(v)
  return not util.truth(v)
end
M.empty = empty

-- The elements of a list argument, or Sprig's "Cannot <what> on type <kind>" error.
local function list_arg(v, what, fmt_string)
  if is_nil(v) then error(NIL_DEREF, 0) end
  if kind(v) ~= "list" then
    error(fmt(fmt_string or "Cannot %s on type %s", what, util.go_kind(v)), 0)
  end
  return v
end

local function new_list(t) return util.list(t or {}) end

-- A map[string]interface{} parameter; nil (Go's nil map) is allowed.
local function map_arg(v)
  if v == nil then return nil end
  if util.is_map(v) then return v end
  util.type_error(v, "map[string]interface {}")
end
M.map_arg = map_arg

local function sorted_keys(m)
  if not m then return {} end
  return value.sorted_keys(m)
end

local function in_list(list, x)
  for i = 1, #list do
    if equal(list[i], x) then return true end
  end
  return false
end

--- mergo.Merge / MergeWithOverwrite of src into dst (both maps), in place.
local function merge_into(dst, src, overwrite)
  for _, key in ipairs(sorted_keys(src)) do
    local s, d = src[key], dst[key]
    local sk = kind(s)
    if sk == "null" then
      if overwrite then dst[key] = null end
    else
      local d_present = d ~= nil
      if sk == "map" then
        if d_present and util.is_map(d) then merge_into(d, s, overwrite) end
      end
      if d_present and not empty(d) and (sk == "map" or sk == "list") then
        -- kept: a non-empty destination is never replaced by a map, nor a list here
        if sk == "list" and overwrite then dst[key] = s end
      elseif overwrite or not d_present or empty(d) then
        dst[key] = s
      end
    end
  end
  return dst
end
M.merge_into = merge_into

local function list_op(what, fn, fmt_string)
  return function(v, ...)
    return fn(list_arg(v, what, fmt_string), ...)
  end
end

local function first(l) if #l == 0 then return nil end return l[1] end
local function last(l) if #l == 0 then return nil end return l[#l] end
local function rest(l)
  local out = {}
  for i = 2, #l do out[i - 1] = l[i] end
  return new_list(out)
end
local function initial(l)
  local out = {}
  for i = 1, #l - 1 do out[i] = l[i] end
  return new_list(out)
end
local function reverse(l)
  local out, n = {}, #l
  for i = 1, n do out[n - i + 1] = l[i] end
  return new_list(out)
end
local function compact(l)
  local out = {}
  for i = 1, #l do if not empty(l[i]) then out[#out + 1] = l[i] end end
  return new_list(out)
end
local function uniq(l)
  local out = {}
  for i = 1, #l do if not in_list(out, l[i]) then out[#out + 1] = l[i] end end
  return new_list(out)
end
local function push(l, v)
  local out = {}
  for i = 1, #l do out[i] = l[i] end
  out[#out + 1] = store(v)
  return new_list(out)
end
local function prepend(l, v)
  local out = { store(v) }
  for i = 1, #l do out[i + 1] = l[i] end
  return new_list(out)
end
local function without(l, ...)
  local omit, out = pack(...), {}
  for i = 1, #l do if not in_list(omit, l[i]) then out[#out + 1] = l[i] end end
  return new_list(out)
end
local function chunk_of(size, l)
  size = util.int(size)
  list_arg(l, "chunk", "Cannot %s type %s")
  local n = #l
  if size <= 0 then error("runtime error: makeslice: len out of range", 0) end
  local out = {}
  for i = 1, n, size do
    local c = {}
    for j = i, math.min(i + size - 1, n) do c[#c + 1] = l[j] end
    out[#out + 1] = new_list(c)
  end
  return new_list(out)
end
-- The indexes are taken with `local first, second = ...`: LuaJIT 2.1.0-beta3 (Debian's)
-- miscompiles `(select(2, ...))` here once traces are hot, returning the first index.
local function slice_of(l, ...)
  if is_nil(l) then error(NIL_DEREF, 0) end
  if kind(l) ~= "list" then
    error("list should be type of slice or array but " .. util.go_kind(l), 0)
  end
  local n = #l
  if n == 0 then return nil end
  local nargs = select("#", ...)
  local first, second = ...
  local start, stop = 0, n
  if nargs > 0 then start = util.toint64(first) end
  if nargs >= 2 then stop = util.toint64(second) end
  if start < 0 or stop < start or stop > n then
    error("reflect.Value.Slice: slice index out of bounds", 0)
  end
  local out = {}
  for i = start + 1, stop do out[#out + 1] = l[i] end
  return setmetatable(out, getmetatable(l) or value.list_mt)
end
local function has(needle, haystack)
  if is_nil(haystack) then return false end
  if kind(haystack) ~= "list" then
    error("Cannot find has on type " .. util.go_kind(haystack), 0)
  end
  return in_list(haystack, needle)
end

local function dig(...)
  local n = select("#", ...)
  if n < 3 then error("dig needs at least three arguments", 0) end
  local args = { ... }
  local function as_map(v)
    if util.is_map(v) then return v end
    local t = is_nil(v) and "nil" or util.go_type(v)
    error("interface conversion: interface {} is " .. t .. ", not map[string]interface {}", 0)
  end
  local d, def = as_map(args[n]), args[n - 1]
  for i = 1, n - 2 do
    if type(args[i]) ~= "string" then
      local t = is_nil(args[i]) and "nil" or util.go_type(args[i])
      error("interface conversion: interface {} is " .. t .. ", not string", 0)
    end
  end
  for i = 1, n - 2 do
    local step = d[args[i]]
    if step == nil then return def end
    if i == n - 2 then return step end
    d = as_map(step)
  end
end

local function merge_fn(overwrite)
  return function(dst, ...)
    dst = map_arg(dst) or util.map()
    for i = 1, select("#", ...) do
      local src = map_arg((select(i, ...)))
      if src then merge_into(dst, src, overwrite) end
    end
    return dst
  end
end

local function must(f) return f end

M.funcs = {
  list = function(...) return new_list(pack(...)) end,
  append = list_op("push", push), push = list_op("push", push),
  prepend = list_op("prepend", prepend),
  first = list_op("find first", first), last = list_op("find last", last),
  rest = list_op("find rest", rest), initial = list_op("find initial", initial),
  reverse = list_op("find reverse", reverse),
  compact = list_op("compact", compact),
  uniq = list_op("find uniq", uniq),
  without = list_op("find without", without),
  has = has,
  slice = slice_of,
  chunk = chunk_of,
  concat = function(...)
    local out = {}
    for i = 1, select("#", ...) do
      local l = select(i, ...)
      if is_nil(l) then error(NIL_DEREF, 0) end
      if kind(l) ~= "list" then error("Cannot concat type " .. util.go_kind(l) .. " as list", 0) end
      for j = 1, #l do out[#out + 1] = l[j] end
    end
    return new_list(out)
  end,

  dict = function(...)
    local n, d = select("#", ...), util.map()
    local args = { ... }
    for i = 1, n, 2 do
      local key = sprint(args[i])
      if i + 1 > n then d[key] = "" else d[key] = store(args[i + 1]) end
    end
    return d
  end,
  get = function(d, key)
    d, key = map_arg(d), util.str(key)
    if d and d[key] ~= nil then return d[key] end
    return ""
  end,
  set = function(d, key, v)
    d, key = map_arg(d), util.str(key)
    if not d then error("assignment to entry in nil map", 0) end
    d[key] = store(v)
    return d
  end,
  unset = function(d, key)
    d, key = map_arg(d), util.str(key)
    if d then d[key] = nil end
    return d or util.map()
  end,
  hasKey = function(d, key)
    d, key = map_arg(d), util.str(key)
    return d ~= nil and d[key] ~= nil
  end,
  pluck = function(key, ...)
    key = util.str(key)
    local out = {}
    for i = 1, select("#", ...) do
      local d = map_arg((select(i, ...)))
      if d and d[key] ~= nil then out[#out + 1] = d[key] end
    end
    return new_list(out)
  end,
  keys = function(...)
    local out = {}
    for i = 1, select("#", ...) do
      local d = map_arg((select(i, ...)))
      for _, k in ipairs(sorted_keys(d)) do out[#out + 1] = k end
    end
    return util.strlist(out)
  end,
  values = function(d)
    d = map_arg(d)
    local out = {}
    for _, k in ipairs(sorted_keys(d)) do out[#out + 1] = d[k] end
    return new_list(out)
  end,
  pick = function(d, ...)
    d = map_arg(d)
    local out = util.map()
    for i = 1, select("#", ...) do
      local k = util.str((select(i, ...)))
      if d and d[k] ~= nil then out[k] = d[k] end
    end
    return out
  end,
  omit = function(d, ...)
    d = map_arg(d)
    local drop, out = {}, util.map()
    for i = 1, select("#", ...) do drop[util.str((select(i, ...)))] = true end
    for _, k in ipairs(sorted_keys(d)) do
      if not drop[k] then out[k] = d[k] end
    end
    return out
  end,
  merge = merge_fn(false),
  mergeOverwrite = merge_fn(true),
  dig = dig,
  deepCopy = function(v) return copy(v) end,

  default = function(d, ...)
    local n = select("#", ...)
    if n == 0 then return d end
    local given = ...
    if empty(given) then return d end
    return given
  end,
  empty = function(v) return empty(v) end,
  coalesce = function(...)
    for i = 1, select("#", ...) do
      local v = select(i, ...)
      if not empty(v) then return v end
    end
    return nil
  end,
  all = function(...)
    for i = 1, select("#", ...) do
      if empty((select(i, ...))) then return false end
    end
    return true
  end,
  any = function(...)
    for i = 1, select("#", ...) do
      if not empty((select(i, ...))) then return true end
    end
    return false
  end,
  ternary = function(vt, vf, cond)
    if type(cond) ~= "boolean" then util.type_error(cond, "bool") end
    if cond then return vt end
    return vf
  end,
}

local F = M.funcs
F.tuple = F.list
F.sprigGet = F.get
for _, name in ipairs { "append", "push", "prepend", "first", "last", "rest", "initial", "reverse",
  "compact", "uniq", "without", "has", "slice", "chunk", "merge", "mergeOverwrite", "deepCopy" } do
  F["must" .. name:sub(1, 1):upper() .. name:sub(2)] = must(F[name])
end

return M
