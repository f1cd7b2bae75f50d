--- UTF-8 runes and the slice of Go's unicode package the string functions need: letters,
--- case mapping (ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic), spaces, punctuation.
local M = {}

local byte, char, concat, floor = string.byte, string.char, table.concat, math.floor

--- The runes of s, as Go's []rune(s) (invalid bytes become U+FFFD).
function M.runes(s)
  local out, i, n = {}, 1, #s
  while i <= n do
    local c = byte(s, i)
    local cp, len
    if c < 0x80 then cp, len = c, 1
    elseif c >= 0xC2 and c < 0xE0 then cp, len = c - 0xC0, 2
    elseif c >= 0xE0 and c < 0xF0 then cp, len = c - 0xE0, 3
    elseif c >= 0xF0 and c < 0xF5 then cp, len = c - 0xF0, 4
    else cp, len = nil, 1 end
    if cp and len > 1 then
      for j = i + 1, i + len - 1 do
        local d = byte(s, j)
        if not d or d < 0x80 or d > 0xBF then cp = nil break end
        cp = cp * 64 + (d - 0x80)
      end
      if cp and ((len == 3 and (cp < 0x800 or (cp >= 0xD800 and cp <= 0xDFFF))) or (len == 4 and (cp < 0x10000 or cp > 0x10FFFF))) then
        cp = nil
      end
      if not cp then len = 1 end
    end
    out[#out + 1] = cp or 0xFFFD
    i = i + len
  end
  return out
end

--- The UTF-8 encoding of one rune.
function M.char(cp)
  if cp < 0x80 then return char(cp) end
  if cp < 0x800 then return char(0xC0 + floor(cp / 64), 0x80 + cp % 64) end
  if cp < 0x10000 then
    return char(0xE0 + floor(cp / 4096), 0x80 + floor(cp / 64) % 64, 0x80 + cp % 64)
  end
  return char(0xF0 + floor(cp / 262144), 0x80 + floor(cp / 4096) % 64, 0x80 + floor(cp / 64) % 64, 0x80 + cp % 64)
end

function M.encode(runes, i, j)
  local parts = {}
  for k = i or 1, j or #runes do parts[#parts + 1] = M.char(runes[k]) end
  return concat(parts)
end

local upper_of, lower_of = {}, {}
local function pair(u, l) upper_of[l], lower_of[u] = u, l end
for c = 65, 90 do pair(c, c + 32) end
for c = 0xC0, 0xDE do if c ~= 0xD7 then pair(c, c + 32) end end
pair(0x178, 0xFF)
for c = 0x100, 0x137, 2 do pair(c, c + 1) end
for c = 0x139, 0x148, 2 do pair(c, c + 1) end
for c = 0x14A, 0x177, 2 do pair(c, c + 1) end
pair(0x179, 0x17A) pair(0x17B, 0x17C) pair(0x17D, 0x17E)
for c = 0x391, 0x3A9 do if c ~= 0x3A2 then pair(c, c + 32) end end
upper_of[0x3C2] = 0x3A3
for c = 0x410, 0x42F do pair(c, c + 32) end
for c = 0x400, 0x40F do pair(c, c + 80) end
upper_of[0xB5] = 0x39C

function M.is_upper(cp) return lower_of[cp] ~= nil end
function M.is_lower(cp) return upper_of[cp] ~= nil or cp == 0xDF end
function M.to_upper(cp) return upper_of[cp] or cp end
function M.to_lower(cp) return lower_of[cp] or cp end

local spaces = { [9] = true, [10] = true, [11] = true, [12] = true, [13] = true, [32] = true,
  [0x85] = true, [0xA0] = true, [0x1680] = true, [0x2028] = true, [0x2029] = true,
  [0x202F] = true, [0x205F] = true, [0x3000] = true }
for c = 0x2000, 0x200A do spaces[c] = true end
function M.is_space(cp) return spaces[cp] == true end

local punct = {}
for c in ("!\"#%&'()*,-./:;?@[\\]_{}"):gmatch(".") do punct[byte(c)] = true end
for _, c in ipairs { 0xA1, 0xA7, 0xAB, 0xB6, 0xB7, 0xBB, 0xBF, 0x2010, 0x2011, 0x2012, 0x2013,
  0x2014, 0x2015, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026, 0x3001, 0x3002 } do punct[c] = true end
function M.is_punct(cp) return punct[cp] == true end

function M.is_letter(cp)
  if cp < 0x80 then return (cp >= 65 and cp <= 90) or (cp >= 97 and cp <= 122) end
  if cp < 0x100 then return cp == 0xAA or cp == 0xB5 or cp == 0xBA or (cp >= 0xC0 and cp ~= 0xD7 and cp ~= 0xF7) end
  return not spaces[cp] and not punct[cp] and cp ~= 0xFFFD and not (cp >= 0x2000 and cp < 0x2C00)
end

function M.is_digit(cp) return cp >= 48 and cp <= 57 end
function M.is_number(cp)
  return (cp >= 48 and cp <= 57) or cp == 0xB2 or cp == 0xB3 or cp == 0xB9 or (cp >= 0xBC and cp <= 0xBE)
end

--- Maps every rune of s through f (a rune → rune function).
function M.map(s, f)
  if not s:find("[\128-\255]") then
    local out = {}
    for i = 1, #s do out[i] = char(f(byte(s, i))) end
    return concat(out)
  end
  local rs = M.runes(s)
  for i = 1, #rs do rs[i] = f(rs[i]) end
  return M.encode(rs)
end

function M.upper(s) return M.map(s, M.to_upper) end
function M.lower(s) return M.map(s, M.to_lower) end

--- strings.TrimSpace / TrimLeftFunc / TrimRightFunc with unicode.IsSpace.
function M.trim_space(s)
  local rs = M.runes(s)
  local i, j = 1, #rs
  while i <= j and spaces[rs[i]] do i = i + 1 end
  while j >= i and spaces[rs[j]] do j = j - 1 end
  if i == 1 and j == #rs then return s end
  return M.encode(rs, i, j)
end

--- strings.Trim / TrimLeft / TrimRight with a cutset of runes.
function M.trim_set(s, cutset, left, right)
  if cutset == "" or s == "" then return s end
  local set = {}
  for _, cp in ipairs(M.runes(cutset)) do set[cp] = true end
  local rs = M.runes(s)
  local i, j = 1, #rs
  if left then while i <= j and set[rs[i]] do i = i + 1 end end
  if right then while j >= i and set[rs[j]] do j = j - 1 end end
  return M.encode(rs, i, j)
end

--- strings.Split(s, sep) (sep "" splits into UTF-8 sequences).
function M.split(s, sep, n)
  n = n or -1
  if n == 0 then return {} end
  local out = {}
  if sep == "" then
    local rs = M.runes(s)
    for i = 1, #rs do
      if n > 0 and #out == n - 1 then
        out[#out + 1] = M.encode(rs, i)
        return out
      end
      out[#out + 1] = M.char(rs[i])
    end
    return out
  end
  local start = 1
  while true do
    if n > 0 and #out == n - 1 then break end
    local a, b = s:find(sep, start, true)
    if not a then break end
    out[#out + 1] = s:sub(start, a - 1)
    start = b + 1
  end
  out[#out + 1] = s:sub(start)
  return out
end

--- strings.Fields.
function M.fields(s)
  local out, cur = {}, {}
  for _, cp in ipairs(M.runes(s)) do
    if spaces[cp] then
      if #cur > 0 then out[#out + 1] = M.encode(cur) cur = {} end
    else
      cur[#cur + 1] = cp
    end
  end
  if #cur > 0 then out[#out + 1] = M.encode(cur) end
  return out
end

--- strings.ReplaceAll (old "" inserts new around every rune).
function M.replace(s, old, new)
  if old == "" then
    local rs, parts = M.runes(s), { new }
    for i = 1, #rs do parts[#parts + 1] = M.char(rs[i]) parts[#parts + 1] = new end
    return concat(parts)
  end
  local parts, start = {}, 1
  while true do
    local a, b = s:find(old, start, true)
    if not a then break end
    parts[#parts + 1] = s:sub(start, a - 1)
    parts[#parts + 1] = new
    start = b + 1
  end
  parts[#parts + 1] = s:sub(start)
  return concat(parts)
end

return M
