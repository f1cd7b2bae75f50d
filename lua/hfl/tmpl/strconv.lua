--- Go's strconv for hfl's templates: float formatting (FormatFloat 'e', 'f', 'g', 'x', 'b'
--- with Go's rounding), integer digits in any base, UTF-8 decoding and Quote.
local M = {}

local tonumber, tostring = tonumber, tostring
local sfmt, srep, ssub, sbyte, schar, concat = string.format, string.rep, string.sub, string.byte, string.char, table.concat
local floor, abs, huge = math.floor, math.abs, math.huge
local unpack = unpack

-- string.format refuses a precision past 99 (Go allows up to 1e6): the digits past 99 are
-- zeros for every double whose decimal expansion ends by then (|n| >= 2^-46 in %f), so pad.
local function format_fixed(n, digits)
  if digits <= 99 then return sfmt("%." .. digits .. "f", n) end
  return sfmt("%.99f", n) .. srep("0", digits - 99)
end

local function format_sci(n, digits)
  if digits <= 99 then return sfmt("%." .. digits .. "e", n) end
  local m, x = sfmt("%.99e", n):match("^(.-)(e.*)$")
  return m .. srep("0", digits - 99) .. x
end

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
  local s = format_fixed(n, prec + 25)
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
  local s = format_sci(n, sig + 24)
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

-- %x / %X / %b of a float64, as strconv formats 'x' and 'b'.
function M.hex_float(n, verb, prec)
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


M.digits_of = digits_of
M.utf8_len = utf8_len
M.is_printable = is_printable
M.quote_char = quote_char
M.can_backquote = can_backquote

return M
