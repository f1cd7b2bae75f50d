--- Helm's chart version selection: Masterminds semver v3 constraints (the same rules as
--- Sprig's semverCompare, shared with hfl.stdlib.semver) and "pick the highest match".
--- A prerelease version matches only an AND group that names a prerelease somewhere
--- (Masterminds v3.4, Helm 4; with {legacy = true} the constraint itself must name one, as in
--- Helm 3.17's v3.3); `devel` with no version means ">0.0.0-0".
local sv = require "hfl.stdlib.semver"

local M = {}

local compare = sv.compare
local check = {}
check["!="] = function(v, c)
  if c.dirty then
    if c.con.Major ~= v.Major then return true end
    if c.con.Minor ~= v.Minor and not c.minor_dirty then return true
    elseif c.minor_dirty then return false
    elseif c.con.Patch ~= v.Patch and not c.patch_dirty then return true
    elseif c.patch_dirty then
      if v.Prerelease ~= "" or c.con.Prerelease ~= "" then
        return compare({ Major = 0, Minor = 0, Patch = 0, Prerelease = v.Prerelease },
          { Major = 0, Minor = 0, Patch = 0, Prerelease = c.con.Prerelease }) ~= 0
      end
      return false
    end
  end
  return compare(v, c.con) ~= 0
end
check[">"] = function(v, c)
  if not c.dirty then return compare(v, c.con) == 1 end
  if v.Major > c.con.Major then return true
  elseif v.Major < c.con.Major then return false
  elseif c.minor_dirty then return false
  elseif c.patch_dirty then return v.Minor > c.con.Minor end
  return compare(v, c.con) == 1
end
check["<"] = function(v, c) return compare(v, c.con) < 0 end
check[">="] = function(v, c) return compare(v, c.con) >= 0 end
check["<="] = function(v, c)
  if not c.dirty then return compare(v, c.con) <= 0 end
  if v.Major > c.con.Major then return false
  elseif v.Major == c.con.Major and v.Minor > c.con.Minor and not c.minor_dirty then return false end
  return true
end
check["~"] = function(v, c)
  if compare(v, c.con) < 0 then return false end
  if c.con.Major == 0 and c.con.Minor == 0 and c.con.Patch == 0 and not c.minor_dirty and not c.patch_dirty then
    return true
  end
  if v.Major ~= c.con.Major then return false end
  if v.Minor ~= c.con.Minor and not c.minor_dirty then return false end
  return true
end
check["="] = function(v, c)
  if c.dirty then return check["~"](v, c) end
  return compare(v, c.con) == 0
end
check["^"] = function(v, c)
  if compare(v, c.con) < 0 then return false end
  if c.con.Major > 0 or c.minor_dirty then return v.Major == c.con.Major end
  if c.con.Major == 0 and v.Major > 0 then return false end
  if c.con.Minor > 0 or c.patch_dirty then return v.Minor == c.con.Minor end
  if c.con.Minor == 0 and v.Minor > 0 then return false end
  return c.con.Patch == v.Patch
end
check[""], check["=>"], check["=<"], check["~>"] = check["="], check[">="], check["<="], check["~"]

--- Constraints.Check: true when `v` (parsed) satisfies `cs` (parsed).
---@param cs table  from M.constraint
---@param v table   from M.parse
---@param opts table|nil {legacy = true: Helm 3's per-constraint prerelease rule}
---@return boolean
function M.check(cs, v, opts)
  local legacy = opts and opts.legacy
  for _, ands in ipairs(cs) do
    local group_pre = false
    for _, c in ipairs(ands) do if c.con.Prerelease ~= "" then group_pre = true end end
    local ok = true
    for _, c in ipairs(ands) do
      local include = legacy and c.con.Prerelease ~= "" or (not legacy and group_pre)
      if (v.Prerelease ~= "" and not include) or not check[c.op](v, c) then ok = false break end
    end
    if ok then return true end
  end
  return false
end

--- Parses a version ("1.2.3", "v1.2", "1.0.0-rc.1+meta").
---@param s string
---@return table|nil version, string|nil err
function M.parse(s)
  if type(s) ~= "string" then return nil, "Invalid Semantic Version" end
  return sv.parse(s)
end

--- -1, 0 or 1 comparing two parsed versions (build metadata ignored).
M.compare = sv.compare

--- Parses a constraint ("~1.2", "^1", ">=1 <2", "1.x", "*", "a || b").
---@param s string
---@return table|nil constraint, string|nil err
function M.constraint(s)
  if type(s) ~= "string" then return nil, "improper constraint: " .. tostring(s) end
  return sv.constraint(s)
end

--- True when `version` (string or parsed) satisfies `constraint` (string or parsed).
---@return boolean|nil ok, string|nil err
function M.satisfies(version, constraint)
  local v, err = version, nil
  if type(v) == "string" then v, err = M.parse(v) end
  if not v then return nil, err end
  local c = constraint
  if type(c) == "string" then c, err = M.constraint(c) end
  if not c then return nil, err end
  return M.check(c, v)
end

--- The constraint Helm uses for a requested version: "" → "*" (or ">0.0.0-0" with devel).
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
      local d = sv.compare(a.v, b.v)
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

--- Helm's choice among `versions` for `version` (+ devel): an exact string match first, else
--- the highest version satisfying the constraint.
---@param versions string[]
---@param version string|nil   the requested version or constraint
---@param devel boolean|nil
---@param opts table|nil  {legacy = true} for Helm 3's prerelease rule
---@return string|nil chosen, string|nil err  err names a bad constraint; nil, nil = no match
function M.select(versions, version, devel, opts)
  if version and version ~= "" then
    for _, s in ipairs(versions) do if s == version then return s end end
  end
  local c, err = M.constraint(M.effective(version, devel))
  if not c then return nil, err end
  for _, s in ipairs(M.sort_desc(versions)) do
    local v = M.parse(s)
    if v and M.check(c, v, opts) then return s end
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

return M
