--- Helm's pkg/strvals: the `--set`, `--set-string`, `--set-file`, `--set-json` and
--- `--set-literal` lines applied to a values map (helm 3.17 and 4.1 parse them alike).
---
---   local vals, why = strvals.apply(vals, "image.tag=1.2,replicas=3", "set", "3")
---
--- A line is parsed into the map in place, as Helm's parser does: `a.b=v` nests maps,
--- `a[0]=v` and `a[0].b=v` index lists (at most index 65536), `{x,y}` is a list, `\` escapes
--- the next character (not in --set-literal), and `,` separates assignments (not in
--- --set-literal). --set types its values as Helm's typedVal does: true/false/null (any
--- case), "0" and integers not starting with 0 that fit an int64; everything else stays a
--- string. --set-json values are JSON (numbers become float64). --set-file values name files
--- whose content is the (string) value.
---
--- Every input Helm rejects, and every one whose result this port is not sure to reproduce
--- (a file from stdin or a URL, invalid UTF-8), returns nil, reason: the caller leaves the
--- release to helm, whose error text is then the user's.
local value = require "hfl.value"
local fs = require "hfl.fs"
local json = require "hfl.stdlib.json"

local M = {}

local fmt, byte, sub, concat = string.format, string.byte, string.sub, table.concat
local null, kind = value.null, value.kind

--- Largest list index a line may set (strvals.MaxIndex).
M.MAX_INDEX = 65536
--- Deepest `a.b.c…` nesting of one key (strvals.MaxNestedNameLevel).
M.MAX_NESTED = 30

local EOF = {}

-- A failure that ends the parse (Helm returns an error; hfl leaves the release to helm).
local function fail(why) error({ strvals = why }, 0) end

-- The scanner over one line: bytes, with Go's rune reads reduced to bytes (stop characters
-- are ASCII, and the line is checked to be valid UTF-8 first).
local function scanner(s)
  return { s = s, i = 1, n = #s }
end

-- runesUntil: bytes up to a stop character (backslash escapes the next one unless literal);
-- returns the text, the stop character, or EOF.
local function until_stop(sc, stop, literal)
  local buf, s, i, n = {}, sc.s, sc.i, sc.n
  while i <= n do
    local c = sub(s, i, i)
    i = i + 1
    if stop[c] then
      sc.i = i
      return concat(buf), c
    elseif c == "\\" and not literal then
      if i > n then
        sc.i = i
        return concat(buf), EOF
      end
      buf[#buf + 1] = sub(s, i, i)
      i = i + 1
    else
      buf[#buf + 1] = c
    end
  end
  sc.i = i
  return concat(buf), EOF
end

local function set(data, key, v)
  if key ~= "" then data[key] = v end
end

-- strconv.Atoi / ParseInt(s, 10, 64): an integer within int64, or nil.
local function parse_int(s)
  local sign, digits = s:match("^([+-]?)(%d+)$")
  if not digits then return nil end
  digits = digits:gsub("^0+", "")
  if digits == "" then return "0" end
  if #digits > 19 or (#digits == 19 and digits > (sign == "-" and "9223372036854775808" or "9223372036854775807")) then
    return nil
  end
  return (sign == "-" and "-" or "") .. digits
end

-- typedVal: the --set reading of a value (integers as Go's int64: value.int64).
local function typed(s)
  -- strings.EqualFold: only ASCII letters and U+017F (ſ, folding to s) can fold to these words
  local l = s:lower():gsub("\197\191", "s")
  if l == "true" then return true end
  if l == "false" then return false end
  if l == "null" then return null end
  if s == "0" then return value.int64("0") end
  if s ~= "" and sub(s, 1, 1) ~= "0" then
    local digits = parse_int(s)
    if digits then
      -- hfl's arithmetic is exact to 2^53 only (Helm's int64 math is exact to 2^63)
      if math.abs(tonumber(digits)) >= 2 ^ 53 then fail("an integer beyond 2^53 from --set") end
      return value.int64(digits)
    end
  end
  return s
end

-- setIndex: list[index] = v, growing the list with nulls.
local function set_index(list, index, v)
  if index < 0 then fail(fmt("negative %d index not allowed", index)) end
  if index > M.MAX_INDEX then
    fail(fmt("index of %d is greater than maximum supported index of %d", index, M.MAX_INDEX))
  end
  for j = #list + 1, index do list[j] = null end
  list[index + 1] = v
  return list
end

local function as_list(v, what)
  if kind(v) ~= "list" then fail("unable to parse key: interface conversion (" .. what .. " is not a list)") end
  return v
end

local function as_map(v, what)
  if kind(v) ~= "map" then fail("unable to parse key: interface conversion (" .. what .. " is not a map)") end
  return v
end

-- keyIndex: the integer between [ and ].
local function key_index(sc, literal)
  local v, last = until_stop(sc, { ["]"] = true }, literal)
  if last == EOF then fail("error parsing index: EOF") end
  local digits = parse_int(v)
  if not digits then fail(fmt("error parsing index: strconv.Atoi: parsing %q", v)) end
  -- beyond MaxIndex (or negative) list_item and set_index refuse it
  return tonumber(digits)
end

local function json_error(why) fail("invalid JSON: " .. why) end

--- One JSON document (json.Unmarshal: nothing but white space may follow), or raises.
local function json_document(s)
  local v, j = json.decode_at(s, 1)
  if v == nil then json_error(j) end
  if sub(s, j):match("^[ \t\r\n]*$") == nil then json_error("invalid character after top-level value") end
  return v
end

-- emptyVal: skips white space up to a comma or the end (an empty value) or another character.
local function empty_val(sc)
  while sc.i <= sc.n do
    local c = sub(sc.s, sc.i, sc.i)
    sc.i = sc.i + 1
    if c == "," then return true end
    -- unicode.IsSpace, ASCII part (a line with other bytes here is left to helm)
    if not (c == " " or c == "\t" or c == "\n" or c == "\r" or c == "\v" or c == "\f") then
      if byte(c) >= 0x80 then fail("non-ASCII character after --set-json value") end
      sc.i = sc.i - 1
      return false
    end
  end
  return true
end

-- A JSON value at the scanner (json.Decoder.Decode, then InputOffset).
local function json_at(sc)
  local v, j = json.decode_at(sc.s, sc.i)
  if v == nil then json_error(j) end
  sc.i = j
  empty_val(sc)
  return v
end

local NOT_LIST = {}

-- valList: `{a,b}` as a list of read values, or NOT_LIST (the scanner untouched), or EOF.
local function val_list(sc, reader)
  if sc.i > sc.n then return EOF end
  if sub(sc.s, sc.i, sc.i) ~= "{" then return NOT_LIST end
  sc.i = sc.i + 1
  local list = value.list()
  local stop = { [","] = true, ["}"] = true }
  while true do
    local rs, last = until_stop(sc, stop)
    if last == EOF then fail("list must terminate with '}'") end
    if last == "}" then
      if sub(sc.s, sc.i, sc.i) == "," then sc.i = sc.i + 1 end
      list[#list + 1] = reader(rs)
      return list
    end
    list[#list + 1] = reader(rs)
  end
end

local KEY_STOP = { ["="] = true, ["["] = true, [","] = true, ["."] = true }
local LITERAL_KEY_STOP = { ["="] = true, ["["] = true, ["."] = true }
local ITEM_STOP = { ["["] = true, ["."] = true, ["="] = true }
local VAL_STOP = { [","] = true }

-- The value after `=` (the scanner is past it): what the parser kind reads there, and
-- whether it met the end of the line where a value should start (valList's io.EOF).
local function read_value(p)
  local sc = p.sc
  if p.mode == "literal" then
    local rest = sub(sc.s, sc.i)
    sc.i = sc.n + 1
    return rest
  end
  if p.mode == "json" then
    if empty_val(sc) then return null end
    return json_at(sc)
  end
  local vl = val_list(sc, p.reader)
  if vl == EOF then return "", true end
  if vl ~= NOT_LIST then return vl end
  local rs = until_stop(sc, VAL_STOP)
  return p.reader(rs)
end

local key

-- listItem: what follows `name[i]`; returns the list with its item i set.
local function list_item(p, list, i, level)
  if i < 0 then fail(fmt("negative %d index not allowed", i)) end
  local k, last = until_stop(p.sc, ITEM_STOP, p.mode == "literal")
  if #k > 0 then fail(fmt("unexpected data at end of array index: %q", k)) end
  if last == EOF then return list, EOF end
  if last == "=" then
    return set_index(list, i, read_value(p))
  elseif last == "[" then
    local next_i = key_index(p.sc, p.mode == "literal")
    local current
    if #list > i then
      local existed = list[i + 1]
      if existed ~= null then current = as_list(existed, "list item") end
    end
    local inner, e = list_item(p, current or value.list(), next_i, level)
    if e then return list, e end
    return set_index(list, i, inner)
  else
    local inner = value.map()
    if #list > i then
      if kind(list[i + 1]) == "map" then
        inner = list[i + 1]
      else
        list[i + 1] = inner
      end
    end
    -- an assignment that ended the line early leaves the item out, as Helm's does
    local e = key(p, inner, level)
    if e then return list, e end
    return set_index(list, i, inner)
  end
end

-- key: one assignment into data; returns nil to go on, or EOF at the end of the line.
function key(p, data, level)
  local literal = p.mode == "literal"
  local k, last = until_stop(p.sc, literal and LITERAL_KEY_STOP or KEY_STOP, literal)
  if last == EOF then
    if #k == 0 then return EOF end
    fail(fmt("key %q has no value", k))
  elseif last == "[" then
    local i = key_index(p.sc, literal)
    local list = value.list()
    if data[k] ~= nil then list = as_list(data[k], k) end
    local out, e = list_item(p, list, i, level)
    set(data, k, out)
    return e
  elseif last == "=" then
    local v, eof = read_value(p)
    set(data, k, v)
    if eof then return EOF end
    return nil
  elseif last == "," then
    fail(fmt("key %q has no value (cannot end with ,)", k))
  else
    level = level + 1
    if level > M.MAX_NESTED then
      fail(fmt("value name nested level is greater than maximum supported nested level of %d", M.MAX_NESTED))
    end
    local inner = value.map()
    if data[k] ~= nil then inner = as_map(data[k], k) end
    local e = key(p, inner, level)
    if e == nil and next(inner) == nil then fail(fmt("key map %q has no value", k)) end
    if next(inner) ~= nil then set(data, k, inner) end
    return e
  end
end

-- Whether s is valid UTF-8 (Go reads the line rune by rune; an invalid byte would become
-- U+FFFD there).
local function valid_utf8(s)
  local i, n = 1, #s
  while i <= n do
    local c = byte(s, i)
    local len
    if c < 0x80 then len = 1
    elseif c >= 0xC2 and c <= 0xDF then len = 2
    elseif c >= 0xE0 and c <= 0xEF then len = 3
    elseif c >= 0xF0 and c <= 0xF4 then len = 4
    else return false end
    for j = i + 1, i + len - 1 do
      local d = byte(s, j)
      if not d or d < 0x80 or d > 0xBF then return false end
    end
    if len == 3 then
      local d = byte(s, i + 1)
      if (c == 0xE0 and d < 0xA0) or (c == 0xED and d > 0x9F) then return false end
    elseif len == 4 then
      local d = byte(s, i + 1)
      if (c == 0xF0 and d < 0x90) or (c == 0xF4 and d > 0x8F) then return false end
    end
    i = i + len
  end
  return true
end
M.valid_utf8 = valid_utf8

-- --set-file's reader: the file's content, as helm's readFile gets it from the local disk.
local function file_reader(path)
  if path:match("^%s*%-%s*$") then fail("--set-file from stdin") end
  -- a scheme (or anything url.Parse might reject or a getter might serve) is left to helm
  if path:find("[:%%]") or path:find("[%z\1-\31\127]") then fail("--set-file path " .. path .. " is not a plain path") end
  local text, err = fs.read(path)
  if not text then fail("--set-file " .. tostring(err)) end
  if not valid_utf8(text) then fail("--set-file " .. path .. " is not UTF-8") end
  return text
end

local function parse(line, data, mode)
  if not valid_utf8(line) then fail("a --set line that is not valid UTF-8") end
  local p = { sc = scanner(line), mode = mode }
  if mode == "set" then
    p.reader = typed
  elseif mode == "string" then
    p.reader = function(rs) return rs end
  elseif mode == "file" then
    p.reader = file_reader
  end
  while key(p, data, 0) ~= EOF do end
end

-- loader.MergeMaps / values.mergeMaps: b over a, maps merged key by key.
local function merge_maps(a, b)
  local out = value.map()
  for _, k in ipairs(value.keys(a)) do out[k] = a[k] end
  for _, k in ipairs(value.keys(b)) do
    local v = b[k]
    if kind(v) == "map" and kind(out[k]) == "map" then
      out[k] = merge_maps(out[k], v)
    else
      out[k] = v
    end
  end
  return out
end
M.merge_maps = merge_maps

--- Applies one line of a --set flag to vals (in place, or a new map for Helm 4's --set-json
--- object form). Returns the values, or nil and why helm must take the release.
---@param vals table  a values map
---@param line string
---@param mode "set"|"string"|"file"|"json"|"literal"
---@param helm string "3" or "4"
---@return table|nil vals, string|nil reason
function M.apply(vals, line, mode, helm)
  local ok, err = pcall(function()
    -- Helm 4 reads a --set-json that is a JSON object as a map merged over the values
    if mode == "json" and helm == "4" then
      local trimmed = line:match("^[ \t\n\r\v\f]*(.-)[ \t\n\r\v\f]*$")
      if sub(trimmed, 1, 1) == "{" then
        if not valid_utf8(trimmed) then fail("a --set-json line that is not valid UTF-8") end
        local m = json_document(trimmed)
        if kind(m) ~= "map" then fail("--set-json object is not a map") end
        vals = merge_maps(vals, m)
        return
      end
    end
    parse(line, vals, mode)
  end)
  if ok then return vals end
  if type(err) == "table" and err.strvals then
    return nil, fmt("--%s %s: %s", mode == "set" and "set" or "set-" .. mode, line, err.strvals)
  end
  error(err, 0)
end

return M
