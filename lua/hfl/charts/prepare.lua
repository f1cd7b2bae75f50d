--- The charts Helmfile pulls before `build` and `show-dag` print anything (pkg/app's
--- WithPreparedCharts → pkg/state PrepareCharts with SkipRepos and SkipDeps): for each selected,
--- enabled release not `installed: false`, an OCI chart (oci://…, or a chart of a repository
--- with `oci: true`) and a go-getter source (git::…, s3::…, http(s) URLs) — not a chart of a
--- classic repository (helm would fetch it itself) nor a local one. hfl pulls them through its
--- download cache; a failure fails the command, as in Helmfile. `build` prints where each
--- pulled chart is as the release's `chartPath:`.
local localchart = require "hfl.charts.localchart"
local repo = require "hfl.charts.repo"
local resolve = require "hfl.charts.resolve"

local M = {}

--- Whether Helmfile pulls this release's chart before build and show-dag.
---@param r table  a Release
---@return boolean
function M.pulled(r)
  local chart = r.chart
  if type(chart) ~= "string" or chart == "" then return false end
  local s = r.state or {}
  local kind = localchart.classify(chart, s.dir or ".")
  if kind == "oci" or kind == "getter" or kind == "url" then return true end
  if kind == "repo" then
    local spec = repo.find(s, chart:match("^([^/]+)/"))
    return spec ~= nil and spec.oci == true
  end
  return false
end

--- Pulls the charts of the releases that Helmfile pulls (M.pulled), concurrently.
---@param session hfl.Session
---@param releases table[]  the state's selected releases
---@return table<table, string>|nil paths  release → the pulled chart (a directory; for a chart
---   archive URL, the archive, as Helmfile keeps it), string|nil err  every failure, one a line
function M.pull(session, releases)
  local want = {}
  for _, r in ipairs(releases) do
    if r.enabled ~= false and r:desired() and M.pulled(r) then want[#want + 1] = r end
  end
  local paths = {}
  if #want == 0 then return paths end
  local results = resolve.resolve_all(want, { session = session, deps = false })
  local failed = {}
  for i, r in ipairs(want) do
    local res, err = results[i].result, results[i].err
    local path = res and res.path
    if res and res.archive and res.kind ~= "url" then
      path, err = resolve.unpack(res, session)
      if not path then err = ("release %s: chart %s: %s"):format(r.name, r.chart, err) end
    end
    if path then
      paths[r] = path
      session.log.debug("release %s: pulled %s to %s", r.name, r.chart, path)
    else
      failed[#failed + 1] = err
    end
  end
  if #failed > 0 then return nil, require("hfl.errlist").combined(failed) end
  return paths
end

return M
