--- .Files.GetBytes's Go []byte, and the functions that may see one. The value is a userdata
--- (no function mistakes it for a map or a list) whose metatable gives the engine its type
--- name and bytes (hfl.tmpl.fmt prints it as Go does). In a chart that calls GetBytes, every
--- function is guarded (M.guard): the few whose Go behaviour with a []byte is reproduced take
--- it, any other leaves the render to helm — so none can store one in a list or map.
local value = require "hfl.value"
local arity = require "hfl.tmpl.arity"
local fmt = require "hfl.tmpl.fmt"
local tmpl = require "hfl.tmpl"

local M = {}

local sfmt = string.format

local function unsupported(reason) error({ unsupported = reason }, 0) end

--- A Go []byte holding s.
---@param s string
---@return userdata
function M.new(s)
  local b = newproxy(true)
  local mt = getmetatable(b)
  mt.__gotype = "[]uint8"
  mt.__gobytes = function() return s end
  return b
end

--- The bytes of a value made by M.new, or nil for any other value.
---@return string|nil
function M.of(v)
  if type(v) ~= "userdata" then return nil end
  local mt = getmetatable(v)
  return mt and mt.__gobytes and mt.__gobytes()
end

-- How the functions that take a []byte as Go's do see it: quote, toString and len as its
-- string; cat and squote as Go prints it (`[104 105]`); print/printf/println, tpl (as data) and
-- required as it is (hfl.tmpl.fmt formats it).
local BYTES_AS = { quote = "string", toString = "string", len = "string", cat = "text", squote = "text",
  print = "self", printf = "self", println = "self", tpl = "self", required = "self" }
-- Go's builtins taking interface{} arguments: { parameter count, variadic }.
local BUILTINS_ANY = { len = { 1, false }, index = { 2, true }, slice = { 2, true }, eq = { 2, true },
  ne = { 2, false }, lt = { 2, false }, le = { 2, false }, gt = { 2, false }, ge = { 2, false },
  print = { 1, true }, printf = { 2, true, "string", "any" }, println = { 1, true }, html = { 1, true },
  js = { 1, true }, urlquery = { 1, true } }

-- Whether a value fits a parameter type of hfl.tmpl.arity (as the engine checks it).
local function fits(v, t)
  if t == nil or t == "any" then return true end
  if v == nil or v == value.null then return v == nil and (t == "map" or t == "list") end
  if t == "string" then return type(v) == "string" end
  if t == "bool" then return type(v) == "boolean" end
  if t == "float64" then return value.kind(v) == "float" end
  return value.kind(v) == t
end

-- The guard of one function in a chart that calls .Files.GetBytes. Such a function is a
-- user function to the engine, which then checks neither the argument count nor the types:
-- both are checked here, a mismatch leaving the render to helm (whose error it is).
local function bytes_guard(name, fn, sig)
  local as = BYTES_AS[name]
  return function(...)
    local n = select("#", ...)
    local args = { ... }
    if sig then
      local want, variadic = sig[1], sig[2]
      if (variadic and n < want - 1) or (not variadic and n ~= want) then
        unsupported(sfmt("wrong number of args for %s", name))
      end
      for i = 1, n do
        local t = (variadic and i >= want) and sig[2 + want] or sig[2 + i]
        if not fits(args[i], t) and not M.of(args[i]) then unsupported(sfmt("wrong type for %s", name)) end
      end
    end
    for i = 1, n do
      local b = M.of(args[i])
      if b then
        if not as then unsupported(name .. " of a .Files.GetBytes value") end
        if as == "string" then args[i] = b elseif as == "text" then args[i] = fmt.sprint(args[i]) end
      end
    end
    return fn(unpack(args, 1, n))
  end
end

--- funcs (Helm's own functions) with every function a template could hand a []byte guarded:
--- for the charts that call .Files.GetBytes.
---@param funcs table<string, function>
---@return table<string, function>
function M.guard(funcs)
  -- required here, as hfl.tmpl does: the library's functions render templates in turn
  local lib = require("hfl.stdlib").funcs({})
  local guarded = {}
  for name, fn in pairs(funcs) do guarded[name] = bytes_guard(name, fn, nil) end
  for name, sig in pairs(arity.sprig) do
    local any = false
    for i = 3, #sig do any = any or sig[i] == "any" end
    if any and not funcs[name] and lib[name] then guarded[name] = bytes_guard(name, lib[name], sig) end
  end
  for name, sig in pairs(BUILTINS_ANY) do guarded[name] = bytes_guard(name, tmpl.builtins[name], sig) end
  return guarded
end

return M
