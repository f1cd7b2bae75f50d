--- helmfile.lock (or `lockFilePath`) in Helmfile's format: written by `hfl deps` from the
--- releases whose chart is `repo/chart` of a declared repository; read by later runs, which use
--- the first locked version of a chart that satisfies the release's constraint.
---   version: <hfl version>
---   dependencies: [{name, repository, version}]   (sorted by name, deduplicated)
---   digest: sha256:…
---   generated: "<RFC 3339 time>"
local value = require "hfl.value"
local yaml = require "hfl.yaml"
local semver = require "hfl.semver"
local repo = require "hfl.charts.repo"
local fs = require "hfl.fs"

local M = {}

local fmt = string.format

local function str(v)
  if v == nil or v == value.null then return nil end
  return type(v) == "string" and v or tostring(v)
end

local function basename(p) return (p:match("([^/]+)$")) or p end

--- The lock file of a state: `lockFilePath` (relative to the state's directory) or
--- <dir>/<file name minus .gotmpl/.yaml/.yml>.lock.
---@param state table {dir=, file=|path=, doc={lockFilePath=}}
---@return string
function M.path(state)
  local doc = state.doc or {}
  local dir = state.dir or "."
  local lf = str(doc.lockFilePath)
  if lf and lf ~= "" then
    if lf:sub(1, 1) == "/" then return lf end
    return dir .. "/" .. lf
  end
  local file = basename(state.file or state.path or state.filename or "helmfile.yaml")
  file = file:gsub("%.gotmpl$", ""):gsub("%.yaml$", ""):gsub("%.yml$", "")
  return dir .. "/" .. file .. ".lock"
end

--- Reads a lock file: the lock, or nil when there is none, or nil, err.
---@param path string
---@return table|nil lock, string|nil err
function M.read(path)
  local text, rerr, code = fs.read(path)
  if not text then
    if code == "EFBIG" then return nil, rerr end
    return nil
  end
  local doc, err = yaml.decode(text, { filename = path })
  if doc == nil then return nil, err end
  if doc == value.null then doc = value.map {} end
  if value.kind(doc) ~= "map" then return nil, path .. ": not a YAML map (delete it and run `hfl deps`)" end
  local lock = { version = str(doc.version), digest = str(doc.digest), generated = str(doc.generated), dependencies = {} }
  if lock.version and lock.version ~= "" and not semver.parse(lock.version:gsub("^v", "")) then
    return nil, fmt("%s: version %q is not a semantic version", path, lock.version)
  end
  if value.kind(doc.dependencies) == "list" then
    for _, d in ipairs(doc.dependencies) do
      if value.kind(d) == "map" then
        local e = { name = str(d.name), repository = str(d.repository) or "", version = str(d.version) }
        if e.name and e.version then lock.dependencies[#lock.dependencies + 1] = e end
      end
    end
  end
  return lock
end

--- The lock requirements of releases: {name, repository, version (constraint or "*"), alias,
--- spec=repository spec, chart=release chart} for each `repo/chart` of a declared repository.
---@param releases table[]  each {name=, namespace=, chart=, version=, state=}
---@param state_of fun(r:table):table
---@return table[]
function M.requirements(releases, state_of)
  local out = {}
  for _, r in ipairs(releases) do
    local chart = str(r.chart) or ""
    local rname, cname = chart:match("^([^/]+)/(.+)$")
    if rname and not chart:match("^%a[%w+.-]*:") and not chart:match("^%.") then
      local spec = repo.find(state_of(r), rname)
      if spec then
        local url, name = spec.url, cname
        if spec.oci then
          local base = "oci://" .. spec.url:gsub("^oci://", ""):gsub("/+$", "")
          local prefix, last = cname:match("^(.*)/([^/]+)$")
          if prefix then url, name = base .. "/" .. prefix, last else url = base end
        end
        local v = str(r.version)
        if not v or v == "" then v = "*" end
        out[#out + 1] = { name = name, repository = url, version = v,
          alias = (str(r.namespace) or "") .. "-" .. (str(r.name) or ""), spec = spec, chart = chart, release = r }
      end
    end
  end
  return out
end

local function json_str(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    local m = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\t"] = "\\t", ["\r"] = "\\r" }
    return m[c] or fmt("\\u%04x", c:byte())
  end) .. '"'
end

-- Helm's HashReq: sha256 over the JSON of [requirements, locked].
local function digest(reqs, deps)
  local function list(items, alias)
    local parts = {}
    for i, d in ipairs(items) do
      local s = '{"name":' .. json_str(d.name)
      if d.version and d.version ~= "" then s = s .. ',"version":' .. json_str(d.version) end
      s = s .. ',"repository":' .. json_str(d.repository or "")
      if alias and d.alias then s = s .. ',"alias":' .. json_str(d.alias) end
      parts[i] = s .. "}"
    end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  return "sha256:" .. fs.sha256_hex("[" .. list(reqs, true) .. "," .. list(deps, false) .. "]")
end

local function rfc3339_now()
  return os.date("!%Y-%m-%dT%H:%M:%SZ", os.time())
end

--- Builds a lock from requirements and the versions they resolved to.
---@param reqs table[]  from M.requirements, each with .resolved = version
---@param hfl_version string
---@return table lock
function M.build(reqs, hfl_version)
  local deps, seen = {}, {}
  local sorted = {}
  for i, r in ipairs(reqs) do sorted[i] = r end
  table.sort(sorted, function(a, b)
    if a.name ~= b.name then return a.name < b.name end
    return a.alias < b.alias
  end)
  for _, r in ipairs(sorted) do
    local k = r.name .. "|" .. r.repository .. "|" .. r.resolved
    if not seen[k] then
      seen[k] = true
      deps[#deps + 1] = { name = r.name, repository = r.repository, version = r.resolved }
    end
  end
  return { version = hfl_version, dependencies = deps, digest = digest(sorted, deps), generated = rfc3339_now() }
end

--- The lock file's text (go-yaml v3, indent 2, as Helmfile writes it).
---@param lock table
---@return string
function M.encode(lock)
  local deps = {}
  for i, d in ipairs(lock.dependencies) do
    deps[i] = value.map {}  -- Helmfile's key order
    deps[i].name = d.name
    deps[i].repository = d.repository
    deps[i].version = d.version
  end
  local doc = value.map {}
  doc.version = lock.version
  doc.dependencies = value.list(deps)
  doc.digest = lock.digest
  doc.generated = lock.generated
  return yaml.encode(doc, { sort = false })
end

--- Writes a lock file atomically.
---@return boolean|nil ok, string|nil err
function M.write(path, lock)
  return yaml.write_file(path, M.encode(lock))
end

return M
