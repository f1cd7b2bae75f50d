--- The nodes of a values.schema.json as hfl.chart.schema reads them, and what its lint and its
--- validator share: numbers kept as their literal text (both of Helm's validators decode
--- schemas with UseNumber and compare json.Number as exact decimals), kinds, JSON equality as
--- each library sees it, counts, regular expressions, local $refs. What neither can read the
--- way the library does raises { unsupported = why }.
local json = require "hfl.stdlib.json"
local value = require "hfl.value"
local regex = require "hfl.regex"
local decimal = require "hfl.chart.decimal"

local M = {}

-- Interpreted only: compiled, hfl.chart.schema's mutually recursive checks (lint, valid, equal)
-- crashed LuaJIT 2.1.0-beta3 now and then (a segfault in a recursive trace, about 1 run in 3
-- over the spec table; never with the JIT off). Schemas are small: the interpreter is enough.
jit.off(debug.getinfo(1, "f").func, true)

local kind, tonum = value.kind, value.tonumber

-- A number of the schema, as its literal text.
local NUM = {}

--- Raises { unsupported = why }: the schema or values are for helm to judge.
function M.unsupported(why) error({ unsupported = why }, 0) end
local unsupported = M.unsupported

--- A schema number from its JSON literal text.
function M.literal(text) return setmetatable({ text }, NUM) end

local function is_lit(x) return type(x) == "table" and getmetatable(x) == NUM end
M.is_lit = is_lit

-- The kind of a schema node: decoded JSON, whose maps and lists carry their metatables (and
-- value.kind's fallback for plain tables, a pairs() loop, is not needed here).
local map_mt, list_mt = value.map_mt, value.list_mt
local function skind(x)
  if is_lit(x) then return "number" end
  local mt = type(x) == "table" and getmetatable(x)
  if mt == map_mt then return "map" elseif mt == list_mt then return "list" end
  return type(x)
end

M.skind = skind

-- The JSON kind of a schema or values node: every number is "number".
local function jkind(x)
  if is_lit(x) then return "number" end
  local k = kind(x)
  if k == "int" or k == "float" then return "number" end
  return k
end

local function num_decimal(x)
  if is_lit(x) then return decimal.parse(x[1]) end
  return decimal.parse(json.format_number(x))
end

local function num_float(x)
  if is_lit(x) then return tonumber(x[1]) end
  return tonum(x)
end

-- Deep JSON equality. gojsonschema compares const, enum and uniqueItems on JSON re-encoded
-- through float64; santhosh compares numbers as exact decimals.
local function equal(a, b, lib)
  local ka = jkind(a)
  if ka ~= jkind(b) then return false end
  if ka == "number" then
    if lib == "gojsonschema" then return num_float(a) == num_float(b) end
    return decimal.compare(num_decimal(a), num_decimal(b)) == 0
  elseif ka == "map" then
    local n = 0
    for k, x in pairs(a) do
      if b[k] == nil or not equal(x, b[k], lib) then return false end
      n = n + 1
    end
    for _ in pairs(b) do n = n - 1 end
    return n == 0
  elseif ka == "list" then
    if #a ~= #b then return false end
    for i = 1, #a do
      if not equal(a[i], b[i], lib) then return false end
    end
    return true
  end
  return a == b
end
M.jkind, M.num_decimal, M.num_float, M.equal = jkind, num_decimal, num_float, equal

--- The compiled regular expression (memoized in ctx.regexes); a pattern Go's regexp would
--- refuse is unsupported.
function M.compiled(ctx, pattern)
  local re = ctx.regexes[pattern]
  if re == nil then
    re = regex.compile(pattern) or false
    ctx.regexes[pattern] = re
  end
  if not re then unsupported("regular expression " .. pattern) end
  return re
end

--- The schema a local $ref names: "#" or a JSON pointer through objects (memoized in ctx.targets).
function M.resolve(ctx, ref)
  if type(ref) ~= "string" then unsupported("$ref that is not a string") end
  local target = ctx.targets[ref]
  if target ~= nil then return target end
  local path = ref == "#" and "" or ref:match("^#(/.*)$")
  if not path or path:find("%", 1, true) then unsupported("$ref " .. ref) end
  target = ctx.root
  for part in path:gmatch("/([^/]*)") do
    if part:gsub("~[01]", ""):find("~", 1, true) then unsupported("$ref " .. ref) end
    part = part:gsub("~1", "/"):gsub("~0", "~")
    if skind(target) ~= "map" or target[part] == nil then unsupported("$ref " .. ref) end
    target = target[part]
  end
  ctx.targets[ref] = target
  return target
end

--- A non-negative integer keyword: gojsonschema parses its literal as an int64 ("2.0" is an
--- error), santhosh takes any integral number.
function M.count(s, key, lib)
  local x = s[key]
  local d = is_lit(x) and decimal.parse(x[1])
  local plain = d and x[1]:match("^%d+$") and #x[1] <= 9
  if plain or (lib == "santhosh" and d and d.sign >= 0 and d.exp >= 0 and #d.digits + d.exp <= 9) then
    return tonumber(d.digits .. ("0"):rep(d.exp)) or 0
  end
  unsupported(key .. " that is not a count")
end

return M
