--- Sprig's semver and semverCompare: Masterminds/semver v3 versions and constraints
--- (=, !=, >, <, >=, <=, ~, ^, x-ranges, hyphen ranges, `,` and `||`).
local util = require("hfl.stdlib.util")
local regex = require("hfl.stdlib.regex")

local M = {}

local str, fmt = util.str, string.format

local CV = [[v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?]]
local SEMVER = [[v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?]]
local OPS = [[=||!=|>|<|>=|=>|<=|=<|~|~>|\^]]

local res = {}
local function re(name)
  if not res[name] then
    local patterns = {
      version = "^" .. SEMVER .. "$",
      constraint = [[^\s*(]] .. OPS .. [[)\s*(]] .. CV .. [[)\s*$]],
      range = [[\s*(]] .. CV .. [[)\s+-\s+(]] .. CV .. [[)\s*]],
      find = "(" .. OPS .. [[)\s*(]] .. CV .. ")",
      valid = [[^(\s*(]] .. OPS .. [[)\s*(]] .. CV .. [[)\s*)((?:\s+|,\s*)(]] .. OPS .. [[)\s*(]] .. CV .. [[)\s*)*$]],
    }
    res[name] = assert(regex.compile(patterns[name]))
  end
  return res[name]
end

-- Submatches of a match as strings ("" for unset groups), 0-based like Go.
local function submatches(s, m)
  local out = {}
  for i = 0, #m / 2 - 1 do
    local a, b = m[2 * i + 1], m[2 * i + 2]
    out[i] = a >= 0 and s:sub(a + 1, b) or ""
  end
  return out
end

local Version = {}
Version.__index = Version

local function version_string(v)
  local s = fmt("%d.%d.%d", v.Major, v.Minor, v.Patch)
  if v.Prerelease ~= "" then s = s .. "-" .. v.Prerelease end
  if v.Metadata ~= "" then s = s .. "+" .. v.Metadata end
  return s
end
Version.__tostring = version_string
util.types[Version] = { go_type = "*semver.Version", go_kind = "ptr", string = version_string,
  json = version_string }

local function only(s, pattern) return s:match("^" .. pattern .. "*$") ~= nil end

--- semver.NewVersion: a version, or nil, err.
function M.parse(s)
  local m = re("version"):exec(s, 0)
  if not m then return nil, "Invalid Semantic Version" end
  local g = submatches(s, m)
  for i = 1, 3 do
    local seg = g[i]:gsub("^%.", ""):gsub("^0+(%d)", "%1")
    if #seg > 20 or (#seg == 20 and seg > "18446744073709551615") then
      return nil, ('Error parsing version segment: strconv.ParseUint: parsing %s: value out of range'):format(util.quote(seg))
    end
  end
  local v = setmetatable({
    Major = tonumber(g[1]), Minor = g[2] ~= "" and tonumber(g[2]:sub(2)) or 0,
    Patch = g[3] ~= "" and tonumber(g[3]:sub(2)) or 0,
    Prerelease = g[5], Metadata = g[8], Original = s,
  }, Version)
  if v.Prerelease ~= "" then
    for part in (v.Prerelease .. "."):gmatch("([^.]*)%.") do
      if only(part, "%d") then
        if #part > 1 and part:sub(1, 1) == "0" then return nil, "Version segment starts with 0" end
      elseif not only(part, "[%w%-]") then
        return nil, "Invalid Prerelease string"
      end
    end
  end
  if v.Metadata ~= "" then
    for part in (v.Metadata .. "."):gmatch("([^.]*)%.") do
      if not only(part, "[%w%-]") then return nil, "Invalid Metadata string" end
    end
  end
  return v
end

local function cmp(a, b) if a < b then return -1 elseif a > b then return 1 end return 0 end

local function compare_pre_part(s, o)
  if s == o then return 0 end
  if s == "" then return o ~= "" and -1 or 1 end
  if o == "" then return s ~= "" and 1 or -1 end
  local oi = o:match("^%d+$") and tonumber(o)
  local si = s:match("^%d+$") and tonumber(s)
  if not oi and not si then return s > o and 1 or -1 end
  if not oi then return -1 end
  if not si then return 1 end
  return si > oi and 1 or -1
end

local function compare_pre(a, b)
  local sa, sb = {}, {}
  for p in (a .. "."):gmatch("([^.]*)%.") do sa[#sa + 1] = p end
  for p in (b .. "."):gmatch("([^.]*)%.") do sb[#sb + 1] = p end
  for i = 1, math.max(#sa, #sb) do
    local d = compare_pre_part(sa[i] or "", sb[i] or "")
    if d ~= 0 then return d end
  end
  return 0
end

--- Version.Compare: -1, 0 or 1.
function M.compare(v, o)
  local d = cmp(v.Major, o.Major)
  if d ~= 0 then return d end
  d = cmp(v.Minor, o.Minor)
  if d ~= 0 then return d end
  d = cmp(v.Patch, o.Patch)
  if d ~= 0 then return d end
  if v.Prerelease == "" and o.Prerelease == "" then return 0 end
  if v.Prerelease == "" then return 1 end
  if o.Prerelease == "" then return -1 end
  return compare_pre(v.Prerelease, o.Prerelease)
end
local compare = M.compare

local function is_x(s) return s == "x" or s == "X" or s == "*" end

local function parse_constraint(c)
  if c == "" then
    return { con = M.parse("0.0.0"), orig = c, op = "", dirty = true, minor_dirty = false, patch_dirty = false }
  end
  local m = re("constraint"):exec(c, 0)
  if not m then return nil, "improper constraint: " .. c end
  local g = submatches(c, m)
  local cs = { orig = g[2], op = g[1], dirty = false, minor_dirty = false, patch_dirty = false }
  local ver = g[2]
  if is_x(g[3]) or g[3] == "" then
    ver, cs.dirty = "0.0.0" .. g[6], true
  elseif is_x(g[4]:gsub("^%.", "")) or g[4] == "" then
    ver, cs.dirty, cs.minor_dirty = g[3] .. ".0.0" .. g[6], true, true
  elseif is_x(g[5]:gsub("^%.", "")) or g[5] == "" then
    ver, cs.dirty, cs.patch_dirty = g[3] .. g[4] .. ".0" .. g[6], true, true
  end
  cs.con = M.parse(ver)
  if not cs.con then return nil, "constraint Parser Error" end
  return cs
end

local check = {}
local function pre_blocked(v, c) return v.Prerelease ~= "" and c.con.Prerelease == "" end
check["!="] = function(v, c)
  if c.dirty then
    if pre_blocked(v, c) then return false end
    if c.con.Major ~= v.Major then return true end
    if c.con.Minor ~= v.Minor and not c.minor_dirty then return true
    elseif c.minor_dirty then return false
    elseif c.con.Patch ~= v.Patch and not c.patch_dirty then return true
    elseif c.patch_dirty then
      if v.Prerelease ~= "" or c.con.Prerelease ~= "" then
        return compare_pre(v.Prerelease, c.con.Prerelease) ~= 0
      end
      return false
    end
  end
  return compare(v, c.con) ~= 0
end
check[">"] = function(v, c)
  if pre_blocked(v, c) then return false end
  if not c.dirty then return compare(v, c.con) == 1 end
  if v.Major > c.con.Major then return true
  elseif v.Major < c.con.Major then return false
  elseif c.minor_dirty then return false
  elseif c.patch_dirty then return v.Minor > c.con.Minor end
  return compare(v, c.con) == 1
end
check["<"] = function(v, c)
  if pre_blocked(v, c) then return false end
  return compare(v, c.con) < 0
end
check[">="] = function(v, c)
  if pre_blocked(v, c) then return false end
  return compare(v, c.con) >= 0
end
check["<="] = function(v, c)
  if pre_blocked(v, c) then return false end
  if not c.dirty then return compare(v, c.con) <= 0 end
  if v.Major > c.con.Major then return false
  elseif v.Major == c.con.Major and v.Minor > c.con.Minor and not c.minor_dirty then return false end
  return true
end
check["~"] = function(v, c)
  if pre_blocked(v, c) then return false end
  if compare(v, c.con) < 0 then return false end
  if c.con.Major == 0 and c.con.Minor == 0 and c.con.Patch == 0 and not c.minor_dirty and not c.patch_dirty then
    return true
  end
  if v.Major ~= c.con.Major then return false end
  if v.Minor ~= c.con.Minor and not c.minor_dirty then return false end
  return true
end
check["="] = function(v, c)
  if pre_blocked(v, c) then return false end
  if c.dirty then return check["~"](v, c) end
  return compare(v, c.con) == 0
end
check["^"] = function(v, c)
  if pre_blocked(v, c) then return false end
  if compare(v, c.con) < 0 then return false end
  if c.con.Major > 0 or c.minor_dirty then return v.Major == c.con.Major end
  if c.con.Major == 0 and v.Major > 0 then return false end
  if c.con.Minor > 0 or c.patch_dirty then return v.Minor == c.con.Minor end
  if c.con.Minor == 0 and v.Minor > 0 then return false end
  return c.con.Patch == v.Patch
end
check[""], check["=>"], check["=<"], check["~>"] = check["="], check[">="], check["<="], check["~"]

local function rewrite_range(s)
  local matches = regex.find_all(re("range"), s, -1)
  if #matches == 0 then return s end
  local out = s
  for _, m in ipairs(matches) do
    local g = submatches(s, m)
    local whole = g[0]
    local repl = ">= " .. g[1] .. ", <= " .. g[11]
    local a, b = out:find(whole, 1, true)
    if a then out = out:sub(1, a - 1) .. repl .. out:sub(b + 1) end
  end
  return out
end

--- semver.NewConstraint: a list of AND-lists, or nil, err.
function M.constraint(s)
  s = rewrite_range(s)
  local ors = {}
  for _, part in ipairs(require("hfl.stdlib.text").split(s, "||")) do
    if not re("valid"):exec(part, 0) then return nil, "improper constraint: " .. part end
    local found = regex.find_all(re("find"), part, -1)
    local strs = {}
    for i, m in ipairs(found) do strs[i] = part:sub(m[1] + 1, m[2]) end
    if #strs == 0 then strs[1] = part end
    local ands = {}
    for i, cstr in ipairs(strs) do
      local c, err = parse_constraint(cstr)
      if not c then return nil, err end
      ands[i] = c
    end
    ors[#ors + 1] = ands
  end
  return ors
end

function M.check(cs, v)
  for _, ands in ipairs(cs) do
    local ok = true
    for _, c in ipairs(ands) do
      if not check[c.op](v, c) then ok = false break end
    end
    if ok then return true end
  end
  return false
end

M.funcs = {
  semver = function(s)
    local v, err = M.parse(str(s))
    if not v then error(err, 0) end
    return v
  end,
  semverCompare = function(constraint, version)
    local cs, err = M.constraint(str(constraint))
    if not cs then error(err, 0) end
    local v, verr = M.parse(str(version))
    if not v then error(verr, 0) end
    return M.check(cs, v)
  end,
}

return M
