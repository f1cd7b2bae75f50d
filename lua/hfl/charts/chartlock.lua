--- A local chart's Chart.lock (requirements.lock for a `requirements.yaml` chart), written as
--- `helm dependency update` writes it once the dependencies are in charts/:
---   dependencies: [{name, repository, version}]   the versions charts/ holds
---   digest: sha256:<hex>   of Go's json.Marshal of [Chart.yaml's dependencies, the lock's]
---   generated: "<RFC 3339 time, nanoseconds>"
--- and, as helm, left alone when its digest would not change.
local value = require "hfl.value"
local yaml = require "hfl.yaml"
local fs = require "hfl.fs"
local semver = require "hfl.semver"
local localchart = require "hfl.charts.localchart"

local M = {}

local fmt = string.format

-- A string as Go's encoding/json writes it (HTML characters escaped), as Sprig's toJson does.
local function json_string(s)
  return require("hfl.stdlib.json").funcs.toJson(s)
end

local function json_any(v)
  return require("hfl.stdlib.json").funcs.toJson(v)
end

local function str(v)
  if v == nil or v == value.null then return nil end
  return type(v) == "string" and v or tostring(v)
end

-- helm's chart.Dependency through json.Marshal: fields in struct order, empty ones omitted
-- (but name and repository).
local function dependency_json(d)
  local b = { '"name":' .. json_string(str(d.name) or "") }
  local function opt(key, v) if v ~= nil then b[#b + 1] = json_string(key) .. ":" .. v end end
  local version = str(d.version)
  opt("version", version and version ~= "" and json_string(version) or nil)
  b[#b + 1] = '"repository":' .. json_string(str(d.repository) or "")
  local condition = str(d.condition)
  opt("condition", condition and condition ~= "" and json_string(condition) or nil)
  opt("tags", value.kind(d.tags) == "list" and #d.tags > 0 and json_any(d.tags) or nil)
  opt("enabled", d.enabled == true and "true" or nil)
  local iv = d["import-values"]
  opt("import-values", value.kind(iv) == "list" and #iv > 0 and json_any(iv) or nil)
  local alias = str(d.alias)
  opt("alias", alias and alias ~= "" and json_string(alias) or nil)
  return "{" .. table.concat(b, ",") .. "}"
end

local function list_json(list, one)
  local b = {}
  for i, d in ipairs(list) do b[i] = one(d) end
  return "[" .. table.concat(b, ",") .. "]"
end

--- helm's digest of a chart's dependencies and its lock entries (HashReq).
---@param declared table[] the dependency maps as Chart.yaml has them
---@param locked {name: string, repository: string, version: string}[]
---@return string "sha256:<hex>"
function M.digest(declared, locked)
  local data = "[" .. list_json(declared, dependency_json) .. "," .. list_json(locked, dependency_json) .. "]"
  return "sha256:" .. require("hfl.crypto").hex_digest("sha256", data)
end

-- Go's time.RFC3339Nano in UTC: nanoseconds without trailing zeros.
local function rfc3339_nano()
  local sec, nsec = require("hfl.time").now()
  local frac = fmt("%09d", nsec):gsub("0+$", "")
  return os.date("!%Y-%m-%dT%H:%M:%S", sec) .. (frac ~= "" and "." .. frac or "") .. "Z"
end

-- The version of dependency d that charts/ holds: an archive name-VERSION.tgz the constraint
-- allows (the newest), else an unpacked charts/name/.
local function held_version(dir, d, files)
  local name, want = str(d.name) or "", str(d.version)
  local best
  local pattern = "^" .. name:gsub("%p", "%%%0") .. "%-(%d.*)%.tgz$"
  for _, f in ipairs(files) do
    local v = f:match(pattern)
    if v and (not want or want == "" or want == v or semver.satisfies(v, want)) then
      if not best or semver.compare(v, best) > 0 then best = v end
    end
  end
  if best then return best end
  local doc = localchart.chart_yaml(dir .. "/charts/" .. name)
  return doc and str(doc.version) or nil
end

-- The chart's dependency list and the lock file that goes with it.
local function declared(dir)
  for _, pair in ipairs { { "Chart.yaml", "Chart.lock" }, { "requirements.yaml", "requirements.lock" } } do
    local text = fs.read(dir .. "/" .. pair[1])
    if text then
      local doc, err = yaml.decode(text, { filename = dir .. "/" .. pair[1] })
      if err then return nil, err end
      local list = value.kind(doc) == "map" and doc.dependencies
      if value.kind(list) == "list" and #list > 0 then return list, dir .. "/" .. pair[2] end
    end
  end
  return {}
end

-- A scalar as YAML writes it (quoted where it would read as something else).
local function scalar(s)
  return (yaml.encode(s):gsub("\n$", ""))
end

--- The lock's text as helm writes it (sigs.k8s.io/yaml: keys sorted, lists not indented).
---@param locked {name: string, repository: string, version: string}[]
---@param digest string
---@param generated string
---@return string
function M.encode(locked, digest, generated)
  local b = { "dependencies:" }
  for _, l in ipairs(locked) do
    b[#b + 1] = "- name: " .. scalar(l.name)
    b[#b + 1] = "  repository: " .. scalar(l.repository)
    b[#b + 1] = "  version: " .. scalar(l.version)
  end
  b[#b + 1] = "digest: " .. scalar(digest)
  b[#b + 1] = 'generated: "' .. generated .. '"'
  return table.concat(b, "\n") .. "\n"
end

--- Writes the Chart.lock of a local chart whose charts/ holds its dependencies (after
--- hfl.charts.deps.build), unless the one there has the same digest.
---@param dir string absolute chart directory
---@return string|false|nil path written (false: nothing to write), string|nil err
function M.update(dir)
  local list, path = declared(dir)
  if not list then return nil, path end
  if #list == 0 then return false end
  local files = localchart.list(dir .. "/charts")
  local locked = {}
  for i, d in ipairs(list) do
    if value.kind(d) ~= "map" then return nil, fmt("%s: dependencies[%d] is not a map", path, i - 1) end
    local v = held_version(dir, d, files)
    if not v then return nil, fmt("%s: dependency %s is not in charts/", dir, tostring(str(d.name))) end
    locked[i] = { name = str(d.name) or "", repository = str(d.repository) or "", version = v }
  end
  local digest = M.digest(list, locked)
  local old = fs.read(path)
  local old_doc = old and yaml.decode(old)
  if value.kind(old_doc) == "map" and old_doc.digest == digest then return false end
  local ok, err = yaml.write_file(path, M.encode(locked, digest, rfc3339_nano()))
  if not ok then return nil, fmt("writing %s: %s", path, tostring(err)) end
  return path
end

return M
