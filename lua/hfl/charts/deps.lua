--- Dependencies of local charts (Chart.yaml `dependencies`, or requirements.yaml): when
--- charts/ does not already hold what Chart.lock (or the constraints) ask for, each dependency
--- is fetched through the shared cache into charts/ — once per chart directory per run.
--- Repositories hfl cannot reach itself fall back to one `helm dependency build`.
local value = require "hfl.value"
local yaml = require "hfl.yaml"
local semver = require "hfl.semver"
local localchart = require "hfl.charts.localchart"
local repo = require "hfl.charts.repo"
local fs = require "hfl.fs"
local trim = require "hfl.trim"

local M = {}

local fmt = string.format

local function str(v)
  if v == nil or v == value.null then return nil end
  return type(v) == "string" and v or tostring(v)
end

local function read_list(path, key)
  local text, rerr, code = fs.read(path)
  if not text then
    if code == "EFBIG" then return nil, rerr end
    return nil
  end
  local doc, err = yaml.decode(text, { filename = path })
  if doc == nil then return nil, err end
  if value.kind(doc) ~= "map" then return {} end
  local list = doc[key]
  if value.kind(list) ~= "list" then return {} end
  local out = {}
  for _, d in ipairs(list) do
    if value.kind(d) == "map" then
      out[#out + 1] = { name = str(d.name), version = str(d.version), repository = str(d.repository) or "",
        alias = str(d.alias) }
    end
  end
  return out
end

--- The chart's declared dependencies and its lock entries.
---@param dir string
---@return table|nil deps, table|nil lock_or_err
function M.declared(dir)
  local deps, err = read_list(dir .. "/Chart.yaml", "dependencies")
  if err then return nil, err end
  if not deps or #deps == 0 then
    deps, err = read_list(dir .. "/requirements.yaml", "dependencies")
    if err then return nil, err end
  end
  local lock = read_list(dir .. "/Chart.lock", "dependencies") or read_list(dir .. "/requirements.lock", "dependencies")
  return deps or {}, lock or {}
end

-- The version a dependency needs: its Chart.lock entry, else its constraint.
local function wanted(d, lock)
  for _, l in ipairs(lock) do
    if l.name == d.name and (l.repository == d.repository or l.repository == "") then return l.version, true end
  end
  return d.version, false
end

-- True when charts/ already holds a version of `d` satisfying `want`.
local function present(dir, d, want, files, opts)
  for _, f in ipairs(files) do
    local v = f:match("^" .. d.name:gsub("%p", "%%%0") .. "%-(%d.*)%.tgz$")
    if v and (want == v or (want and semver.satisfies(v, want, opts))) then return true end
    if f == d.name and fs.exists(dir .. "/charts/" .. f .. "/Chart.yaml") then return true end
  end
  return false
end

-- A chart archive from the cache: as large as an archive may be unpacked to.
local ARCHIVE_MAX = 512 * 1024 * 1024

local function copy_file(src, dst)
  local data = fs.read(src, { max = ARCHIVE_MAX })
  if not data then return nil, "cannot read " .. src end
  return fs.write_atomic(dst, data)
end

-- Fetches one dependency into the cache; returns the archive path and version, or nil, err,
-- or false when hfl cannot reach it (helm must).
local function fetch(dir, d, want, state, opts)
  local resolve = require "hfl.charts.resolve"
  local r = d.repository
  if r:match("^file://") then
    local src = fs.abs(r:sub(8), dir)
    local doc, err = localchart.chart_yaml(src)
    if not doc then return nil, err end
    local v = str(doc.version) or "0.0.0"
    -- packed in a directory of its own: hfl processes building one chart's dependencies at
    -- once never share a temp name
    local tmpdir, terr = fs.mkdtemp(dir .. "/charts/.hfl-pack-XXXXXX")
    if not tmpdir then return nil, terr end
    local tgz = tmpdir .. "/" .. d.name .. "-" .. v .. ".tgz"
    local ok, aerr = require("hfl.archive").create(src, tgz)
    if not ok then fs.rm_r(tmpdir, dir .. "/charts") return nil, aerr end
    return tgz, v, tmpdir
  elseif r:match("^oci://") then
    local res, err = resolve.oci_chart(r:gsub("/+$", "") .. "/" .. d.name, want, {}, opts)
    if not res then return nil, err end
    return res.entry .. "/chart.tgz", res.version
  elseif r:match("^https?://") then
    local res, err = resolve.repo_chart(repo.spec { name = "", url = r }, d.name, want, opts)
    if not res then return nil, err end
    return res.entry .. "/chart.tgz", res.version
  else
    local name = r:match("^@(.+)$") or r:match("^alias:(.+)$")
    local spec = name and repo.find(state, name)
    if not spec then return false end
    local res, err
    if spec.oci then
      res, err = resolve.oci_chart("oci://" .. spec.url:gsub("^oci://", ""):gsub("/+$", "") .. "/" .. d.name, want,
        { username = spec.username, password = spec.password, plain_http = spec.plain_http }, opts)
    else
      res, err = resolve.repo_chart(spec, d.name, want, opts)
    end
    if not res then return nil, err end
    return res.entry .. "/chart.tgz", res.version
  end
end

local function build(dir, state, opts)
  local deps, lock = M.declared(dir)
  if not deps then return nil, lock end
  if #deps == 0 then return true end
  local files = localchart.list(dir .. "/charts")
  local todo = {}
  for _, d in ipairs(deps) do
    if not d.name then return nil, dir .. "/Chart.yaml: a dependency has no name" end
    local want = wanted(d, lock)
    if not present(dir, d, want, files, opts) then todo[#todo + 1] = { d = d, want = want } end
  end
  if #todo == 0 then return true end
  fs.mkdir_p(dir .. "/charts")
  local helm_needed = false
  for _, t in ipairs(todo) do
    local d = t.d
    if d.repository == "" then
      return nil, fmt("%s: dependency %s has no repository and is not in charts/ (add it to charts/ or set repository)",
        dir .. "/Chart.yaml", d.name)
    end
    local tgz, v, packed = fetch(dir, d, t.want, state, opts)
    if tgz == false then
      helm_needed = true
    elseif not tgz then
      return nil, fmt("%s: dependency %s from %s: %s", dir, d.name, d.repository, tostring(v))
    else
      for _, f in ipairs(files) do
        if f:match("^" .. d.name:gsub("%p", "%%%0") .. "%-%d.*%.tgz$") then fs.remove(dir .. "/charts/" .. f) end
      end
      local dst = dir .. "/charts/" .. d.name .. "-" .. v .. ".tgz"
      local ok, err
      if packed then
        ok, err = fs.rename(tgz, dst)
        fs.rm_r(packed, dir .. "/charts")
      else
        ok, err = copy_file(tgz, dst)
      end
      if not ok then return nil, fmt("%s: writing %s: %s", dir, dst, tostring(err)) end
    end
  end
  if helm_needed then
    local proc = require "hfl.proc"
    local argv = { opts.session.helm_binary, "dependency", "build", dir }
    if opts.skip_refresh then argv[#argv + 1] = "--skip-refresh" end
    local r, err = proc.run(argv)
    if not r then return nil, err end
    if r.code ~= 0 then
      local msg = trim.right(r.stderr or ""):gsub("\n", "; ")
      return nil, fmt("helm dependency build %s failed: %s", dir, msg)
    end
  end
  return true
end

--- Makes a local chart's charts/ hold its dependencies; at most once per directory per session.
---@param dir string  absolute chart directory
---@param state table|nil  for `@name` repositories
---@param opts table  {session=hfl.Session, skip_refresh=, prerelease= (hfl.semver rule)}
---@return boolean|nil ok, string|nil err
function M.build(dir, state, opts)
  local session = opts and opts.session
  if not session then error("hfl.charts.deps.build: opts.session is required", 2) end
  return session:once("chart deps", dir, function() return build(dir, state, opts) end)
end

return M
