--- Sprig's date functions with Go's time package semantics: time.Time values, layouts such
--- as "2006-01-02 15:04:05" for formatting and parsing, durations ("1h30m"), time zones from
--- the system's zoneinfo (libc's, through hfl.time).
local util = require("hfl.stdlib.util")
local clock = require("hfl.time")
local fs = require("hfl.fs")

local M = {}

local str, kind, floor, fmt, concat = util.str, util.kind, math.floor, string.format, table.concat

--- A time.Time: seconds since the epoch, nanoseconds, the zone's offset and abbreviation.
local Time = {}
Time.__index = Time
M.Time = Time

local function new_time(sec, nsec, off, zone, loc)
  return setmetatable({ sec = sec, nsec = nsec or 0, off = off or 0, zone = zone or "UTC", loc = loc or "UTC" }, Time)
end
M.new_time = new_time

local function zoneinfo_exists(name)
  if name:find("%.%.") or name:sub(1, 1) == "/" then return false end
  -- zone files are a few KiB; the bound keeps a name like "../…" device out of reach anyway
  local text = fs.read("/usr/share/zoneinfo/" .. name, { max = 1024 * 1024 })
  return text ~= nil and text:sub(1, 4) == "TZif"
end

-- Offset and abbreviation of zone `loc` ("Local", "UTC" or an IANA name) at unix time sec.
local function zone_at(loc, sec)
  if loc == "UTC" then return 0, "UTC" end
  local off, abbr = clock.zone(loc, sec)
  if not off then return 0, "UTC" end
  return off, abbr
end

--- Go's time.LoadLocation: a location name, or nil, err.
function M.load_location(name)
  if name == "" or name == "UTC" then return "UTC" end
  if name == "Local" then return "Local" end
  if zoneinfo_exists(name) then return name end
  return nil, "unknown time zone " .. name
end

function M.in_zone(t, loc)
  local off, abbr = zone_at(loc, t.sec)
  return new_time(t.sec, t.nsec, off, abbr, loc)
end

function M.now()
  local sec, nsec = clock.now()
  return M.in_zone(new_time(sec, nsec), "Local")
end

-- Days since 1970-01-01 of a civil date, and back (H. Hinnant's algorithms).
local function days_from_civil(y, m, d)
  y = m <= 2 and y - 1 or y
  local era = floor(y / 400)
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end
local function civil_from_days(z)
  z = z + 719468
  local era = floor(z / 146097)
  local doe = z - era * 146097
  local yoe = floor((doe - floor(doe / 1460) + floor(doe / 36524) - floor(doe / 146096)) / 365)
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + floor(yoe / 4) - floor(yoe / 100))
  local mp = floor((5 * doy + 2) / 153)
  local d = doy - floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  return m <= 2 and y + 1 or y, m, d
end

local function is_leap(y) return y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0) end

-- Broken-down fields of t in its own zone.
local function fields(t)
  local local_sec = t.sec + t.off
  local days = floor(local_sec / 86400)
  local rem = local_sec - days * 86400
  local y, m, d = civil_from_days(days)
  local yday = days - days_from_civil(y, 1, 1) + 1
  return {
    year = y, month = m, day = d, hour = floor(rem / 3600), min = floor(rem % 3600 / 60), sec = rem % 60,
    wday = (days + 4) % 7, yday = yday,
  }
end

local LONG_MONTHS = { "January", "February", "March", "April", "May", "June", "July", "August",
  "September", "October", "November", "December" }
local LONG_DAYS = { "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday" }

-- Go's layout tokens, longest first within each leading character.
local TOKENS = {
  "January", "Jan", "Monday", "Mon", "MST",
  "2006", "002", "01", "02", "03", "04", "05", "06",
  "15", "1", "2", "__2", "_2", "3", "4", "5", "PM", "pm",
  "-07:00:00", "-070000", "-07:00", "-0700", "-07",
  "Z07:00:00", "Z070000", "Z07:00", "Z0700", "Z07",
}

-- Splits a layout into literal strings and { token } chunks.
local function tokenize(layout)
  local out, i, n, lit = {}, 1, #layout, {}
  local function flush()
    if #lit > 0 then out[#out + 1] = concat(lit) lit = {} end
  end
  while i <= n do
    local c = layout:sub(i, i)
    local found
    if (c == "." or c == ",") and i < n then
      local d = layout:sub(i + 1, i + 1)
      if d == "0" or d == "9" then
        local j = i + 1
        while j <= n and layout:sub(j, j) == d do j = j + 1 end
        if not layout:sub(j, j):match("%d") then
          found = { frac = d, digits = j - i - 1, sep = c }
          flush()
          out[#out + 1] = found
          i = j
        end
      end
    end
    if not found then
      for _, tok in ipairs(TOKENS) do
        if layout:sub(i, i + #tok - 1) == tok then
          if tok == "Jan" or tok == "Mon" or tok == "January" or tok == "Monday" then
            found = tok
          elseif tok == "_2" and layout:sub(i, i + 4) == "_2006" then
            found = nil
          else
            found = tok
          end
          if found then break end
        end
      end
      if found then
        flush()
        out[#out + 1] = { tok = found }
        i = i + #found
      else
        lit[#lit + 1] = c
        i = i + 1
      end
    end
  end
  flush()
  return out
end

local function pad(n, w, ch) local s = tostring(n) return (ch or "0"):rep(w - #s) .. s end

local function format_offset(off, tok)
  if tok:sub(1, 1) == "Z" and off == 0 then return "Z" end
  local sign = off < 0 and "-" or "+"
  local a = math.abs(off)
  local h, m, s = floor(a / 3600), floor(a % 3600 / 60), a % 60
  local body = tok:gsub("^Z", "-")
  if body == "-07" then return sign .. pad(h, 2) end
  if body == "-0700" then return sign .. pad(h, 2) .. pad(m, 2) end
  if body == "-07:00" then return sign .. pad(h, 2) .. ":" .. pad(m, 2) end
  if body == "-070000" then return sign .. pad(h, 2) .. pad(m, 2) .. pad(s, 2) end
  return sign .. pad(h, 2) .. ":" .. pad(m, 2) .. ":" .. pad(s, 2)
end

--- Go's Time.Format.
function M.format(t, layout)
  local f = fields(t)
  local out = {}
  for _, chunk in ipairs(tokenize(layout)) do
    if type(chunk) == "string" then out[#out + 1] = chunk
    elseif chunk.frac then
      local digits = pad(t.nsec, 9)
      if chunk.frac == "0" then
        out[#out + 1] = chunk.sep .. digits:sub(1, chunk.digits)
      else
        local d = digits:sub(1, chunk.digits):gsub("0+$", "")
        if d ~= "" then out[#out + 1] = chunk.sep .. d end
      end
    else
      local tok = chunk.tok
      local h12 = f.hour % 12
      if h12 == 0 then h12 = 12 end
      local v
      if tok == "January" then v = LONG_MONTHS[f.month]
      elseif tok == "Jan" then v = LONG_MONTHS[f.month]:sub(1, 3)
      elseif tok == "Monday" then v = LONG_DAYS[f.wday + 1]
      elseif tok == "Mon" then v = LONG_DAYS[f.wday + 1]:sub(1, 3)
      elseif tok == "MST" then
        v = t.zone
        if v == "" then v = format_offset(t.off, "-0700") end
      elseif tok == "2006" then v = f.year < 0 and "-" .. pad(-f.year, 4) or pad(f.year, 4)
      elseif tok == "06" then v = pad(f.year % 100, 2)
      elseif tok == "01" then v = pad(f.month, 2)
      elseif tok == "1" then v = tostring(f.month)
      elseif tok == "02" then v = pad(f.day, 2)
      elseif tok == "_2" then v = pad(f.day, 2, " ")
      elseif tok == "2" then v = tostring(f.day)
      elseif tok == "002" then v = pad(f.yday, 3)
      elseif tok == "__2" then v = pad(f.yday, 3, " ")
      elseif tok == "15" then v = pad(f.hour, 2)
      elseif tok == "03" then v = pad(h12, 2)
      elseif tok == "3" then v = tostring(h12)
      elseif tok == "04" then v = pad(f.min, 2)
      elseif tok == "4" then v = tostring(f.min)
      elseif tok == "05" then v = pad(f.sec, 2)
      elseif tok == "5" then v = tostring(f.sec)
      elseif tok == "PM" then v = f.hour >= 12 and "PM" or "AM"
      elseif tok == "pm" then v = f.hour >= 12 and "pm" or "am"
      else v = format_offset(t.off, tok) end
      out[#out + 1] = v
    end
  end
  return concat(out)
end

--- Time.String: "2006-01-02 15:04:05.999999999 -0700 MST".
function M.string(t)
  return M.format(t, "2006-01-02 15:04:05.999999999 -0700 MST")
end
Time.__tostring = M.string

util.types[Time] = {
  go_type = "time.Time", go_kind = "struct", string = M.string,
  json = function(t) return M.format(t, "2006-01-02T15:04:05.999999999Z07:00") end,
}

local function parse_error(value, layout, value_elem, layout_elem, extra)
  local q = util.quote
  if extra then
    return fmt("parsing time %s as %s: cannot parse %s as %s", q(value), q(layout), q(value_elem), q(layout_elem)) .. extra
  end
  return fmt("parsing time %s as %s: cannot parse %s as %s", q(value), q(layout), q(value_elem), q(layout_elem))
end

--- Go's time.ParseInLocation: a time, or nil, err.
function M.parse(layout, value, loc)
  local chunks = tokenize(layout)
  local s, pos = value, 1
  -- elements missing from the layout: year 0, January 1st, midnight (as Go's Parse)
  local year, month, day, hour, min, sec, nsec = 0, 1, 1, 0, 0, 0, 0
  local pm, pm_set, off, zone_abbr = false, false, nil, nil
  local yday
  for ci, chunk in ipairs(chunks) do
    local rest = s:sub(pos)
    if type(chunk) == "string" then
      if rest:sub(1, #chunk) ~= chunk then
        return nil, parse_error(value, layout, rest, chunk)
      end
      pos = pos + #chunk
    elseif chunk.frac then
      local sep = rest:sub(1, 1)
      if sep == "." or sep == "," then
        local digits = rest:match("^[.,](%d+)")
        if chunk.frac == "0" and (not digits or #digits < chunk.digits) then
          return nil, parse_error(value, layout, rest, chunk.sep .. ("0"):rep(chunk.digits))
        end
        if digits then
          if chunk.frac == "0" then digits = digits:sub(1, chunk.digits) end
          nsec = tonumber((digits .. "000000000"):sub(1, 9))
          pos = pos + 1 + #digits
        end
      elseif chunk.frac == "0" then
        return nil, parse_error(value, layout, rest, chunk.sep .. ("0"):rep(chunk.digits))
      end
    else
      local tok = chunk.tok
      local function num(minw, maxw)
        local d = rest:match("^%d+")
        if not d or #d < minw then return nil end
        if #d > maxw then d = d:sub(1, maxw) end
        pos = pos + #d
        return tonumber(d)
      end
      local v, bad
      if tok == "2006" then
        if #rest < 4 or not rest:match("^%d") then bad = true
        else
          local d = rest:sub(1, 4)
          pos = pos + 4
          if not d:match("^%d%d%d%d$") then
            return nil, parse_error(value, layout, s:sub(pos), tok)
          end
          year = tonumber(d)
        end
      elseif tok == "06" then
        local d = rest:match("^%d%d")
        if not d then bad = true else
          year = tonumber(d)
          year = year >= 69 and 1900 + year or 2000 + year
          pos = pos + 2
        end
      elseif tok == "January" or tok == "Jan" then
        for i, name in ipairs(LONG_MONTHS) do
          local cand = tok == "Jan" and name:sub(1, 3) or name
          if rest:sub(1, #cand):lower() == cand:lower() then month = i pos = pos + #cand v = true break end
        end
        bad = not v
      elseif tok == "Monday" or tok == "Mon" then
        for _, name in ipairs(LONG_DAYS) do
          local cand = tok == "Mon" and name:sub(1, 3) or name
          if rest:sub(1, #cand):lower() == cand:lower() then pos = pos + #cand v = true break end
        end
        bad = not v
      elseif tok == "01" or tok == "1" then
        v = tok == "01" and rest:match("^%d%d") or rest:match("^%d%d?")
        if not v then bad = true else
          month = tonumber(v) pos = pos + #v
          if month < 1 or month > 12 then return nil, fmt("parsing time %s: month out of range", util.quote(value)) end
        end
      elseif tok == "02" or tok == "2" or tok == "_2" then
        if tok == "_2" and rest:sub(1, 1) == " " then pos = pos + 1 rest = rest:sub(2) end
        v = tok == "02" and rest:match("^%d%d") or rest:match("^%d%d?")
        if not v then bad = true else day = tonumber(v) pos = pos + #v end
      elseif tok == "002" or tok == "__2" then
        v = num(1, 3)
        if not v then bad = true else yday = v end
      elseif tok == "15" then
        v = rest:match("^%d%d?")
        if not v then bad = true else
          hour = tonumber(v) pos = pos + #v
          if hour > 23 then return nil, fmt("parsing time %s: hour out of range", util.quote(value)) end
        end
      elseif tok == "03" or tok == "3" then
        v = tok == "03" and rest:match("^%d%d") or rest:match("^%d%d?")
        if not v then bad = true else
          hour = tonumber(v) pos = pos + #v
          if hour > 12 then return nil, fmt("parsing time %s: hour out of range", util.quote(value)) end
        end
      elseif tok == "04" or tok == "4" then
        v = tok == "04" and rest:match("^%d%d") or rest:match("^%d%d?")
        if not v then bad = true else
          min = tonumber(v) pos = pos + #v
          if min > 59 then return nil, fmt("parsing time %s: minute out of range", util.quote(value)) end
        end
      elseif tok == "05" or tok == "5" then
        v = tok == "05" and rest:match("^%d%d") or rest:match("^%d%d?")
        if not v then bad = true else
          sec = tonumber(v) pos = pos + #v
          if sec > 59 then return nil, fmt("parsing time %s: second out of range", util.quote(value)) end
          -- fractional seconds after the seconds even when the layout has none
          local nxt = chunks[ci + 1]
          local frac = s:sub(pos):match("^%.(%d+)")
          if frac and not (type(nxt) == "table" and nxt.frac) then
            nsec = tonumber((frac .. "000000000"):sub(1, 9))
            pos = pos + 1 + #frac
          end
        end
      elseif tok == "PM" or tok == "pm" then
        if #rest < 2 then bad = true
        else
          local ap = rest:sub(1, 2)
          pos = pos + 2
          local want_pm, want_am = tok == "PM" and "PM" or "pm", tok == "PM" and "AM" or "am"
          if ap == want_pm then pm, pm_set = true, true
          elseif ap == want_am then pm_set = true
          else return nil, parse_error(value, layout, s:sub(pos), tok) end
        end
      elseif tok == "MST" then
        local abbr = rest:match("^%u%u%u%u?%u?") or rest:match("^[A-Z]+")
        if rest:sub(1, 3) == "UTC" then abbr = "UTC" end
        if not abbr or #abbr < 3 then bad = true else zone_abbr = abbr pos = pos + #abbr end
      else
        if tok:sub(1, 1) == "Z" and rest:sub(1, 1) == "Z" then
          off = 0
          pos = pos + 1
        else
          local body = tok:gsub("^Z", "-")
          local pat = ({ ["-07"] = "^([+-])(%d%d)()", ["-0700"] = "^([+-])(%d%d)(%d%d)()",
            ["-07:00"] = "^([+-])(%d%d):(%d%d)()", ["-070000"] = "^([+-])(%d%d)(%d%d)(%d%d)()",
            ["-07:00:00"] = "^([+-])(%d%d):(%d%d):(%d%d)()" })[body]
          local caps = { rest:match(pat) }
          if #caps == 0 then bad = true else
            local sign = caps[1]
            local h, m2, s2 = tonumber(caps[2]), 0, 0
            local used
            if #caps == 3 then used = caps[3]
            elseif #caps == 4 then m2, used = tonumber(caps[3]), caps[4]
            else m2, s2, used = tonumber(caps[3]), tonumber(caps[4]), caps[5] end
            off = (h * 3600 + m2 * 60 + s2) * (sign == "-" and -1 or 1)
            pos = pos + used - 1
          end
        end
      end
      if bad then
        local shown = tok
        return nil, parse_error(value, layout, rest, shown)
      end
    end
  end
  if pos <= #s then
    return nil, fmt("parsing time %s: extra text: %s", util.quote(value), util.quote(s:sub(pos)))
  end
  if pm_set then
    if pm and hour < 12 then hour = hour + 12 elseif not pm and hour == 12 then hour = 0 end
  end
  if yday then
    local d = days_from_civil(year, 1, 1) + yday - 1
    local _, m, dd = civil_from_days(d)
    month, day = m, dd
  end
  local mdays = { 31, is_leap(year) and 29 or 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }
  if day < 1 or day > mdays[month] then
    return nil, fmt("parsing time %s: day out of range", util.quote(value))
  end
  local local_sec = days_from_civil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec
  if off then
    local t = new_time(local_sec - off, nsec, off, "", "fixed")
    if loc ~= "UTC" then
      local loff, abbr = zone_at(loc, t.sec)
      if loff == off then return new_time(t.sec, nsec, off, abbr, loc) end
    elseif off == 0 then
      return new_time(t.sec, nsec, 0, "UTC", "UTC")
    end
    return t
  end
  if zone_abbr then
    if zone_abbr == "UTC" or zone_abbr == "GMT" then
      local t = new_time(local_sec, nsec, 0, zone_abbr, "UTC")
      return t
    end
  end
  -- interpret the wall clock in loc: guess with the offset at that instant, then correct
  local off1 = zone_at(loc, local_sec)
  local guess = local_sec - off1
  local off2 = zone_at(loc, guess)
  if off2 ~= off1 then guess = local_sec - off2 end
  local t = M.in_zone(new_time(guess, nsec), loc)
  if zone_abbr and t.zone ~= zone_abbr then t.zone = zone_abbr end
  return t
end

local duration = require("hfl.stdlib.duration")
M.parse_duration, M.duration_string = duration.parse, duration.string

local function add_duration(t, d)
  local total = t.nsec + d
  local secs = floor(total / 1e9)
  local nsec = total - secs * 1e9
  local r = new_time(t.sec + secs, nsec, t.off, t.zone, t.loc)
  if t.loc ~= "fixed" then r = M.in_zone(r, t.loc) end
  return r
end
M.add_duration = add_duration

local function now_ns(t)
  local n = M.now()
  return (n.sec - t.sec) * 1e9 + (n.nsec - t.nsec)
end

local function is_time(v) return type(v) == "table" and getmetatable(v) == Time end
M.is_time = is_time

local function time_arg(v)
  if is_time(v) then return v end
  util.type_error(v, "time.Time")
end

-- The time a date argument stands for (Sprig's dateInZone switch): times, unix seconds,
-- anything else now.
local function date_arg(v)
  if is_time(v) then return v end
  if kind(v) == "int" then return new_time(util.toint64(v), 0) end
  return M.now()
end

local function date_in_zone(layout, date, zone)
  local t = date_arg(date)
  local loc = M.load_location(zone) or "UTC"
  return M.format(M.in_zone(t, loc), layout)
end

local function round_seconds(d)
  local r = d % 1e9
  if d < 0 then
    local q = -d
    local rr = q % 1e9
    if rr + rr < 1e9 then return -(q - rr) end
    return -(q + 1e9 - rr)
  end
  if r + r < 1e9 then return d - r end
  return d + 1e9 - r
end

M.funcs = {
  now = function() return M.now() end,
  date = function(layout, date) return date_in_zone(str(layout), date, "Local") end,
  dateInZone = function(layout, date, zone) return date_in_zone(str(layout), date, str(zone)) end,
  htmlDate = function(date) return date_in_zone("2006-01-02", date, "Local") end,
  htmlDateInZone = function(date, zone) return date_in_zone("2006-01-02", date, str(zone)) end,
  dateModify = function(spec, date)
    spec = str(spec)
    date = time_arg(date)
    local d = M.parse_duration(spec)
    if not d then return date end
    return add_duration(date, d)
  end,
  mustDateModify = function(spec, date)
    spec = str(spec)
    date = time_arg(date)
    local d, err = M.parse_duration(spec)
    if not d then error(err, 0) end
    return add_duration(date, d)
  end,
  ago = function(date)
    local t = date_arg(date)
    return M.duration_string(round_seconds(now_ns(t)))
  end,
  duration = function(sec)
    local n = 0
    if type(sec) == "string" then
      local sign, digits = sec:match("^([+-]?)(%d+)$")
      n = digits and tonumber(digits) * (sign == "-" and -1 or 1) or 0
    elseif kind(sec) == "int" then
      n = util.toint64(sec)
    end
    return M.duration_string(n * 1e9)
  end,
  durationRound = function(v)
    local d = 0
    if type(v) == "string" then d = M.parse_duration(v) or 0
    elseif kind(v) == "int" then d = util.toint64(v)
    elseif is_time(v) then d = now_ns(v) end
    local u = math.abs(d)
    local units = { { 3600e9 * 24 * 365, "y" }, { 3600e9 * 24 * 30, "mo" }, { 3600e9 * 24, "d" },
      { 3600e9, "h" }, { 60e9, "m" }, { 1e9, "s" } }
    for _, un in ipairs(units) do
      if u > un[1] then return fmt("%.0f", floor(u / un[1])) .. un[2] end
    end
    return "0s"
  end,
  toDate = function(layout, s)
    local t = M.parse(str(layout), str(s), "Local")
    return t or new_time(-62135596800, 0, 0, "UTC", "UTC")
  end,
  mustToDate = function(layout, s)
    local t, err = M.parse(str(layout), str(s), "Local")
    if not t then error(err, 0) end
    return t
  end,
  unixEpoch = function(date)
    date = time_arg(date)
    return fmt("%.0f", date.sec)
  end,
}
local F = M.funcs
F.date_in_zone, F.date_modify, F.must_date_modify = F.dateInZone, F.dateModify, F.mustDateModify

return M
