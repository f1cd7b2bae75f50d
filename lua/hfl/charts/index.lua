--- A chart repository's index.yaml: parsing, version selection as Helm does it, and chart
--- URLs resolved against the repository URL.
local yaml = require "hfl.yaml"
local value = require "hfl.value"
local semver = require "hfl.semver"

local M = {}

local function str(v) return type(v) == "string" and v or (v ~= nil and v ~= value.null and tostring(v)) or nil end

--- Parses index.yaml text.
---@param text string
---@param source string  the index URL or file, for messages
---@return table|nil index {api_version=, entries={[chart]={{version=, urls={}, digest=, created=}...}}}, string|nil err
function M.parse(text, source)
  local doc, err = yaml.decode(text, { filename = source })
  if doc == nil then return nil, "malformed index " .. source .. ": " .. tostring(err) end
  if value.kind(doc) ~= "map" then
    return nil, "malformed index " .. source .. ": not a YAML map (is the URL a chart repository?)"
  end
  local api = str(doc.apiVersion)
  if not api or api == "" then
    return nil, "malformed index " .. source .. ": no apiVersion (is the URL a chart repository?)"
  end
  local entries = {}
  local raw = doc.entries
  if raw ~= nil and raw ~= value.null then
    if value.kind(raw) ~= "map" then return nil, "malformed index " .. source .. ": entries is not a map" end
    for name, list in value.pairs(raw) do
      local out = {}
      if value.kind(list) == "list" then
        for _, e in ipairs(list) do
          if value.kind(e) == "map" then
            local urls = {}
            if value.kind(e.urls) == "list" then
              for _, u in ipairs(e.urls) do urls[#urls + 1] = str(u) end
            end
            local ver = str(e.version)
            -- Helm skips entries whose version does not parse.
            if ver and semver.parse(ver) then
              out[#out + 1] = { name = str(e.name) or name, version = ver, urls = urls,
                digest = str(e.digest), created = str(e.created) }
            end
          end
        end
      end
      entries[name] = out
    end
  end
  return { api_version = api, entries = entries, source = source }
end

--- The available versions of a chart, highest first.
---@return string[]
function M.versions(index, chart)
  local vs = {}
  for i, e in ipairs(index.entries[chart] or {}) do vs[i] = e.version end
  return semver.sort_desc(vs)
end

--- Helm's IndexFile.Get: the entry for `chart` matching `version` (exact string first, else the
--- highest satisfying the constraint; "" = latest stable, devel = prereleases too).
---@param opts table|nil {prerelease = "helm3"|"helm4"}: the helm binary's prerelease rule (hfl.semver)
---@return table|nil entry, string|nil err  err: "no chart" | "no version" | constraint error
function M.get(index, chart, version, devel, opts)
  local list = index.entries[chart]
  if not list then return nil, "no chart" end
  if #list == 0 then return nil, "no version" end
  local vs = {}
  for i, e in ipairs(list) do vs[i] = e.version end
  local chosen, err = semver.select(vs, version, devel, opts)
  if err then return nil, "invalid version constraint " .. string.format("%q", version) .. ": " .. err end
  if not chosen then return nil, "no version" end
  for _, e in ipairs(list) do if e.version == chosen then return e end end
end

local function split_url(u)
  local scheme, rest = u:match("^(%a[%w+.-]*):(.*)$")
  if not scheme then return nil end
  local query = rest:match("%?(.*)$")
  rest = rest:gsub("%?.*$", ""):gsub("#.*$", "")
  local authority, path = rest:match("^//([^/]*)(.*)$")
  if not authority then authority, path = nil, rest end
  return { scheme = scheme, authority = authority, path = path, query = query }
end

local function remove_dots(path)
  local out = {}
  local trailing = path:sub(-1) == "/" or path:match("/%.%.?$")
  for seg in path:gmatch("[^/]+") do
    if seg == ".." then
      if #out > 0 then out[#out] = nil end
    elseif seg ~= "." then
      out[#out + 1] = seg
    end
  end
  local s = "/" .. table.concat(out, "/")
  if trailing and s ~= "/" then s = s .. "/" end
  return s
end

--- Helm's ResolveReferenceURL: `ref` absolute → itself; else resolved against `base` taken as a
--- directory, keeping the base URL's query string.
---@param base string
---@param ref string
---@return string
function M.resolve_url(base, ref)
  if ref:match("^%a[%w+.-]*://") then return ref end
  local b = split_url(base)
  if not b then return ref end
  local rq = ref:match("%?(.*)$")
  local rpath = ref:gsub("%?.*$", "")
  local path
  if rpath:sub(1, 2) == "//" then
    return b.scheme .. ":" .. ref
  elseif rpath:sub(1, 1) == "/" then
    path = remove_dots(rpath)
  else
    local dir = (b.path or ""):gsub("/+$", "") .. "/"
    path = remove_dots(dir .. rpath)
  end
  local q = b.query or rq
  local out = b.scheme .. ":" .. (b.authority and ("//" .. b.authority) or "") .. path
  if q and q ~= "" then out = out .. "?" .. q end
  return out
end

--- The index URL of a repository URL ("…/index.yaml", query kept).
---@param repo_url string
---@return string
function M.index_url(repo_url)
  local base, q = repo_url:match("^([^?]*)%?(.*)$")
  base = base or repo_url
  local u = base:gsub("/+$", "") .. "/index.yaml"
  if q and q ~= "" then u = u .. "?" .. q end
  return u
end

return M
