--- Go's time.Duration: ParseDuration and String, on nanoseconds held as Lua numbers.
local util = require("hfl.stdlib.util")

local M = {}

local floor, fmt = math.floor, string.format

local function pad(n, w) local s = tostring(n) return ("0"):rep(w - #s) .. s end

-- Durations: nanoseconds as Lua numbers (exact to 2^53 ns, about 104 days; beyond that
-- to the microsecond).
local UNITS = { ns = 1, us = 1e3, ["µs"] = 1e3, ["μs"] = 1e3, ms = 1e6, s = 1e9, m = 60e9, h = 3600e9 }

--- time.ParseDuration: nanoseconds, or nil, err.
function M.parse(orig)
  local s = orig
  local neg = false
  local q = util.quote(orig)
  if s:sub(1, 1) == "-" or s:sub(1, 1) == "+" then
    neg = s:sub(1, 1) == "-"
    s = s:sub(2)
  end
  if s == "0" then return 0 end
  if s == "" then return nil, "time: invalid duration " .. q end
  local total = 0
  while s ~= "" do
    local int_part, frac_part, rest = s:match("^(%d*)%.?(%d*)(.*)$")
    local had_dot = s:sub(#int_part + 1, #int_part + 1) == "."
    if int_part == "" and frac_part == "" then return nil, "time: invalid duration " .. q end
    local unit = rest:match("^[^%d%.]+") or ""
    if unit == "" then return nil, "time: missing unit in duration " .. q end
    local scale = UNITS[unit]
    if not scale then return nil, "time: unknown unit " .. util.quote(unit) .. " in duration " .. q end
    local n = tonumber(int_part ~= "" and int_part or "0")
    local v = n * scale
    if had_dot and frac_part ~= "" then
      v = v + floor(tonumber("0." .. frac_part) * scale + 1e-9)
    end
    total = total + v
    if total > 9223372036854775807 then return nil, "time: invalid duration " .. q end
    s = rest:sub(#unit + 1)
  end
  return neg and -total or total
end

local function fmt_frac(v, prec)
  -- v integer, prec digits: "int.frac" without trailing zeros
  local int_part = floor(v / 10 ^ prec)
  local frac = v - int_part * 10 ^ prec
  if frac == 0 then return tostring(int_part) end
  local f = pad(fmt("%.0f", frac), prec):gsub("0+$", "")
  return tostring(int_part) .. "." .. f
end

--- Duration.String: "1h2m3.5s", "1.5ms", "0s".
function M.string(d)
  if d == 0 then return "0s" end
  local neg = d < 0
  local u = math.abs(d)
  local out
  if u < 1e9 then
    if u < 1e3 then out = fmt("%.0fns", u)
    elseif u < 1e6 then out = fmt_frac(u, 3) .. "µs"
    else out = fmt_frac(u, 6) .. "ms" end
  else
    local secs_ns = u % 60e9
    local total_min = floor(u / 60e9)
    local h, m = floor(total_min / 60), total_min % 60
    out = fmt_frac(secs_ns, 9) .. "s"
    if h > 0 then out = fmt("%.0fh%dm", h, m) .. out
    elseif m > 0 then out = fmt("%dm", m) .. out end
  end
  return neg and "-" .. out or out
end

return M
