--- Helpers shared by the template function groups: Go type names, Go's argument conversions
--- (text/template's and spf13/cast's), and printing values as Go's fmt does.
local value = require("hfl.value")
local gofmt = require("hfl.tmpl.fmt")

local M = {}

local type, getmetatable, setmetatable, tostring, tonumber = type, getmetatable, setmetatable, tostring, tonumber
local floor, huge, fmt = math.floor, math.huge, string.format
local null, map_mt, list_mt, float_mt = value.null, value.map_mt, value.list_mt, value.float_mt
local kind = value.kind

M.kind = kind
M.null = null

-- Lists whose Go type is []string (splitList, keys, toStrings…) and maps that are
-- map[string]string (split), so typeOf can say so; weak, as the values are ordinary lists
-- and maps.
local go_types = gofmt.go_types

--- Types of values made by the function library itself (time.Time, *url.URL-like…) register
--- here: mt → { go_type =, go_kind =, string = function(v) }.
M.types = setmetatable({}, {
  -- Registering a type also tells the template engine's fmt how Go prints it: its String()
  -- method for %v/%s and its name for %T.
  __newindex = function(types, mt, info)
    rawset(types, mt, info)
    mt.__gotype = info.go_type
    mt.__gostring = info.string
  end,
})

--- True for Go nil (a missing value or the null sentinel).
function M.is_nil(v) return v == nil or v == null end

M.num = value.tonumber
local num = M.num

--- A new list / map in the values model.
function M.list(t) return setmetatable(t or {}, list_mt) end
function M.map() return setmetatable({}, map_mt) end
function M.strlist(t)
  t = setmetatable(t or {}, list_mt)
  go_types[t] = "[]string"
  return t
end
function M.strmap(t)
  go_types[t] = "map[string]string"
  return t
end
--- t, whose Go type is now name (for typeOf, typeIs and %T; kindOf follows its kind).
function M.go_typed(t, name)
  go_types[t] = name
  return t
end

--- A float result: integral values are boxed so they print as Go floats.
function M.float(n) return value.float(n) end

--- Go's type name of a value as %T prints it.
function M.go_type(v)
  local st = type(v) == "table" and M.types[getmetatable(v)]
  if st then return st.go_type end
  if value.is_int64(v) then return "int64" end
  if go_types[v] then return go_types[v] end
  local k = kind(v)
  if k == "string" then return "string"
  elseif k == "int" then return "int"
  elseif k == "float" then return "float64"
  elseif k == "bool" then return "bool"
  elseif k == "null" then return "<nil>"
  elseif k == "map" then return "map[string]interface {}"
  elseif k == "list" then return "[]interface {}"
  end
  local t = type(v) == "table" and M.types[getmetatable(v)]
  if t then return t.go_type end
  if type(v) == "function" then return "func()" end
  return k
end

--- Go's reflect.Kind name of a value.
function M.go_kind(v)
  local st = type(v) == "table" and M.types[getmetatable(v)]
  if st then return st.go_kind end
  if value.is_int64(v) then return "int64" end
  local k = kind(v)
  if k == "float" then return "float64"
  elseif k == "null" then return "invalid"
  elseif k == "list" then return "slice"
  elseif k == "int" or k == "string" or k == "bool" or k == "map" then return k
  end
  local t = type(v) == "table" and M.types[getmetatable(v)]
  if t then return t.go_kind end
  if type(v) == "function" then return "func" end
  return k
end

-- Shortest decimal digits that read back as x: returns digits (no dot), decimal exponent
-- (value = 0.d1d2… × 10^dp), as strconv's shortest formatting does.
local function shortest(x)
  local s
  for p = 1, 17 do
    s = fmt("%." .. (p - 1) .. "e", x)
    if tonumber(s) == x then break end
  end
  local m, e = s:match("^(%d[%.%d]*)e([-+]%d+)$")
  local digits = m:gsub("%.", "")
  digits = digits:gsub("0+$", "")
  if digits == "" then digits = "0" end
  return digits, tonumber(e) + 1
end
M.shortest = shortest

local function exp_suffix(e, min_digits)
  local sign = e < 0 and "-" or "+"
  local a = tostring(math.abs(e))
  if #a < min_digits then a = ("0"):rep(min_digits - #a) .. a end
  return "e" .. sign .. a
end

--- Formats a float as strconv.FormatFloat(x, mode, -1, 64) would: mode "g" (fmt's %v: %e
--- below 1e-4 and from 1e+06 on), "e", "f", or "json" (encoding/json: %e below 1e-6 and
--- from 1e21 on).
function M.format_float(x, mode, exp_digits)
  if x ~= x then return "NaN" end
  if x == huge then return "+Inf" end
  if x == -huge then return "-Inf" end
  local neg = x < 0 or (x == 0 and 1 / x < 0)
  if neg then x = -x end
  local sign = neg and "-" or ""
  if x == 0 then return sign .. "0" end
  local digits, dp = shortest(x)
  local exp = dp - 1
  local use_e
  if mode == "e" then use_e = true
  elseif mode == "f" then use_e = false
  elseif mode == "json" then use_e = x < 1e-6 or x >= 1e21
  else use_e = exp < -4 or exp >= 6 end
  if use_e then
    local m = digits:sub(1, 1)
    if #digits > 1 then m = m .. "." .. digits:sub(2) end
    return sign .. m .. exp_suffix(exp, exp_digits or 2)
  end
  if dp <= 0 then
    return sign .. "0." .. ("0"):rep(-dp) .. digits
  elseif dp >= #digits then
    return sign .. digits .. ("0"):rep(dp - #digits)
  end
  return sign .. digits:sub(1, dp) .. "." .. digits:sub(dp + 1)
end

local function int_string(v)
  if type(v) == "table" then return v[1] end
  if v == floor(v) and math.abs(v) < 2 ^ 63 then return fmt("%d", v) end
  return fmt("%.0f", v)
end
M.int_string = int_string

--- fmt.Sprint of one value (%v).
function M.sprint(v)
  local t = type(v)
  if t == "string" then return v end
  if t == "table" then
    local st = M.types[getmetatable(v)]
    if st and st.string then return st.string(v) end
  end
  return gofmt.sprint(v)
end

--- fmt.Sprintf.
function M.sprintf(format, ...)
  return gofmt.sprintf(format, ...)
end

--- Sprig's strval: strings as they are, anything else as %v.
M.strval = M.sprint

--- Go's strconv.Quote (used by %q).
function M.quote(s)
  local out = { '"' }
  local i, n = 1, #s
  while i <= n do
    local c = s:byte(i)
    local len = c < 0x80 and 1 or c >= 0xF0 and 4 or c >= 0xE0 and 3 or c >= 0xC0 and 2 or 1
    local ch = s:sub(i, i + len - 1)
    local valid = len == 1 and c < 0x80 or (len > 1 and #ch == len and ch:match("^[\xC2-\xF4][\x80-\xBF]+$") ~= nil)
    if len > 1 and not valid then len, ch = 1, s:sub(i, i) end
    if c == 34 then out[#out + 1] = '\\"'
    elseif c == 92 then out[#out + 1] = "\\\\"
    elseif c == 7 then out[#out + 1] = "\\a"
    elseif c == 8 then out[#out + 1] = "\\b"
    elseif c == 12 then out[#out + 1] = "\\f"
    elseif c == 10 then out[#out + 1] = "\\n"
    elseif c == 13 then out[#out + 1] = "\\r"
    elseif c == 9 then out[#out + 1] = "\\t"
    elseif c == 11 then out[#out + 1] = "\\v"
    elseif c < 32 or c == 127 then out[#out + 1] = fmt("\\x%02x", c)
    elseif c >= 0x80 and not valid then out[#out + 1] = fmt("\\x%02x", c)
    else out[#out + 1] = ch end
    i = i + len
  end
  out[#out + 1] = '"'
  return table.concat(out)
end

--- Raised for a call whose argument has the wrong Go type (text/template's wording).
function M.type_error(v, want)
  if v == nil then error("invalid value; expected " .. want, 0) end
  if v == null then error("wrong type for value; expected " .. want .. "; got interface {}", 0) end
  error("wrong type for value; expected " .. want .. "; got " .. M.go_type(v), 0)
end

--- A `string` parameter.
function M.str(v)
  if type(v) == "string" then return v end
  M.type_error(v, "string")
end

--- An `int` parameter (integral numbers; strings and others are Go type errors).
function M.int(v)
  local t = type(v)
  if t == "number" then
    if v == floor(v) then return v end
    M.type_error(v, "int")
  end
  local k = kind(v)
  if k == "int" or k == "float" then
    local n = num(v)
    if n == floor(n) then return n end
  end
  M.type_error(v, "int")
end

--- A `float64` parameter.
function M.float64(v)
  local k = kind(v)
  if k == "int" or k == "float" then return num(v) end
  M.type_error(v, "float64")
end

local function trunc(n)
  if n ~= n then return -2 ^ 63 end
  if n >= 0 then return floor(n) end
  return -floor(-n)
end

-- strconv.ParseInt(s, 0, 64): base prefixes 0x 0o 0b and a leading 0 for octal, underscores
-- only between digits with a prefix.
local function parse_int0(s)
  local sign, body = s:match("^([+-]?)(.*)$")
  if body == "" then return nil end
  local base, digits = 10, body
  local lower = body:lower()
  if lower:sub(1, 2) == "0x" then base, digits = 16, body:sub(3)
  elseif lower:sub(1, 2) == "0o" then base, digits = 8, body:sub(3)
  elseif lower:sub(1, 2) == "0b" then base, digits = 2, body:sub(3)
  elseif body:sub(1, 1) == "0" and #body > 1 then base, digits = 8, body:sub(2) end
  if digits:find("_") then
    -- Go's underscoreOK: each underscore between digits (or right after a base prefix)
    local prefixed = base ~= 10
    local check = (prefixed and body:sub(1, 1) == "0") and ("0" .. digits) or digits
    if check:find("__") or check:sub(-1) == "_" or check:sub(1, 1) == "_" then return nil end
    digits = digits:gsub("_", "")
  end
  if digits == "" then return nil end
  if base == 10 then
    if not digits:match("^%d+$") then return nil end
    local d = digits:gsub("^0+", "")
    local limit = sign == "-" and "9223372036854775808" or "9223372036854775807"
    if #d > 19 or (#d == 19 and d > limit) then return nil end
    return tonumber(sign .. (d == "" and "0" or d)) + 0
  end
  local n = 0
  for i = 1, #digits do
    local d = tonumber(digits:sub(i, i), 16)
    if not d or d >= base then return nil end
    n = n * base + d
  end
  if n > 2 ^ 63 or (n == 2 ^ 63 and sign ~= "-") then return nil end
  return sign == "-" and -n or n
end
M.parse_int0 = parse_int0

local function trim_zero_decimal(s)
  local int_part, frac = s:match("^(.-)%.(0*)$")
  if int_part and int_part ~= "" then return int_part end
  return s
end

M.trim_zero_decimal = trim_zero_decimal

-- Decimal digits within int64 but beyond 2^53 stay exact as a value.int box.
local function big_decimal(s)
  local sign, digits = s:match("^([+-]?)0*(%d+)$")
  if not digits or #digits < 16 then return nil end
  local limit = sign == "-" and "9223372036854775808" or "9223372036854775807"
  if #digits > 19 or (#digits == 19 and digits > limit) then return nil end
  local n = tonumber(digits)
  if n < 2 ^ 53 then return nil end
  return value.int((sign == "-" and "-" or "") .. digits)
end
M.big_decimal = big_decimal

--- spf13/cast.ToInt64: numbers truncate, strings parse with base prefixes, bools 1/0,
--- anything else 0.
function M.toint64(v)
  local k = kind(v)
  if k == "int" then
    if type(v) == "table" then return tonumber(v[1]) end
    return v
  elseif k == "float" then
    return trunc(num(v))
  elseif k == "bool" then
    return v and 1 or 0
  elseif k == "string" then
    return parse_int0(trim_zero_decimal(v)) or 0
  end
  return 0
end

--- spf13/cast.ToFloat64.
function M.tofloat64(v)
  local k = kind(v)
  if k == "int" or k == "float" then return num(v) end
  if k == "bool" then return v and 1 or 0 end
  if k == "string" then
    local s = v
    if v:find("_") then
      if v:find("__") or v:match("^[+-]?_") or v:sub(-1) == "_" or v:find("_[^%x]") or v:find("[^%x]_") then return 0 end
      s = v:gsub("_", "")
    end
    return M.parse_float(s) or 0
  end
  return 0
end

--- strconv.ParseFloat(s, 64): nil when invalid.
function M.parse_float(s)
  local l = s:lower()
  if l == "inf" or l == "+inf" or l == "infinity" or l == "+infinity" then return huge end
  if l == "-inf" or l == "-infinity" then return -huge end
  if l == "nan" then return 0 / 0 end
  if s:match("^[+-]?%d+%.?%d*[eE][+-]?%d+$") or s:match("^[+-]?%d*%.?%d+[eE][+-]?%d+$")
    or s:match("^[+-]?%d+%.?%d*$") or s:match("^[+-]?%d*%.%d+$") then
    return tonumber(s)
  end
  -- hex floats need a p exponent, as in Go
  if s:match("^[+-]?0[xX][%x]*%.?[%x]*[pP][+-]?%d+$") then return tonumber(s) end
  return nil
end

--- Go's truthiness (text/template's `if`, Sprig's empty).
function M.truth(v)
  local k = kind(v)
  if k == "null" then return false
  elseif k == "bool" then return v
  elseif k == "string" then return v ~= ""
  elseif k == "int" or k == "float" then return num(v) ~= 0
  elseif k == "list" then return #v > 0
  elseif k == "map" then
    if type(v) == "table" and M.types[getmetatable(v)] then return true end
    return next(v) ~= nil
  end
  return true
end

--- Items of a list (or nil when v is not a list).
function M.is_list(v) return kind(v) == "list" end
function M.is_map(v)
  return kind(v) == "map" and not (type(v) == "table" and M.types[getmetatable(v)])
end

--- n cryptographically random bytes (OpenSSL's RAND, through hfl.crypto).
function M.random_bytes(n)
  if n <= 0 then return "" end
  return require("hfl.crypto").random(n)
end

--- Registers `names` as functions that fail with "function X is not supported by hfl".
function M.unsupported(F, names, why)
  for _, name in ipairs(names) do
    F[name] = function()
      error("function " .. name .. " is not supported by hfl" .. (why and (": " .. why) or ""), 0)
    end
  end
end

return M
