--- Go text/template's builtin functions (and, or, not, eq, ne, lt, le, gt, ge, len, index,
--- slice, print, printf, println, html, js, urlquery, call).
--
-- Arguments follow the engine's convention: `value.null` is a nil held in an interface
-- (a map entry that is null), Lua nil is Go's invalid value (a missing value). Errors that
-- Go returns as `(val, err)` are raised as plain strings; the engine wraps them as
-- "error calling NAME: MSG". `and`/`or` short-circuit and are compiled by the engine; the
-- functions here serve calls through `call` and overrides.
local value = require "hfl.value"
local fmt = require "hfl.tmpl.fmt"

local M = {}

local type, getmetatable, floor, huge = type, getmetatable, math.floor, math.huge
local sfmt, sbyte, ssub = string.format, string.byte, string.sub
local null, float_mt, int_mt, list_mt = value.null, value.float_mt, value.int_mt, value.list_mt
local kind_of, type_name = value.kind, fmt.type_name

--- Go's truth of a value (isTrue); nil and null are false.
---@return boolean
local function truth(v)
  if v == nil or v == null or v == false then return false end
  local t = type(v)
  if t == "string" then return v ~= "" end
  if t == "number" then return v ~= 0 end
  if t == "table" then
    local mt = getmetatable(v)
    if mt == float_mt then return v[1] ~= 0 end
    if mt == int_mt then return v[1] ~= "0" end
    return next(v) ~= nil
  end
  return true
end
M.truth = truth

-- basicKind: "bool", "int", "float", "string", or nil for anything else.
-- A table marked as a Go struct (hfl.tmpl.struct) is neither map nor list.
-- A Go struct; a map or slice type with methods (__gorange) is still a map or a slice.
local function is_struct(v)
  local mt = getmetatable(v)
  return mt ~= nil and mt.__gotype ~= nil and mt.__gorange == nil
end

local function basic_kind(v)
  local t = type(v)
  if t == "string" then return "string" end
  if t == "boolean" then return "bool" end
  if t == "number" then
    if v == floor(v) and v ~= huge and v ~= -huge then return "int" end
    return "float"
  end
  if t == "table" then
    local mt = getmetatable(v)
    if mt == float_mt then return "float" end
    if mt == int_mt then return "int" end
  end
  return nil
end

local function num(v)
  if type(v) == "table" then
    if getmetatable(v) == int_mt then return tonumber(v[1]) end
    return v[1]
  end
  return v
end

local function int_equal(a, b)
  if type(a) == "table" or type(b) == "table" then
    local da = type(a) == "table" and a[1] or sfmt("%.0f", a)
    local db = type(b) == "table" and b[1] or sfmt("%.0f", b)
    return da == db
  end
  return a == b
end

local function int_less(a, b)
  if type(a) == "table" or type(b) == "table" then
    return tonumber(type(a) == "table" and a[1] or a) < tonumber(type(b) == "table" and b[1] or b)
  end
  return a < b
end

local function sprint_s(v) return fmt.sprintf_args("%s", { v }, 1) end

function M.eq(a, ...)
  local n = select("#", ...)
  if a == null then a = nil end
  if n == 0 then error("missing argument for comparison", 0) end
  local k1 = basic_kind(a)
  for i = 1, n do
    local b = select(i, ...)
    if b == null then b = nil end
    local k2 = basic_kind(b)
    local eq = false
    if k1 ~= k2 then
      if a ~= nil and b ~= nil then error("incompatible types for comparison", 0) end
    elseif k1 == "int" then
      eq = int_equal(a, b)
    elseif k1 == "float" then
      eq = num(a) == num(b)
    elseif k1 then
      eq = a == b
    else
      local ka, kb = a == nil and "nil" or kind_of(a), b == nil and "nil" or kind_of(b)
      if ka ~= kb and ka ~= "nil" and kb ~= "nil" then
        error(sfmt("non-comparable types %s: %s, %s: %s", sprint_s(a), type_name(a), type_name(b), fmt.sprint(b)), 0)
      end
      if a == nil or b == nil then
        eq = a == nil and b == nil
      elseif ka == "map" or ka == "list" then
        error(sfmt("non-comparable type %s: %s", sprint_s(b), type_name(b)), 0)
      else
        eq = a == b
      end
    end
    if eq then return true end
  end
  return false
end

function M.ne(a, b) return not M.eq(a, b) end

function M.lt(a, b)
  if a == null then a = nil end
  if b == null then b = nil end
  local k1 = basic_kind(a)
  if not k1 then error("invalid type for comparison", 0) end
  local k2 = basic_kind(b)
  if not k2 then error("invalid type for comparison", 0) end
  if k1 ~= k2 then error("incompatible types for comparison", 0) end
  if k1 == "bool" then error("invalid type for comparison", 0) end
  if k1 == "int" then return int_less(a, b) end
  if k1 == "float" then return num(a) < num(b) end
  return a < b
end

function M.le(a, b)
  if M.lt(a, b) then return true end
  return M.eq(a, b)
end
function M.gt(a, b) return not M.le(a, b) end
function M.ge(a, b) return not M.lt(a, b) end

M["not"] = function(v) return not truth(v) end

M["and"] = function(...)
  local n = select("#", ...)
  local v
  for i = 1, n do
    v = select(i, ...)
    if not truth(v) then return v end
  end
  return v
end

M["or"] = function(...)
  local n = select("#", ...)
  local v
  for i = 1, n do
    v = select(i, ...)
    if truth(v) then return v end
  end
  return v
end

M["len"] = function(v)
  if v == nil then error("reflect: call of reflect.Value.Type on zero Value", 0) end
  if v == null then error("len of nil pointer", 0) end
  local t = type(v)
  if t == "string" then return #v end
  local k = t == "table" and is_struct(v) and "struct" or kind_of(v)
  if k == "list" then return #v end
  if k == "map" then
    local c = 0
    for _ in pairs(v) do c = c + 1 end
    return c
  end
  error("len of type " .. type_name(v), 0)
end

-- indexArg: an int index in [0, cap].
local function index_arg(i, cap)
  if i == nil then error("cannot index slice/array with nil", 0) end
  if basic_kind(i) ~= "int" then error("cannot index slice/array with type " .. type_name(i), 0) end
  local x = num(i)
  if x < 0 or x > cap then error(sfmt("index out of range: %d", x), 0) end
  return x
end

function M.index(item, ...)
  if item == null then item = nil end
  if item == nil then error("index of untyped nil", 0) end
  for i = 1, select("#", ...) do
    local idx = select(i, ...)
    if idx == null then idx = nil end
    if item == null then error("index of nil pointer", 0) end
    local t = type(item)
    if t == "string" then
      local x = index_arg(idx, #item)
      if x == #item then error("reflect: string index out of range", 0) end
      item = sbyte(item, x + 1)
    else
      local k = type(item) == "table" and is_struct(item) and "struct" or kind_of(item)
      if k == "list" then
        local x = index_arg(idx, #item)
        if x == #item then error("reflect: slice index out of range", 0) end
        item = item[x + 1]
        if item == nil then item = null end
      elseif k == "map" then
        if idx == nil then error("value is nil; should be of type string", 0) end
        if type(idx) ~= "string" then error("value has type " .. type_name(idx) .. "; should be string", 0) end
        item = item[idx]
        if item == nil then item = null end
      else
        error("can't index item of type " .. type_name(item), 0)
      end
    end
  end
  return item
end

function M.slice(item, ...)
  if item == null then item = nil end
  if item == nil then error("slice of untyped nil", 0) end
  local n = select("#", ...)
  if n > 3 then error(sfmt("too many slice indexes: %d", n), 0) end
  local is_string = type(item) == "string"
  if is_string then
    if n == 3 then error("cannot 3-index slice a string", 0) end
  elseif kind_of(item) ~= "list" then
    error("can't slice item of type " .. type_name(item), 0)
  end
  local len = #item
  local idx = { 0, len }
  for i = 1, n do
    local x = select(i, ...)
    if x == null then x = nil end
    idx[i] = index_arg(x, len)
  end
  if idx[1] > idx[2] then error(sfmt("invalid slice index: %d > %d", idx[1], idx[2]), 0) end
  if n == 3 and idx[2] > idx[3] then error(sfmt("invalid slice index: %d > %d", idx[2], idx[3]), 0) end
  if is_string then return ssub(item, idx[1] + 1, idx[2]) end
  local out = {}
  for i = idx[1] + 1, idx[2] do
    local v = item[i]
    out[#out + 1] = v == nil and null or v
  end
  return setmetatable(out, list_mt)
end

local function pack(...) return { ... }, select("#", ...) end

function M.print(...)
  local args, n = pack(...)
  return fmt.sprint_args(args, n)
end

function M.println(...)
  local args, n = pack(...)
  return fmt.sprintln_args(args, n)
end

function M.printf(format, ...)
  local args, n = pack(...)
  return fmt.sprintf_args(format, args, n)
end

-- evalArgs: one string argument as is, else fmt.Sprint with missing values as <no value>.
local function eval_args(...)
  local n = select("#", ...)
  local first = ...
  if n == 1 and type(first) == "string" then return first end
  local args = { ... }
  for i = 1, n do
    if args[i] == nil or args[i] == null then args[i] = "<no value>" end
  end
  return fmt.sprint_args(args, n)
end

local html_esc = { ['"'] = "&#34;", ["'"] = "&#39;", ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ["\0"] = "\239\191\189" }
function M.html(...)
  return (eval_args(...):gsub("[\"'&<>%z]", html_esc))
end

local js_esc = { ["\\"] = "\\\\", ["'"] = "\\'", ['"'] = '\\"', ["<"] = "\\u003C", [">"] = "\\u003E",
  ["&"] = "\\u0026", ["="] = "\\u003D" }
function M.js(...)
  local s = eval_args(...)
  s = s:gsub("[\\'\"<>&=%c]", function(c)
    if js_esc[c] then return js_esc[c] end
    if sbyte(c) < 32 then return sfmt("\\u00%02X", sbyte(c)) end
    return c
  end)
  return s
end

function M.urlquery(...)
  local s = eval_args(...)
  return (s:gsub("[^%w%-_%.~ ]", function(c) return sfmt("%%%02X", sbyte(c)) end):gsub(" ", "+"))
end

function M.call(fn, ...)
  if fn == nil or fn == null then error("call of nil", 0) end
  if type(fn) ~= "function" then error("non-function of type " .. type_name(fn), 0) end
  return (fn(...))
end

--- Names of all builtins.
M.names = { "and", "or", "not", "eq", "ne", "lt", "le", "gt", "ge", "len", "index", "slice",
  "print", "printf", "println", "html", "js", "urlquery", "call" }

return M
