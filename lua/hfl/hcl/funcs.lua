--- Functions of HCL values files (a subset of go-cty's stdlib as Helmfile registers it, see
--- Helmfile's docs/hcl_funcs.md). Each takes the evaluated arguments as a list and returns a
--- value or raises an error string. `try` and `can` are special forms in hfl.hcl.eval.
local value = require "hfl.value"
local trim = require "hfl.trim"

local M = {}

local null, vmap, vlist, kind = value.null, value.map, value.list, value.kind
local fmt = string.format

local function tname(v)
  local k = kind(v)
  return ({ null = "null", bool = "bool", int = "number", float = "number", string = "string", map = "object",
    list = "tuple" })[k] or k
end

--- A number as cty prints it in strings: integers without a fraction, else shortest form.
function M.number_string(n)
  if n == math.floor(n) and math.abs(n) < 2 ^ 63 then return fmt("%d", n) end
  for p = 1, 17 do
    local s = fmt("%." .. p .. "g", n)
    if tonumber(s) == n then return s end
  end
  return tostring(n)
end

local function need(args, n, name)
  if #args < n then error(fmt("not enough arguments: %s needs %d", name, n), 0) end
end

local function str(v, what)
  local k = kind(v)
  if k == "string" then return v end
  if k == "int" or k == "float" then return M.number_string(value.tonumber(v)) end
  if k == "bool" then return tostring(v) end
  error(fmt("%s: a string is required, not %s", what or "argument", tname(v)), 0)
end

local function num(v, what)
  local k = kind(v)
  if k == "int" or k == "float" then return value.tonumber(v) end
  if k == "string" and tonumber(v) then return tonumber(v) end
  error(fmt("%s: a number is required, not %s", what or "argument", tname(v)), 0)
end

local function list(v, what)
  local k = kind(v)
  if k == "list" then return v end
  error(fmt("%s: a list is required, not %s", what or "argument", tname(v)), 0)
end

local function map(v, what)
  if kind(v) == "map" then return v end
  error(fmt("%s: a map is required, not %s", what or "argument", tname(v)), 0)
end

local function copy_list(t)
  local out = vlist {}
  for i = 1, #t do out[i] = t[i] end
  return out
end

local F = {}
M.funcs = F

-- numbers
F.abs = function(a) need(a, 1, "abs"); return math.abs(num(a[1])) end
F.ceil = function(a) need(a, 1, "ceil"); return math.ceil(num(a[1])) end
F.floor = function(a) need(a, 1, "floor"); return math.floor(num(a[1])) end
F.signum = function(a)
  need(a, 1, "signum")
  local n = num(a[1])
  return n > 0 and 1 or n < 0 and -1 or 0
end
F.pow = function(a) need(a, 2, "pow"); return num(a[1]) ^ num(a[2]) end
F.log = function(a) need(a, 2, "log"); return math.log(num(a[1])) / math.log(num(a[2])) end
F.int = function(a)
  need(a, 1, "int")
  local n = num(a[1])
  return n >= 0 and math.floor(n) or math.ceil(n)
end
F.max = function(a)
  need(a, 1, "max")
  local m = num(a[1])
  for i = 2, #a do m = math.max(m, num(a[i])) end
  return m
end
F.min = function(a)
  need(a, 1, "min")
  local m = num(a[1])
  for i = 2, #a do m = math.min(m, num(a[i])) end
  return m
end
F.parseint = function(a)
  need(a, 2, "parseint")
  local base = num(a[2])
  if base < 2 or base > 62 then error("base must be a whole number between 2 and 62 inclusive", 0) end
  local s = str(a[1])
  local n = tonumber(s, base)
  if not n then error(fmt("cannot parse %q as a base %d integer", s, base), 0) end
  return n
end

-- strings
F.upper = function(a) need(a, 1, "upper"); return str(a[1]):upper() end
F.lower = function(a) need(a, 1, "lower"); return str(a[1]):lower() end
F.title = function(a)
  need(a, 1, "title")
  return (str(a[1]):gsub("(%w)(%w*)", function(x, y) return x:upper() .. y end))
end
F.strlen = function(a)
  need(a, 1, "strlen")
  local _, n = str(a[1]):gsub("[^\128-\191]", "")
  return n
end
F.strrev = function(a)
  need(a, 1, "strrev")
  local chars = {}
  for ch in str(a[1]):gmatch("[%z\1-\127\194-\244][\128-\191]*") do table.insert(chars, 1, ch) end
  return table.concat(chars)
end
F.chomp = function(a) need(a, 1, "chomp"); return (str(a[1]):gsub("[\r\n]+$", "")) end
F.trimspace = function(a) need(a, 1, "trimspace"); return trim.both(str(a[1])) end
F.trim = function(a)
  need(a, 2, "trim")
  local s, cut = str(a[1]), str(a[2])
  local set = {}
  for ch in cut:gmatch(".") do set[ch] = true end
  local i, j = 1, #s
  while i <= j and set[s:sub(i, i)] do i = i + 1 end
  while j >= i and set[s:sub(j, j)] do j = j - 1 end
  return s:sub(i, j)
end
F.trimprefix = function(a)
  need(a, 2, "trimprefix")
  local s, p = str(a[1]), str(a[2])
  if p ~= "" and s:sub(1, #p) == p then return s:sub(#p + 1) end
  return s
end
F.trimsuffix = function(a)
  need(a, 2, "trimsuffix")
  local s, p = str(a[1]), str(a[2])
  if p ~= "" and s:sub(-#p) == p then return s:sub(1, #s - #p) end
  return s
end
F.substr = function(a)
  need(a, 3, "substr")
  local chars = {}
  for ch in str(a[1]):gmatch("[%z\1-\127\194-\244][\128-\191]*") do chars[#chars + 1] = ch end
  local off, len = num(a[2]), num(a[3])
  if off < 0 then off = #chars + off end
  if off < 0 or off > #chars then error("offset out of range", 0) end
  local last = len < 0 and #chars or math.min(#chars, off + len)
  return table.concat(chars, "", off + 1, last)
end
F.indent = function(a)
  need(a, 2, "indent")
  local pad = (" "):rep(num(a[1]))
  return (str(a[2]):gsub("\n", "\n" .. pad))
end
F.join = function(a)
  need(a, 2, "join")
  local sep, out = str(a[1]), {}
  for i = 2, #a do
    for _, v in ipairs(list(a[i], "join")) do out[#out + 1] = str(v, "join") end
  end
  return table.concat(out, sep)
end
F.split = function(a)
  need(a, 2, "split")
  local sep, s = str(a[1]), str(a[2])
  local out = vlist {}
  if sep == "" then
    for ch in s:gmatch("[%z\1-\127\194-\244][\128-\191]*") do out[#out + 1] = ch end
    return out
  end
  local pos = 1
  while true do
    local i, j = s:find(sep, pos, true)
    if not i then break end
    out[#out + 1] = s:sub(pos, i - 1)
    pos = j + 1
  end
  out[#out + 1] = s:sub(pos)
  return out
end

-- format: Go-like verbs %s %d %f %v %q %t %% with optional width/precision.
F.format = function(a)
  need(a, 1, "format")
  local spec = str(a[1])
  local i = 1
  return (spec:gsub("%%([%-%+ #0]*)(%d*)%.?(%d*)([%%sdfvqtxXeEgGob])", function(flags, width, prec, verb)
    if verb == "%" then return "%" end
    i = i + 1
    local v = a[i]
    if v == nil then error("not enough arguments for format string", 0) end
    local w = flags .. width
    if verb == "s" or verb == "v" then
      local s = kind(v) == "string" and v or (kind(v) == "map" or kind(v) == "list")
        and require("hfl.stdlib.json").encode(v) or str(v)
      return fmt("%" .. w .. "s", s)
    elseif verb == "q" then
      return fmt("%" .. w .. "s", require("hfl.stdlib.json").encode(str(v)))
    elseif verb == "t" then
      if type(v) ~= "boolean" then error("%t needs a bool", 0) end
      return fmt("%" .. w .. "s", tostring(v))
    elseif verb == "d" then
      local n = num(v)
      if n ~= math.floor(n) then error("%d needs a whole number", 0) end
      return fmt("%" .. w .. "d", n)
    elseif verb == "b" then
      local n, bits = math.floor(num(v)), {}
      repeat bits[#bits + 1] = n % 2; n = math.floor(n / 2) until n == 0
      return fmt("%" .. w .. "s", table.concat(bits):reverse())
    elseif verb == "o" or verb == "x" or verb == "X" then
      return fmt("%" .. w .. verb, math.floor(num(v)))
    end
    return fmt("%" .. w .. (prec ~= "" and ("." .. prec) or "") .. verb, num(v))
  end))
end
F.formatlist = function(a)
  need(a, 1, "formatlist")
  local n
  for i = 2, #a do
    if kind(a[i]) == "list" then
      if n and #a[i] ~= n then error("all list arguments must have the same length", 0) end
      n = #a[i]
    end
  end
  local out = vlist {}
  for j = 1, n or 1 do
    local args = { a[1] }
    for i = 2, #a do args[i] = kind(a[i]) == "list" and a[i][j] or a[i] end
    out[j] = F.format(args)
  end
  return out
end

-- collections
F.length = function(a)
  need(a, 1, "length")
  local v, k = a[1], kind(a[1])
  if k == "list" then return #v end
  if k == "map" then return #value.keys(v) end
  if k == "string" then return F.strlen(a) end
  error(fmt("argument must be a string, a collection type, or a structural type, not %s", tname(v)), 0)
end
F.concat = function(a)
  local out = vlist {}
  for _, l in ipairs(a) do
    for _, v in ipairs(list(l, "concat")) do out[#out + 1] = v end
  end
  return out
end
F.coalesce = function(a)
  for _, v in ipairs(a) do
    if v ~= null and v ~= "" then return v end
  end
  error("no non-null, non-empty-string arguments", 0)
end
F.coalescelist = function(a)
  for _, v in ipairs(a) do
    if #list(v, "coalescelist") > 0 then return v end
  end
  error("no non-empty list arguments", 0)
end
F.compact = function(a)
  need(a, 1, "compact")
  local out = vlist {}
  for _, v in ipairs(list(a[1], "compact")) do
    if v ~= null and v ~= "" then out[#out + 1] = str(v) end
  end
  return out
end
F.contains = function(a)
  need(a, 2, "contains")
  for _, v in ipairs(list(a[1], "contains")) do
    if value.equal(v, a[2]) then return true end
  end
  return false
end
F.distinct = function(a)
  need(a, 1, "distinct")
  local out = vlist {}
  for _, v in ipairs(list(a[1], "distinct")) do
    local dup = false
    for _, w in ipairs(out) do if value.equal(v, w) then dup = true break end end
    if not dup then out[#out + 1] = v end
  end
  return out
end
F.element = function(a)
  need(a, 2, "element")
  local l, i = list(a[1], "element"), num(a[2])
  if #l == 0 then error("cannot use element function with an empty list", 0) end
  if i < 0 then error("cannot use element function with a negative index", 0) end
  return l[math.floor(i) % #l + 1]
end
F.flatten = function(a)
  need(a, 1, "flatten")
  local out = vlist {}
  local function walk(l)
    for _, v in ipairs(l) do
      if kind(v) == "list" then walk(v) else out[#out + 1] = v end
    end
  end
  walk(list(a[1], "flatten"))
  return out
end
F.chunklist = function(a)
  need(a, 2, "chunklist")
  local l, size = list(a[1], "chunklist"), num(a[2])
  if size < 0 then error("the size argument must be positive", 0) end
  local out = vlist {}
  if size == 0 then out[1] = copy_list(l) return out end
  for i = 1, #l, size do
    local c = vlist {}
    for j = i, math.min(#l, i + size - 1) do c[#c + 1] = l[j] end
    out[#out + 1] = c
  end
  return out
end
F.keys = function(a)
  need(a, 1, "keys")
  local out = vlist {}
  for i, k in ipairs(value.sorted_keys(map(a[1], "keys"))) do out[i] = k end
  return out
end
F.values = function(a)
  need(a, 1, "values")
  local m = map(a[1], "values")
  local out = vlist {}
  for i, k in ipairs(value.sorted_keys(m)) do out[i] = m[k] end
  return out
end
F.lookup = function(a)
  need(a, 2, "lookup")
  local m, k = map(a[1], "lookup"), str(a[2])
  if m[k] ~= nil then return m[k] end
  if a[3] ~= nil then return a[3] end
  error(fmt("the given key %q does not exist in the map", k), 0)
end
F.merge = function(a)
  local out = vmap {}
  for _, m in ipairs(a) do
    if m ~= null then
      for _, k in ipairs(value.keys(map(m, "merge"))) do out[k] = m[k] end
    end
  end
  return out
end
F.range = function(a)
  need(a, 1, "range")
  local start, stop, step = 0, nil, 1
  if #a == 1 then stop = num(a[1]) else start, stop = num(a[1]), num(a[2]) end
  if #a >= 3 then step = num(a[3]) end
  if step == 0 then error("step must not be zero", 0) end
  local out = vlist {}
  local i = start
  while (step > 0 and i < stop) or (step < 0 and i > stop) do
    out[#out + 1] = i
    if #out > 1024 then error("more than 1024 values were generated", 0) end
    i = i + step
  end
  return out
end
F.reverse = function(a)
  need(a, 1, "reverse")
  local l, out = list(a[1], "reverse"), vlist {}
  for i = #l, 1, -1 do out[#out + 1] = l[i] end
  return out
end
F.reverselist = F.reverse
F.slice = function(a)
  need(a, 3, "slice")
  local l, s, e = list(a[1], "slice"), num(a[2]), num(a[3])
  if s < 0 or e > #l or s > e then error("index out of range", 0) end
  local out = vlist {}
  for i = s + 1, e do out[#out + 1] = l[i] end
  return out
end
F.sort = function(a)
  need(a, 1, "sort")
  local out = vlist {}
  for i, v in ipairs(list(a[1], "sort")) do out[i] = str(v, "sort") end
  table.sort(out)
  return out
end
F.zipmap = function(a)
  need(a, 2, "zipmap")
  local ks, vs = list(a[1], "zipmap"), list(a[2], "zipmap")
  if #ks ~= #vs then error("number of keys and values must match", 0) end
  local out = vmap {}
  for i = 1, #ks do out[str(ks[i])] = vs[i] end
  return out
end

-- regular expressions (RE2 syntax through hfl.stdlib.regex)
local function regex_value(re, s, m)
  local n = re:groups()
  if n == 0 then return s:sub(m[1] + 1, m[2]) end
  local names = re:names()
  local named, unnamed = 0, 0
  for i = 1, n do if names[i] then named = named + 1 else unnamed = unnamed + 1 end end
  if named > 0 and unnamed > 0 then error("named and unnamed capture groups cannot be mixed", 0) end
  local out = named > 0 and vmap {} or vlist {}
  for i = 1, n do
    local a, b = m[2 * i + 1], m[2 * i + 2]
    local v = (a and a >= 0) and s:sub(a + 1, b) or null
    if named > 0 then out[names[i]] = v else out[i] = v end
  end
  return out
end
local function compile(p)
  local R = require "hfl.stdlib.regex"
  local re, err = R.compile(str(p))
  if not re then error(err, 0) end
  return re, R
end
F.regex = function(a)
  need(a, 2, "regex")
  local re = compile(a[1])
  local s = str(a[2])
  local m = re:exec(s, 0)
  if not m then error("pattern did not match any part of the given string", 0) end
  return regex_value(re, s, m)
end
F.regexall = function(a)
  need(a, 2, "regexall")
  local re, R = compile(a[1])
  local s = str(a[2])
  local out = vlist {}
  for i, m in ipairs(R.find_all(re, s, -1)) do out[i] = regex_value(re, s, m) end
  return out
end

-- IPv4 CIDR arithmetic (IPv6 prefixes are refused)
local function parse_cidr(c)
  local a, b, cc, d, bits = str(c):match("^(%d+)%.(%d+)%.(%d+)%.(%d+)/(%d+)$")
  bits = tonumber(bits)
  if not a or bits > 32 then error(fmt("invalid CIDR address: %s (only IPv4 is supported)", str(c)), 0) end
  local ip = 0
  for _, o in ipairs { a, b, cc, d } do
    o = tonumber(o)
    if o > 255 then error(fmt("invalid CIDR address: %s", c), 0) end
    ip = ip * 256 + o
  end
  local size = 2 ^ (32 - bits)
  return ip - ip % size, bits
end
local function ip_string(ip)
  local o = {}
  for i = 4, 1, -1 do o[i] = ip % 256; ip = math.floor(ip / 256) end
  return table.concat(o, ".")
end
F.cidrhost = function(a)
  need(a, 2, "cidrhost")
  local base, bits = parse_cidr(a[1])
  local size, n = 2 ^ (32 - bits), num(a[2])
  if n < 0 then n = size + n end
  if n < 0 or n >= size then error(fmt("prefix of %d does not accommodate a host numbered %d", bits, num(a[2])), 0) end
  return ip_string(base + n)
end
F.cidrnetmask = function(a)
  need(a, 1, "cidrnetmask")
  local _, bits = parse_cidr(a[1])
  return ip_string(2 ^ 32 - 2 ^ (32 - bits))
end
F.cidrsubnet = function(a)
  need(a, 3, "cidrsubnet")
  local base, bits = parse_cidr(a[1])
  local newbits, n = num(a[2]), num(a[3])
  if bits + newbits > 32 then
    error(fmt("insufficient address space to extend prefix of %d by %d", bits, newbits), 0)
  end
  if n < 0 or n >= 2 ^ newbits then error(fmt("prefix extension of %d does not accommodate a subnet numbered %d", newbits, n), 0) end
  return ip_string(base + n * 2 ^ (32 - bits - newbits)) .. "/" .. (bits + newbits)
end
F.cidrsubnets = function(a)
  need(a, 1, "cidrsubnets")
  local base, bits = parse_cidr(a[1])
  local out, next_ip = vlist {}, base
  for i = 2, #a do
    local nb = bits + num(a[i])
    if nb > 32 then error(fmt("would extend prefix to %d bits, which is too long for an IPv4 address", nb), 0) end
    local size = 2 ^ (32 - nb)
    if next_ip % size ~= 0 then next_ip = next_ip - next_ip % size + size end
    if next_ip + size > base + 2 ^ (32 - bits) then error("not enough remaining address space for a subnet", 0) end
    out[#out + 1] = ip_string(next_ip) .. "/" .. nb
    next_ip = next_ip + size
  end
  return out
end

-- sets (as sorted-unique lists of the element values)
local function set_of(l)
  local out = vlist {}
  for _, v in ipairs(list(l, "set")) do
    local dup = false
    for _, w in ipairs(out) do if value.equal(v, w) then dup = true break end end
    if not dup then out[#out + 1] = v end
  end
  return out
end
local function member(s, v)
  for _, w in ipairs(s) do if value.equal(v, w) then return true end end
  return false
end
F.setunion = function(a)
  local all = vlist {}
  for _, l in ipairs(a) do for _, v in ipairs(list(l, "setunion")) do all[#all + 1] = v end end
  return set_of(all)
end
F.setintersection = function(a)
  need(a, 1, "setintersection")
  local out = vlist {}
  for _, v in ipairs(set_of(a[1])) do
    local ok = true
    for i = 2, #a do if not member(list(a[i], "setintersection"), v) then ok = false break end end
    if ok then out[#out + 1] = v end
  end
  return out
end
F.setsubtract = function(a)
  need(a, 2, "setsubtract")
  local out = vlist {}
  for _, v in ipairs(set_of(a[1])) do
    if not member(list(a[2], "setsubtract"), v) then out[#out + 1] = v end
  end
  return out
end
F.setproduct = function(a)
  local out = vlist { vlist {} }
  for _, l in ipairs(a) do
    local nxt = vlist {}
    for _, prefix in ipairs(out) do
      for _, v in ipairs(list(l, "setproduct")) do
        local c = copy_list(prefix)
        c[#c + 1] = v
        nxt[#nxt + 1] = c
      end
    end
    out = nxt
  end
  return out
end

-- encodings
F.jsonencode = function(a)
  need(a, 1, "jsonencode")
  return require("hfl.stdlib.json").encode(a[1] == nil and null or a[1])
end
F.jsondecode = function(a)
  need(a, 1, "jsondecode")
  local v, err = require("hfl.stdlib.json").decode(str(a[1]))
  if err then error(err, 0) end
  if v == nil then return null end
  return v
end
F.yamlencode = function(a)
  need(a, 1, "yamlencode")
  return require("hfl.yaml").encode(a[1])
end
F.yamldecode = function(a)
  need(a, 1, "yamldecode")
  local v, err = require("hfl.yaml").decode(str(a[1]))
  if err then error(err, 0) end
  return v
end
F.csvdecode = function(a)
  need(a, 1, "csvdecode")
  local rows = {}
  for line in (str(a[1]):gsub("\r\n", "\n") .. "\n"):gmatch("([^\n]*)\n") do
    if line ~= "" then
      local row = {}
      for _, cell in (line .. ","):gmatch('%s*("?)(.-)%1%s*,') do row[#row + 1] = cell end
      rows[#rows + 1] = row
    end
  end
  local out = vlist {}
  local head = rows[1] or {}
  for i = 2, #rows do
    if #rows[i] ~= #head then error(fmt("wrong number of fields on line %d", i), 0) end
    local m = vmap {}
    for j, h in ipairs(head) do m[h] = rows[i][j] end
    out[#out + 1] = m
  end
  return out
end

return M
