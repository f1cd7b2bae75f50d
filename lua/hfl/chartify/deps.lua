--- hfl.chartify.deps: a release's ad-hoc `dependencies` (compat §8.4) added to a temporary
--- copy of its chart: each entry `{chart, version, alias}` becomes a Chart.yaml dependency as
--- chartify writes it (a local directory → `file://<abs>`, `repo/chart` → the repository's URL
--- from `repositories:`, `oci://` for OCI ones, `condition: <alias or name>.enabled`), and the
--- chart itself is put in charts/ through hfl's chart cache — never `helm repo add`.
local fs = require "hfl.fs"
local value = require "hfl.value"
local yaml = require "hfl.yaml"
local repo = require "hfl.charts.repo"
local resolve = require "hfl.charts.resolve"
local localchart = require "hfl.charts.localchart"
local tree = require "hfl.chartify.tree"

local M = {}

local fmt = string.format

local function str(v)
  if v == nil or v == value.null or v == "" then return nil end
  return tostring(v)
end

-- Where one dependency comes from: { name =, repository =, fetch = function(dir) → ok, err }.
local function source_of(session, r, d, i)
  local chart = str(d.chart)
  local where = fmt('release "%s": dependencies[%d]', r.name, i - 1)
  if not chart then return nil, where .. ": no chart (set `chart:`)" end
  local version = str(d.version)
  local basedir = r.state and r.state.dir or fs.cwd()
  local ropts = { session = session, skip_refresh = session.skip_refresh,
    prerelease = session:prerelease_rule() }
  local function into_charts(res_entry, res_version, name)
    return function(dir)
      local data, err = fs.read(res_entry .. "/chart.tgz", { max = 512 * 1024 * 1024 })
      if not data then return nil, err end
      return tree.write(dir, fmt("charts/%s-%s.tgz", name, res_version or "0.0.0"), data)
    end
  end
  local path = fs.abs(chart, basedir)
  if not chart:match("^%a[%w+.-]*://") and fs.is_dir(path) then
    local name = fs.basename(path)
    return { name = name, repository = "file://" .. path, fetch = function(dir)
      return tree.copy(path, dir .. "/charts/" .. name, { roots = tree.roots(path, basedir) })
    end }
  end
  local oci_ref, spec, name
  if chart:match("^oci://") then
    oci_ref = chart:gsub("/+$", "")
    name = oci_ref:match("([^/]+)$")
  elseif chart:match("^%a[%w+.-]*://") or chart:match("^%a[%w]*::") then
    return nil, fmt("%s: %s: only local directories, oci:// charts and repo/chart of `repositories:` are supported", where, chart)
  else
    local rname, cname = chart:match("^([^/]+)/([^/]+)$")
    if not rname then
      return nil, fmt("%s: %s: no such directory, and not repo/chart (check the path against %s)", where, chart, basedir)
    end
    spec = repo.find(r.state, rname)
    if not spec then
      return nil, fmt("%s: chart %s: no repository named %q in `repositories:` (add it, or use a path or oci:// URL)",
        where, chart, rname)
    end
    name = cname
    if spec.oci then oci_ref = "oci://" .. spec.url:gsub("^oci://", ""):gsub("/+$", "") .. "/" .. cname end
  end
  if oci_ref then
    return { name = name, repository = oci_ref:sub(1, #oci_ref - #name - 1), fetch = function(dir)
      local o = spec and resolve.oci_options(spec) or {}
      o.plain_http = o.plain_http or r.plainHttp == true
      local res, err = resolve.oci_chart(oci_ref, version, o, ropts)
      if not res then return nil, fmt("%s: %s: %s", where, chart, err) end
      return into_charts(res.entry, res.version, name)(dir)
    end }
  end
  return { name = name, repository = spec.url, fetch = function(dir)
    local res, err = resolve.repo_chart(spec, name, version, ropts)
    if not res then return nil, fmt("%s: %s: %s", where, chart, err) end
    return into_charts(res.entry, res.version, name)(dir)
  end }
end

-- Chart.yaml (apiVersion v2) or requirements.yaml (v1) with the dependencies appended.
local function add_to_chart_yaml(dir, entries)
  local meta, err = localchart.chart_yaml(dir)
  if not meta then return nil, err end
  local file, doc = "Chart.yaml", meta
  if tostring(meta.apiVersion or "v1") == "v1" then
    file = "requirements.yaml"
    local text = fs.read(dir .. "/" .. file)
    doc = text and yaml.decode(text, { filename = dir .. "/" .. file }) or nil
    if value.kind(doc) ~= "map" then doc = value.map() end
  end
  if value.kind(doc.dependencies) ~= "list" then doc.dependencies = value.list() end
  for _, e in ipairs(entries) do doc.dependencies[#doc.dependencies + 1] = e end
  return tree.write(dir, file, yaml.encode(doc, { sort = false }))
end

--- Adds the release's dependencies to the chart copy in `dir` and puts each in charts/.
---@param session hfl.Session
---@param r table  a Release
---@param dir string  a temporary copy of the release's chart
---@return true|nil ok, string|nil err
function M.add(session, r, dir)
  local list = r.dependencies
  if list == nil or list == value.null or #list == 0 then return true end
  local entries, sources = {}, {}
  for i, d in ipairs(list) do
    if value.kind(d) ~= "map" then
      return nil, fmt('release "%s": dependencies[%d]: expected a map with chart, version and alias', r.name, i - 1)
    end
    local src, err = source_of(session, r, d, i)
    if not src then return nil, err end
    local e = value.map()
    e.name = src.name
    e.repository = src.repository
    e.condition = (str(d.alias) or src.name) .. ".enabled"
    if str(d.alias) then e.alias = str(d.alias) end
    -- "*" without one, as chartify's older `dependencies` form: helm matches an alias to its
    -- subchart only when the subchart's version satisfies the constraint
    e.version = str(d.version) or "*"
    entries[i], sources[i] = e, src
  end
  local results = session:map(sources, function(src) return { src.fetch(dir) } end, session:bounded(8))
  for _, res in ipairs(results) do
    if not res[1] then return nil, res[2] end
  end
  return add_to_chart_yaml(dir, entries)
end

return M
