--- Semantic versions and version constraints in Masterminds/semver v3's syntax (`= != > < >= <=
--- ~ ~> ^`, `x X *` wildcards, hyphen ranges, `,`/space for AND, `||` for OR), and Helm's pick
--- of a chart version.
---
--- Whether a prerelease version (1.3.0-rc.1) can satisfy a constraint depends on the
--- Masterminds release the Go side was built with, so it is an explicit rule:
---   "sprig"  Masterminds 3.2 (Debian's Sprig, what `semverCompare` is checked against): each
---            operator admits a prerelease only when its own version names one; an exact
---            `!=1.2.3` never looks at prereleases. `a - b` becomes `>= a, <= b`.
---   "helm3"  Masterminds 3.3.0 (Helm 3.17): the same per-operator rule; `a - b` becomes
---            `>= a, <= b ` (a trailing space, so `1 - 2 3` means `<= 2` and `3`).
---   "helm4"  Masterminds 3.4.0 (Helm 4, the default): a prerelease passes an AND group only
---            when some constraint of that group names a prerelease, and then every operator
---            of the group (`!=` included) admits it.
local regex = require "hfl.stdlib.regex"

local M = {}

local fmt = string.format

local CV = [[v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?]]
local SEMVER = [[v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?]]
local OPS = [[=||!=|>|<|>=|=>|<=|=<|~|~>|\^]]

local RE = {
  version = assert(regex.compile("^" .. SEMVER .. "$")),
  constraint = assert(regex.compile([[^\s*(]] .. OPS .. [[)\s*(]] .. CV .. [[)\s*$]])),
  range = assert(regex.compile([[\s*(]] .. CV .. [[)\s+-\s+(]] .. CV .. [[)\s*]])),
  find = assert(regex.compile("(" .. OPS .. [[)\s*(]] .. CV .. ")")),
  valid = assert(regex.compile([[^(\s*(]] .. OPS .. [[)\s*(]] .. CV .. [[)\s*)((?:\s+|,\s*)(]] .. OPS
    .. [[)\s*(]] .. CV .. [[)\s*)*$]])),
}

--- The prerelease rules by name (see the module comment).
local RULES = {
  sprig = { per_group = false, range_tail = "" },
  helm3 = { per_group = false, range_tail = " " },
  helm4 = { per_group = true, range_tail = " " },
}
M.DEFAULT_RULE = "helm4"

local function rule_of(opts, level)
  local name = opts and opts.prerelease or M.DEFAULT_RULE
  local rule = RULES[name]
  if not rule then
    error(fmt("hfl.semver: prerelease rule %q is not one of sprig, helm3, helm4", tostring(name)), level + 1)
  end
  return rule
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

--- The metatable of parsed versions (fields Major, Minor, Patch, Prerelease, Metadata, Original).
local Version = {}
Version.__index = Version
Version.__tostring = function(v)
  local s = fmt("%d.%d.%d", v.Major, v.Minor, v.Patch)
  if v.Prerelease ~= "" then s = s .. "-" .. v.Prerelease end
  if v.Metadata ~= "" then s = s .. "+" .. v.Metadata end
  return s
end
M.Version = Version

local function only(s, pattern) return s:match("^" .. pattern .. "*$") ~= nil end

local function quote(s) return '"' .. s:gsub('[\\"]', "\\%0") .. '"' end

--- Parses a version as Masterminds' NewVersion does ("1.2.3", "v1.2", "1", "1.0.0-rc.1+meta").
---@param s string
---@return table|nil version, string|nil err  err in Masterminds' words
function M.parse(s)
  if type(s) ~= "string" then return nil, "Invalid Semantic Version" end
  local m = RE.version:exec(s, 0)
  if not m then return nil, "Invalid Semantic Version" end
  local g = submatches(s, m)
  for i = 1, 3 do
    local seg = g[i]:gsub("^%.", ""):gsub("^0+(%d)", "%1")
    if #seg > 20 or (#seg == 20 and seg > "18446744073709551615") then
      return nil, fmt("Error parsing version segment: strconv.ParseUint: parsing %s: value out of range", quote(seg))
    end
  end
  local v = setmetatable({
    Major = tonumber(g[1]), Minor = g[2] ~= "" and tonumber(g[2]:sub(2)) or 0,
    Patch = g[3] ~= "" and tonumber(g[3]:sub(2)) or 0,
    Prerelease = g[5], Metadata = g[8], Original = s,
  }, Version)
  for part in (v.Prerelease ~= "" and v.Prerelease .. "." or ""):gmatch("([^.]*)%.") do
    if only(part, "%d") then
      if #part > 1 and part:sub(1, 1) == "0" then return nil, "Version segment starts with 0" end
    elseif not only(part, "[%w%-]") then
      return nil, "Invalid Prerelease string"
    end
  end
  for part in (v.Metadata ~= "" and v.Metadata .. "." or ""):gmatch("([^.]*)%.") do
    if not only(part, "[%w%-]") then return nil, "Invalid Metadata string" end
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

--- Compares two parsed versions by semver precedence (build metadata ignored).
---@return integer -1, 0 or 1
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

-- One operator and its version; dirty = a wildcard or missing part (1.x, 1.2, *).
local function parse_one(c)
  if c == "" then
    return { con = M.parse("0.0.0"), op = "", dirty = true, minor_dirty = false, patch_dirty = false }
  end
  local m = RE.constraint:exec(c, 0)
  if not m then return nil, "improper constraint: " .. c end
  local g = submatches(c, m)
  local one = { op = g[1], dirty = false, minor_dirty = false, patch_dirty = false }
  local ver = g[2]
  if is_x(g[3]) or g[3] == "" then
    ver, one.dirty = "0.0.0" .. g[6], true
  elseif is_x(g[4]:gsub("^%.", "")) or g[4] == "" then
    ver, one.dirty, one.minor_dirty = g[3] .. ".0.0" .. g[6], true, true
  elseif is_x(g[5]:gsub("^%.", "")) or g[5] == "" then
    ver, one.dirty, one.patch_dirty = g[3] .. g[4] .. ".0" .. g[6], true, true
  end
  one.con = M.parse(ver)
  if not one.con then return nil, "constraint Parser Error" end
  return one
end

-- The operators, prereleases aside (see admits_prerelease).
local op = {}
op["!="] = function(v, c)
  if c.dirty then
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
op[">"] = function(v, c)
  if not c.dirty then return compare(v, c.con) == 1 end
  if v.Major > c.con.Major then return true
  elseif v.Major < c.con.Major then return false
  elseif c.minor_dirty then return false
  elseif c.patch_dirty then return v.Minor > c.con.Minor end
  return compare(v, c.con) == 1
end
op["<"] = function(v, c) return compare(v, c.con) < 0 end
op[">="] = function(v, c) return compare(v, c.con) >= 0 end
op["<="] = function(v, c)
  if not c.dirty then return compare(v, c.con) <= 0 end
  if v.Major > c.con.Major then return false
  elseif v.Major == c.con.Major and v.Minor > c.con.Minor and not c.minor_dirty then return false end
  return true
end
op["~"] = function(v, c)
  if compare(v, c.con) < 0 then return false end
  if c.con.Major == 0 and c.con.Minor == 0 and c.con.Patch == 0 and not c.minor_dirty and not c.patch_dirty then
    return true
  end
  if v.Major ~= c.con.Major then return false end
  if v.Minor ~= c.con.Minor and not c.minor_dirty then return false end
  return true
end
op["="] = function(v, c)
  if c.dirty then return op["~"](v, c) end
  return compare(v, c.con) == 0
end
op["^"] = function(v, c)
  if compare(v, c.con) < 0 then return false end
  if c.con.Major > 0 or c.minor_dirty then return v.Major == c.con.Major end
  if c.con.Major == 0 and v.Major > 0 then return false end
  if c.con.Minor > 0 or c.patch_dirty then return v.Minor == c.con.Minor end
  if c.con.Minor == 0 and v.Minor > 0 then return false end
  return c.con.Patch == v.Patch
end
op[""], op["=>"], op["=<"], op["~>"] = op["="], op[">="], op["<="], op["~"]

-- Whether constraint `c` of AND group `group` lets a prerelease version be compared at all.
local function admits_prerelease(rule, group, c)
  if rule.per_group then return group.has_prerelease end
  -- up to Masterminds 3.3 an exact `!=` skipped the prerelease test
  if c.op == "!=" and not c.dirty then return true end
  return c.con.Prerelease ~= ""
end

-- Go's rewriteRange: each `a - b` becomes `>= a, <= b` (+ the rule's tail), replacing the
-- first occurrence of the matched text each time.
local function rewrite_ranges(s, tail)
  local out = s
  for _, m in ipairs(regex.find_all(RE.range, s, -1)) do
    local g = submatches(s, m)
    local a, b = out:find(g[0], 1, true)
    if a then out = out:sub(1, a - 1) .. ">= " .. g[1] .. ", <= " .. g[11] .. tail .. out:sub(b + 1) end
  end
  return out
end

local function split_plain(s, sep)
  local out, start = {}, 1
  while true do
    local a, b = s:find(sep, start, true)
    if not a then out[#out + 1] = s:sub(start) return out end
    out[#out + 1] = s:sub(start, a - 1)
    start = b + 1
  end
end

local Constraint = {}
Constraint.__index = Constraint

--- Parses a constraint as Masterminds' NewConstraint does, under a prerelease rule.
---@param s string  "~1.2", "^1", ">=1 <2", "1.x", "*", "1.0 - 2.0", "a || b"
---@param opts table|nil {prerelease = "sprig"|"helm3"|"helm4"} (default "helm4"; another name raises)
---@return table|nil constraint, string|nil err  err "improper constraint: …"
function M.constraint(s, opts)
  local rule = rule_of(opts, 2)
  if type(s) ~= "string" then return nil, "improper constraint: " .. tostring(s) end
  s = rewrite_ranges(s, rule.range_tail)
  local cs = setmetatable({ rule = rule, groups = {} }, Constraint)
  for _, part in ipairs(split_plain(s, "||")) do
    if not RE.valid:exec(part, 0) then return nil, "improper constraint: " .. part end
    local strs = {}
    for i, m in ipairs(regex.find_all(RE.find, part, -1)) do strs[i] = part:sub(m[1] + 1, m[2]) end
    if #strs == 0 then strs[1] = part end
    local group = { has_prerelease = false }
    for i, cstr in ipairs(strs) do
      local one, err = parse_one(cstr)
      if not one then return nil, err end
      group[i] = one
      if one.con.Prerelease ~= "" then group.has_prerelease = true end
    end
    cs.groups[#cs.groups + 1] = group
  end
  return cs
end

--- Whether parsed version `v` satisfies this constraint (some AND group passes entirely).
---@param v table  from M.parse
---@return boolean
function Constraint:check(v)
  local rule = self.rule
  for _, group in ipairs(self.groups) do
    local ok = true
    for _, c in ipairs(group) do
      if (v.Prerelease ~= "" and not admits_prerelease(rule, group, c)) or not op[c.op](v, c) then
        ok = false
        break
      end
    end
    if ok then return true end
  end
  return false
end

--- Whether parsed version `v` satisfies constraint `cs` (both parsed).
---@return boolean
function M.check(cs, v) return cs:check(v) end

--- Whether `version` satisfies `constraint` (each a string or parsed).
---@param opts table|nil {prerelease=} as for M.constraint (used when `constraint` is a string)
---@return boolean|nil ok, string|nil err  err names an unparsable version or constraint
function M.satisfies(version, constraint, opts)
  local v, err = version, nil
  if type(v) ~= "table" then v, err = M.parse(v) end
  if not v then return nil, err end
  local c = constraint
  if getmetatable(c) ~= Constraint then c, err = M.constraint(c, opts) end
  if not c then return nil, err end
  return c:check(v)
end

--- The constraint Helm uses for a requested chart version: "" → "*" (">0.0.0-0" with devel).
---@param version string|nil
---@param devel boolean|nil
---@return string
function M.effective(version, devel)
  if version == nil or version == "" then return devel and ">0.0.0-0" or "*" end
  return version
end

--- Sorts version strings highest first (unparsable ones last, in their order).
---@param versions string[]
---@return string[] sorted  a new list
function M.sort_desc(versions)
  local items = {}
  for i, s in ipairs(versions) do items[i] = { s = s, v = M.parse(s), i = i } end
  table.sort(items, function(a, b)
    if a.v and b.v then
      local d = compare(a.v, b.v)
      if d ~= 0 then return d > 0 end
      return a.i < b.i
    end
    if a.v then return true end
    if b.v then return false end
    return a.i < b.i
  end)
  local out = {}
  for i, it in ipairs(items) do out[i] = it.s end
  return out
end

--- Helm's pick among `versions` for a requested `version` (IndexFile.Get, OCI tag selection):
--- an exact string match first, else the highest version satisfying the constraint.
---@param versions string[]
---@param version string|nil  the requested version or constraint
---@param devel boolean|nil
---@param opts table|nil  {prerelease = "helm3"|"helm4"}: the rule of the helm binary in use
---@return string|nil chosen, string|nil err  err names a bad constraint; nil, nil = no match
function M.select(versions, version, devel, opts)
  rule_of(opts, 2)
  if version and version ~= "" then
    for _, s in ipairs(versions) do if s == version then return s end end
  end
  local c, err = M.constraint(M.effective(version, devel), opts)
  if not c then return nil, err end
  for _, s in ipairs(M.sort_desc(versions)) do
    local v = M.parse(s)
    if v and c:check(v) then return s end
  end
  return nil
end

--- True when `s` names one exact version (not a range).
---@param s string|nil
---@return boolean
function M.is_exact(s)
  if type(s) ~= "string" or s == "" then return false end
  return s:match("^v?%d+%.%d+%.%d+[-+%w.]*$") ~= nil
end

--- The prerelease rule of chart selection for a helm major version (Session:helm().major).
---@param major integer|string|nil  3 or 4 (nil: the default, Helm 4's)
---@return string rule  "helm3" | "helm4"
function M.rule_for_helm(major)
  if tonumber(major) == 3 then return "helm3" end
  return "helm4"
end

return M
