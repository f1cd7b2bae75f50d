--- Go's fmt for template values: Sprint, Sprintln, Sprintf, following Go 1.19's fmt package
--- (verbs, flags, width, precision, the `%!verb(type=value)` error forms). The number and
--- string conversions underneath are in hfl.tmpl.strconv; format_float and quote are
--- re-exported here for the function library.
--
-- Values follow hfl.value: nil and value.null are Go's nil, Lua numbers are ints when
-- integral and float64 otherwise, float/int boxes keep the kind, maps print sorted as
-- `map[k:v]`, lists as `[a b]`.
local value = require "hfl.value"

local M = {}

local type, tostring, tonumber, getmetatable = type, tostring, tonumber, getmetatable
local sfmt, srep, ssub, sbyte, sfind, concat = string.format, string.rep, string.sub, string.byte, string.find,
  table.concat
local floor, abs, huge = math.floor, math.abs, math.huge
local null, float_mt, int_mt = value.null, value.float_mt, value.int_mt
local kind_of = value.kind
-- Go's fmt takes widths and precisions up to 1e6 ("tooLarge"); larger ones are BAD….
local MAX_NUM = 1e6
local strconv = require "hfl.tmpl.strconv"
local digits_of, utf8_len, runes, utf8_encode = strconv.digits_of, strconv.utf8_len, strconv.runes, strconv.utf8_encode
local is_printable, quote_char, can_backquote, hex_float = strconv.is_printable, strconv.quote_char,
  strconv.can_backquote, strconv.hex_float

M.format_float, M.quote, M.runes, M.utf8_encode = strconv.format_float, strconv.quote, runes, utf8_encode

--- Go types of plain maps and lists that are not map[string]interface {} / []interface {}
--- (a []string from splitList, Helm's chartutil.Values…): table → type name, weak.
M.go_types = setmetatable({}, { __mode = "k" })
local go_types = M.go_types

-- Go's type name of a value, as %T and the %!verb(type=value) forms print it.
local function type_name(v)
  local t = type(v)
  if t == "table" or t == "userdata" then
    local mt = getmetatable(v)
    if mt and mt.__gotype then return mt.__gotype end
    if go_types[v] then return go_types[v] end
    if value.is_int64(v) then return "int64" end
  end
  local k = kind_of(v)
  if k == "null" then return "<nil>" end
  if k == "int" then return "int" end
  if k == "float" then return "float64" end
  if k == "string" then return "string" end
  if k == "bool" then return "bool" end
  if k == "map" then return "map[string]interface {}" end
  if k == "list" then return "[]interface {}" end
  if k == "function" then return "func" end
  return k
end
M.type_name = type_name

-- Formatting state for one verb: flags, width, precision.
local function pad(f, s)
  if not f.wid then return s end
  local n = f.wid - utf8_len(s)
  if n <= 0 then return s end
  if f.minus then return s .. srep(" ", n) end
  return srep(f.zero and "0" or " ", n) .. s
end

local format_value

local function bad_verb(f, v, verb)
  if v == nil or v == null then return "%!" .. verb .. "(<nil>)" end
  return "%!" .. verb .. "(" .. type_name(v) .. "=" .. format_value(f, v, "v", 0) .. ")"
end

-- The hex digits of -a as Go's uint64 conversion sees it (two's complement).
local function neg_hex(a)
  local h = digits_of(a - 1, 16, true)
  h = srep("0", 16 - #h) .. h
  return (h:gsub("%x", function(c) return sfmt("%X", 15 - tonumber(c, 16)) end))
end

local function nozero(f)
  if not f.zero then return f end
  return { wid = f.wid, minus = f.minus }
end

local function fmt_integer(f, v, verb)
  -- v: a Lua number, or an int box (digits); a bad verb names the type of what was given
  local given, neg, digits = v
  if type(v) == "table" then
    digits = v[1]
    neg = ssub(digits, 1, 1) == "-"
    if neg then digits = ssub(digits, 2) end
    if verb ~= "d" and verb ~= "v" then
      v = tonumber(v[1])
      digits = nil
    end
  end
  if not digits then
    neg = v < 0
    local a = abs(v)
    if verb == "d" or verb == "v" then
      digits = sfmt("%.0f", a)
    elseif verb == "x" or verb == "X" then
      digits = digits_of(a, 16, verb == "X")
    elseif verb == "o" or verb == "O" then
      digits = digits_of(a, 8)
    elseif verb == "b" then
      digits = digits_of(a, 2)
    elseif verb == "c" then
      return pad(f, utf8_encode(v))
    elseif verb == "q" then
      return pad(f, quote_char(v, f.plus))
    elseif verb == "U" then
      local h = neg and neg_hex(a) or sfmt("%X", a)
      local want = f.prec and f.prec > 4 and f.prec or 4
      if #h < want then h = srep("0", want - #h) .. h end
      local s = "U+" .. h
      if f.sharp and v <= 0x10FFFF and is_printable(v) then s = s .. " '" .. utf8_encode(v) .. "'" end
      return pad(nozero(f), s)
    else
      return bad_verb(f, given, verb)
    end
  end
  local prec
  if f.prec then
    prec = f.prec
    if prec == 0 and digits == "0" then return pad(nozero(f), "") end
  elseif f.zero and f.wid and not f.minus then
    prec = f.wid
    if neg or f.plus or f.space then prec = prec - 1 end
  end
  if prec and #digits < prec then digits = srep("0", prec - #digits) .. digits end
  local prefix = ""
  if f.sharp then
    if verb == "x" then prefix = "0x" elseif verb == "X" then prefix = "0X"
    elseif verb == "o" and ssub(digits, 1, 1) ~= "0" then prefix = "0"
    elseif verb == "b" then prefix = "0b" end
  end
  if verb == "O" then prefix = "0o" end
  local sign = neg and "-" or (f.plus and "+" or (f.space and " " or ""))
  return pad(nozero(f), sign .. prefix .. digits)
end

local function fmt_float(f, n, verb)
  if verb == "v" then verb = "g" end
  if verb == "F" then verb = "f" end
  local prec = f.prec
  if not prec then prec = (verb == "g" or verb == "G") and -1 or 6 end
  if verb ~= "e" and verb ~= "E" and verb ~= "f" and verb ~= "g" and verb ~= "G" then
    if verb ~= "x" and verb ~= "X" and verb ~= "b" then return nil end
  end
  local s
  if verb == "x" or verb == "X" or verb == "b" then
    s = hex_float(n, verb, f.prec)
  else
    s = M.format_float(n, verb, prec)
  end
  if f.sharp and verb ~= "b" and not s:find("[IN]") then
    -- Go's # keeps a decimal point and, for %g and %x, pads to the precision (6 by default)
    local sign0 = ""
    if ssub(s, 1, 1) == "-" then sign0, s = "-", ssub(s, 2) end
    local mant, tail = s:match("^(.-)([pP].*)$")
    if not mant and verb ~= "x" and verb ~= "X" then mant, tail = s:match("^(.-)([eE].*)$") end
    if not mant then mant, tail = s, "" end
    local digits = 0
    if verb == "g" or verb == "G" or verb == "x" or verb == "X" then
      digits = (f.prec or -1) < 0 and 6 or f.prec
    end
    local point, saw = false, false
    for i = 1, #mant do
      local c = ssub(mant, i, i)
      if c == "." then point = true
      else
        if c ~= "0" then saw = true end
        if saw then digits = digits - 1 end
      end
    end
    if not point then
      if mant == "0" then digits = digits - 1 end
      mant = mant .. "."
    end
    if digits > 0 then mant = mant .. srep("0", digits) end
    s = sign0 .. mant .. tail
  end
  local sign = ""
  if ssub(s, 1, 1) == "-" or ssub(s, 1, 1) == "+" then
    sign, s = ssub(s, 1, 1), ssub(s, 2)
  elseif f.plus then
    sign = "+"
  elseif f.space then
    sign = " "
  end
  if s == "NaN" and sign == "+" and not f.plus then sign = "" end
  if s == "Inf" or s == "NaN" then
    return pad({ wid = f.wid, minus = f.minus }, sign .. s)
  end
  if f.zero and f.wid and not f.minus then
    local n2 = f.wid - #sign - #s
    if n2 > 0 then s = srep("0", n2) .. s end
    return sign .. s
  end
  return pad(f, sign .. s)
end

local function fmt_string(f, s, verb)
  if f.prec and (verb == "x" or verb == "X") then
    s = ssub(s, 1, f.prec)
  elseif f.prec then
    local rs = runes(s)
    if #rs > f.prec then
      local t = {}
      for i = 1, f.prec do t[i] = rs[i][2] end
      s = concat(t)
    end
  end
  if verb == "s" or verb == "v" then
    return pad(f, s)
  elseif verb == "q" then
    if f.sharp and can_backquote(s) then return pad(f, "`" .. s .. "`") end
    return pad(f, M.quote(s, f.plus))
  elseif verb == "x" or verb == "X" then
    local pat = verb == "x" and "%02x" or "%02X"
    local t = {}
    for i = 1, #s do
      local h = sfmt(pat, sbyte(s, i))
      if f.sharp and (f.space or i == 1) then h = (verb == "x" and "0x" or "0X") .. h end
      if f.space and i > 1 then h = " " .. h end
      t[i] = h
    end
    return pad(f, concat(t))
  end
  return nil
end

-- A Go []byte (a userdata whose metatable's __gobytes returns its bytes as a string): %s,
-- %q, %x, %X as a string, %v and %d as `[104 105]`; other verbs and flags are not done here.
local function fmt_bytes(f, s, verb)
  if verb == "s" or verb == "q" or verb == "x" or verb == "X" then return fmt_string(f, s, verb) end
  if (verb == "v" or verb == "d") and not (f.wid or f.prec or f.plus or f.space or f.sharp or f.sharpv or f.plusv) then
    local out = {}
    for i = 1, #s do out[i] = sbyte(s, i) end
    return "[" .. concat(out, " ") .. "]"
  end
  error("formatting a []byte with %" .. verb .. " and flags", 0)
end

-- Formats v for one verb; depth > 0 inside maps and lists.
-- %#v: Go syntax for maps, lists, strings and nil.
local function go_syntax(f, v, depth)
  if v == nil or v == null then
    return depth > 0 and "interface {}(nil)" or pad(f, "<nil>")
  end
  local t = type(v)
  if t == "string" then return fmt_string(f, v, "q") end
  if t == "table" then
    local mt = getmetatable(v)
    if mt ~= float_mt and mt ~= int_mt then
      local out = {}
      if kind_of(v) == "list" then
        for i = 1, #v do out[i] = go_syntax(f, v[i], depth + 1) end
        return "[]interface {}{" .. concat(out, ", ") .. "}"
      end
      for i, key in ipairs(value.sorted_keys(v)) do
        out[i] = go_syntax(f, key, depth + 1) .. ":" .. go_syntax(f, v[key], depth + 1)
      end
      return "map[string]interface {}{" .. concat(out, ", ") .. "}"
    end
  end
  return format_value(f, v, "v", depth)
end

function format_value(f, v, verb, depth)
  if type(v) == "userdata" then
    local mt = getmetatable(v)
    if mt and mt.__gobytes and verb ~= "T" then return fmt_bytes(f, mt.__gobytes(), verb) end
  end
  if verb == "v" and f.sharpv and (type(v) ~= "number" and type(v) ~= "boolean") then
    local mt = type(v) == "table" and getmetatable(v)
    if not (mt == float_mt or mt == int_mt) then return go_syntax(f, v, depth) end
  end
  if v == nil or v == null then
    if depth > 0 or verb == "v" or verb == "T" then
      return depth > 0 and "<nil>" or pad(f, "<nil>")
    end
    return bad_verb(f, v, verb)
  end
  if verb == "T" then return fmt_string(f, type_name(v), "s") end
  local t = type(v)
  if t == "string" then
    return fmt_string(f, v, verb) or bad_verb(f, v, verb)
  elseif t == "boolean" then
    if verb == "t" or verb == "v" then return pad(f, tostring(v)) end
    return bad_verb(f, v, verb)
  elseif t == "number" then
    if v == floor(v) and v ~= huge and v ~= -huge then
      return fmt_integer(f, v, verb)
    end
    return fmt_float(f, v, verb) or bad_verb(f, v, verb)
  elseif t == "table" then
    local mt = getmetatable(v)
    if mt == float_mt then
      return fmt_float(f, v[1], verb) or bad_verb(f, v, verb)
    elseif mt == int_mt then
      return fmt_integer(f, v, verb)
    end
    if mt and mt.__gostring and (verb == "v" or verb == "s" or verb == "q" or verb == "x" or verb == "X") then
      -- a Go value with a String() method (time.Time, *semver.Version), or one printed its
      -- own way (given the verb's flags and the depth: Go prints pointers inside values as
      -- addresses)
      return fmt_string(f, mt.__gostring(v, f, depth), verb)
    end
    local out = {}
    if mt and mt.__gofields then
      for i, name in ipairs(mt.__gofields) do
        local fv = v[name]
        out[i] = (f.plusv and name .. ":" or "") .. format_value(f, fv == nil and "" or fv, verb, depth + 1)
      end
      return "{" .. concat(out, " ") .. "}"
    end
    local k = kind_of(v)
    if k == "list" then
      for i = 1, #v do out[i] = format_value(f, v[i], verb, depth + 1) end
      return "[" .. concat(out, " ") .. "]"
    end
    for i, key in ipairs(value.sorted_keys(v)) do
      out[i] = format_value(f, key, verb, depth + 1) .. ":" .. format_value(f, v[key], verb, depth + 1)
    end
    return "map[" .. concat(out, " ") .. "]"
  elseif t == "function" then
    return pad(f, "0x1")
  end
  return pad(f, tostring(v))
end

local plain = {}

--- fmt.Sprint of one value (%v).
---@param v any
---@return string
function M.sprint(v)
  local t = type(v)
  if t == "string" then return v end
  if t == "number" and v == floor(v) and abs(v) < 1e15 then return sfmt("%d", v) end
  return format_value(plain, v, "v", 0)
end
local sprint = M.sprint

--- fmt.Sprint of several values: a space between operands when neither is a string.
---@param args any[] values (nil allowed)
---@param n integer number of values
function M.sprint_args(args, n)
  local out, prev_string = {}, true
  for i = 1, n do
    local v = args[i]
    local is_string = type(v) == "string"
    if i > 1 and not is_string and not prev_string then out[#out + 1] = " " end
    out[#out + 1] = sprint(v)
    prev_string = is_string
  end
  return concat(out)
end

--- fmt.Sprintln of several values: spaces always, newline at the end.
function M.sprintln_args(args, n)
  local out = {}
  for i = 1, n do out[i] = sprint(args[i]) end
  return concat(out, " ") .. "\n"
end

-- The common case ("%s-%s" of names): only %s verbs, each given a string. nil otherwise.
local function sprintf_strings(format, args, n)
  if sfind(format, "%%[^s]") or sfind(format, "%%$") then return nil end
  local out, i, argi = {}, 1, 0
  while true do
    local j = sfind(format, "%", i, true)
    if not j then break end
    argi = argi + 1
    local a = args[argi]
    if argi > n or type(a) ~= "string" then return nil end
    out[#out + 1] = ssub(format, i, j - 1)
    out[#out + 1] = a
    i = j + 2
  end
  if argi ~= n then return nil end
  out[#out + 1] = ssub(format, i)
  return concat(out)
end

--- fmt.Sprintf(format, args...) with args given as a table and count (nil allowed).
---@param format string
---@param args any[]
---@param n integer
---@return string
function M.sprintf_args(format, args, n)
  local quick = sprintf_strings(format, args, n)
  if quick then return quick end
  local out, i, argi, len = {}, 1, 1, #format
  local reordered = false
  while i <= len do
    local j = format:find("%", i, true)
    if not j then
      out[#out + 1] = ssub(format, i)
      break
    end
    if j > i then out[#out + 1] = ssub(format, i, j - 1) end
    i = j + 1
    local f = {}
    -- flags
    while i <= len do
      local c = ssub(format, i, i)
      if c == "#" then f.sharp = true
      elseif c == "0" then f.zero = true
      elseif c == "+" then f.plus = true
      elseif c == "-" then f.minus = true
      elseif c == " " then f.space = true
      else break end
      i = i + 1
    end
    local function arg_index()
      if ssub(format, i, i) ~= "[" then return end
      reordered = true
      local close = format:find("]", i, true)
      local num = close and tonumber(ssub(format, i + 1, close - 1))
      if not num or num < 1 or num > n or ssub(format, i + 1, close - 1):find("[^%d]") then
        f.badindex = true
        i = close and close + 1 or len + 1
        return
      end
      argi = num
      i = close + 1
    end
    arg_index()
    -- width
    if ssub(format, i, i) == "*" then
      i = i + 1
      local w = args[argi]
      argi = argi + 1
      if argi - 1 > n or kind_of(w) ~= "int" or abs(value.tonumber(w)) > MAX_NUM then
        f.badwidth = true
      else
        w = value.tonumber(w)
        if w < 0 then f.minus, w = true, -w end
        f.wid = w
      end
    else
      local w = format:match("^%d+", i)
      if w then f.wid = tonumber(w) <= MAX_NUM and tonumber(w) or nil i = i + #w end
    end
    if ssub(format, i, i) == "." then
      i = i + 1
      arg_index()
      if ssub(format, i, i) == "*" then
        i = i + 1
        local p = args[argi]
        argi = argi + 1
        if argi - 1 > n or kind_of(p) ~= "int" or value.tonumber(p) < 0 or value.tonumber(p) > MAX_NUM then
          f.badprec = true
        else
          f.prec = value.tonumber(p)
        end
      else
        local p = format:match("^%d+", i)
        f.prec = p and tonumber(p) <= MAX_NUM and tonumber(p) or 0
        if p then i = i + #p end
      end
    end
    if not f.badindex then arg_index() end
    if i > len then
      out[#out + 1] = "%!(NOVERB)"
      break
    end
    -- the verb is one UTF-8 character
    local c = sbyte(format, i)
    local vlen = c < 0x80 and 1 or c < 0xE0 and 2 or c < 0xF0 and 3 or 4
    local verb = ssub(format, i, i + vlen - 1)
    i = i + vlen
    if f.badwidth then out[#out + 1] = "%!(BADWIDTH)" end
    if f.badprec then out[#out + 1] = "%!(BADPREC)" end
    if verb == "%" then
      out[#out + 1] = "%"
    elseif f.badindex then
      out[#out + 1] = "%!" .. verb .. "(BADINDEX)"
    elseif argi > n then
      out[#out + 1] = "%!" .. verb .. "(MISSING)"
    else
      local v = args[argi]
      argi = argi + 1
      if f.minus then f.zero = nil end
      if verb == "v" and (f.plus or f.sharp) then
        f.sharpv, f.plusv = f.sharp, f.plus
        f.plus, f.sharp = nil, nil
      end
      out[#out + 1] = format_value(f, v, verb, 0)
    end
  end
  if not reordered and argi <= n then
    local extra = {}
    for k = argi, n do
      local v = args[k]
      if v == nil or v == null then
        extra[#extra + 1] = "<nil>"
      else
        extra[#extra + 1] = type_name(v) .. "=" .. format_value(plain, v, "v", 0)
      end
    end
    out[#out + 1] = "%!(EXTRA " .. concat(extra, ", ") .. ")"
  end
  return concat(out)
end

--- fmt.Sprintf(format, ...).
---@param format string
---@return string
function M.sprintf(format, ...)
  return M.sprintf_args(format, { ... }, select("#", ...))
end

return M
