--- The rows of `hfl list`: one per release Helmfile lists (the selected ones with selectors,
--- every one without), sorted by namespace then name.
local repo = require "hfl.charts.repo"
local resolve = require "hfl.charts.resolve"

local M = {}

--- The version a release is listed with: the one locked in the state's lock file when the
--- chart is `repo/chart` of a declared repository and the lock file exists (Helmfile's
--- ResolveDeps), else the release's own version.
---@param s table  a loaded state file
---@param r table  a release of it
---@param session hfl.Session
---@return string|nil version, string|nil err
function M.locked_version(s, r, session)
  local version = r.version or ""
  local rname, cname = tostring(r.chart or ""):match("^([^/]+)/(.+)$")
  if not rname then return version end
  local spec = repo.find(s, rname)
  if not spec then return version end
  local lock, lerr = resolve.lock_of(s, session)
  if lerr then return nil, lerr end
  if not lock then return version end
  local lname = spec.oci and cname:match("([^/]+)$") or cname
  local v, err = resolve.locked_version(lock, lname, version)
  if not v and spec.oci and lname ~= cname then v, err = resolve.locked_version(lock, cname, version) end
  if not v then return nil, ("%s: release %q: %s"):format(s.path or "", tostring(r.name), err) end
  return v
end

local function labels_text(labels)
  local keys = {}
  for k in pairs(labels) do keys[#keys + 1] = k end
  table.sort(keys)
  local out = {}
  for i, k in ipairs(keys) do out[i] = k .. ":" .. labels[k] end
  return table.concat(out, ",")
end

--- One row per release: name, namespace, enabled, installed, labels (sorted `k:v`), chart,
--- version (as locked, see M.locked_version).
---@param st table  hfl.state State
---@return table[]|nil rows, string|nil err
function M.rows(st)
  local rows = {}
  for _, s in ipairs(st.states) do
    local rels, err = st:filtered(s)
    if not rels then return nil, err end
    for _, r in ipairs(rels) do
      local version, verr = M.locked_version(s, r, st.session)
      if not version then return nil, verr end
      rows[#rows + 1] = { name = r.name, namespace = r.namespace, enabled = r.enabled,
        installed = r:desired(), labels = labels_text(r.labels), chart = r.chart, version = version }
    end
  end
  table.sort(rows, function(a, b)
    if a.namespace ~= b.namespace then return a.namespace < b.namespace end
    return a.name < b.name
  end)
  return rows
end

return M
