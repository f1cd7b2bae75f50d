--- The values model shared by YAML, templates, helmfile.lua and the REPL.
--
-- YAML/JSON values are plain Lua tables and scalars, plus what the Go world needs:
--   * `value.null` stands for null (a Lua table cannot hold nil);
--   * maps and lists carry the metatables `value.map_mt` / `value.list_mt`, so empty ones
--     stay distinguishable, and maps remember key insertion order;
--   * a plain Lua number that is integral is an int, any other number a float; a float with
--     an integral value (`1.0`, `1e+06`) is boxed by `value.float`, an int beyond 2^53 by
--     `value.int`, so output that depends on the kind (`1e+06` vs `1000000`) stays right.
-- The metatables and the null sentinel are created by the C core, which builds these
-- values when decoding.
local types = require("hfl.yaml_types")

local M = {}

local null, map_mt, list_mt = types.null, types.map, types.list
local float_mt, int_mt, order, lines = types.float, types.int, types.order, types.lines
M.null, M.map_mt, M.list_mt, M.float_mt, M.int_mt = null, map_mt, list_mt, float_mt, int_mt

local type, getmetatable, setmetatable, rawset, floor = type, getmetatable, setmetatable, rawset, math.floor
local huge = math.huge
local tostring, next = tostring, next

-- Keys sort by their text (maps hold string keys, mostly: then the text is the key).
local function key_text_less(a, b)
  if type(a) == "string" and type(b) == "string" then return a < b end
  return tostring(a) < tostring(b)
end

local function is_integral(n)
  return n == floor(n) and n ~= huge and n ~= -huge
end

-- New keys are recorded in insertion order; see value.keys.
map_mt.__newindex = function(t, k, v)
  local keys = order[t]
  if not keys then
    keys = {}
    order[t] = keys
  end
  keys[#keys + 1] = k
  rawset(t, k, v)
end

float_mt.__tostring = function(b) return tostring(b[1]) end
int_mt.__tostring = function(b) return b[1] end

local function num(v)
  if type(v) == "table" then
    local mt = getmetatable(v)
    if mt == float_mt then return v[1] end
    if mt == int_mt then return tonumber(v[1]) end
  end
  return v
end
M.tonumber = num

for _, op in ipairs { "add", "sub", "mul", "div", "mod", "pow" } do
  local f = assert(loadstring("local a, b = ... return a " .. ({ add = "+", sub = "-", mul = "*",
    div = "/", mod = "%", pow = "^" })[op] .. " b"))
  float_mt["__" .. op] = function(a, b) return f(num(a), num(b)) end
  int_mt["__" .. op] = float_mt["__" .. op]
end
float_mt.__unm = function(a) return -a[1] end
int_mt.__unm = function(a) return -tonumber(a[1]) end
float_mt.__eq = function(a, b) return num(a) == num(b) end
float_mt.__lt = function(a, b) return num(a) < num(b) end
float_mt.__le = function(a, b) return num(a) <= num(b) end
int_mt.__eq = function(a, b) return a[1] == b[1] end

--- A float. Integral values are boxed so they keep printing as Go floats (`1e+06`).
---@param n number
---@return number|table
function M.float(n)
  if is_integral(n) then return setmetatable({ n }, float_mt) end
  return n
end

--- An integer given by its decimal digits; a plain number when exact as a double.
---@param digits string
---@return number|table
function M.int(digits)
  local n = tonumber(digits)
  if n and math.abs(n) < 2 ^ 53 then return n end
  return setmetatable({ digits }, int_mt)
end

--- Go's int64 (how `helm --set` types an integer, and client-go a JSON integer): an int box
--- marked go_int64, so Go type names say "int64", int parameters refuse it and DeepEqual does
--- not find it equal to an int, as Go does; an int everywhere else.
---@param digits string  normalised decimal digits (no "+", no leading zeros, "0" not "-0")
---@return table
function M.int64(digits) return setmetatable({ digits, go_int64 = true }, int_mt) end

--- Whether v is an int64 (value.int64, or a number hfl.stdlib.json read as one).
---@return boolean
function M.is_int64(v) return type(v) == "table" and getmetatable(v) == int_mt and v.go_int64 == true end

--- Marks a table as a YAML map (keeps existing keys, in sorted order, then insertion order).
---@param t table|nil
---@return table
function M.map(t)
  t = t or {}
  if getmetatable(t) == map_mt then return t end
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys, key_text_less)
  order[t] = keys
  return setmetatable(t, map_mt)
end

--- Marks a table as a YAML list.
---@param t table|nil
---@return table
function M.list(t)
  return setmetatable(t or {}, list_mt)
end

local function is_array(t)
  local n = #t
  if n == 0 then return false end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end

--- The kind of a value: "null", "bool", "int", "float", "string", "map", "list", or the Lua
--- type name for anything else (functions, userdata).
---@return string
function M.kind(v)
  local t = type(v)
  if t == "number" then
    return is_integral(v) and "int" or "float"
  elseif t == "string" then
    return "string"
  elseif t == "boolean" then
    return "bool"
  elseif v == nil or v == null then
    return "null"
  elseif t == "table" then
    local mt = getmetatable(v)
    if mt == map_mt then return "map" end
    if mt == list_mt then return "list" end
    if mt == float_mt then return "float" end
    if mt == int_mt then return "int" end
    return is_array(v) and "list" or "map"
  end
  return t
end

function M.is_null(v) return v == nil or v == null end
function M.is_map(v) return M.kind(v) == "map" end
function M.is_list(v) return M.kind(v) == "list" end

-- Whether the recorded order lists every key of m once and nothing else (the common case,
-- checked without allocating for small maps).
local function order_is_exact(m, recorded)
  local n = #recorded
  if n > 16 then return false end
  local count = 0
  for _ in next, m do count = count + 1 end
  if count ~= n then return false end
  for i = 1, n do
    local k = recorded[i]
    if m[k] == nil then return false end
    for j = 1, i - 1 do
      if recorded[j] == k then return false end
    end
  end
  return true
end

--- The keys of a map in insertion order (keys added behind the model's back come last,
--- sorted).
---@param m table
---@return string[]
function M.keys(m)
  local recorded = order[m]
  if recorded and order_is_exact(m, recorded) then
    local keys = {}
    for i = 1, #recorded do keys[i] = recorded[i] end
    return keys
  end
  local keys, seen = {}, {}
  if recorded then
    for _, k in ipairs(recorded) do
      if m[k] ~= nil and not seen[k] then
        keys[#keys + 1], seen[k] = k, true
      end
    end
  end
  local extra = {}
  for k in pairs(m) do
    if not seen[k] then extra[#extra + 1] = k end
  end
  if #extra > 0 then
    table.sort(extra, key_text_less)
    for _, k in ipairs(extra) do keys[#keys + 1] = k end
  end
  return keys
end

--- The keys of a map sorted the way Go's text/template and fmt sort string keys.
function M.sorted_keys(m)
  local keys = {}
  for k in pairs(m) do keys[#keys + 1] = k end
  table.sort(keys, key_text_less)
  return keys
end

--- The line where a key of a map (or an item of a list) was written, when the value was
--- decoded with `{lines = true}`; nil otherwise.
---@param container table
---@param key string|integer
---@return integer|nil
function M.line(container, key)
  local t = lines[container]
  return t and t[key]
end

--- Records where the keys of a container were written (for values built outside the YAML
--- decoder, e.g. from helmfile.lua), so value.line can report them.
---@param container table
---@param positions table<string|integer, integer>  key or index → line
function M.set_lines(container, positions)
  lines[container] = positions
end

--- Every recorded position of a container (key or index → line), or nil.
---@param container table
---@return table|nil
function M.lines(container)
  return lines[container]
end

--- Iterates a map in insertion order.
function M.pairs(m)
  local keys, i = M.keys(m), 0
  return function()
    i = i + 1
    local k = keys[i]
    if k ~= nil then return k, m[k] end
  end
end

--- A deep copy that keeps kinds, key order and boxes.
function M.copy(v)
  if type(v) ~= "table" then return v end
  local mt = getmetatable(v)
  if mt == float_mt or mt == int_mt then return v end
  local kind = M.kind(v)
  if kind == "list" then
    local out = {}
    for i = 1, #v do out[i] = M.copy(v[i]) end
    return setmetatable(out, list_mt)
  end
  -- the copy's key order is recorded at once rather than key by key through __newindex
  local keys, out = M.keys(v), {}
  for i = 1, #keys do
    local k = keys[i]
    out[k] = M.copy(v[k])
  end
  order[out] = keys
  return setmetatable(out, map_mt)
end

--- Deep equality of two values (kinds must match; an int never equals a float).
function M.equal(a, b)
  local ka, kb = M.kind(a), M.kind(b)
  if ka ~= kb then return false end
  if ka == "map" then
    for k, v in pairs(a) do
      if not M.equal(v, b[k]) then return false end
    end
    for k in pairs(b) do
      if a[k] == nil then return false end
    end
    return true
  elseif ka == "list" then
    if #a ~= #b then return false end
    for i = 1, #a do
      if not M.equal(a[i], b[i]) then return false end
    end
    return true
  elseif ka == "float" or ka == "int" then
    -- reflect.DeepEqual: an int64 (M.int64) never equals an int
    if ka == "int" and M.is_int64(a) ~= M.is_int64(b) then return false end
    local x, y = num(a), num(b)
    if x ~= x and y ~= y then return true end
    if ka == "int" and type(a) == "table" and type(b) == "table" then return a[1] == b[1] end
    return x == y
  end
  return a == b
end

return M
