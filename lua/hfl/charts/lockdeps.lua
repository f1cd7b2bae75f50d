--- `deps`: the dependencies of the selected local charts built into their charts/ (and their
--- Chart.lock written, hfl.charts.chartlock), and every
--- release's `repo/chart` version resolved (ignoring the existing lock) into each state's lock
--- file (helmfile.lock or `lockFilePath`), which later runs honour.
local localchart = require "hfl.charts.localchart"
local lockmod = require "hfl.charts.lock"
local resolve = require "hfl.charts.resolve"
local group = require "hfl.group"

local M = {}

local fmt = string.format

-- The newest version of a requirement that its constraint allows.
local function newest_oci(req, session, sel)
  local oci = require "hfl.charts.oci"
  local r, err = oci.parse(req.repository .. "/" .. req.name)
  if not r then return nil, err end
  local c = resolve.oci_client(session, r.host, resolve.oci_options(req.spec))
  return oci.select_version(c, r, req.version ~= "*" and req.version or nil, req.devel, sel)
end

local function newest_in_repo(req, session, sel)
  local repo = require "hfl.charts.repo"
  local index = require "hfl.charts.index"
  local idx, err = repo.index(req.spec, { session = session, skip_refresh = session.skip_refresh })
  if not idx then return nil, err end
  local e, gerr = index.get(idx, req.name, req.version ~= "*" and req.version or "", req.devel, sel)
  if e then return e.version end
  if gerr == "no version" then
    return nil, fmt("no version matches %q (available: %s)", req.version,
      table.concat(index.versions(idx, req.name), ", "))
  elseif gerr == "no chart" then
    return nil, fmt("no chart named %q in %s", req.name, index.index_url(req.spec.url))
  end
  return nil, gerr
end

-- sel: {prerelease=} (hfl.semver's rule of the helm binary; without one a range asks the
-- session, which runs helm once)
local function newest(req, session, sel)
  req.devel = req.release and req.release.devel == true
  if not sel.prerelease and req.version ~= "*" and not require("hfl.semver").is_exact(req.version) then
    sel = { prerelease = session:prerelease_rule() }
  end
  if req.spec.oci then return newest_oci(req, session, sel) end
  return newest_in_repo(req, session, sel)
end

local function build_local_charts(releases, session)
  local deps = require "hfl.charts.deps"
  for _, r in ipairs(releases) do
    local chart = tostring(r.chart or "")
    local dir = r.state.dir or "."
    if chart ~= "" and localchart.classify(chart, dir) == "local" then
      local path = localchart.abspath(dir, chart)
      if localchart.exists(path .. "/Chart.yaml") then
        local ok, derr = deps.build(path, r.state, { session = session, skip_refresh = session.skip_refresh })
        if not ok then return nil, "release " .. tostring(r.name) .. ": chart " .. chart .. ": " .. derr end
        -- as `helm dependency update`, which Helmfile's deps runs on a local chart
        -- (a second release of the chart finds the lock up to date)
        local written, lerr = require("hfl.charts.chartlock").update(path)
        if written == nil then return nil, "release " .. tostring(r.name) .. ": chart " .. chart .. ": " .. lerr end
        if written then session.log.info("Wrote %s", written) end
      end
    end
  end
  return true
end

-- Resolves the requirements of one state and writes its lock file (nothing when it has none).
local function lock_state(s, rels, session, version, sel)
  local reqs = lockmod.requirements(rels, function() return s end)
  if #reqs == 0 then return false end
  local results = session:map(reqs, function(req)
    local v, rerr = newest(req, session, sel)
    return { v = v, err = rerr }
  end, session:bounded(resolve.DOWNLOADS))
  for i, req in ipairs(reqs) do
    if not results[i].v then
      return nil, fmt("release %s: chart %s (%s): %s", tostring(req.release.name), req.chart,
        req.repository, tostring(results[i].err))
    end
    req.resolved = results[i].v
  end
  local path = lockmod.path(s)
  local ok, werr = lockmod.write(path, lockmod.build(reqs, version))
  if not ok then return nil, "writing " .. path .. ": " .. tostring(werr) end
  session:forget("lock file", path)
  session.log.info("Wrote %s", path)
  return path
end

--- Builds local charts' dependencies, then writes each state's lock file.
---@param st table  State
---@param opts table|nil {prerelease = "helm3"|"helm4"}: the helm binary's prerelease rule (hfl.semver)
---@return table[]|nil written {state=, path=}, string|nil err
function M.update(st, opts)
  local releases, err = st:select()
  if not releases then return nil, err end
  local session = st.session
  local ok, berr = build_local_charts(releases, session)
  if not ok then return nil, berr end
  local groups = group.by(releases, function(r) return r.state end)
  local written = {}
  for _, g in ipairs(groups) do
    local s = g.key
    local path, lerr = lock_state(s, g.items, session, require("hfl").version, { prerelease = opts and opts.prerelease })
    if path == nil then return nil, lerr end
    if path then written[#written + 1] = { state = s, path = path } end
  end
  return written
end

return M
