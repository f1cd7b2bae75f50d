--- Go's fmt formatting for template values: Sprint, Sprintln, Sprintf and strconv's float
--- formatting, following Go 1.19's fmt package (verbs, flags, width, precision, the
--- `%!verb(type=value)` error forms).
--
-- Values follow hfl.value: nil and value.null are Go's nil, Lua numbers are ints when
-- integral and float64 otherwise, float/int boxes keep the kind, maps print sorted as
-- `map[k:v]`, lists as `[a b]`.
local value = require "hfl.value"

local M = {}

local type, tostring, tonumber, getmetatable = type, tostring, tonumber, getmetatable
local sfmt, srep, ssub, sbyte, schar, concat = string.format, string.rep, string.sub, string.byte, string.char, table.concat
local floor, abs, huge = math.floor, math.abs, math.huge
local null, map_mt, list_mt, float_mt, int_mt = value.null, value.map_mt, value.list_mt, value.float_mt, value.int_mt
local kind_of = value.kind

-- Shortest decimal digits that read back as v (v finite, > 0): digits without trailing
-- zeros and the decimal point position (value = 0.DIGITS * 10^dp).
local function shortest_digits(v)
  local s
  for p = 0, 16 do
    s = sfmt("%." .. p .. "e", v)
    if tonumber(s) == v then break end
  end
  local mant, exp = s:match("^([%d%.]+)e([-+]%d+)$")
  local d = mant:gsub("%.", ""):gsub("0+$", "")
  if d == "" then d = "0" end
  return d, tonumber(exp) + 1
end

local function exp_suffix(e, ch)
  local sign = e < 0 and "-" or "+"
  e = abs(e)
  return ch .. sign .. (e < 10 and "0" .. e or tostring(e))
end

-- %e from digits d with dp, prec fractional digits (digits already rounded).
local function fmt_e(d, dp, prec, ch)
  local first = ssub(d, 1, 1)
  local rest = ssub(d, 2)
  if #rest < prec then rest = rest .. srep("0", prec - #rest) end
  local e = (d == "0") and 0 or dp - 1
  return first .. (prec > 0 and "." .. rest or "") .. exp_suffix(e, ch)
end

local function fmt_f(d, dp, prec)
  local int
  if dp > 0 then
    int = ssub(d, 1, dp)
    if #int < dp then int = int .. srep("0", dp - #int) end
  else
    int = "0"
  end
  if prec <= 0 then return int end
  local frac = {}
  for i = 1, prec do
    local j = dp + i
    frac[i] = (j >= 1 and j <= #d) and ssub(d, j, j) or "0"
  end
  return int .. "." .. concat(frac)
end

-- Rounds the digit string d to keep digits, ties to even (LuaJIT's string.format rounds
-- ties away from zero, Go to even; its digits are exact, so 25 more decide every tie).
local function round_half_even(d, keep)
  if keep >= #d then return d .. srep("0", keep - #d), false end
  if keep < 0 then return "", false end
  local head, nextd, rest = ssub(d, 1, keep), sbyte(d, keep + 1) - 48, ssub(d, keep + 2)
  local up
  if nextd > 5 then up = true
  elseif nextd < 5 then up = false
  elseif rest:find("[1-9]") then up = true
  else
    local last = keep > 0 and sbyte(head, keep) - 48 or 0
    up = last % 2 == 1
  end
  if not up then return head, false end
  local t, i = { sbyte(head, 1, -1) }, keep
  while i >= 1 do
    if t[i] == 57 then t[i] = 48 i = i - 1 else t[i] = t[i] + 1 break end
  end
  local r = schar(unpack(t))
  if i == 0 then return "1" .. r, true end
  return r, false
end

-- n (>= 0) rounded to prec fractional digits, as %.{prec}f.
local function f_digits(n, prec)
  local s = sfmt("%." .. (prec + 25) .. "f", n)
  local int, frac = s:match("^(%d+)%.(%d+)$")
  local all = int .. frac
  local r = round_half_even(all, #int + prec)
  local ilen = #r - prec
  local ipart = ssub(r, 1, ilen):gsub("^0+(%d)", "%1")
  if prec == 0 then return ipart end
  return ipart .. "." .. ssub(r, ilen + 1)
end

-- n (>= 0) as sig significant digits and the decimal exponent of the first one.
local function e_digits(n, sig)
  if n == 0 then return srep("0", sig), 0 end
  local s = sfmt("%." .. (sig + 24) .. "e", n)
  local m, x = s:match("^([%d%.]+)e([-+]%d+)$")
  local d = m:gsub("%.", "")
  local r, carry = round_half_even(d, sig)
  x = tonumber(x)
  if carry then r, x = ssub(r, 1, sig), x + 1 end
  return r, x
end

--- strconv.FormatFloat(n, fmt, prec, 64): fmt one of 'e','E','f','g','G'; prec -1 = shortest.
---@param n number
---@param ch string
---@param prec integer
---@return string
function M.format_float(n, ch, prec)
  if n ~= n then return "NaN" end
  if n == huge then return "+Inf" end
  if n == -huge then return "-Inf" end
  local neg = n < 0 or (n == 0 and 1 / n < 0)
  local a = abs(n)
  local out
  if prec < 0 then
    local d, dp
    if a == 0 then d, dp = "0", 1 else d, dp = shortest_digits(a) end
    if ch == "e" or ch == "E" then
      out = fmt_e(d, dp, #d - 1, ch)
    elseif ch == "f" or ch == "F" then
      out = fmt_f(d, dp, #d - dp > 0 and #d - dp or 0)
    else
      local x = dp - 1
      if a ~= 0 and (x < -4 or x >= 6) then
        out = fmt_e(d, dp, #d - 1, ch == "G" and "E" or "e")
      else
        out = fmt_f(d, dp, #d - dp > 0 and #d - dp or 0)
      end
    end
  elseif ch == "e" or ch == "E" then
    local d, x = e_digits(a, prec + 1)
    out = fmt_e(d, x + 1, prec, ch)
  elseif ch == "f" or ch == "F" then
    out = f_digits(a, prec)
  else
    -- %g with a precision: prec significant digits, trailing zeros dropped
    if prec == 0 then prec = 1 end
    local d, x = e_digits(a, prec)
    d = d:gsub("0+$", "")
    if d == "" then d = "0" end
    local dp = x + 1
    local eprec = prec
    if eprec > #d and #d >= dp then eprec = #d end
    if a ~= 0 and (x < -4 or x >= eprec) then
      out = fmt_e(d, dp, #d - 1, ch == "G" and "E" or "e")
    else
      out = fmt_f(d, dp, #d - dp > 0 and #d - dp or 0)
    end
  end
  return neg and "-" .. out or out
end

-- Go's type name of a value, as %T and the %!verb(type=value) forms print it.
local function type_name(v)
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

local function utf8_len(s)
  local _, n = s:gsub("[^\128-\191]", "")
  return n
end

-- Decodes the UTF-8 string into code points (invalid bytes become U+FFFD).
local function runes(s)
  local out, i, n = {}, 1, #s
  while i <= n do
    local c = sbyte(s, i)
    local cp, len
    if c < 0x80 then cp, len = c, 1
    elseif c >= 0xC2 and c < 0xE0 then cp, len = c - 0xC0, 2
    elseif c >= 0xE0 and c < 0xF0 then cp, len = c - 0xE0, 3
    elseif c >= 0xF0 and c < 0xF5 then cp, len = c - 0xF0, 4
    else cp, len = nil, 1 end
    if cp and len > 1 then
      for j = 1, len - 1 do
        local b = sbyte(s, i + j)
        if not b or b < 0x80 or b > 0xBF then cp = nil break end
        cp = cp * 64 + (b - 0x80)
      end
      if cp and ((len == 3 and cp < 0x800) or (len == 4 and (cp < 0x10000 or cp > 0x10FFFF))
        or (cp >= 0xD800 and cp <= 0xDFFF)) then cp = nil end
    end
    if cp then
      out[#out + 1] = { cp, ssub(s, i, i + len - 1) }
      i = i + len
    else
      out[#out + 1] = { 0xFFFD, ssub(s, i, i), bad = true }
      i = i + 1
    end
  end
  return out
end
M.runes = runes

local function utf8_encode(cp)
  if cp < 0 or cp > 0x10FFFF or (cp >= 0xD800 and cp <= 0xDFFF) then cp = 0xFFFD end
  if cp < 0x80 then return schar(cp) end
  if cp < 0x800 then return schar(0xC0 + floor(cp / 64), 0x80 + cp % 64) end
  if cp < 0x10000 then
    return schar(0xE0 + floor(cp / 4096), 0x80 + floor(cp / 64) % 64, 0x80 + cp % 64)
  end
  return schar(0xF0 + floor(cp / 262144), 0x80 + floor(cp / 4096) % 64, 0x80 + floor(cp / 64) % 64, 0x80 + cp % 64)
end
M.utf8_encode = utf8_encode

local function is_printable(cp)
  -- An approximation of unicode.IsPrint: controls, surrogates, U+FFFD-like non-chars and
  -- the invisible format/space characters Go escapes.
  if cp < 0x20 or (cp >= 0x7F and cp < 0xA0) or cp == 0xAD then return false end
  if cp == 0x2028 or cp == 0x2029 or cp == 0xFEFF or (cp >= 0x200B and cp <= 0x200F)
    or (cp >= 0x202A and cp <= 0x202E) or (cp >= 0x2060 and cp <= 0x206F) then return false end
  if cp >= 0xE000 and cp <= 0xF8FF then return false end
  if cp == 0xFFFE or cp == 0xFFFF then return false end
  if (cp >= 0x2000 and cp <= 0x200A) or cp == 0x3000 or cp == 0x205F or cp == 0x1680 then return false end
  return true
end

local escapes = { [7] = "\\a", [8] = "\\b", [12] = "\\f", [10] = "\\n", [13] = "\\r", [9] = "\\t", [11] = "\\v" }

local function quote_rune(r, q, ascii_only)
  local cp = r[1]
  if r.bad then return sfmt("\\x%02x", sbyte(r[2])) end
  if cp == q or cp == 92 then return "\\" .. schar(cp) end
  if cp < 0x80 and is_printable(cp) then return schar(cp) end
  if not ascii_only and is_printable(cp) then return r[2] end
  if escapes[cp] then return escapes[cp] end
  if cp < 0x20 or cp == 0x7F then return sfmt("\\x%02x", cp) end
  if cp < 0x10000 then return sfmt("\\u%04x", cp) end
  return sfmt("\\U%08x", cp)
end

--- strconv.Quote (ascii_only: QuoteToASCII).
function M.quote(s, ascii_only)
  local out = { '"' }
  for _, r in ipairs(runes(s)) do out[#out + 1] = quote_rune(r, 34, ascii_only) end
  out[#out + 1] = '"'
  return concat(out)
end

local function quote_char(cp, ascii_only)
  if cp < 0 or cp > 0x10FFFF or (cp >= 0xD800 and cp <= 0xDFFF) then cp = 0xFFFD end
  return "'" .. quote_rune({ cp, utf8_encode(cp) }, 39, ascii_only) .. "'"
end

local function can_backquote(s)
  for _, r in ipairs(runes(s)) do
    local cp = r[1]
    if r.bad or cp == 96 or cp == 0xFEFF or (cp < 0x20 and cp ~= 9) or cp == 0x7F then return false end
  end
  return true
end

-- Formatting state for one verb: flags, width, precision.
local function pad(f, s)
  if not f.wid then return s end
  local n = f.wid - utf8_len(s)
  if n <= 0 then return s end
  if f.minus then return s .. srep(" ", n) end
  return srep(f.zero and "0" or " ", n) .. s
end

local function digits_of(n, base, upper)
  if n == 0 then return "0" end
  local t, chars = {}, upper and "0123456789ABCDEF" or "0123456789abcdef"
  while n > 0 do
    local d = n % base
    t[#t + 1] = ssub(chars, d + 1, d + 1)
    n = floor(n / base)
  end
  return string.reverse(concat(t))
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
  -- v: a Lua number, or an int box (digits)
  local neg, digits
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
      return bad_verb(f, v, verb)
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

-- %x / %X / %b of a float64, as strconv formats 'x' and 'b'.
local function hex_float(n, verb, prec)
  if n ~= n then return "NaN" end
  if n == huge then return "+Inf" end
  if n == -huge then return "-Inf" end
  local neg = n < 0 or (n == 0 and 1 / n < 0)
  local a = abs(n)
  local m, e = math.frexp(a) -- a = m * 2^e, m in [0.5, 1)
  if verb == "b" then
    local mant, exp = m * 2 ^ 53, e - 53
    if a == 0 then mant, exp = 0, -1074 end
    if a ~= 0 and exp < -1074 then mant, exp = mant / 2 ^ (-1074 - exp), -1074 end
    return (neg and "-" or "") .. sfmt("%.0f", mant) .. "p" .. (exp < 0 and "-" or "+") .. abs(exp)
  end
  local frac, x = 0, 0
  if a ~= 0 then frac, x = (m * 2 - 1) * 2 ^ 52, e - 1 end
  -- frac: 52-bit fraction as an integer; round to prec hex digits (ties to even)
  local lead = a == 0 and 0 or 1
  local digits = 13
  if prec and prec < 13 then
    local drop = 2 ^ (4 * (13 - prec))
    local q = floor(frac / drop)
    local r = frac - q * drop
    if r > drop / 2 or (r == drop / 2 and q % 2 == 1) then q = q + 1 end
    if q >= 2 ^ (4 * prec) then q, lead, x = 0, lead + 1, x end
    if lead == 2 then lead, x = 1, x + 1 end
    frac, digits = q, prec
  end
  local h = digits > 0 and digits_of(frac, 16) or ""
  if #h < digits then h = srep("0", digits - #h) .. h end
  if not prec then h = h:gsub("0+$", "") elseif prec > 13 then h = h .. srep("0", prec - 13) end
  local s = "0x" .. lead .. (h ~= "" and "." .. h or "") .. "p" .. (x < 0 and "-" or "+") .. (abs(x) < 10 and "0" or "") .. abs(x)
  if verb == "X" then s = s:upper() end
  return (neg and "-" or "") .. s
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

-- Formats v for one verb; depth > 0 inside maps and lists.
function format_value(f, v, verb, depth)
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
    local k = kind_of(v)
    local out = {}
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

--- fmt.Sprintf(format, args...) with args given as a table and count (nil allowed).
---@param format string
---@param args any[]
---@param n integer
---@return string
function M.sprintf_args(format, args, n)
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
      if argi - 1 > n or kind_of(w) ~= "int" then
        f.badwidth = true
      else
        w = value.tonumber(w)
        if w < 0 then f.minus, w = true, -w end
        f.wid = w
      end
    else
      local w = format:match("^%d+", i)
      if w then f.wid = tonumber(w) i = i + #w end
    end
    if ssub(format, i, i) == "." then
      i = i + 1
      arg_index()
      if ssub(format, i, i) == "*" then
        i = i + 1
        local p = args[argi]
        argi = argi + 1
        if argi - 1 > n or kind_of(p) ~= "int" or value.tonumber(p) < 0 then
          f.badprec = true
        else
          f.prec = value.tonumber(p)
        end
      else
        local p = format:match("^%d+", i)
        f.prec = p and tonumber(p) or 0
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
