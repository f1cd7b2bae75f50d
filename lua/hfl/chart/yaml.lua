--- Helm's YAML (sigs.k8s.io/yaml): YAML 1.1 scalars read through JSON, so every number is
--- a float64, and toYaml written as go-yaml v2 writes the JSON form of a value — keys in
--- v2's natural order, lists not indented under their key, long strings folded at 80
--- columns, strings YAML 1.1 would misread double-quoted.
local yaml = require "hfl.yaml"
local value = require "hfl.value"
local strconv = require "hfl.tmpl.strconv"

local M = {}

local type, getmetatable, floor, concat, byte, sub, find = type, getmetatable, math.floor, table.concat,
  string.byte, string.sub, string.find
local kind, null, map_mt, list_mt = value.kind, value.null, value.map_mt, value.list_mt

local BEST_WIDTH, INDENT = 80, 2

-- JSON has no integers: a decoded number becomes a float64.
local function to_json_model(v)
  local k = kind(v)
  if k == "int" or k == "float" then return value.float(value.tonumber(v)) end
  if k == "map" then
    local out = setmetatable({}, map_mt)
    for _, key in ipairs(value.keys(v)) do out[tostring(key)] = to_json_model(v[key]) end
    return out
  elseif k == "list" then
    local out = setmetatable({}, list_mt)
    for i = 1, #v do out[i] = to_json_model(v[i]) end
    return out
  end
  return v
end
M.to_json_model = to_json_model

--- Decodes text as sigs.k8s.io/yaml.Unmarshal does (first document, numbers as float64).
---@param text string
---@param opts? {filename?: string}
---@return any value, string? err
function M.decode(text, opts)
  local v, err = yaml.decode(text, { filename = opts and opts.filename, v2 = true })
  if err then return nil, err end
  return to_json_model(v)
end

-- go-yaml v2's keyList.Less: letters compare as runes, digit runs by their number,
-- anything else sorts before letters.
local function is_digit(c) return c and c >= 48 and c <= 57 end
local function is_letter(c)
  return c and ((c >= 65 and c <= 90) or (c >= 97 and c <= 122) or c >= 128)
end

local char_at

local function runes(s)
  local out, i = {}, 1
  while i <= #s do
    local c, w = char_at(s, i)
    out[#out + 1] = c
    i = i + w
  end
  return out
end

-- go-yaml v2's keyList.Less over two sequences of code points: a and b are rune lists read
-- with rawget, or ASCII strings read with string.byte (no rune lists to build).
local function natural_less(a, b, na, nb, at)
  for i = 1, na < nb and na or nb do
    local x, y = at(a, i), at(b, i)
    if x ~= y then
      local al, bl = is_letter(x), is_letter(y)
      if al and bl then return x < y end
      if al or bl then return bl end
      local an, bn = 0, 0
      if x == 48 or y == 48 then
        local j = i - 1
        while j >= 1 and is_digit(at(a, j)) do
          if at(a, j) ~= 48 then an, bn = 1, 1 break end
          j = j - 1
        end
      end
      local ai, bi = i, i
      while ai <= na and is_digit(at(a, ai)) do an = an * 10 + at(a, ai) - 48; ai = ai + 1 end
      while bi <= nb and is_digit(at(b, bi)) do bn = bn * 10 + at(b, bi) - 48; bi = bi + 1 end
      if an ~= bn then return an < bn end
      if ai ~= bi then return ai < bi end
      return x < y
    end
  end
  return na < nb
end

local function key_less(a, b)
  local ar, br = runes(a), runes(b)
  return natural_less(ar, br, #ar, #br, rawget)
end
M.key_less = key_less

-- key_less for keys of ASCII only (runes are bytes).
local function ascii_key_less(a, b)
  return natural_less(a, b, #a, #b, byte)
end

-- Strings go-yaml v2 would read back as something else (resolve() not giving !!str).
local RESOLVE_MAP = {}
for w in ([[y Y yes Yes YES on On ON n N no No NO off Off OFF true True TRUE false False FALSE
  null Null NULL ~ .nan .NaN .NAN .inf .Inf .INF +.inf +.Inf +.INF -.inf -.Inf -.INF]]):gmatch("%S+") do
  RESOLVE_MAP[w] = true
end

local function go_int(s)
  local neg = ""
  if s:sub(1, 1) == "+" or s:sub(1, 1) == "-" then neg, s = s:sub(1, 1), s:sub(2) end
  if s == "" then return false end
  if s:match("^0[xX]%x+$") or s:match("^0[oO][0-7]+$") or s:match("^0[bB][01]+$") then return true end
  if s:match("^0[0-7]*$") or s:match("^[1-9]%d*$") then return true end
  return neg == "" and false or false
end

local function is_float_syntax(s)
  local m = s:match("^[-+]?(.*)$")
  local mant, exp = m:match("^([%d%.]+)([eE][-+]?%d+)$")
  if not mant then mant = m end
  if mant:match("^%.%d+$") or mant:match("^%d+%.?%d*$") then return true end
  return false
end

local function is_timestamp(s)
  local y, rest = s:match("^(%d%d%d%d%-%d%d?%-%d%d?)(.*)$")
  if not y then return false end
  if rest == "" then return true end
  return rest:match("^[Tt ]%d%d?:%d%d?:%d%d?") ~= nil
end

local function resolves_to_non_string(s)
  if s == "" then return true end
  if RESOLVE_MAP[s] then return true end
  local c = s:sub(1, 1)
  if c:match("[%d%+%-%.]") then
    if c:match("%d") and is_timestamp(s) then return true end
    local plain = s:gsub("_", "")
    if go_int(plain) then return true end
    if is_float_syntax(plain) then return true end
    if plain:match("^[-]?0b[01]+$") then return true end
  end
  -- isBase60Float
  if s:match("^[-+]?%d[%d_]*:[0-5]?%d") then
    local rest = s:match("^[-+]?%d[%d_]*(.*)$")
    local ok = true
    local tail = rest
    while tail:match("^:[0-5]?%d") do tail = tail:gsub("^:[0-5]?%d", "", 1) end
    if tail ~= "" and not tail:match("^%.[%d_]*$") then ok = false end
    if ok then return true end
  end
  return false
end

-- One character of s at i: its code point and byte width (invalid bytes count as one).
function char_at(s, i)
  local c = byte(s, i)
  if not c then return nil, 0 end
  if c < 0x80 then return c, 1 end
  local w = c >= 0xF0 and 4 or c >= 0xE0 and 3 or c >= 0xC0 and 2 or 1
  local cp = w == 4 and c - 0xF0 or w == 3 and c - 0xE0 or w == 2 and c - 0xC0 or c
  for j = 1, w - 1 do
    local b = byte(s, i + j) or 0x80
    cp = cp * 64 + (b - 0x80)
  end
  return cp, w
end

-- go-yaml v2's is_printable, on the bytes at i.
local function is_printable(s, i)
  local b0, b1, b2 = byte(s, i), byte(s, i + 1) or 0, byte(s, i + 2) or 0
  return b0 == 0x0A or (b0 >= 0x20 and b0 <= 0x7E) or (b0 == 0xC2 and b1 >= 0xA0)
    or (b0 > 0xC2 and b0 < 0xED) or (b0 == 0xED and b1 < 0xA0) or b0 == 0xEE
    or (b0 == 0xEF and not (b1 == 0xBB and b2 == 0xBF) and not (b1 == 0xBF and (b2 == 0xBE or b2 == 0xBF)))
end

local function is_break_at(s, i)
  local b0, b1, b2 = byte(s, i), byte(s, i + 1), byte(s, i + 2)
  return b0 == 0x0D or b0 == 0x0A or (b0 == 0xC2 and b1 == 0x85)
    or (b0 == 0xE2 and b1 == 0x80 and (b2 == 0xA8 or b2 == 0xA9))
end
local function is_blankz_at(s, i)
  local b0 = byte(s, i)
  return b0 == nil or b0 == 0 or b0 == 0x20 or b0 == 0x09 or is_break_at(s, i)
end

-- libyaml's yaml_emitter_analyze_scalar: which styles can hold the string.
local SIMPLE = { flow_plain = true, block_plain = true, single = true, block = true, multiline = false }

local function analyze(s)
  -- the common case: a word, a path, a version, a name
  if s:find("^[%w][%w%./_-]*$") then return SIMPLE end
  local a = {}
  if s == "" then
    a.flow_plain, a.block_plain, a.single, a.block = false, true, true, false
    return a
  end
  local block_ind, flow_ind, line_breaks, special = false, false, false, false
  local leading_space, leading_break, trailing_space, trailing_break = false, false, false, false
  local break_space, space_break, prev_space, prev_break = false, false, false, false
  local p3 = sub(s, 1, 3)
  if p3 == "---" or p3 == "..." then block_ind, flow_ind = true, true end
  local preceded_ws = true
  local _, w0 = char_at(s, 1)
  local followed_ws = is_blankz_at(s, 1 + w0)
  local i, n = 1, #s
  while i <= n do
    local c, w = char_at(s, i)
    local ch = c < 128 and string.char(c) or ""
    if i == 1 then
      if ch ~= "" and ("#,[]{}&*!|>'\"%@`"):find(ch, 1, true) then
        flow_ind, block_ind = true, true
      elseif ch == "?" or ch == ":" then
        flow_ind = true
        if followed_ws then block_ind = true end
      elseif ch == "-" and followed_ws then
        flow_ind, block_ind = true, true
      end
    else
      if ch ~= "" and (",?[]{}"):find(ch, 1, true) then
        flow_ind = true
      elseif ch == ":" then
        flow_ind = true
        if followed_ws then block_ind = true end
      elseif ch == "#" and preceded_ws then
        flow_ind, block_ind = true, true
      end
    end
    if not is_printable(s, i) then special = true end
    local brk = is_break_at(s, i)
    if brk then line_breaks = true end
    if c == 0x20 then
      if i == 1 then leading_space = true end
      if i + w - 1 == n then trailing_space = true end
      if prev_break then break_space = true end
      prev_space, prev_break = true, false
    elseif brk then
      if i == 1 then leading_break = true end
      if i + w - 1 == n then trailing_break = true end
      if prev_space then space_break = true end
      prev_space, prev_break = false, true
    else
      prev_space, prev_break = false, false
    end
    preceded_ws = is_blankz_at(s, i)
    i = i + w
    if i <= n then
      local _, nw = char_at(s, i)
      followed_ws = is_blankz_at(s, i + nw)
    end
  end
  a.flow_plain, a.block_plain, a.single, a.block = true, true, true, true
  if leading_space or leading_break or trailing_space or trailing_break then
    a.flow_plain, a.block_plain = false, false
  end
  if trailing_space then a.block = false end
  if break_space then a.flow_plain, a.block_plain, a.single = false, false, false end
  if space_break or special then a.flow_plain, a.block_plain, a.single, a.block = false, false, false, false end
  if line_breaks then a.flow_plain, a.block_plain = false, false end
  if flow_ind then a.flow_plain = false end
  if block_ind then a.block_plain = false end
  a.multiline = line_breaks
  return a
end

-- The emitter: out buffer, current column, whether the last char written was whitespace.
local Emitter = {}
Emitter.__index = Emitter

local function new_emitter()
  return setmetatable({ out = {}, column = 0, whitespace = true, indention = true }, Emitter)
end

function Emitter:put(s, chars)
  self.out[#self.out + 1] = s
  self.column = self.column + (chars or #s)
end

function Emitter:newline_indent(indent)
  local last = self.out[#self.out]
  -- after a literal that ended in a line break the line is already open
  local brk = (self.column == 0 and last and last:sub(-1) == "\n") and "" or "\n"
  self.out[#self.out + 1] = brk .. string.rep(" ", indent)
  self.column = indent
  self.whitespace, self.indention = true, true
end

-- Text of ASCII only goes out a run of characters at a time (one character a byte).
local function is_ascii(s) return not find(s, "[\128-\255]") end

local function write_plain(e, s, indent, allow_breaks)
  if not e.whitespace and s ~= "" then e:put(" ") end
  local spaces = false
  local ascii = is_ascii(s)
  local i, n = 1, #s
  while i <= n do
    local c, w = char_at(s, i)
    if c == 0x20 then
      if allow_breaks and not spaces and e.column > BEST_WIDTH and byte(s, i + 1) ~= 0x20 then
        e:newline_indent(indent)
      else
        e:put(" ")
      end
      spaces = true
    elseif ascii then
      local j = find(s, " ", i, true) or n + 1
      e:put(sub(s, i, j - 1))
      spaces, w = false, j - i
    else
      e:put(sub(s, i, i + w - 1), 1)
      spaces = false
    end
    i = i + w
  end
  e.whitespace, e.indention = false, false
end

local function write_single(e, s, indent, allow_breaks)
  if not e.whitespace then e:put(" ") end
  e:put("'")
  local spaces, breaks = false, false
  local ascii = is_ascii(s)
  local i, n = 1, #s
  while i <= n do
    local c, w = char_at(s, i)
    if c == 0x20 then
      if allow_breaks and not spaces and e.column > BEST_WIDTH and i ~= 1 and i ~= n
        and byte(s, i + 1) ~= 0x20 then
        e:newline_indent(indent)
      else
        e:put(" ")
      end
      spaces = true
    elseif is_break_at(s, i) then
      -- not reached: strings with breaks are written as literals or double-quoted
      e:put(sub(s, i, i + w - 1), 1)
      breaks = true
    elseif ascii and c ~= 0x27 then
      if breaks then e:newline_indent(indent) end
      local j = find(s, "[ '\r\n]", i) or n + 1
      e:put(sub(s, i, j - 1))
      spaces, breaks, w = false, false, j - i
    else
      if breaks then e:newline_indent(indent) end
      if c == 0x27 then e:put("'") end
      e:put(sub(s, i, i + w - 1), 1)
      spaces, breaks = false, false
    end
    i = i + w
  end
  e:put("'")
  e.whitespace, e.indention = false, false
end

local ESCAPES = { [0] = "0", [7] = "a", [8] = "b", [9] = "t", [10] = "n", [11] = "v", [12] = "f",
  [13] = "r", [27] = "e", [34] = '"', [92] = "\\", [0x85] = "N", [0xA0] = "_", [0x2028] = "L",
  [0x2029] = "P" }

-- Whether the character at i must be escaped inside double quotes.
local function needs_escape(s, i, c)
  local is_bom = byte(s, i) == 0xEF and byte(s, i + 1) == 0xBB and byte(s, i + 2) == 0xBF
  return not is_printable(s, i) or is_bom or is_break_at(s, i) or c == 0x22 or c == 0x5C
end

local function write_double(e, s, indent, allow_breaks)
  if not e.whitespace then e:put(" ") end
  e:put('"')
  local spaces = false
  local ascii = is_ascii(s)
  local i, n = 1, #s
  while i <= n do
    local c, w = char_at(s, i)
    if ascii and c > 0x20 and c < 0x7F and c ~= 0x22 and c ~= 0x5C then
      -- a run of printable characters that need no escape
      local j = find(s, "[%z\1-\32\"\\\127]", i) or n + 1
      e:put(sub(s, i, j - 1))
      spaces, w = false, j - i
    elseif needs_escape(s, i, c) then
      local esc = ESCAPES[c]
      if esc then
        e:put("\\" .. esc)
      elseif c <= 0xFF then
        e:put(string.format("\\x%02X", c))
      elseif c <= 0xFFFF then
        e:put(string.format("\\u%04X", c))
      else
        e:put(string.format("\\U%08X", c))
      end
      spaces = false
    elseif c == 0x20 then
      if allow_breaks and not spaces and e.column > BEST_WIDTH and i ~= 1 and i ~= n then
        e:newline_indent(indent)
        if byte(s, i + 1) == 0x20 then e:put("\\") end
      else
        e:put(" ")
      end
      spaces = true
    else
      e:put(sub(s, i, i + w - 1), 1)
      spaces = false
    end
    i = i + w
  end
  e:put('"')
  e.whitespace, e.indention = false, false
end

local function write_literal(e, s, indent)
  if not e.whitespace then e:put(" ") end
  local hints = "|"
  if byte(s, 1) == 0x20 or is_break_at(s, 1) then hints = hints .. tostring(INDENT) end
  local last = byte(s, #s)
  if last ~= 0x0A and last ~= 0x0D then
    hints = hints .. "-"
  elseif #s == 1 then
    hints = hints .. "+"
  else
    local prev = byte(s, #s - 1)
    if prev == 0x0A or prev == 0x0D then hints = hints .. "+" end
  end
  e:put(hints)
  e.out[#e.out + 1] = "\n"
  e.column = 0
  local breaks = true
  local ascii = is_ascii(s)
  local i, n = 1, #s
  while i <= n do
    local _, w = char_at(s, i)
    if is_break_at(s, i) then
      e.out[#e.out + 1] = "\n"
      e.column = 0
      breaks = true
    else
      if breaks then
        e.out[#e.out + 1] = string.rep(" ", indent)
        e.column = indent
        breaks = false
      end
      if ascii then
        -- the rest of the line
        local j = find(s, "[\r\n]", i) or n + 1
        e:put(sub(s, i, j - 1))
        w = j - i
      else
        e:put(sub(s, i, i + w - 1), 1)
      end
    end
    i = i + w
  end
  e.whitespace, e.indention = false, false
  e.after_literal = true
end

-- A string scalar in block context (simple_key: a mapping key).
local function write_string(e, s, indent, simple_key)
  local a = analyze(s)
  local style
  if s:find("\n", 1, true) then
    style = "literal"
  elseif resolves_to_non_string(s) then
    style = "double"
  else
    style = "plain"
  end
  if style == "plain" then
    if not a.block_plain or (s == "" and simple_key) then style = "single" end
  end
  if style == "single" and not a.single then style = "double" end
  if style == "literal" and (not a.block or simple_key) then style = "double" end
  local allow_breaks = not simple_key
  if style == "plain" then write_plain(e, s, indent, allow_breaks)
  elseif style == "single" then write_single(e, s, indent, allow_breaks)
  elseif style == "double" then write_double(e, s, indent, allow_breaks)
  else write_literal(e, s, indent) end
end

local format_float = yaml.format_float

-- The text of a number after a JSON round trip: integral values below 1e21 are written as
-- JSON integers and read back as YAML ints; the rest as Go's 'g' float.
local function number_text(v)
  local x = value.tonumber(v)
  if type(v) == "table" and getmetatable(v) == value.int_mt then return v[1] end
  if x ~= x or x == math.huge or x == -math.huge then return nil end
  if x == floor(x) and math.abs(x) < 9.2e18 then return string.format("%d", x) end
  if x == floor(x) and math.abs(x) < 1.8e19 and x > 0 then return string.format("%.0f", x) end
  return format_float(x)
end

local emit_node

local function sorted_map_keys(m)
  local keys, ascii = {}, true
  for k in pairs(m) do
    k = tostring(k)
    keys[#keys + 1] = k
    if ascii and find(k, "[\128-\255]") then ascii = false end
  end
  table.sort(keys, ascii and ascii_key_less or key_less)
  return keys
end

-- A scalar written after "key:" or "-" (on the same line).
local function emit_scalar(e, v, indent)
  local k = kind(v)
  if k == "null" then
    if not e.whitespace then e:put(" ") end
    e:put("null")
  elseif k == "bool" then
    if not e.whitespace then e:put(" ") end
    e:put(v and "true" or "false")
  elseif k == "int" or k == "float" then
    local t = number_text(v)
    if not t then error({ unsupported = "toYaml of a NaN or infinite number" }, 0) end
    if not e.whitespace then e:put(" ") end
    e:put(t)
  elseif k == "string" then
    write_string(e, v, indent + INDENT, false)
  else
    error({ unsupported = "toYaml of a " .. k }, 0)
  end
  e.whitespace, e.indention = false, false
end

local function is_empty_collection(v)
  local k = kind(v)
  return (k == "map" or k == "list") and next(v) == nil
end

-- indent: the indentation of the collection's entries.
function emit_node(e, v, indent, in_mapping_value, depth)
  if depth > 1000 then error({ unsupported = "toYaml of a value nested deeper than 1000" }, 0) end
  local k = kind(v)
  if k == "map" and next(v) ~= nil then
    local first = true
    for _, key in ipairs(sorted_map_keys(v)) do
      if first and not in_mapping_value and e.column > 0 then
        -- the first key of a map that is a list item goes on the item's line
        if not e.whitespace then e:put(" ") end
      elseif e.column > 0 or #e.out > 0 then
        e:newline_indent(indent)
      end
      first = false
      write_string(e, key, indent + INDENT, true)
      e:put(":")
      e.whitespace = false
      local child = v[key]
      if child == nil then child = null end
      local ck = kind(child)
      if (ck == "map" or ck == "list") and not is_empty_collection(child) then
        if ck == "map" then
          emit_node(e, child, indent + INDENT, true, depth + 1)
        else
          -- v2 writes a list under a key without indenting it
          emit_node(e, child, indent, true, depth + 1)
        end
      elseif ck == "map" then
        e:put(" {}")
      elseif ck == "list" then
        e:put(" []")
      else
        emit_scalar(e, child, indent)
      end
    end
  elseif k == "list" and #v > 0 then
    for i = 1, #v do
      -- the first item of a list that is itself a list item goes on that item's line
      local same_line = i == 1 and not in_mapping_value and e.column > 0
      if not same_line and (e.column > 0 or #e.out > 0) then e:newline_indent(indent) end
      e:put("-")
      e.whitespace = false
      local item = v[i]
      local ik = kind(item)
      if ik == "map" and next(item) ~= nil then
        e:put(" ")
        e.whitespace = true
        emit_node(e, item, indent + INDENT, false, depth + 1)
      elseif ik == "list" and #item > 0 then
        e:put(" ")
        e.whitespace = true
        emit_node(e, item, indent + INDENT, false, depth + 1)
      elseif ik == "map" then
        e:put(" {}")
      elseif ik == "list" then
        e:put(" []")
      else
        emit_scalar(e, item, indent)
      end
    end
  elseif k == "map" then
    e:put("{}")
  elseif k == "list" then
    e:put("[]")
  else
    emit_scalar(e, v, indent - INDENT)
  end
end

--- Helm's toYaml: the YAML text of v without its final newline. Raises
--- { unsupported = reason } for what this encoder does not write as Helm would.
---@param v any
---@return string
function M.encode(v)
  local e = new_emitter()
  local k = kind(v)
  if k == "function" or k == "userdata" or k == "thread" then
    error({ unsupported = "toYaml of a " .. k }, 0)
  end
  if k == "map" or k == "list" then
    -- non-JSON values (library types like time.Time) are not modelled
    local mt = type(v) == "table" and getmetatable(v)
    if mt and mt ~= map_mt and mt ~= list_mt then error({ unsupported = "toYaml of a Go object" }, 0) end
  end
  emit_node(e, v, 0, false, 0)
  local text = concat(e.out)
  -- Go's text ends the document with a line break (none is added after a literal that
  -- ended with one); Helm trims one
  if text:sub(-1) == "\n" then text = text:sub(1, -2) end
  return text
end

return M
