--- Helm's chart version selection: Masterminds semver v3 constraints (the same rules as
--- Sprig's semverCompare, shared with hfl.stdlib.semver) and "pick the highest match".
--- A version with a prerelease matches only constraints that name a prerelease; `devel`
--- with no version means ">0.0.0-0".
local sv = require "hfl.stdlib.semver"

local M = {}

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
  return sv.check(c, v)
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
---@return string|nil chosen, string|nil err  err names a bad constraint; nil, nil = no match
function M.select(versions, version, devel)
  if version and version ~= "" then
    for _, s in ipairs(versions) do if s == version then return s end end
  end
  local c, err = M.constraint(M.effective(version, devel))
  if not c then return nil, err end
  for _, s in ipairs(M.sort_desc(versions)) do
    local v = M.parse(s)
    if v and sv.check(c, v) then return s end
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
