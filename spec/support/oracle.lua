--- The Go YAML oracle (build/yamlref, spec/support/yamlref/main.go) seen from the specs:
--- runs it, and writes hfl values in its typed dump format so both sides compare as text.
---
--- Typed dump, one line per document:
---   {"map":[["k",V],...]} keys sorted bytewise · {"list":[V,...]} · {"str":"..."} ·
---   {"int":"123"} · {"float":"1e+06"} (Go's strconv.FormatFloat(f, 'g', -1, 64)) ·
---   {"bool":true} · {"null":true} · {"time":"..."} (Go only: go-yaml v3 timestamps)
--- Strings escape only `"`, `\` and bytes below 0x20 and 0x7f (as \u00XX).
local value = require "hfl.value"

local M = {}

M.bin = "build/yamlref"

local kind, getmetatable, type, tostring = value.kind, getmetatable, type, tostring
local format, byte, concat, sort = string.format, string.byte, table.concat, table.sort

--- Whether the oracle binary is built; when not, a message saying how to build it.
---@return boolean, string|nil
function M.available()
  local f = io.open(M.bin, "rb")
  if f then
    f:close()
    return true
  end
  return false, M.bin .. " is missing: the differential YAML specs need the Go oracle;"
    .. " run `make deps` (or `make oracle`) to build it"
end

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local function spit(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

--- Runs the oracle on one input.
---@param mode string "decode" | "encode" | "encode-json"
---@param input string
---@param args string|nil extra arguments, e.g. "--v2"
---@return string|nil out, string|nil err  (out nil when the oracle failed; err its stderr)
function M.run(mode, input, args)
  local ok, msg = M.available()
  if not ok then error(msg, 2) end
  local inp, outp, errp = os.tmpname(), os.tmpname(), os.tmpname()
  spit(inp, input)
  local cmd = format("%s %s %s <%s >%s 2>%s", M.bin, mode, args or "", inp, outp, errp)
  local r1, _, r3 = os.execute(cmd)
  local status = (r3 ~= nil) and r3 or r1 -- LuaJIT 5.2 compat returns true/"exit"/code
  if status == true then status = 0 end
  local out, err = slurp(outp), slurp(errp)
  os.remove(inp) os.remove(outp) os.remove(errp)
  if status ~= 0 then return nil, (err:gsub("\n$", "")) end
  return out, nil
end

--- Runs the oracle once on many inputs (batch mode, -0).
---@param mode string
---@param inputs string[]
---@param args string|nil
---@return table[] results  each {out = text} or {out = partial text, err = message}
function M.batch(mode, inputs, args)
  for i, s in ipairs(inputs) do
    if s:find("\0", 1, true) then error("oracle.batch: input " .. i .. " holds a NUL byte", 2) end
  end
  local out, err = M.run(mode, concat(inputs, "\0") .. (#inputs > 0 and "\0" or ""),
    ((args or "") .. " -0"))
  if not out then error("oracle " .. mode .. " failed: " .. tostring(err), 2) end
  local results, pos = {}, 1
  while pos <= #out do
    local stop = out:find("\0", pos, true)
    if not stop then error("oracle output is not NUL-terminated", 2) end
    local part = out:sub(pos, stop - 1)
    local e = part:find("\1error: ", 1, true)
    if e then
      results[#results + 1] = { out = part:sub(1, e - 1), err = (part:sub(e + 8):gsub("\n$", "")) }
    else
      results[#results + 1] = { out = part }
    end
    pos = stop + 1
  end
  if #results ~= #inputs then
    error(format("oracle gave %d results for %d inputs", #results, #inputs), 2)
  end
  return results
end

local function is_neg_zero(n) return n == 0 and 1 / n < 0 end

--- A float as Go's strconv.FormatFloat(f, 'g', -1, 64) writes it: the shortest decimal that
--- reads back as the same double; exponent form ("1e+06", "1.5e-05") when the decimal
--- exponent is < -4 or >= 6 (for the shortest form Go uses precision 6 in that test);
--- "+Inf", "-Inf", "NaN".
---@param f number
---@return string
function M.format_float(f)
  if f ~= f then return "NaN" end
  if f == math.huge then return "+Inf" end
  if f == -math.huge then return "-Inf" end
  local neg = f < 0 or is_neg_zero(f)
  local a = math.abs(f)
  if a == 0 then return neg and "-0" or "0" end
  local digits, exp
  for p = 0, 16 do
    local s = format("%." .. p .. "e", a)
    if tonumber(s) == a then
      -- LuaJIT rounds an exact tie away from zero; Go keeps the even digit.
      local mant, e = format("%." .. (p + 60) .. "e", a):match("^(%d%.%d+)(e[-+]%d+)$")
      local head, rest = mant:sub(1, p == 0 and 1 or p + 2), mant:sub(p + 3)
      if rest:match("^50*$") and s:match("[13579]e") and tonumber(head .. e) == a then
        s = head .. e
      end
      local mant, e = s:match("^([%d%.]+)e([-+]%d+)$")
      digits, exp = mant:gsub("%.", ""), tonumber(e)
      break
    end
  end
  digits = digits:gsub("0+$", "")
  if digits == "" then digits = "0" end
  local nd = #digits
  local out
  if exp < -4 or exp >= 6 then
    out = digits:sub(1, 1)
    if nd > 1 then out = out .. "." .. digits:sub(2) end
    local ae = math.abs(exp)
    out = out .. "e" .. (exp < 0 and "-" or "+") .. (ae < 10 and "0" or "") .. ae
  elseif exp < 0 then
    out = "0." .. string.rep("0", -exp - 1) .. digits
  elseif nd <= exp + 1 then
    out = digits .. string.rep("0", exp + 1 - nd)
  else
    out = digits:sub(1, exp + 1) .. "." .. digits:sub(exp + 2)
  end
  return neg and "-" .. out or out
end

local function dump_string(buf, s)
  buf[#buf + 1] = '"'
  buf[#buf + 1] = (s:gsub('[%z\1-\31"\\\127]', function(c)
    if c == '"' or c == "\\" then return "\\" .. c end
    return format("\\u%04x", byte(c))
  end))
  buf[#buf + 1] = '"'
end

local function int_digits(v)
  if type(v) == "table" then return tostring(v) end
  if is_neg_zero(v) then return "0" end
  return format("%.0f", v)
end

local function float_number(v)
  if type(v) == "table" then return v[1] end
  return v
end

local dump_value

-- go_roundtrip: write floats as what reading go-yaml v3's output back gives. go-yaml writes
-- float64(1) as `1`, which reads back as an int, so integral floats below 1e6 become ints.
dump_value = function(buf, v, opts)
  local k = kind(v)
  if k == "null" then
    buf[#buf + 1] = '{"null":true}'
  elseif k == "bool" then
    buf[#buf + 1] = v and '{"bool":true}' or '{"bool":false}'
  elseif k == "int" then
    buf[#buf + 1] = '{"int":"' .. int_digits(v) .. '"}'
  elseif k == "float" then
    local s = M.format_float(float_number(v))
    if opts.go_roundtrip and s:match("^%-?%d+$") then
      if s == "-0" then s = "0" end
      buf[#buf + 1] = '{"int":"' .. s .. '"}'
    else
      buf[#buf + 1] = '{"float":"' .. s .. '"}'
    end
  elseif k == "string" then
    buf[#buf + 1] = '{"str":'
    dump_string(buf, v)
    buf[#buf + 1] = "}"
  elseif k == "list" then
    buf[#buf + 1] = '{"list":['
    for i = 1, #v do
      if i > 1 then buf[#buf + 1] = "," end
      dump_value(buf, v[i], opts)
    end
    buf[#buf + 1] = "]}"
  elseif k == "map" then
    local keys, byname = {}, {}
    for key, x in pairs(v) do
      local name = tostring(key)
      keys[#keys + 1] = name
      byname[name] = x
    end
    sort(keys)
    buf[#buf + 1] = '{"map":['
    for i, name in ipairs(keys) do
      if i > 1 then buf[#buf + 1] = "," end
      buf[#buf + 1] = "["
      dump_string(buf, name)
      buf[#buf + 1] = ","
      dump_value(buf, byname[name], opts)
      buf[#buf + 1] = "]"
    end
    buf[#buf + 1] = "]}"
  else
    buf[#buf + 1] = '{"unknown":"' .. k .. '"}'
  end
end

--- The typed dump of one hfl value (no newline).
---@param v any
---@param opts table|nil {go_roundtrip = true}: integral floats Go would print without a dot
---                      or exponent are dumped as the ints they read back as
---@return string
function M.dump(v, opts)
  local buf = {}
  dump_value(buf, v, opts or {})
  return concat(buf)
end

--- The typed dump of a list of documents, one line each, as `yamlref decode` prints them.
function M.dump_docs(docs, opts)
  local lines = {}
  for i = 1, #docs do lines[i] = M.dump(docs[i], opts) .. "\n" end
  return concat(lines)
end

-- A reader for exactly the JSON the dump writes (and the oracle prints).
local function parse_error(s, pos, what)
  error(format("typed dump: %s at byte %d: %q", what, pos, s:sub(pos, pos + 30)), 0)
end

local function read_string(s, pos)
  if s:sub(pos, pos) ~= '"' then parse_error(s, pos, "string expected") end
  local out, i = {}, pos + 1
  while true do
    local j = s:find('["\\]', i)
    if not j then parse_error(s, pos, "unterminated string") end
    out[#out + 1] = s:sub(i, j - 1)
    if s:sub(j, j) == '"' then return concat(out), j + 1 end
    local esc = s:sub(j + 1, j + 1)
    if esc == "u" then
      local code = tonumber(s:sub(j + 2, j + 5), 16)
      if not code or code > 127 then parse_error(s, j, "unsupported escape") end
      out[#out + 1] = string.char(code)
      i = j + 6
    else
      out[#out + 1] = esc
      i = j + 2
    end
  end
end

local read_value
read_value = function(s, pos)
  local kind_name
  if s:sub(pos, pos) ~= "{" then parse_error(s, pos, "'{' expected") end
  kind_name, pos = read_string(s, pos + 1)
  if s:sub(pos, pos) ~= ":" then parse_error(s, pos, "':' expected") end
  pos = pos + 1
  local v
  if kind_name == "null" or kind_name == "bool" then
    local word = s:match("^%a+", pos)
    pos = pos + #word
    if kind_name == "null" then v = value.null else v = (word == "true") end
  elseif kind_name == "str" or kind_name == "time" then
    v, pos = read_string(s, pos)
  elseif kind_name == "int" then
    local digits
    digits, pos = read_string(s, pos)
    v = value.int(digits)
  elseif kind_name == "float" then
    local text
    text, pos = read_string(s, pos)
    local n = ({ ["+Inf"] = math.huge, ["-Inf"] = -math.huge, NaN = 0 / 0 })[text] or tonumber(text)
    v = value.float(n)
  elseif kind_name == "list" or kind_name == "map" then
    v = kind_name == "list" and value.list() or value.map()
    if s:sub(pos, pos) ~= "[" then parse_error(s, pos, "'[' expected") end
    pos = pos + 1
    local n = 0
    while s:sub(pos, pos) ~= "]" do
      if n > 0 then
        if s:sub(pos, pos) ~= "," then parse_error(s, pos, "',' expected") end
        pos = pos + 1
      end
      n = n + 1
      if kind_name == "list" then
        v[n], pos = read_value(s, pos)
      else
        if s:sub(pos, pos) ~= "[" then parse_error(s, pos, "'[' expected") end
        local key, x
        key, pos = read_string(s, pos + 1)
        if s:sub(pos, pos) ~= "," then parse_error(s, pos, "',' expected") end
        x, pos = read_value(s, pos + 1)
        if s:sub(pos, pos) ~= "]" then parse_error(s, pos, "']' expected") end
        pos = pos + 1
        v[key] = x
      end
    end
    pos = pos + 1
  else
    parse_error(s, pos, "unknown kind " .. kind_name)
  end
  if s:sub(pos, pos) ~= "}" then parse_error(s, pos, "'}' expected") end
  return v, pos + 1
end

--- The hfl value a typed dump line describes (a Go time becomes its RFC 3339 string).
---@param line string
---@return any
function M.undump(line)
  local v, pos = read_value(line, 1)
  if pos <= #line and not line:sub(pos):match("^%s*$") then parse_error(line, pos, "trailing text") end
  return v
end

--- Every document of a dump (one line each).
function M.undump_docs(text)
  local docs = {}
  for line in text:gmatch("[^\n]+") do docs[#docs + 1] = M.undump(line) end
  return docs
end

return M
