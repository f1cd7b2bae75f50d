--- Sprig's string and string-list functions (strings.go, goutils, xstrings), with Go's
--- argument types and byte-indexed slicing.
local util = require("hfl.stdlib.util")
local text = require("hfl.stdlib.text")

local M = {}

local str, int, sprint, is_nil = util.str, util.int, util.sprint, util.is_nil
local concat, sort, fmt = table.concat, table.sort, string.format
local runes, encode, uchar = text.runes, text.encode, text.char

-- Go's runtime panic for an out-of-range slice expression s[lo:hi].
-- s[lo:hi] with Go's 0-based bounds and its runtime panics' wording.
local function go_slice(s, lo, hi)
  local n = #s
  if hi < 0 then error(fmt("runtime error: slice bounds out of range [:%d]", hi), 0) end
  if hi > n then error(fmt("runtime error: slice bounds out of range [:%d] with length %d", hi, n), 0) end
  if lo < 0 then error(fmt("runtime error: slice bounds out of range [%d:]", lo), 0) end
  if lo > hi then error(fmt("runtime error: slice bounds out of range [%d:%d]", lo, hi), 0) end
  return s:sub(lo + 1, hi)
end
M.go_slice = go_slice

--- goutils.AbbreviateFull.
local function abbreviate_full(s, offset, width)
  if s == "" then return "" end
  if width < 4 then return "" end
  local n = #s
  if n <= width then return s end
  if offset > n then offset = n end
  if n - offset < width - 3 then offset = n - (width - 3) end
  if offset <= 4 then return s:sub(1, width - 3) .. "..." end
  if width < 7 then return "" end
  if offset + width - 3 < n then
    return "..." .. abbreviate_full(s:sub(offset + 1), 0, width - 3)
  end
  return "..." .. s:sub(n - (width - 3) + 1)
end

--- goutils.WrapCustom.
local function wrap_custom(s, width, nl, long_words)
  if s == "" then return "" end
  if nl == "" then nl = "\n" end
  if width < 1 then width = 1 end
  local n, offset, out = #s, 0, {}
  while n - offset > width do
    if s:byte(offset + 1) == 32 then
      offset = offset + 1
    else
      local window = s:sub(offset + 1, offset + width + 1)
      local last = nil
      for i = #window, 1, -1 do
        if window:byte(i) == 32 then last = i - 1 break end
      end
      if last then
        out[#out + 1] = s:sub(offset + 1, offset + last) .. nl
        offset = offset + last + 1
      elseif long_words then
        out[#out + 1] = s:sub(offset + 1, offset + width) .. nl
        offset = offset + width
      else
        local idx = s:find(" ", offset + width + 1, true)
        if not idx then
          out[#out + 1] = s:sub(offset + 1)
          offset = n
        else
          out[#out + 1] = s:sub(offset + 1, idx - 1) .. nl
          offset = idx
        end
      end
    end
  end
  out[#out + 1] = s:sub(offset + 1)
  return concat(out)
end

-- strings.Title: upper-cases letters that start a word (a word: after a separator).
local function is_separator(cp)
  if cp < 0x80 then
    if (cp >= 48 and cp <= 57) or (cp >= 65 and cp <= 90) or (cp >= 97 and cp <= 122) or cp == 95 then
      return false
    end
    return true
  end
  if text.is_letter(cp) or text.is_number(cp) then return false end
  return text.is_space(cp)
end

local function title(s)
  local rs, prev = runes(s), 32
  for i = 1, #rs do
    local cp = rs[i]
    if is_separator(prev) then rs[i] = text.to_upper(cp) end
    prev = cp
  end
  return encode(rs)
end

local function untitle(s)
  if s == "" then return s end
  local rs, next_word = runes(s), true
  for i = 1, #rs do
    if text.is_space(rs[i]) then next_word = true
    elseif next_word then rs[i] = text.to_lower(rs[i]) next_word = false end
  end
  return encode(rs)
end

local function swapcase(s)
  if s == "" then return s end
  local rs, ws = runes(s), true
  for i = 1, #rs do
    local cp = rs[i]
    if text.is_upper(cp) then rs[i] = text.to_lower(cp) ws = false
    elseif text.is_lower(cp) then
      rs[i] = text.to_upper(cp)
      ws = false
    else ws = text.is_space(cp) end
  end
  return encode(rs)
end

local function initials(s)
  if s == "" then return s end
  local out, gap = {}, true
  for i = 1, #s do
    local c = s:byte(i)
    if text.is_space(c) then gap = true
    elseif gap then out[#out + 1] = uchar(c) gap = false end
  end
  return concat(out)
end

local function nospace(s)
  local out = {}
  for i = 1, #s do
    local c = s:byte(i)
    if not text.is_space(c) then out[#out + 1] = uchar(c) end
  end
  local r = concat(out)
  if #out == #s then return s end
  return r
end

-- xstrings word splitting, shared by snakecase and kebabcase.
local INVALID, NUMBER, UPPER, ALPHA, CONNECTOR, PUNCT, OTHER = 0, 1, 2, 3, 4, 5, 6
local function is_connector(cp) return cp == 45 or cp == 95 or text.is_space(cp) end
local function is_alphabet(cp)
  if not text.is_letter(cp) then return false end
  if cp >= 0x4E00 and cp <= 0x9FCC then return false end
  return true
end

-- Returns the type of the word at rs[i] and the index after it.
local function next_word(rs, i)
  local n = #rs
  local r = rs[i]
  local j = i + 1
  if is_connector(r) then
    while j <= n and is_connector(rs[j]) do j = j + 1 end
    return CONNECTOR, j
  elseif text.is_punct(r) then
    while j <= n and text.is_punct(rs[j]) do j = j + 1 end
    return PUNCT, j
  elseif text.is_upper(r) then
    if j > n then return UPPER, j end
    if text.is_upper(rs[j]) then
      while j <= n and text.is_upper(rs[j]) do j = j + 1 end
      if j <= n and is_alphabet(rs[j]) then j = j - 1 end
    elseif is_alphabet(rs[j]) then
      while j <= n and is_alphabet(rs[j]) and not text.is_upper(rs[j]) do j = j + 1 end
    end
    return UPPER, j
  elseif is_alphabet(r) then
    while j <= n and is_alphabet(rs[j]) and not text.is_upper(rs[j]) do j = j + 1 end
    return ALPHA, j
  elseif text.is_number(r) then
    while j <= n and text.is_number(rs[j]) do j = j + 1 end
    return NUMBER, j
  end
  while j <= n and not (is_connector(rs[j]) or is_alphabet(rs[j]) or text.is_number(rs[j]) or text.is_punct(rs[j])) do
    j = j + 1
  end
  return OTHER, j
end

local function to_lower_word(buf, wt, rs, a, b, conn)
  for k = a, b - 1 do
    local r = rs[k]
    if wt ~= UPPER and wt ~= CONNECTOR then buf[#buf + 1] = uchar(r)
    elseif is_connector(r) then buf[#buf + 1] = conn
    elseif text.is_upper(r) then buf[#buf + 1] = uchar(text.to_lower(r))
    else buf[#buf + 1] = uchar(r) end
  end
end

local function camel_to_lower(s, conn)
  if s == "" then return "" end
  local rs = runes(s)
  local n = #rs
  local buf = {}
  local pos = 1
  local wt, a, b
  local function advance()
    if pos > n then wt, a, b = INVALID, pos, pos return end
    a = pos
    wt, b = next_word(rs, pos)
    pos = b
  end
  advance()
  while pos <= n do
    if wt ~= CONNECTOR then to_lower_word(buf, wt, rs, a, b, conn) end
    local prev, la, lb = wt, a, b
    advance()
    if prev == NUMBER then
      while wt == ALPHA or wt == NUMBER do
        to_lower_word(buf, wt, rs, a, b, conn)
        advance()
      end
      if wt ~= INVALID and wt ~= PUNCT and wt ~= CONNECTOR then buf[#buf + 1] = conn end
    elseif prev == CONNECTOR then
      to_lower_word(buf, prev, rs, la, lb, conn)
    elseif prev == PUNCT then
      -- punctuation joins its neighbours without a connector
    else
      if wt ~= NUMBER then
        if wt ~= CONNECTOR and wt ~= PUNCT then buf[#buf + 1] = conn end
      elseif pos <= n then
        local na, nb = a, b
        advance()
        if wt ~= ALPHA then
          to_lower_word(buf, NUMBER, rs, na, nb, conn)
          if wt ~= CONNECTOR and wt ~= PUNCT then buf[#buf + 1] = conn end
        else
          buf[#buf + 1] = conn
          to_lower_word(buf, NUMBER, rs, na, nb, conn)
          while wt == ALPHA or wt == NUMBER do
            to_lower_word(buf, wt, rs, a, b, conn)
            advance()
          end
          if wt ~= INVALID and wt ~= CONNECTOR and wt ~= PUNCT then buf[#buf + 1] = conn end
        end
      end
    end
  end
  to_lower_word(buf, wt, rs, a, b, conn)
  return concat(buf)
end

local function camelcase(s)
  if s == "" then return "" end
  local rs = runes(s)
  local buf, i, n = {}, 1, #rs
  local r0
  while i <= n do
    r0 = rs[i]
    i = i + 1
    if not is_connector(r0) then r0 = text.to_upper(r0) break end
    buf[#buf + 1] = uchar(r0)
  end
  if i > n then
    -- as xstrings: the last rune is written again, even a connector ("_" → "__")
    buf[#buf + 1] = uchar(r0)
    return concat(buf)
  end
  while i <= n do
    local r1 = r0
    r0 = rs[i]
    i = i + 1
    if is_connector(r0) and is_connector(r1) then
      buf[#buf + 1] = uchar(r1)
    elseif is_connector(r1) then
      r0 = text.to_upper(r0)
    else
      r0 = text.to_lower(r0)
      buf[#buf + 1] = uchar(r1)
    end
  end
  buf[#buf + 1] = uchar(r0)
  return concat(buf)
end

--- Characters one rand* call makes at most.
local MAX_RANDOM = 1e7

local function random_string(count, alphabet)
  count = int(count)
  if count <= 0 then return "" end
  if count > MAX_RANDOM then
    error(("%d characters are more than hfl makes in one string (at most %d)"):format(count, MAX_RANDOM), 0)
  end
  local bytes = util.random_bytes(count * 2)
  local out, n = {}, #alphabet
  for i = 1, count do
    local r = (bytes:byte(2 * i - 1) * 256 + bytes:byte(2 * i)) % n + 1
    out[i] = alphabet:sub(r, r)
  end
  return concat(out)
end

local ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
local ASCII = {}
for c = 32, 126 do ASCII[#ASCII + 1] = string.char(c) end
ASCII = concat(ASCII)

--- Sprig's strslice: []string from a list (nils dropped), a one-element list from a scalar.
local function strslice(v)
  local k = util.kind(v)
  if k == "list" then
    local out = {}
    for i = 1, #v do
      if not is_nil(v[i]) then out[#out + 1] = sprint(v[i]) end
    end
    return util.strlist(out)
  end
  if is_nil(v) then return util.strlist({}) end
  return util.strlist({ sprint(v) })
end
M.strslice = strslice

local function index_map(parts)
  local m = util.map()
  for i, p in ipairs(parts) do m["_" .. (i - 1)] = p end
  return util.strmap(m)
end

M.funcs = {
  hello = function() return "Hello!" end,
  abbrev = function(width, s)
    width, s = int(width), str(s)
    if width < 4 then return s end
    return abbreviate_full(s, 0, width)
  end,
  abbrevboth = function(left, right, s)
    left, right, s = int(left), int(right), str(s)
    if right < 4 or (left > 0 and right < 7) then return s end
    return abbreviate_full(s, left, right)
  end,
  trunc = function(c, s)
    c, s = int(c), str(s)
    if c < 0 and #s + c > 0 then return s:sub(#s + c + 1) end
    if c >= 0 and #s > c then return s:sub(1, c) end
    return s
  end,
  trim = function(s) return text.trim_space(str(s)) end,
  upper = function(s) return text.upper(str(s)) end,
  lower = function(s) return text.lower(str(s)) end,
  title = function(s) return title(str(s)) end,
  untitle = function(s) return untitle(str(s)) end,
  substr = function(start, stop, s)
    start, stop, s = int(start), int(stop), str(s)
    if start < 0 then return go_slice(s, 0, stop) end
    if stop < 0 or stop > #s then return go_slice(s, start, #s) end
    return go_slice(s, start, stop)
  end,
  ["repeat"] = function(count, s)
    count, s = int(count), str(s)
    if count < 0 then error("strings: negative Repeat count", 0) end
    -- Go would try to allocate it; hfl refuses outputs past 1 GiB rather than exhaust memory
    if #s * count > 2 ^ 30 then error("strings: Repeat output length overflow", 0) end
    return s:rep(count)
  end,
  trimAll = function(cut, s) return text.trim_set(str(s), str(cut), true, true) end,
  trimSuffix = function(suffix, s)
    suffix, s = str(suffix), str(s)
    if suffix ~= "" and s:sub(-#suffix) == suffix then return s:sub(1, #s - #suffix) end
    return s
  end,
  trimPrefix = function(prefix, s)
    prefix, s = str(prefix), str(s)
    if s:sub(1, #prefix) == prefix then return s:sub(#prefix + 1) end
    return s
  end,
  nospace = function(s) return nospace(str(s)) end,
  initials = function(s) return initials(str(s)) end,
  randAlphaNum = function(n) return random_string(n, ALNUM) end,
  randAlpha = function(n) return random_string(n, ALNUM:sub(1, 52)) end,
  randAscii = function(n) return random_string(n, ASCII) end,
  randNumeric = function(n) return random_string(n, "0123456789") end,
  swapcase = function(s) return swapcase(str(s)) end,
  shuffle = function(s)
    local rs = runes(str(s))
    for i = #rs, 2, -1 do
      local j = math.random(i)
      rs[i], rs[j] = rs[j], rs[i]
    end
    return encode(rs)
  end,
  snakecase = function(s) return camel_to_lower(str(s), "_") end,
  kebabcase = function(s) return camel_to_lower(str(s), "-") end,
  camelcase = function(s) return camelcase(str(s)) end,
  wrap = function(l, s) return wrap_custom(str(s), int(l), "", false) end,
  wrapWith = function(l, sep, s) return wrap_custom(str(s), int(l), str(sep), true) end,
  contains = function(sub, s) return str(s):find(str(sub), 1, true) ~= nil end,
  hasPrefix = function(p, s)
    p, s = str(p), str(s)
    return s:sub(1, #p) == p
  end,
  hasSuffix = function(p, s)
    p, s = str(p), str(s)
    return p == "" or s:sub(-#p) == p
  end,
  quote = function(...)
    local out = {}
    for i = 1, select("#", ...) do
      local v = select(i, ...)
      if not is_nil(v) then out[#out + 1] = util.quote(sprint(v)) end
    end
    return concat(out, " ")
  end,
  squote = function(...)
    local out = {}
    for i = 1, select("#", ...) do
      local v = select(i, ...)
      if not is_nil(v) then out[#out + 1] = "'" .. sprint(v) .. "'" end
    end
    return concat(out, " ")
  end,
  cat = function(...)
    local out = {}
    for i = 1, select("#", ...) do
      local v = select(i, ...)
      if not is_nil(v) then out[#out + 1] = sprint(v) end
    end
    return concat(out, " ")
  end,
  indent = function(n, s)
    local pad = (" "):rep(int(n))
    return pad .. text.replace(str(s), "\n", "\n" .. pad)
  end,
  nindent = function(n, s)
    local pad = (" "):rep(int(n))
    return "\n" .. pad .. text.replace(str(s), "\n", "\n" .. pad)
  end,
  replace = function(old, new, s) return text.replace(str(s), str(old), str(new)) end,
  plural = function(one, many, count)
    one, many, count = str(one), str(many), int(count)
    return count == 1 and one or many
  end,
  toString = function(v) return sprint(v) end,
  toStrings = strslice,
  split = function(sep, s) return index_map(text.split(str(s), str(sep))) end,
  splitn = function(sep, n, s) return index_map(text.split(str(s), str(sep), int(n))) end,
  splitList = function(sep, s) return util.strlist(text.split(str(s), str(sep))) end,
  join = function(sep, v) return concat(strslice(v), str(sep)) end,
  sortAlpha = function(v)
    if util.kind(v) ~= "list" then return util.strlist({ sprint(v) }) end
    local out = strslice(v)
    sort(out)
    return out
  end,
}
M.funcs.trimall = M.funcs.trimAll

return M
