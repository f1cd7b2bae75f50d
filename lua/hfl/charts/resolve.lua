--- One release's chart to a local path: repository charts (index.yaml), OCI registries, chart
--- archive URLs, git sources and local directories, all through the shared download cache.
--- Safe to call from many hfl.proc tasks at once: each chart is downloaded once.
local value = require "hfl.value"
local semver = require "hfl.semver"
local index = require "hfl.charts.index"
local repo = require "hfl.charts.repo"
local oci = require "hfl.charts.oci"
local localchart = require "hfl.charts.localchart"
local fs = require "hfl.fs"
local redact = require "hfl.redact"

local M = {}

local fmt = string.format

local function str(v)
  if v == nil or v == value.null then return nil end
  return type(v) == "string" and v or tostring(v)
end

local sha_hex = fs.sha256_hex

-- The result of an archive entry: path = the chart archive (helm takes it as it is; M.unpack
-- gives a directory when one is needed).
local function entry_result(entry)
  local meta = localchart.read_meta(entry)
  local digest = meta.digest
  if (not digest or digest == "") and meta.sha256 and meta.sha256 ~= "" then digest = "sha256:" .. meta.sha256 end
  return { path = entry .. "/chart.tgz", archive = entry .. "/chart.tgz", name = meta.name,
    version = meta.version, digest = digest, entry = entry, url = meta.url }
end

-- Downloads an archive into a cache entry (chart.tgz + meta). known() → name, version when
-- the source says them (index entry, OCI tag); otherwise the archive is unpacked to read them.
local function archive_entry(session, key, get_url, hopts_for, want_digest_for, known)
  local cache = require "hfl.charts.cache"
  local fill = function(tmp)
    local url, err = get_url()
    if not url then return nil, err end
    local http = require "hfl.http"
    local o = hopts_for(url)
    o.output = tmp .. "/chart.tgz"
    local res, herr = http.get(url, o)
    if not res then return nil, herr end
    if res.status == 401 or res.status == 403 then
      return nil, fmt("GET %s: HTTP %d (check the repository credentials)", url, res.status)
    elseif res.status == 404 then
      return nil, fmt("GET %s: HTTP 404 (the chart archive is missing: check the URL or refresh the index)", url)
    elseif res.status ~= 200 then
      return nil, fmt("GET %s: HTTP %d", url, res.status)
    end
    local want = want_digest_for and want_digest_for() or nil
    if want and want ~= "" and res.sha256 and want:gsub("^sha256:", "") ~= res.sha256 then
      return nil, fmt("GET %s: digest mismatch (index says %s, got %s): the repository changed or the download is corrupt; retry or check the repository",
        url, want, res.sha256)
    end
    local name, version
    if known then name, version = known() end
    if not name then
      name, version = localchart.unpack(tmp .. "/chart.tgz", tmp, url)
      if not name then return nil, version end
    end
    localchart.write_meta(tmp, { name = name, version = version, url = url, sha256 = res.sha256 or "" })
    return true
  end
  local entry, err = cache.get(key, fill, { session = session })
  if not entry then return nil, err end
  return entry_result(entry)
end

--- A directory holding the chart of a resolved archive (extracted once into its own cache
--- entry); a result that is already a directory is returned as it is.
---@param result table  from M.resolve
---@param session hfl.Session
---@return string|nil dir, string|nil err
function M.unpack(result, session)
  if not result.archive then return result.path end
  if not result.entry then  -- a local archive: unpacked into a fresh dir of the run's tempdir
    local root, rerr = session:tempdir()
    if not root then return nil, rerr end
    local tmp, terr = fs.mkdtemp(root .. "/chart-XXXXXX")
    if not tmp then return nil, terr end
    local name, version = localchart.unpack(result.archive, tmp)
    if not name then return nil, fmt("%s: %s", result.archive, version) end
    return tmp .. "/chart/" .. name
  end
  local cache = require "hfl.charts.cache"
  local entry, err = cache.get("unpacked " .. result.entry, function(tmp)
    local name, version = localchart.unpack(result.archive, tmp)
    if not name then return nil, fmt("%s: %s", result.url or result.archive, version) end
    localchart.write_meta(tmp, { name = name, version = version })
    return true
  end, { session = session })
  if not entry then return nil, err end
  local dir = localchart.entry_chart(entry)
  return dir
end

local function from_repo(spec, chart, version, opts)
  local devel = opts.devel
  local key_version, entry_info
  local want_digest
  local idx_entry
  local function load_entry(v)
    local idx, err = repo.index(spec, opts)
    if not idx then return nil, err end
    local e, gerr = index.get(idx, chart, v, devel, opts)
    if not e then
      if gerr == "no chart" then
        return nil, fmt("no chart named %q in %s (check the chart name)", chart, index.index_url(spec.url))
      elseif gerr == "no version" then
        return nil, fmt("no version matches %q (available: %s)", v or "", table.concat(index.versions(idx, chart), ", "))
      end
      return nil, gerr
    end
    if not e.urls[1] then return nil, fmt("%s: chart %s %s has no URL", index.index_url(spec.url), chart, e.version) end
    return e
  end
  if semver.is_exact(version) then
    key_version = version
  else
    local e, err = load_entry(version)
    if not e then return nil, err end
    idx_entry, key_version = e, e.version
  end
  local key = "repo " .. spec.url .. " " .. chart .. " " .. key_version
  local aerr
  entry_info, aerr = archive_entry(opts.session, key, function()
    if not idx_entry then
      local e, err = load_entry(key_version)
      if not e then return nil, err end
      idx_entry = e
    end
    want_digest = idx_entry.digest
    return index.resolve_url(spec.url, idx_entry.urls[1])
  end, function(url) return repo.http_opts(spec, url) end, function() return want_digest end,
  function()
    -- Without a digest to check, the archive is unpacked once to prove it is a chart.
    if not idx_entry.digest or idx_entry.digest == "" then return nil end
    return idx_entry.name or chart, idx_entry.version
  end)
  if not entry_info then return nil, aerr end
  entry_info.version = entry_info.version or key_version
  return entry_info
end

--- The OCI client of a registry host, one per session, credentials and plain HTTP.
---@param session hfl.Session
---@param host string
---@param o table  hfl.charts.oci.client options (see M.oci_options)
---@return table client
function M.oci_client(session, host, o)
  local k = host .. "\0" .. tostring(o.username) .. "\0" .. tostring(o.plain_http)
  return session:memo("oci client", k, function() return oci.client(host, o) end)
end

--- The OCI client options of a `repositories:` entry with `oci: true` (hfl.charts.repo spec).
---@param spec table
---@return table
function M.oci_options(spec)
  return { username = spec.username, password = spec.password, plain_http = spec.plain_http,
    ca_file = spec.ca_file, cert_file = spec.cert_file, key_file = spec.key_file, insecure = spec.insecure,
    registry_config = spec.registry_config }
end

--- Pulls an OCI chart: `ref` = oci://host/path/chart[:tag][@digest]; `version` may be a range.
local function from_oci(ref, version, o, opts)
  local r, err = oci.parse(ref)
  if not r then return nil, err end
  local vdigest
  if version then
    local v, d = version:match("^(.-)@(sha256:%x+)$")
    if v then version, vdigest = v ~= "" and v or nil, d end
  end
  local digest = r.digest or vdigest
  local c = M.oci_client(opts.session, r.host, o)
  local tag = version ~= nil and version ~= "" and version or r.tag
  local reference
  if digest then
    reference = digest
  else
    local v, verr = oci.select_version(c, r, tag, opts.devel, opts)
    if not v then return nil, verr end
    tag, reference = v, v
  end
  local key = "oci://" .. r.host .. "/" .. r.repo .. (digest and ("@" .. digest) or (":" .. tag))
  local cache = require "hfl.charts.cache"
  local entry, cerr = cache.get(key, function(tmp)
    local m, merr = oci.manifest(c, r.repo, reference)
    if not m then return nil, merr end
    local ok, lerr = oci.download_layer(c, r.repo, m, tmp .. "/chart.tgz")
    if not ok then return nil, lerr end
    local name, ver = r.name, tag
    if digest then
      name, ver = localchart.unpack(tmp .. "/chart.tgz", tmp)
      if not name then return nil, ref .. ": " .. ver end
    end
    localchart.write_meta(tmp, { name = name, version = ver, url = ref, digest = m.digest })
    return true
  end, { session = opts.session })
  if not entry then return nil, cerr end
  local res = entry_result(entry)
  res.url = ref
  return res
end

--- The version constraint of a release after the lock file (Helmfile: the first locked
--- version of that chart name satisfying the release's constraint).
---@param opts table|nil {prerelease=} as for resolve
---@return string|nil version, string|nil err
function M.locked_version(lock, chart_name, version, opts)
  if not lock then return version end
  local c = version
  if c == nil or c == "" then c = "*" end
  for _, d in ipairs(lock.dependencies or {}) do
    if d.name == chart_name and semver.satisfies(d.version, c, opts) then return d.version end
  end
  return nil, fmt("no resolved dependency found for %q, running \"hfl deps\" may resolve the issue", chart_name)
end

--- The lock of a state (read once per session), false when it has none.
---@param state table
---@param session hfl.Session
---@return table|false|nil lock, string|nil err
function M.lock_of(state, session)
  if not state or not state.doc then return false end
  if not session then error("hfl.charts.resolve.lock_of: a session is required", 2) end
  local lockmod = require "hfl.charts.lock"
  local path = lockmod.path(state)
  return session:once("lock file", path, function()
    local l, err = lockmod.read(path)
    if err then return nil, err end
    return l or false
  end, true)
end

--- Resolves one release's chart to a local path.
---@param release table {name=, chart=, version=, devel=, plainHttp=, namespace=}
---@param state table {dir=, doc={repositories=...}} (an issue-4 State or a plain table)
---@param opts table {session=hfl.Session, devel=, lock=parsed lock|nil, deps=false to skip local deps, plain_http=,
---  prerelease = "helm3"|"helm4": the helm binary's prerelease rule for version ranges (hfl.semver; default helm4)}
---@return table|nil result {path=, version=, digest=, source=, kind=}, string|nil err
function M.resolve(release, state, opts)
  local session = opts and opts.session
  if not session then error("hfl.charts.resolve.resolve: opts.session is required", 2) end
  local name = str(release.name) or "?"
  local chart = str(release.chart)
  if not chart or chart == "" then return nil, fmt("release %s: no chart (set `chart:`)", name) end
  local version = str(release.version)
  local basedir = state and state.dir or os.getenv("PWD") or "."
  local rspec = type(release.spec) == "table" and release.spec or {}
  local function flag(k) return release[k] == true or rspec[k] == true end
  -- Which prereleases a range admits depends on the helm that will install the chart; asking
  -- it costs a process, so only a range asks.
  local prerelease = opts.prerelease
  if not prerelease and version and version ~= "" and not semver.is_exact(version) then
    prerelease = session:prerelease_rule()
  end
  local ropts = { session = session, skip_refresh = session.skip_refresh, devel = opts.devel or flag("devel"),
    timeout = opts.timeout, prerelease = prerelease }
  local kind = localchart.classify(chart, basedir)
  local res, err, source
  if kind == "oci" then
    source = chart
    if version == "latest" then
      err = "version \"latest\" is not supported for OCI charts (name a version or a range)"
    else
      res, err = from_oci(chart, version, { plain_http = opts.plain_http or flag("plainHttp"),
        registry_config = opts.registry_config }, ropts)
    end
  elseif kind == "getter" then
    source = chart
    local git = require "hfl.charts.git"
    local r, gerr = git.fetch(chart, { session = session })
    if r then
      res = { path = r.path, version = version, digest = r.commit, kind = "git" }
    else
      err = gerr
    end
  elseif kind == "url" then
    source = chart
    res, err = M.url_chart(chart, nil, session)
  elseif kind == "local" then
    local path = fs.abs(chart, basedir)
    source = path
    if fs.is_dir(path) then
      res = { path = path, version = version, kind = "local" }
      if opts.deps ~= false and not session.skip_deps and fs.exists(path .. "/Chart.yaml") then
        local deps = require "hfl.charts.deps"
        local ok, derr = deps.build(path, state, ropts)
        if not ok then res, err = nil, derr end
      end
    elseif fs.exists(path) then
      res = { path = path, archive = path:match("%.tgz$") and path or nil, version = version, kind = "local" }
    else
      err = fmt("%s: no such chart directory or archive (check `chart:` against %s)", path, basedir)
    end
  else
    local rname, cname = chart:match("^([^/]+)/(.+)$")
    local spec = repo.find(state, rname)
    if not spec then
      return nil, fmt("release %s: chart %s: no repository named %q in `repositories:` (add it, or use a path or oci:// URL)",
        name, chart, rname)
    end
    local lock = opts.lock
    if lock == nil then
      local lerr
      lock, lerr = M.lock_of(state, session)
      if lerr then return nil, fmt("release %s: chart %s: %s", name, chart, lerr) end
    end
    if lock then
      local lname = spec.oci and cname:match("([^/]+)$") or cname
      local lv, lerr = M.locked_version(lock, lname, version, opts)
      if not lv then return nil, fmt("release %s: chart %s: %s", name, chart, lerr) end
      version = lv
    end
    if spec.oci then
      source = "oci://" .. spec.url:gsub("^oci://", ""):gsub("/+$", "") .. "/" .. cname
      local o = M.oci_options(spec)
      o.plain_http = o.plain_http or opts.plain_http or flag("plainHttp")
      o.registry_config = o.registry_config or opts.registry_config
      res, err = from_oci(source, version, o, ropts)
    else
      source = spec.url
      res, err = from_repo(spec, cname, version, ropts)
    end
  end
  if not res then
    return nil, redact.text(fmt("release %s: chart %s%s: %s", name, chart,
      (source and source ~= chart) and (" (" .. source .. ")") or "", tostring(err)))
  end
  res.source = source
  res.kind = res.kind or kind
  return res
end

--- Downloads at once when the session sets no concurrency limit.
M.DOWNLOADS = 8

--- Resolves many releases concurrently (at most the session's concurrency at once, 8 when it
--- is unlimited: each chart is a download); results in order.
---@param releases table[]
---@param opts table  as for resolve
---@return table[] results  {result=, err=} per release
function M.resolve_all(releases, opts)
  local session = opts and opts.session
  if not session then error("hfl.charts.resolve.resolve_all: opts.session is required", 2) end
  return session:map(releases, function(r)
    local res, err = M.resolve(r, r.state, opts)
    return { result = res, err = err }
  end, session:bounded(M.DOWNLOADS))
end

M._sha_hex = sha_hex
--- A chart of a classic repository (spec from hfl.charts.repo) → {path=, version=, entry=, ...}.
M.repo_chart = from_repo
--- An OCI chart → {path=, version=, digest=, entry=}.
M.oci_chart = from_oci
--- A chart archive URL → {path=, version=, entry=}.
function M.url_chart(url, hopts, session)
  return archive_entry(session, "url " .. url, function() return url end, function() return hopts or {} end)
end

return M
