--- Sprig's integer and float math and number conversions (numeric.go, functions.go): int64
--- math truncates like Go, the float functions add/subtract/multiply decimally as Sprig's
--- shopspring/decimal does (addf 0.1 0.2 is 0.3).
local util = require("hfl.stdlib.util")

local M = {}

local toint64, tofloat64, float, int = util.toint64, util.tofloat64, util.float, util.int
local floor, ceil, select, concat = math.floor, math.ceil, select, table.concat

local function trunc_div(a, b)
  if b == 0 then error("runtime error: integer divide by zero", 0) end
  local q = a / b
  if q >= 0 then return floor(q) end
  return -floor(-q)
end

local function go_mod(a, b)
  if b == 0 then error("runtime error: integer divide by zero", 0) end
  return a - trunc_div(a, b) * b
end

-- A float as an exact decimal: mantissa (integer) and exponent, from its shortest digits.
local function to_decimal(x)
  if x ~= x or x == math.huge or x == -math.huge then return nil end
  if x == 0 then return 0, 0 end
  local neg = x < 0
  local digits, dp = util.shortest(neg and -x or x)
  local m = tonumber(digits)
  if m >= 2 ^ 53 then return nil end
  return neg and -m or m, dp - #digits
end

local function decimal_op(a, b, op)
  local ma, ea = to_decimal(a)
  local mb, eb = to_decimal(b)
  if ma and mb then
    if op == "mul" then
      local m = ma * mb
      if math.abs(m) < 2 ^ 53 then return tonumber(("%.0fe%d"):format(m, ea + eb)) end
    else
      local e = math.min(ea, eb)
      local sa, sb = ma * 10 ^ (ea - e), mb * 10 ^ (eb - e)
      if math.abs(sa) < 2 ^ 53 and math.abs(sb) < 2 ^ 53 then
        local m = op == "add" and sa + sb or sa - sb
        if math.abs(m) < 2 ^ 53 then return tonumber(("%.0fe%d"):format(m, e)) end
      end
    end
  end
  if op == "add" then return a + b elseif op == "sub" then return a - b end
  return a * b
end

local function decimal_div(a, b)
  if b == 0 then error("decimal division by 0", 0) end
  local q = a / b
  local s = ("%.16f"):format(q)
  return tonumber(s) == q and q or tonumber(s)
end

local function fold_f(op)
  return function(a, ...)
    local acc = tofloat64(a)
    for i = 1, select("#", ...) do
      local x = tofloat64((select(i, ...)))
      if op == "div" then acc = decimal_div(acc, x) else acc = decimal_op(acc, x, op) end
    end
    -- a decimal has no negative zero
    if acc == 0 then acc = 0 end
    return float(acc)
  end
end

--- Lists until/untilStep/seq make at most (Go would need gigabytes past this too).
local MAX_LIST = 1e7

--- Sprig's untilStep.
local function until_step(start, stop, step)
  local out = {}
  if step ~= 0 and (stop - start) / step > MAX_LIST then
    error(("%.0f elements are more than hfl makes in one list (at most %d)"):format((stop - start) / step, MAX_LIST), 0)
  end
  if stop < start then
    if step >= 0 then return util.list(out) end
    local i = start
    while i > stop do out[#out + 1] = i i = i + step end
    return util.list(out)
  end
  if step <= 0 then return util.list(out) end
  local i = start
  while i < stop do out[#out + 1] = i i = i + step end
  return util.list(out)
end

local function seq(...)
  local p = {}
  for i = 1, select("#", ...) do p[i] = int((select(i, ...))) end
  local function join(l)
    local parts = {}
    for i = 1, #l do parts[i] = tostring(l[i]) end
    return concat(parts, " ")
  end
  local n = #p
  if n == 1 then
    local start, stop, inc = 1, p[1], 1
    if stop < start then inc = -1 end
    return join(until_step(start, stop + inc, inc))
  elseif n == 2 then
    local start, stop, step = p[1], p[2], 1
    if stop < start then step = -1 end
    return join(until_step(start, stop + step, step))
  elseif n == 3 then
    local start, stop, step, inc = p[1], p[3], p[2], 1
    if stop < start then
      inc = -1
      if step > 0 then return "" end
    end
    return join(until_step(start, stop + inc, step))
  end
  return ""
end

local function round(a, places, ...)
  local round_on = 0.5
  if select("#", ...) > 0 then round_on = util.float64((...)) end
  local val = tofloat64(a)
  local pow = 10 ^ int(places)
  local digit = pow * val
  local frac = digit - (digit >= 0 and floor(digit) or -floor(-digit))
  local r
  if frac >= round_on then r = ceil(digit) else r = floor(digit) end
  return float(r / pow)
end

-- strconv.Atoi: base 10 only, an optional sign; 0 when invalid.
local function atoi(s)
  s = util.str(s)
  local sign, digits = s:match("^([+-]?)(%d+)$")
  if not digits then return 0 end
  local big = util.big_decimal(s)
  if big then return big end
  local n = tonumber(digits)
  if n >= 2 ^ 63 then return 0 end
  return sign == "-" and -n or n
end

local function to_decimal_octal(v)
  local s = util.sprint(v)
  local sign, digits = s:match("^([+-]?)([0-7_]+)$")
  if not digits or digits:find("_") then return 0 end
  local n = 0
  for i = 1, #digits do n = n * 8 + (digits:byte(i) - 48) end
  return sign == "-" and -n or n
end

M.funcs = {
  add1 = function(i) return toint64(i) + 1 end,
  add = function(...)
    local a = 0
    for i = 1, select("#", ...) do a = a + toint64((select(i, ...))) end
    return a
  end,
  sub = function(a, b) return toint64(a) - toint64(b) end,
  div = function(a, b) return trunc_div(toint64(a), toint64(b)) end,
  mod = function(a, b) return go_mod(toint64(a), toint64(b)) end,
  mul = function(a, ...)
    local acc = toint64(a)
    for i = 1, select("#", ...) do acc = acc * toint64((select(i, ...))) end
    return acc
  end,
  randInt = function(lo, hi)
    lo, hi = int(lo), int(hi)
    if hi - lo <= 0 then error("invalid argument to Intn", 0) end
    return lo + math.random(0, hi - lo - 1)
  end,
  add1f = function(i) return float(decimal_op(tofloat64(i), 1, "add")) end,
  addf = fold_f("add"),
  subf = fold_f("sub"),
  mulf = fold_f("mul"),
  divf = fold_f("div"),
  max = function(a, ...)
    local acc = toint64(a)
    for i = 1, select("#", ...) do
      local b = toint64((select(i, ...)))
      if b > acc then acc = b end
    end
    return acc
  end,
  min = function(a, ...)
    local acc = toint64(a)
    for i = 1, select("#", ...) do
      local b = toint64((select(i, ...)))
      if b < acc then acc = b end
    end
    return acc
  end,
  maxf = function(a, ...)
    local acc = tofloat64(a)
    for i = 1, select("#", ...) do
      local b = tofloat64((select(i, ...)))
      if b ~= b or acc ~= acc then acc = 0 / 0 elseif b > acc then acc = b end
    end
    return float(acc)
  end,
  minf = function(a, ...)
    local acc = tofloat64(a)
    for i = 1, select("#", ...) do
      local b = tofloat64((select(i, ...)))
      if b ~= b or acc ~= acc then acc = 0 / 0 elseif b < acc then acc = b end
    end
    return float(acc)
  end,
  floor = function(a) return float(floor(tofloat64(a))) end,
  ceil = function(a) return float(ceil(tofloat64(a))) end,
  round = round,
  atoi = atoi,
  int = function(v)
    return type(v) == "string" and util.big_decimal(util.trim_zero_decimal(v)) or toint64(v)
  end,
  int64 = function(v)
    return type(v) == "string" and util.big_decimal(util.trim_zero_decimal(v)) or toint64(v)
  end,
  float64 = function(v) return float(tofloat64(v)) end,
  toDecimal = to_decimal_octal,
  seq = seq,
  ["until"] = function(count)
    count = int(count)
    return until_step(0, count, count < 0 and -1 or 1)
  end,
  untilStep = function(start, stop, step) return until_step(int(start), int(stop), int(step)) end,
}
M.funcs.biggest = M.funcs.max

return M
