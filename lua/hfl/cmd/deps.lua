--- `hfl deps`: build the dependencies of selected local charts and resolve every release's
--- `repo/chart` version into the lock file (helmfile.lock or `lockFilePath`), which later runs
--- honour.
local groups = require "hfl.cli.groups"

local M = {}

M.summary = "Update chart dependencies and the lock file"

--- Declares the flags of `hfl deps`.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  set:bool("skip-repos", "don't update repositories first")
  groups.args(set)
end

-- The newest version of a requirement (ignoring the existing lock).
local function resolve_req(req, opts)
  local semver = require "hfl.charts.semver"
  local devel = req.release and req.release.devel == true
  if req.spec.oci then
    local oci = require "hfl.charts.oci"
    local r, err = oci.parse(req.repository .. "/" .. req.name)
    if not r then return nil, err end
    local spec = req.spec
    local c = oci.client(r.host, { username = spec.username, password = spec.password, plain_http = spec.plain_http,
      ca_file = spec.ca_file, cert_file = spec.cert_file, key_file = spec.key_file, insecure = spec.insecure })
    local v = req.version ~= "*" and req.version or nil
    return oci.select_version(c, r, v, devel)
  end
  local repo = require "hfl.charts.repo"
  local index = require "hfl.charts.index"
  local idx, err = repo.index(req.spec, opts)
  if not idx then return nil, err end
  local e, gerr = index.get(idx, req.name, req.version ~= "*" and req.version or "", devel)
  if not e then
    if gerr == "no version" then
      return nil, string.format("no version matches %q (available: %s)", req.version,
        table.concat(index.versions(idx, req.name), ", "))
    elseif gerr == "no chart" then
      return nil, string.format("no chart named %q in %s", req.name, index.index_url(req.spec.url))
    end
    return nil, gerr
  end
  local _ = semver
  return e.version
end

--- Runs `hfl deps`.
---@param inv hfl.cli.Invocation
---@return integer|nil code, string|nil err
function M.run(inv)
  local resolve = require "hfl.charts.resolve"
  local lockmod = require "hfl.charts.lock"
  local localchart = require "hfl.charts.localchart"
  local deps = require "hfl.charts.deps"
  local proc = require "hfl.proc"
  local log = require "hfl.log"
  local hfl = require "hfl"
  local releases, err = resolve.load_releases(inv)
  if not releases then return nil, err end
  local opts = { skip_refresh = inv.global.skip_refresh, helm_binary = inv.global.helm_binary }
  -- local charts: their dependencies into charts/
  for _, r in ipairs(releases) do
    local chart = tostring(r.chart or "")
    local dir = r.state and r.state.dir or "."
    if chart ~= "" and localchart.classify(chart, dir) == "local" then
      local path = localchart.abspath(dir, chart)
      if localchart.exists(path .. "/Chart.yaml") then
        local ok, derr = deps.build(path, r.state, opts)
        if not ok then return nil, "release " .. tostring(r.name) .. ": chart " .. chart .. ": " .. derr end
      end
    end
  end
  -- the lock file, per state
  local by_state, order = {}, {}
  for _, r in ipairs(releases) do
    local st = r.state or {}
    if not by_state[st] then by_state[st] = {}; order[#order + 1] = st end
    table.insert(by_state[st], r)
  end
  for _, st in ipairs(order) do
    local reqs = lockmod.requirements(by_state[st], function() return st end)
    if #reqs > 0 then
      local results = proc.map(reqs, 8, function(req)
        local v, rerr = resolve_req(req, opts)
        return { v = v, err = rerr }
      end)
      for i, req in ipairs(reqs) do
        if not results[i].v then
          return nil, string.format("release %s: chart %s (%s): %s", tostring(req.release.name), req.chart,
            req.repository, tostring(results[i].err))
        end
        req.resolved = results[i].v
      end
      local path = lockmod.path(st)
      local ok, werr = lockmod.write(path, lockmod.build(reqs, hfl.version or "0.1.0"))
      if not ok then return nil, "writing " .. path .. ": " .. tostring(werr) end
      log.info("Wrote %s", path)
    end
  end
  resolve.reset_locks()
  return 0
end

return M
