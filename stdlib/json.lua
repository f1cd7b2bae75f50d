--- JSON as Go's encoding/json writes and reads it: sorted map keys, HTML-safe escaping (unless
--- raw), Go's float formatting, and numbers decoded as float64 (boxed when integral), with
--- the scanner's error texts.
local value = require("hfl.value")
local util = require("hfl.stdlib.util")
local text = require("hfl.stdlib.text")

local M = {}

local kind, num, fmt, concat, byte, sub = util.kind, util.num, string.format, table.concat, string.byte, string.sub
local null = value.null

local function encode_string(s, html, out)
  if not s:find(html and '[%c"\\<>&\128-\255]' or '[%c"\\\128-\255]') then
    out[#out + 1] = '"' .. s .. '"'
    return
  end
  out[#out + 1] = '"'
  local i, n, start = 1, #s, 1
  while i <= n do
    local c = byte(s, i)
    local esc
    if c < 0x80 then
      if c == 34 then esc = '\\"'
      elseif c == 92 then esc = "\\\\"
      elseif c == 10 then esc = "\\n"
      elseif c == 13 then esc = "\\r"
      elseif c == 9 then esc = "\\t"
      elseif c == 8 then esc = "\\b"
      elseif c == 12 then esc = "\\f"
      elseif c < 32 or (html and (c == 60 or c == 62 or c == 38)) then esc = fmt("\\u%04x", c) end
      if esc then
        out[#out + 1] = sub(s, start, i - 1)
        out[#out + 1] = esc
        start = i + 1
      end
      i = i + 1
    else
      local len = c >= 0xF0 and 4 or c >= 0xE0 and 3 or c >= 0xC2 and 2 or 0
      local ch = len > 0 and sub(s, i, i + len - 1) or ""
      local ok = len > 0 and #ch == len and ch:match("^.[\128-\191]*$") ~= nil
      if ok then
        local r = text.runes(ch)
        -- text.runes reads an invalid sequence as U+FFFD too; a real U+FFFD is its own 3 bytes
        ok = #r == 1 and (r[1] ~= 0xFFFD or ch == "\239\191\189")
        if ok and (r[1] == 0x2028 or r[1] == 0x2029) then
          out[#out + 1] = sub(s, start, i - 1)
          out[#out + 1] = fmt("\\u%04x", r[1])
          start = i + len
        end
      end
      if not ok then
        out[#out + 1] = sub(s, start, i - 1)
        out[#out + 1] = "\\ufffd"
        i = i + 1
        start = i
      else
        i = i + len
      end
    end
  end
  out[#out + 1] = sub(s, start)
  out[#out + 1] = '"'
end

local function format_number(v)
  local k = kind(v)
  if k == "int" then return util.int_string(v) end
  local x = num(v)
  if x ~= x or x == math.huge or x == -math.huge then
    error("json: unsupported value: " .. util.format_float(x, "g"), 0)
  end
  local s = util.format_float(x, "json")
  -- Go writes e-07 as e-7
  s = s:gsub("e%-0(%d)$", "e-%1")
  return s
end
M.format_number = format_number

local function encode_value(v, html, indent, depth, out)
  local k = kind(v)
  if depth > 1000 and (k == "map" or k == "list") then
    error("json: unsupported value: encountered a cycle via " .. util.go_type(v), 0)
  end
  if k == "null" then out[#out + 1] = "null"
  elseif k == "bool" then out[#out + 1] = v and "true" or "false"
  elseif k == "int" or k == "float" then out[#out + 1] = format_number(v)
  elseif k == "string" then encode_string(v, html, out)
  elseif k == "list" then
    if #v == 0 then out[#out + 1] = "[]" return end
    out[#out + 1] = "["
    for i = 1, #v do
      if i > 1 then out[#out + 1] = "," end
      if indent then out[#out + 1] = "\n" .. indent:rep(depth + 1) end
      encode_value(v[i], html, indent, depth + 1, out)
    end
    if indent then out[#out + 1] = "\n" .. indent:rep(depth) end
    out[#out + 1] = "]"
  elseif k == "map" then
    local t = util.types[getmetatable(v)]
    if t then
      if t.json then encode_value(t.json(v), html, indent, depth, out) return end
      if t.string then encode_string(t.string(v), html, out) return end
    end
    local keys = value.sorted_keys(v)
    if #keys == 0 then out[#out + 1] = "{}" return end
    out[#out + 1] = "{"
    for i, key in ipairs(keys) do
      if i > 1 then out[#out + 1] = "," end
      if indent then out[#out + 1] = "\n" .. indent:rep(depth + 1) end
      encode_string(tostring(key), html, out)
      out[#out + 1] = indent and ": " or ":"
      encode_value(v[key], html, indent, depth + 1, out)
    end
    if indent then out[#out + 1] = "\n" .. indent:rep(depth) end
    out[#out + 1] = "}"
  else
    local t = type(v) == "table" and util.types[getmetatable(v)]
    if t and t.json then encode_value(t.json(v), html, indent, depth, out) return end
    error("json: unsupported type: " .. util.go_type(v), 0)
  end
end

--- json.Marshal (html=true) / an Encoder without HTML escaping (html=false); indent "  "
--- for MarshalIndent. Raises Go's error text.
function M.encode(v, opts)
  opts = opts or {}
  local out = {}
  encode_value(v, opts.html ~= false, opts.indent, 0, out)
  return concat(out)
end

-- Go's quoteChar for scanner errors.
local function quote_char(c)
  if c == "'" then return "'\\''" end
  if c == '"' then return "'\"'" end
  local q = util.quote(c)
  return "'" .. q:sub(2, -2) .. "'"
end

local Decoder = {}
Decoder.__index = Decoder

local function syntax_error(msg) error({ json_error = msg }, 0) end

function Decoder:char_error(context)
  local c = sub(self.s, self.i, self.i)
  local b = byte(c)
  if b and b >= 0x80 then
    c = text.char(text.runes(sub(self.s, self.i, self.i + 3))[1])
  end
  syntax_error("invalid character " .. quote_char(c) .. " " .. context)
end

function Decoder:skip()
  local s, i = self.s, self.i
  while true do
    local c = byte(s, i)
    if c == 32 or c == 9 or c == 10 or c == 13 then i = i + 1 else break end
  end
  self.i = i
end

function Decoder:eof_check()
  if self.i > #self.s then syntax_error("unexpected end of JSON input") end
end

function Decoder:literal(word, v)
  local s = self.s
  for k = 2, #word do
    local i = self.i + k - 1
    if i > #s then
      syntax_error(fmt("invalid character ' ' in literal %s (expecting %s)", word, quote_char(sub(word, k, k))))
    end
    if sub(s, i, i) ~= sub(word, k, k) then
      self.i = i
      self:char_error(fmt("in literal %s (expecting %s)", word, quote_char(sub(word, k, k))))
    end
  end
  self.i = self.i + #word
  return v
end

-- Whether decimal digits (with an optional "-") name an int64.
local function fits_int64(text)
  local digits = text:gsub("^%-", "")
  if #digits ~= 19 then return #digits < 19 end
  return digits <= (text:sub(1, 1) == "-" and "9223372036854775808" or "9223372036854775807")
end

function Decoder:number()
  local s, i = self.s, self.i
  local start = i
  if sub(s, i, i) == "-" then
    i = i + 1
    if i > #s then syntax_error("invalid character ' ' in numeric literal") end
    if not sub(s, i, i):match("%d") then self.i = i self:char_error("in numeric literal") end
  end
  if sub(s, i, i) == "0" then i = i + 1
  else while sub(s, i, i):match("^%d$") do i = i + 1 end end
  if sub(s, i, i) == "." then
    i = i + 1
    if i > #s then syntax_error("invalid character ' ' after decimal point in numeric literal") end
    if not sub(s, i, i):match("^%d$") then self.i = i self:char_error("after decimal point in numeric literal") end
    while sub(s, i, i):match("^%d$") do i = i + 1 end
  end
  local e = sub(s, i, i)
  if e == "e" or e == "E" then
    i = i + 1
    if sub(s, i, i) == "+" or sub(s, i, i) == "-" then i = i + 1 end
    if i > #s then syntax_error("invalid character ' ' in exponent of numeric literal") end
    if not sub(s, i, i):match("^%d$") then self.i = i self:char_error("in exponent of numeric literal") end
    while sub(s, i, i):match("^%d$") do i = i + 1 end
  end
  self.i = i
  local text = sub(s, start, i - 1)
  local n = tonumber(text)
  if n == math.huge or n == -math.huge then
    self.overflow = self.overflow or text
  end
  if self.number_hook then return self.number_hook(text) end
  if self.ints and not text:find("[.eE]") and fits_int64(text) then
    -- an int64, as client-go holds it: boxed (value.int_mt) and marked, so that typeOf,
    -- kindOf and %T say int64 and DeepEqual-style comparisons with an int fail as in Go
    return value.int64(n == 0 and "0" or text)
  end
  return value.float(n)
end

local escapes = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }

function Decoder:string()
  local s, i = self.s, self.i + 1
  local out, start = {}, i
  while true do
    local c = byte(s, i)
    if not c then syntax_error("unexpected end of JSON input") end
    if c == 34 then
      out[#out + 1] = sub(s, start, i - 1)
      self.i = i + 1
      break
    elseif c == 92 then
      out[#out + 1] = sub(s, start, i - 1)
      local e = sub(s, i + 1, i + 1)
      if e == "" then syntax_error("unexpected end of JSON input") end
      if escapes[e] then
        out[#out + 1] = escapes[e]
        i = i + 2
      elseif e == "u" then
        local hex = sub(s, i + 2, i + 5)
        for k = 1, 4 do
          local h = sub(hex, k, k)
          if h == "" then syntax_error("unexpected end of JSON input") end
          if not h:match("%x") then
            self.i = i + 1 + k
            self:char_error("in \\u hexadecimal character escape")
          end
        end
        local cp = tonumber(hex, 16)
        i = i + 6
        if cp >= 0xD800 and cp < 0xDC00 then
          local lo = sub(s, i, i + 5):match("^\\u(%x%x%x%x)$")
          lo = lo and tonumber(lo, 16)
          if lo and lo >= 0xDC00 and lo < 0xE000 then
            cp = 0x10000 + (cp - 0xD800) * 0x400 + (lo - 0xDC00)
            i = i + 6
          else
            cp = 0xFFFD
          end
        elseif cp >= 0xDC00 and cp < 0xE000 then
          cp = 0xFFFD
        end
        out[#out + 1] = text.char(cp)
      else
        self.i = i + 1
        self:char_error("in string escape code")
      end
      start = i
    elseif c < 32 then
      self.i = i
      self:char_error("in string literal")
    else
      i = i + 1
    end
  end
  local str = concat(out)
  if str:find("[\128-\255]") then
    local rs = text.runes(str)
    local re = text.encode(rs)
    if re ~= str then str = re end
  end
  return str
end

function Decoder:value(context)
  self:skip()
  self:eof_check()
  local c = sub(self.s, self.i, self.i)
  if c == "{" then
    self.depth = self.depth + 1
    if self.depth > 2000 then syntax_error("exceeded max depth") end
    self.i = self.i + 1
    local m = util.map()
    self:skip()
    self:eof_check()
    if sub(self.s, self.i, self.i) == "}" then
      self.i = self.i + 1
      self.depth = self.depth - 1
      return m
    end
    while true do
      self:skip()
      self:eof_check()
      if sub(self.s, self.i, self.i) ~= '"' then self:char_error("looking for beginning of object key string") end
      local key = self:string()
      self:skip()
      self:eof_check()
      if sub(self.s, self.i, self.i) ~= ":" then self:char_error("after object key") end
      self.i = self.i + 1
      local v = self:value()
      if m[key] ~= nil then rawset(m, key, v) else m[key] = v end
      self:skip()
      self:eof_check()
      local d = sub(self.s, self.i, self.i)
      self.i = self.i + 1
      if d == "}" then break end
      if d ~= "," then self.i = self.i - 1 self:char_error("after object key:value pair") end
    end
    self.depth = self.depth - 1
    return m
  elseif c == "[" then
    self.depth = self.depth + 1
    if self.depth > 2000 then syntax_error("exceeded max depth") end
    self.i = self.i + 1
    local l = util.list()
    self:skip()
    self:eof_check()
    if sub(self.s, self.i, self.i) == "]" then
      self.i = self.i + 1
      self.depth = self.depth - 1
      return l
    end
    while true do
      l[#l + 1] = self:value()
      self:skip()
      self:eof_check()
      local d = sub(self.s, self.i, self.i)
      self.i = self.i + 1
      if d == "]" then break end
      if d ~= "," then self.i = self.i - 1 self:char_error("after array element") end
    end
    self.depth = self.depth - 1
    return l
  elseif c == '"' then return self:string()
  elseif c == "t" then return self:literal("true", true)
  elseif c == "f" then return self:literal("false", false)
  elseif c == "n" then return self:literal("null", null)
  elseif c == "-" or c:match("%d") then return self:number()
  end
  self:char_error("looking for beginning of value")
end

--- json.Unmarshal into interface{}: value (nil for a top-level null), or nil, err. With
--- opts.ints, numbers are read as Kubernetes reads objects (unstructured JSON): an integer
--- literal that fits int64 is an int, every other number a float64. opts.number(text), when
--- given, makes each number's value from its literal text (as a json.Decoder with UseNumber
--- keeps json.Number).
---@param s string
---@param opts? {ints?: boolean, number?: fun(text: string): any}
function M.decode(s, opts)
  local d = setmetatable({ s = s, i = 1, depth = 0, ints = opts and opts.ints,
    number_hook = opts and opts.number }, Decoder)
  local ok, res = pcall(function()
    local v = d:value()
    d:skip()
    if d.i <= #s then d:char_error("after top-level value") end
    return v
  end)
  if not ok then
    if type(res) == "table" and res.json_error then return nil, res.json_error end
    error(res, 0)
  end
  if d.overflow then
    return nil, "json: cannot unmarshal number " .. d.overflow .. " into Go value of type float64"
  end
  if res == null then return nil end
  return res
end

--- json.Decoder.Decode of the first value in s at index i (what follows it is left alone):
--- the value (value.null for null) and the index after it, or nil, err. Numbers as M.decode.
---@param s string
---@param i integer
---@return any value, integer|string next_or_err
function M.decode_at(s, i)
  local d = setmetatable({ s = s, i = i, depth = 0 }, Decoder)
  local ok, res = pcall(d.value, d)
  if not ok then
    if type(res) == "table" and res.json_error then return nil, res.json_error end
    error(res, 0)
  end
  if d.overflow then return nil, "number " .. d.overflow .. " out of float64 range" end
  return res, d.i
end

M.funcs = {
  toJson = function(v)
    local ok, s = pcall(M.encode, v)
    return ok and s or ""
  end,
  mustToJson = function(v) return M.encode(v) end,
  toPrettyJson = function(v)
    local ok, s = pcall(M.encode, v, { indent = "  " })
    return ok and s or ""
  end,
  mustToPrettyJson = function(v) return M.encode(v, { indent = "  " }) end,
  toRawJson = function(v) return M.encode(v, { html = false }) end,
  mustToRawJson = function(v) return M.encode(v, { html = false }) end,
  fromJson = function(s)
    local v = M.decode(util.str(s))
    return v
  end,
  mustFromJson = function(s)
    local v, err = M.decode(util.str(s))
    if err then error(err, 0) end
    return v
  end,
}

return M
