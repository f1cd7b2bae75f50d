--- hfl.helm.flags: the one table of what differs between helm versions — flags Helm 4
--- renamed, flags only one major has, and the versions a flag first appeared in (compat
--- Appendix A). hfl.helm.argv asks it for every flag whose spelling or support varies.
local M = {}

--- Flag spellings per major version: a release field → the flag helm 3 / helm 4 take. A
--- missing entry means that major has no such flag.
M.SPELLING = {
  force = { ["3"] = "--force", ["4"] = "--force-replace" },
  atomic = { ["3"] = "--atomic", ["4"] = "--rollback-on-failure" },
  rollbackOnFailure = { ["4"] = "--rollback-on-failure" },
  forceConflicts = { ["4"] = "--force-conflicts" },
  serverSide = { ["4"] = "--server-side" },
  recreatePods = { ["3"] = "--recreate-pods" },
}

--- Fields that are an error on a helm without their flag (Helmfile refuses them rather than
--- dropping them: they change what the cluster gets). Others (recreatePods on Helm 4) are
--- dropped with a warning.
M.REFUSED = { rollbackOnFailure = true, forceConflicts = true, serverSide = true }

--- The first helm version with a flag (Helm 3 minors; every Helm 4 has them all).
M.SINCE = {
  ["--create-namespace"] = "3.2.0", ["--description"] = "3.3.0", ["--cascade"] = "3.12.1",
  ["--labels"] = "3.13.0", ["--hide-notes"] = "3.16.0", ["--take-ownership"] = "3.17.0",
}

local function parts(v)
  local a, b, c = tostring(v):match("^v?(%d+)%.(%d+)%.(%d+)")
  return tonumber(a) or 0, tonumber(b) or 0, tonumber(c) or 0
end

--- Whether helm version `have` is at least `want` ("3.13.0").
---@param have string
---@param want string
---@return boolean
function M.at_least(have, want)
  local a1, b1, c1 = parts(have)
  local a2, b2, c2 = parts(want)
  if a1 ~= a2 then return a1 > a2 end
  if b1 ~= b2 then return b1 > b2 end
  return c1 >= c2
end

--- The flag of a release field on this helm, or nil and why not.
---@param field string  a key of M.SPELLING
---@param helm {major: string, version: string}
---@return string|nil flag, string|nil err
function M.spelling(field, helm)
  local by_major = M.SPELLING[field]
  if not by_major then error("hfl.helm.flags: no spelling for " .. tostring(field), 2) end
  local flag = by_major[helm.major]
  if flag then return flag end
  return nil, ("%s needs Helm %s (helm is %s)"):format(field, helm.major == "4" and "3" or "4",
    helm.version)
end

--- Whether this helm knows a version-gated flag (flags not in M.SINCE: always).
---@param flag string
---@param helm {major: string, version: string}
---@return boolean
function M.supported(flag, helm)
  local since = M.SINCE[flag]
  return since == nil or M.at_least(helm.version, since)
end

return M
