--- Helm's toToml and fromToml: TOML written and read as github.com/BurntSushi/toml does —
--- v1.4.0 in helm 3.17.3, v1.6.0 in helm 4.1.4 (they differ in how floats are written).
---
---   local text, err = toml.encode(value, "3")   -- what toToml prints (an error's text included)
---   local map, err = toml.decode(text)          -- what fromToml returns
--- err (nil, reason) means this module cannot reproduce helm's result: the caller leaves the
--- render to helm. The decoder reads TOML 1.0 strictly; whatever it refuses (errors, TOML 1.1
--- forms that helm 4's decoder accepts, datetimes, which Go holds as time.Time) goes to helm.
local value = require "hfl.value"
local strconv = require "hfl.tmpl.strconv"

local M = {}

local type, getmetatable, tostring, tonumber = type, getmetatable, tostring, tonumber
local sbyte, ssub, sfind, smatch, srep, sfmt, concat = string.byte, string.sub, string.find, string.match,
  string.rep, string.format, table.concat
local null, float_mt, int_mt, map_mt, list_mt = value.null, value.float_mt, value.int_mt, value.map_mt, value.list_mt
local huge = math.huge

-- Raised inside both directions; caught by the public functions.
local FALLBACK, ENCODE_ERROR = {}, {}

local function fallback(reason) error({ FALLBACK, reason }, 0) end

---------------------------------------------------------------------------------------------
-- Encoding (encode.go)
---------------------------------------------------------------------------------------------

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

---------------------------------------------------------------------------------------------
-- Decoding (TOML 1.0)
---------------------------------------------------------------------------------------------

local Parser = {}
Parser.__index = Parser

function Parser:fail(what)
  local line = select(2, ssub(self.s, 1, self.i - 1):gsub("\n", "")) + 1
  fallback(sfmt("fromToml: %s at line %d", what, line))
end

function Parser:peek(n) return ssub(self.s, self.i, self.i + (n or 1) - 1) end

function Parser:skip_ws() self.i = self.s:match("^[ \t]*()", self.i) end

-- Skips white space, newlines and comments (inside arrays and between lines).
function Parser:skip_blank()
  while true do
    self.i = self.s:match("^[ \t\r\n]*()", self.i)
    if self:peek() == "#" then
      self.i = self.s:match("^[^\n]*()", self.i)
    else
      return
    end
  end
end

-- The end of a line: white space, an optional comment, then a newline or the end.
function Parser:line_end()
  self:skip_ws()
  if self:peek() == "#" then self.i = self.s:match("^[^\n]*()", self.i) end
  local c = self:peek()
  if c == "" then return end
  if c == "\n" then
    self.i = self.i + 1
  elseif self:peek(2) == "\r\n" then
    self.i = self.i + 2
  else
    self:fail("expected the end of the line")
  end
end

local function utf8_char(cp)
  if cp >= 0xD800 and cp <= 0xDFFF or cp > 0x10FFFF then return nil end
  return strconv.utf8_encode(cp)
end

local SIMPLE_ESC = { b = "\b", t = "\t", n = "\n", f = "\f", r = "\r", ['"'] = '"', ["\\"] = "\\" }

function Parser:escape()
  -- at the character after the backslash
  local c = self:peek()
  if SIMPLE_ESC[c] then
    self.i = self.i + 1
    return SIMPLE_ESC[c]
  end
  local len = (c == "u" and 4) or (c == "U" and 8)
  if not len then self:fail("invalid escape") end
  local hex = ssub(self.s, self.i + 1, self.i + len)
  if #hex ~= len or not hex:find("^%x+$") then self:fail("invalid unicode escape") end
  local ch = utf8_char(tonumber(hex, 16))
  if not ch then self:fail("invalid unicode escape") end
  self.i = self.i + 1 + len
  return ch
end

function Parser:basic_string()
  self.i = self.i + 1
  local out = {}
  while true do
    local j = self.s:find('["\\\n]', self.i)
    if not j then self:fail("unterminated string") end
    out[#out + 1] = ssub(self.s, self.i, j - 1)
    local c = ssub(self.s, j, j)
    self.i = j + 1
    if c == '"' then break end
    if c == "\n" then self:fail("newline in a string") end
    out[#out + 1] = self:escape()
  end
  return concat(out)
end

function Parser:literal_string()
  local j = self.s:find("['\n]", self.i + 1)
  if not j or ssub(self.s, j, j) ~= "'" then self:fail("unterminated literal string") end
  local s = ssub(self.s, self.i + 1, j - 1)
  self.i = j + 1
  return s
end

-- After the closing delimiter's run of quotes: up to two of them belong to the content.
function Parser:close_run(q)
  local run = self.s:match("^" .. q .. "+", self.i)
  if #run > 5 then self:fail("too many quotes") end
  self.i = self.i + #run
  return srep(q, #run - 3)
end

function Parser:ml_basic_string()
  self.i = self.i + 3
  if self:peek() == "\n" then self.i = self.i + 1 elseif self:peek(2) == "\r\n" then self.i = self.i + 2 end
  local out = {}
  while true do
    local j = self.s:find('["\\]', self.i)
    if not j then self:fail("unterminated string") end
    -- (a CR in the text is always part of a CRLF: see valid_text)
    out[#out + 1] = (ssub(self.s, self.i, j - 1):gsub("\r\n", "\n"))
    self.i = j
    if ssub(self.s, j, j + 2) == '"""' then
      out[#out + 1] = self:close_run('"')
      break
    elseif ssub(self.s, j, j) == '"' then
      out[#out + 1] = '"'
      self.i = j + 1
    else
      self.i = j + 1
      local after = self.s:match("^[ \t]*\r?\n()", self.i)
      if after then
        self.i = self.s:match("^[ \t\r\n]*()", after)
      else
        out[#out + 1] = self:escape()
      end
    end
  end
  return concat(out)
end

function Parser:ml_literal_string()
  self.i = self.i + 3
  if self:peek() == "\n" then self.i = self.i + 1 elseif self:peek(2) == "\r\n" then self.i = self.i + 2 end
  local j = self.s:find("'''", self.i, true)
  if not j then self:fail("unterminated literal string") end
  local s = ssub(self.s, self.i, j - 1)
  self.i = j
  s = s .. self:close_run("'")
  return (s:gsub("\r\n", "\n"))
end

function Parser:string_value()
  if self:peek(3) == '"""' then return self:ml_basic_string() end
  if self:peek(3) == "'''" then return self:ml_literal_string() end
  if self:peek() == '"' then return self:basic_string() end
  return self:literal_string()
end

function Parser:key_piece()
  local c = self:peek()
  if c == '"' then return self:basic_string() end
  if c == "'" then return self:literal_string() end
  local bare, after = self.s:match("^([%w_%-]+)()", self.i)
  if not bare then self:fail("expected a key") end
  self.i = after
  return bare
end

-- A dotted key: its pieces.
function Parser:key()
  local pieces = {}
  while true do
    self:skip_ws()
    pieces[#pieces + 1] = self:key_piece()
    self:skip_ws()
    if self:peek() ~= "." then return pieces end
    self.i = self.i + 1
  end
end

local INT64_MAX = "9223372036854775807"

-- Decimal digits (no sign) of an integer in base 2, 8 or 16, or nil beyond int64.
local function based_digits(digits, base)
  local n = 0
  for k = 1, #digits do
    n = n * base + tonumber(ssub(digits, k, k), 16)
    if n >= 2 ^ 63 then return nil end
  end
  if n < 2 ^ 53 then return sfmt("%d", n) end
  return nil
end

local function underscores_ok(s) return not (s:find("__", 1, true) or s:find("^_") or s:find("_$")) end

function Parser:number_value()
  local tok, after = self.s:match("^([%w_%.%+%-:]+)()", self.i)
  if not tok then self:fail("expected a value") end
  if tok:find("^%d%d%d%d%-%d%d%-%d%d") or tok:find("^%d%d:%d%d") then
    fallback("fromToml of a datetime (a Go time.Time)")
  end
  self.i = after
  if tok == "inf" or tok == "+inf" then return value.float(huge) end
  if tok == "-inf" then return value.float(-huge) end
  if tok:find("nan$") then fallback("fromToml of nan") end
  local prefix, digits = tok:match("^0([xob])([%x_]+)$")
  if prefix then
    if not underscores_ok(digits) then self:fail("invalid integer") end
    digits = digits:gsub("_", "")
    local base = ({ x = 16, o = 8, b = 2 })[prefix]
    local pat = ({ x = "^%x+$", o = "^[0-7]+$", b = "^[01]+$" })[prefix]
    if not digits:find(pat) then self:fail("invalid integer") end
    local d = based_digits(digits, base)
    if not d then fallback("fromToml of a large integer") end
    return tonumber(d)
  end
  local sign, int, frac, exp = tok:match("^([%+%-]?)(%d[%d_]*)(%.?[%d_]*)([eE]?[%+%-]?[%d_]*)$")
  if not sign then self:fail("invalid number") end
  if not underscores_ok(int) or (int:find("^0") and #int > 1) then self:fail("invalid number") end
  if frac ~= "" and (frac == "." or not underscores_ok(ssub(frac, 2)) or ssub(frac, 2, 2) == "_") then
    self:fail("invalid float")
  end
  if exp ~= "" then
    local e = exp:match("^[eE][%+%-]?(.*)$")
    if e == "" or not underscores_ok(e) then self:fail("invalid float") end
  end
  local clean = tok:gsub("_", "")
  if frac == "" and exp == "" then
    local d = clean:gsub("^[%+%-]", "")
    local max = sign == "-" and "9223372036854775808" or INT64_MAX
    if #d > #max or (#d == #max and d > max) then
      fallback("fromToml of an integer beyond int64")
    end
    if sign == "-" then d = "-" .. d end
    return value.int(d)
  end
  local f = tonumber(clean)
  if not f then self:fail("invalid float") end
  if f == huge or f == -huge then fallback("fromToml of a float beyond float64") end
  return value.float(f)
end

function Parser:array()
  self.i = self.i + 1
  local list = {}
  while true do
    self:skip_blank()
    if self:peek() == "]" then break end
    list[#list + 1] = self:value()
    self:skip_blank()
    local c = self:peek()
    if c == "," then
      self.i = self.i + 1
    elseif c == "]" then
      break
    else
      self:fail("expected , or ] in an array")
    end
  end
  self.i = self.i + 1
  return setmetatable(list, list_mt)
end

function Parser:inline_table()
  self.i = self.i + 1
  local t = { map = {}, kind = "inline" }
  self:skip_ws()
  if self:peek() == "}" then
    self.i = self.i + 1
    return t
  end
  while true do
    self:key_value(t, true)
    self:skip_ws()
    local c = self:peek()
    self.i = self.i + 1
    if c == "}" then return t end
    if c ~= "," then self:fail("expected , or } in an inline table") end
  end
end

-- Arrays and inline tables nested deeper than this are left to helm (Lua's stack is not Go's).
local MAX_DEPTH = 200

function Parser:nested(read)
  self.depth = self.depth + 1
  if self.depth > MAX_DEPTH then fallback("fromToml of values nested too deep") end
  local v = read(self)
  self.depth = self.depth - 1
  return v
end

function Parser:value()
  local c = self:peek()
  if c == '"' or c == "'" then return self:string_value() end
  if c == "[" then return self:nested(self.array) end
  if c == "{" then return self:nested(self.inline_table) end
  if self.s:find("^true", self.i) and not self.s:find("^true[%w_%-]", self.i) then
    self.i = self.i + 4
    return true
  end
  if self.s:find("^false", self.i) and not self.s:find("^false[%w_%-]", self.i) then
    self.i = self.i + 5
    return false
  end
  return self:number_value()
end

-- Tables are { map = {key → value or table}, kind = "header" | "implicit" | "dotted" |
-- "inline" }; arrays of tables are { aot = {table…} }; both become maps and lists at the end.
local function is_tbl(v) return type(v) == "table" and v.map ~= nil end

function Parser:key_value(tbl, in_inline)
  local key = self:key()
  self:skip_ws()
  if self:peek() ~= "=" then self:fail("expected =") end
  self.i = self.i + 1
  self:skip_ws()
  local v = self:value()
  for n = 1, #key - 1 do
    local k = key[n]
    local cur = tbl.map[k]
    if cur == nil then
      cur = { map = {}, kind = in_inline and "inline" or "dotted" }
      tbl.map[k] = cur
    elseif not (is_tbl(cur) and cur.kind == (in_inline and "inline" or "dotted") and not cur.closed) then
      self:fail("key " .. k .. " defined twice")
    end
    tbl = cur
  end
  local last = key[#key]
  if tbl.map[last] ~= nil then self:fail("key " .. last .. " defined twice") end
  if is_tbl(v) then v.closed = true end
  tbl.map[last] = v
end

-- Walks a header's key from the root; the parent tables are created implicitly.
function Parser:walk(key)
  local tbl = self.root
  for n = 1, #key - 1 do
    local k = key[n]
    local cur = tbl.map[k]
    if cur == nil then
      cur = { map = {}, kind = "implicit" }
      tbl.map[k] = cur
    elseif type(cur) == "table" and cur.aot then
      cur = cur.aot[#cur.aot]
    elseif not (is_tbl(cur) and cur.kind ~= "inline") then
      self:fail("key " .. k .. " is not a table")
    end
    tbl = cur
  end
  return tbl
end

function Parser:header()
  local array = self:peek(2) == "[["
  self.i = self.i + (array and 2 or 1)
  local key = self:key()
  if ssub(self.s, self.i, self.i + (array and 1 or 0)) ~= (array and "]]" or "]") then
    self:fail("expected the end of a table header")
  end
  self.i = self.i + (array and 2 or 1)
  self:line_end()
  local parent = self:walk(key)
  local last = key[#key]
  local cur = parent.map[last]
  if array then
    if cur == nil then
      cur = { aot = {} }
      parent.map[last] = cur
    elseif not (type(cur) == "table" and cur.aot) then
      self:fail("key " .. last .. " is not an array of tables")
    end
    local t = { map = {}, kind = "header" }
    cur.aot[#cur.aot + 1] = t
    return t
  end
  if cur == nil then
    cur = { map = {}, kind = "header" }
    parent.map[last] = cur
  elseif is_tbl(cur) and cur.kind == "implicit" then
    cur.kind = "header"
  else
    self:fail("table " .. last .. " defined twice")
  end
  -- dotted tables of the sections before stay closed to this one
  return cur
end

function Parser:close_dotted(tbl)
  for _, v in pairs(tbl.map) do
    if is_tbl(v) and v.kind == "dotted" then
      v.closed = true
      self:close_dotted(v)
    end
  end
end

local function convert(v)
  if type(v) ~= "table" then return v end
  local mt = getmetatable(v)
  if mt == list_mt then
    for i = 1, #v do v[i] = convert(v[i]) end
    return v
  end
  if mt == float_mt or mt == int_mt then return v end
  if v.aot then
    local list = {}
    for i, t in ipairs(v.aot) do list[i] = convert(t) end
    return setmetatable(list, list_mt)
  end
  local m = {}
  for k, x in pairs(v.map) do m[k] = convert(x) end
  return value.map(m)
end

local function valid_text(s)
  -- control characters other than tab and newline, a CR not before LF, invalid UTF-8
  if s:find("[%z\1-\8\11\12\14-\31\127]") then return false end
  if s:gsub("\r\n", ""):find("\r", 1, true) then return false end
  if not s:find("[\128-\255]") then return true end
  for _, r in ipairs(strconv.runes(s)) do
    if r.bad then return false end
  end
  return true
end

function Parser:document()
  local tbl = self.root
  while true do
    self:skip_blank()
    local c = self:peek()
    if c == "" then return end
    if c == "[" then
      self:close_dotted(tbl)
      tbl = self:header()
    else
      self:key_value(tbl, false)
      self:line_end()
    end
  end
end

--- What Helm's fromToml returns for text: a map (tables sorted by key), or nil, reason when
--- this decoder cannot say (invalid TOML, a datetime, …).
---@param s string
---@return table|nil map, string|nil reason
function M.decode(s)
  if type(s) ~= "string" then return nil, "fromToml of a non-string" end
  if not valid_text(s) then return nil, "fromToml of text with control characters or invalid UTF-8" end
  local p = setmetatable({ s = s, i = 1, depth = 0, root = { map = {}, kind = "header" } }, Parser)
  local ok, err = pcall(p.document, p)
  if not ok then
    if type(err) == "table" and err[1] == FALLBACK then return nil, err[2] end
    error(err, 0)
  end
  return convert(p.root)
end

return M
