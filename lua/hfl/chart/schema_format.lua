--- The `format` keyword of values.schema.json as each of Helm's validators asserts it:
--- gojsonschema v1.2.0 (Helm 3, every draft) and santhosh-tekuri/jsonschema v6 (Helm 4, drafts
--- 4 to 7 only). Formats either library checks in ways this module does not reproduce (email,
--- uri, date-time, regex…) raise { unsupported = … }, so helm decides.
---
---   schema_format.check("helm3", "uuid", v)  -- true | false; nil: a format that library ignores
local value = require "hfl.value"

local M = {}

-- The formats each library knows; any other name is an annotation.
local KNOWN = {
  gojsonschema = {},
  santhosh = {},
}
for name in ([[date time date-time hostname email idn-email ipv4 ipv6 uri uri-reference iri
  iri-reference uri-template uuid regex json-pointer relative-json-pointer]]):gmatch("%S+") do
  KNOWN.gojsonschema[name] = true
end
for name in ([[json-pointer relative-json-pointer uuid duration period ipv4 ipv6 hostname email
  date time date-time uri iri uri-reference iri-reference uri-template semver regex]]):gmatch("%S+") do
  KNOWN.santhosh[name] = true
end

local function unsupported(why) error({ unsupported = why }, 0) end

local function days_in(month, year)
  if month == 2 then
    local leap = year % 4 == 0 and (year % 100 ~= 0 or year % 400 == 0)
    return leap and 29 or 28
  end
  return (month == 4 or month == 6 or month == 9 or month == 11) and 30 or 31
end

-- time.Parse("2006-01-02", s) succeeds (both libraries use it)
local function date(s)
  if s:match("^[-+]") then unsupported("format date of a signed year") end
  local y, m, d = s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  if not y then return false end
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  return m >= 1 and m <= 12 and d >= 1 and d <= days_in(m, y)
end

local function json_pointer(s)
  if s == "" then return true end
  if s:sub(1, 1) ~= "/" then return false end
  -- every "~" is followed by 0 or 1
  return not s:gsub("~[01]", ""):find("~", 1, true)
end

local function relative_json_pointer(s)
  local digits, rest = s:match("^(%d+)(.*)$")
  if not digits or (#digits > 1 and digits:sub(1, 1) == "0") then return false end
  return rest == "#" or json_pointer(rest)
end

local function ipv4(s)
  if s:find(":", 1, true) then unsupported("format ipv4 of a string with a colon") end
  local groups = {}
  for g in (s .. "."):gmatch("([^.]*)%.") do groups[#groups + 1] = g end
  if #groups ~= 4 then return false end
  for _, g in ipairs(groups) do
    if g:match("^[-+]") then unsupported("format ipv4 with a signed part") end
    if not g:match("^%d%d?%d?$") or (#g > 1 and g:sub(1, 1) == "0") or tonumber(g) > 255 then
      return false
    end
  end
  return true
end

local function label_ok(label)
  return #label >= 1 and #label <= 63 and label:match("^[%w-]+$") ~= nil
    and label:sub(1, 1) ~= "-" and label:sub(-1) ~= "-"
end

local function hostname(s, lib)
  if lib == "santhosh" then
    s = s:gsub("%.$", "", 1)
    if #s > 253 then return false end
  elseif #s >= 256 then
    return false
  end
  for label in (s .. "."):gmatch("([^.]*)%.") do
    if not label_ok(label) then return false end
  end
  return true
end

local function uuid(s, lib)
  local hex = lib == "santhosh" and "%x" or "[0-9a-f]"
  local pattern = "^" .. hex:rep(8) .. "%-" .. hex:rep(4) .. "%-" .. hex:rep(4) .. "%-"
    .. hex:rep(4) .. "%-" .. hex:rep(12) .. "$"
  return s:match(pattern) ~= nil
end

local CHECKS = {
  date = date, ["json-pointer"] = json_pointer, ["relative-json-pointer"] = relative_json_pointer,
  ipv4 = ipv4, hostname = hostname, uuid = uuid,
}

--- Whether v meets format name for lib ("gojsonschema" or "santhosh"); nil when lib does not
--- know the format (it is then only an annotation). Raises { unsupported = … } for formats
--- this module does not reproduce.
---@param lib string
---@param name string
---@param v any
---@return boolean|nil
function M.check(lib, name, v)
  if not KNOWN[lib][name] then return nil end
  local k = value.kind(v)
  if k ~= "string" then
    -- gojsonschema hands numbers to its checkers, which want strings; santhosh's skip them
    if lib == "gojsonschema" and (k == "int" or k == "float") then return false end
    return true
  end
  local check = CHECKS[name]
  if not check then unsupported("format " .. name) end
  return check(v, lib)
end

return M
