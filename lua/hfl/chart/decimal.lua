--- Exact decimal numbers for values.schema.json: both of Helm's validators compare numbers as
--- big.Rat made from decimal text (a schema's literal, a value's shortest float64 digits), so
--- `0.07` is a multiple of `0.01` and `0.30000000000000001` is above `0.3`, which float64
--- arithmetic gets wrong.
---
---   local d = decimal.parse("1.50e2")   -- { sign = 1, digits = "15", exp = 1 }
---   decimal.compare(a, b)                -- -1, 0, 1
---   decimal.multiple_of(a, b)            -- true | false | nil (too many digits to tell)
local M = {}

--- A decimal from JSON number text: sign (-1, 0, 1), significant digits without leading or
--- trailing zeros, and the power of ten of the last digit. nil when text is not a number.
---@param text string
---@return table|nil
function M.parse(text)
  local neg, mant, e = text:match("^(%-?)([%d.]+)[eE]([-+]?%d+)$")
  if not mant then
    neg, mant = text:match("^(%-?)([%d.]+)$")
    e = "0"
  end
  if not mant then return nil end
  local ip, fp = mant:match("^(%d*)%.?(%d*)$")
  if not ip or (ip == "" and fp == "") then return nil end
  local digits = (ip .. fp):gsub("^0+", "")
  if digits == "" then return { sign = 0, digits = "", exp = 0 } end
  local zeros = #digits:match("0*$")
  return {
    sign = neg == "-" and -1 or 1,
    digits = digits:sub(1, #digits - zeros),
    exp = tonumber(e) - #fp + zeros,
  }
end

--- -1, 0 or 1 as a is below, equal to or above b.
---@return integer
function M.compare(a, b)
  if a.sign ~= b.sign then return a.sign < b.sign and -1 or 1 end
  if a.sign == 0 then return 0 end
  local r
  local ma, mb = #a.digits + a.exp, #b.digits + b.exp
  if ma ~= mb then
    r = ma < mb and -1 or 1
  else
    local n = math.max(#a.digits, #b.digits)
    local da, db = a.digits .. ("0"):rep(n - #a.digits), b.digits .. ("0"):rep(n - #b.digits)
    r = da == db and 0 or (da < db and -1 or 1)
  end
  return r * a.sign
end

-- digits (a decimal integer) mod m, exact in doubles while m ≤ 10^15
local function mod(digits, m)
  local r = 0
  for i = 1, #digits do r = (r * 10 + digits:byte(i) - 48) % m end
  return r
end

--- Whether a / b is an integer (b positive). nil when the digits are too many for exact
--- arithmetic in doubles (the caller leaves that to helm).
---@return boolean|nil
function M.multiple_of(a, b)
  if a.sign == 0 then return true end
  if #b.digits > 15 then return nil end
  local B = tonumber(b.digits)
  local shift = a.exp - b.exp
  if shift >= 0 then
    if shift > 1000 then return nil end
    -- A·10^shift mod B, one power of ten at a time
    local r = mod(a.digits, B)
    for _ = 1, shift do r = (r * 10) % B end
    return r == 0
  end
  local k = -shift
  -- A / (B·10^k): when that divisor has more digits than A it cannot divide A ≠ 0
  if #b.digits + k > #a.digits then return false end
  if #b.digits + k > 15 then return nil end
  return mod(a.digits, B * 10 ^ k) == 0
end

return M
