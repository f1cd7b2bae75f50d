--- Helm's toToml and fromToml: TOML written and read as github.com/BurntSushi/toml does —
--- v1.4.0 in helm 3.17.3, v1.6.0 in helm 4.1.4 (they differ in how floats are written).
---
---   local text, err = toml.encode(value, "3")   -- what toToml prints (an error's text included)
---   local map, err = toml.decode(text)          -- what fromToml returns (hfl.chart.toml_decode)
--- err (nil, reason) means this module cannot reproduce helm's result: the caller leaves the
--- render to helm.
local value = require "hfl.value"
local strconv = require "hfl.tmpl.strconv"

local M = {}

local type, getmetatable, tostring = type, getmetatable, tostring
local sbyte, sfind, srep, sfmt, concat = string.byte, string.find, string.rep, string.format, table.concat
local null, float_mt, int_mt, map_mt, list_mt = value.null, value.float_mt, value.int_mt, value.map_mt, value.list_mt
local huge = math.huge

-- Raised inside both directions; caught by the public functions.
local FALLBACK, ENCODE_ERROR = {}, {}

local function fallback(reason) error({ FALLBACK, reason }, 0) end

-- dblQuotedReplacer: ", \ and control bytes escaped; everything else as it is.
local ESCAPES = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\t"] = "\\t", ["\n"] = "\\n",
  ["\f"] = "\\f", ["\r"] = "\\r" }
local function escape(s)
  return (s:gsub('[%c"\\]', function(c)
    return ESCAPES[c] or sfmt("\\u%04x", sbyte(c))
  end))
end

local function quoted(s) return '"' .. escape(s) .. '"' end

-- A key piece: bare when it is only A-Za-z0-9_-, else quoted; "" for the empty key.
local function key_piece(k)
  if k == "" then return '""' end
  if sfind(k, "^[%w_%-]+$") then return k end
  return quoted(k)
end

local function key_string(key)
  local out = {}
  for i, k in ipairs(key) do out[i] = key_piece(k) end
  return concat(out, ".")
end

local function add(key, piece)
  local k = {}
  for i = 1, #key do k[i] = key[i] end
  k[#k + 1] = piece
  return k
end

-- The TOML type encode.go's tomlTypeOfGo gives a value: nil for nil, else one of
-- "Bool", "Integer", "Float", "String", "Hash", "Array", "ArrayHash".
local type_of

local function kind(v)
  local t = type(v)
  if t == "string" then return "string" end
  if t == "boolean" then return "bool" end
  if v == nil or v == null then return "null" end
  if t == "number" then return value.kind(v) end
  if t == "table" then
    local mt = getmetatable(v)
    if mt == float_mt then return "float" end
    if mt == int_mt then return "int" end
    if mt == map_mt then return "map" end
    if mt == list_mt then return "list" end
    if mt ~= nil then fallback("toToml of a Go object") end
    return value.kind(v)
  end
  fallback("toToml of a " .. t)
end

local function is_table_array(list)
  if #list == 0 then return false end
  local all = true
  for i = 1, #list do
    local tt = type_of(list[i])
    if tt == nil then error({ ENCODE_ERROR, "toml: cannot encode array with nil element" }, 0) end
    if tt ~= "Hash" then all = false end
  end
  return all
end

function type_of(v)
  local k = kind(v)
  if k == "null" then return nil end
  if k == "bool" then return "Bool" end
  if k == "int" then return "Integer" end
  if k == "float" then return "Float" end
  if k == "string" then return "String" end
  if k == "map" then return "Hash" end
  return is_table_array(v) and "ArrayHash" or "Array"
end

local function is_table(tt) return tt == "Hash" or tt == "ArrayHash" end

-- strconv.FormatFloat(f, 'f' or 'g', -1, 64) plus floatAddDecimal of each version.
local function float_text(f, helm)
  if f ~= f then return "nan" end
  if f == huge then return "inf" end
  if f == -huge then return "-inf" end
  if helm == "3" then
    local s = strconv.format_float(f, "f", -1)
    if not sfind(s, ".", 1, true) then s = s .. ".0" end
    return s
  end
  local s = strconv.format_float(f, "g", -1)
  if not sfind(s, "[e.]") then s = s .. ".0" end
  return s
end

local Encoder = {}
Encoder.__index = Encoder

function Encoder:write(s)
  self.out[#self.out + 1] = s
  self.written = true
end

function Encoder:newline()
  if self.written then self:write("\n") end
end

local function indent(key) return srep("  ", #key - 1) end

function Encoder:element(v)
  local k = kind(v)
  if k == "string" then
    self:write(quoted(v))
  elseif k == "bool" then
    self:write(tostring(v))
  elseif k == "int" then
    self:write(type(v) == "table" and v[1] or sfmt("%d", v))
  elseif k == "float" then
    self:write(float_text(value.tonumber(v), self.helm))
  elseif k == "list" then
    self:write("[")
    for i = 1, #v do
      self:element(v[i])
      if i ~= #v then self:write(", ") end
    end
    self:write("]")
  elseif k == "map" then
    self:map(nil, v, true)
  else
    -- a nil element: reflect panics in Go, a template error
    fallback("toToml of a nil inside a list")
  end
end

function Encoder:key_value(key, v, inline)
  if #key == 0 then return self:element(v) end
  self:write(indent(key) .. key_piece(key[#key]) .. " = ")
  self:element(v)
  if not inline then self:newline() end
end

function Encoder:array_of_tables(key, list)
  if #key == 0 then error({ ENCODE_ERROR, "toml: top-level values must be Go maps or structs" }, 0) end
  for i = 1, #list do
    self:newline()
    self:write(indent(key) .. "[[" .. key_string(key) .. "]]")
    self:newline()
    self:map(key, list[i], false)
  end
end

function Encoder:table(key, m)
  if #key == 1 then self:newline() end
  if #key > 0 then
    self:write(indent(key) .. "[" .. key_string(key) .. "]")
    self:newline()
  end
  self:map(key, m, false)
end

function Encoder:encode(key, v)
  local tt = type_of(v)
  if tt == nil then return end
  if tt == "Hash" then return self:table(key, v) end
  if tt == "ArrayHash" then return self:array_of_tables(key, v) end
  self:key_value(key, v, false)
end

-- Keys whose values are not tables first, then the tables, each group in byte order; nil
-- values skipped (inline, a skipped last key still leaves its predecessor's ", ").
function Encoder:map(key, m, inline)
  local direct, sub = {}, {}
  for k, v in pairs(m) do
    if type(k) ~= "string" then fallback("toToml of a map with a non-string key") end
    if is_table(type_of(v)) then sub[#sub + 1] = k else direct[#direct + 1] = k end
  end
  table.sort(direct)
  table.sort(sub)
  local function write_keys(keys, trail_comma)
    for i, k in ipairs(keys) do
      local v = m[k]
      if v ~= nil and v ~= null then
        if inline then
          self:key_value({ k }, v, true)
          if trail_comma or i ~= #keys then self:write(", ") end
        else
          self:encode(add(key or {}, k), v)
        end
      end
    end
  end
  if inline then self:write("{") end
  write_keys(direct, #sub > 0)
  write_keys(sub, false)
  if inline then self:write("}") end
end

--- What Helm's toToml returns for v: the encoded text, or the encoder's error text.
---@param v any
---@param helm string "3"|"4"
---@return string|nil text, string|nil reason  reason: left to helm
function M.encode(v, helm)
  if v == nil or v == null then return nil, "toToml of nil" end
  local enc = setmetatable({ out = {}, written = false, helm = helm }, Encoder)
  local ok, err = pcall(enc.encode, enc, {}, v)
  if ok then return concat(enc.out) end
  if type(err) == "table" and err[1] == ENCODE_ERROR then return err[2] end
  if type(err) == "table" and err[1] == FALLBACK then return nil, err[2] end
  error(err, 0)
end

M.decode = require("hfl.chart.toml_decode").decode

return M
