--- The rows of `hfl list`: one per release Helmfile lists (the selected ones with selectors,
--- every one without), sorted by namespace then name.
local repo = require "hfl.charts.repo"
local resolve = require "hfl.charts.resolve"
local hooks = require "hfl.deploy.hooks"

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
--- version (as locked, see M.locked_version). Each state's global `prepare` hooks run before its
--- rows are made and its `cleanup` hooks after (Helmfile's `list`), unless opts.hooks is false
--- (`--skip-charts`).
---@param st table  hfl.state State
---@param opts? {hooks?: boolean}
---@return table[]|nil rows, string|nil err
function M.rows(st, opts)
  local with_hooks = not (opts and opts.hooks == false)
  local rows = {}
  local function state_rows(s, rels)
    for _, r in ipairs(rels) do
      local version, verr = M.locked_version(s, r, st.session)
      if not version then return nil, verr end
      rows[#rows + 1] = { name = r.name, namespace = r.namespace, enabled = r.enabled,
        installed = r:desired(), labels = labels_text(r.labels), chart = r.chart, version = version }
    end
    return true
  end
  for _, s in ipairs(st.states) do
    -- duplicate releases are an error before any hook runs, as in Helmfile
    local rels, err = st:filtered(s)
    if not rels then return nil, err end
    local ok
    if with_hooks then
      ok, err = hooks.around(st.session, s, "list", function() return state_rows(s, rels) end)
    else
      ok, err = state_rows(s, rels)
    end
    if not ok then return nil, err end
  end
  table.sort(rows, function(a, b)
    if a.namespace ~= b.namespace then return a.namespace < b.namespace end
    return a.name < b.name
  end)
  return rows
end

return M
