--- Helm's fromToml: TOML read as github.com/BurntSushi/toml reads it into a
--- map[string]interface{} (helm 3.17.3 vendors v1.4.0, helm 4.1.4 v1.6.0), see hfl.chart.toml.
--- TOML 1.0, strictly: whatever this decoder refuses — errors (helm answers with an Error key in
--- its own words), TOML 1.1 forms helm 4 accepts, datetimes (Go's time.Time), nan — goes to helm.
local value = require "hfl.value"
local strconv = require "hfl.tmpl.strconv"

local M = {}

local type, getmetatable, tonumber = type, getmetatable, tonumber
local ssub, srep, sfmt, concat = string.sub, string.rep, string.format, table.concat
local float_mt, int_mt, list_mt = value.float_mt, value.int_mt, value.list_mt
local huge = math.huge

local FALLBACK = {}

local function fallback(reason) error({ FALLBACK, reason }, 0) end


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

-- An int64, as Go holds TOML's integers: boxed and marked as hfl.stdlib.json marks the
-- int64s of Kubernetes objects (typeOf, kindOf and %T say int64).
local function int64(digits)
  if digits == "-0" then digits = "0" end
  return value.int64(digits)
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
    return int64(d)
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
    return int64(d)
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
