--- Local charts: classifying `chart:` values as Helmfile does, reading Chart.yaml, and unpacking
--- chart archives into cache entries.
local yaml = require "hfl.yaml"
local value = require "hfl.value"
local fs = require "hfl.fs"
local redact = require "hfl.redact"

local M = {}

local META_MAX = 1024 * 1024  -- a cache entry's meta file: a few short key=value lines

--- True when `path` is a directory (following symlinks).
---@param path string
---@return boolean
M.is_dir = fs.is_dir

--- True when something exists at `path`.
---@param path string
---@return boolean
M.exists = fs.exists

--- `path` made absolute against `base` (hfl.fs.abs).
---@param base string
---@param path string
---@return string
function M.abspath(base, path) return fs.abs(path, base) end

--- How Helmfile reads a `chart:` value: "oci" | "getter" | "url" | "local" | "repo".
---@param chart string
---@param basedir string  the state file's directory
---@return string kind
function M.classify(chart, basedir)
  if chart:match("^oci://") then return "oci" end
  if chart:match("^%a[%w]*::") then return "getter" end
  if chart:match("^https?://") then return "url" end
  if chart:match("^%a[%w+.-]*://") then return "getter" end
  if chart:sub(1, 1) == "/" or chart:sub(1, 2) == "./" or chart:sub(1, 3) == "../" or chart == "." or chart == ".." then
    return "local"
  end
  local n = select(2, chart:gsub("/", "")) + 1
  if n == 1 or n >= 4 then return "local" end
  if M.is_dir(M.abspath(basedir, chart)) then return "local" end
  return "repo"
end

--- The decoded Chart.yaml of a chart directory.
---@param dir string
---@return table|nil chart, string|nil err
function M.chart_yaml(dir)
  local path = dir .. "/Chart.yaml"
  local text, rerr, code = fs.read(path)
  if not text and code == "EFBIG" then return nil, rerr end
  if not text then return nil, path .. ": no such file (is " .. dir .. " a chart?)" end
  local doc, err = yaml.decode(text, { filename = path })
  if doc == nil then return nil, err end
  if value.kind(doc) ~= "map" then return nil, path .. ": not a YAML map" end
  return doc
end

--- Lists a directory's entries (names), or {} when it cannot be read.
---@param dir string
---@return string[]
function M.list(dir)
  return fs.list(dir) or {}
end

--- Writes small metadata into an entry being filled (key=value lines); URLs lose their
--- credentials (the file is for people and messages, never for downloading).
function M.write_meta(dir, meta)
  local keys, lines = {}, {}
  for k in pairs(meta) do keys[#keys + 1] = k end
  table.sort(keys)
  for i, k in ipairs(keys) do lines[i] = k .. "=" .. redact.text(tostring(meta[k])) .. "\n" end
  assert(fs.write_atomic(dir .. "/meta", table.concat(lines)))
end

--- Reads an entry's metadata.
---@return table
function M.read_meta(dir)
  local meta = {}
  local text = fs.read(dir .. "/meta", { max = META_MAX })
  if not text then return meta end
  for line in text:gmatch("[^\n]+") do
    local k, v = line:match("^([^=]+)=(.*)$")
    if k then meta[k] = v end
  end
  return meta
end

--- Unpacks `tgz` (already inside entry dir `tmp`) into tmp/chart/<name>; returns the chart's
--- directory name and version from its Chart.yaml.
---@return string|nil name, string|nil version_or_err
function M.unpack(tgz, tmp, source)
  local archive = require "hfl.archive"
  local ok, err = archive.extract(tgz, tmp .. "/chart", { max_size = 512 * 1024 * 1024, max_files = 20000,
    source = source })
  if not ok then return nil, err end
  local names = M.list(tmp .. "/chart")
  local name
  for _, n in ipairs(names) do
    if fs.exists(tmp .. "/chart/" .. n .. "/Chart.yaml") then name = n break end
  end
  if not name then return nil, "the archive holds no chart (no <name>/Chart.yaml inside)" end
  local doc = M.chart_yaml(tmp .. "/chart/" .. name)
  local version = doc and doc.version and tostring(doc.version) or ""
  return name, version
end

--- The chart directory inside a filled archive entry.
---@param entry string
---@return string path, table meta
function M.entry_chart(entry)
  local meta = M.read_meta(entry)
  return entry .. "/chart/" .. (meta.name or ""), meta
end

return M
