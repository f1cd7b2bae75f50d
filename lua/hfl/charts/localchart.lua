--- Local charts: classifying `chart:` values as Helmfile does, reading Chart.yaml, and unpacking
--- chart archives into cache entries.
local yaml = require "hfl.yaml"
local value = require "hfl.value"

local M = {}

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() return true end
  return false
end

--- True when `path` is a directory.
---@param path string
---@return boolean
function M.is_dir(path)
  local st = require("hfl.core").fs.stat(path)
  if st and st.type == "link" then  -- lstat: follow the link
    local f = io.open(path .. "/.", "rb")
    if f then f:close() return true end
    return false
  end
  return st ~= nil and st.type == "dir"
end

M.exists = exists

--- `path` made absolute against `base`, "." and ".." folded.
---@param base string
---@param path string
---@return string
function M.abspath(base, path)
  if path:sub(1, 1) ~= "/" then
    if not base or base == "" then base = os.getenv("PWD") or "." end
    if base:sub(1, 1) ~= "/" then base = (os.getenv("PWD") or "") .. "/" .. base end
    path = base .. "/" .. path
  end
  local out = {}
  for seg in path:gmatch("[^/]+") do
    if seg == ".." then
      if #out > 0 then out[#out] = nil end
    elseif seg ~= "." then
      out[#out + 1] = seg
    end
  end
  return "/" .. table.concat(out, "/")
end

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
  local f = io.open(path, "rb")
  if not f then return nil, path .. ": no such file (is " .. dir .. " a chart?)" end
  local text = f:read("*a")
  f:close()
  local doc, err = yaml.decode(text, { filename = path })
  if doc == nil then return nil, err end
  if value.kind(doc) ~= "map" then return nil, path .. ": not a YAML map" end
  return doc
end

--- Lists a directory's entries (names), or {} when it cannot be read.
---@param dir string
---@return string[]
function M.list(dir)
  local fs = require("hfl.core").fs
  local names = fs.list(dir) or {}
  table.sort(names)
  return names
end

--- Writes small metadata into an entry being filled (key=value lines).
function M.write_meta(dir, meta)
  local f = assert(io.open(dir .. "/meta", "w"))
  local keys = {}
  for k in pairs(meta) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do f:write(k, "=", tostring(meta[k]), "\n") end
  f:close()
end

--- Reads an entry's metadata.
---@return table
function M.read_meta(dir)
  local meta = {}
  local f = io.open(dir .. "/meta")
  if not f then return meta end
  for line in f:lines() do
    local k, v = line:match("^([^=]+)=(.*)$")
    if k then meta[k] = v end
  end
  f:close()
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
    if exists(tmp .. "/chart/" .. n .. "/Chart.yaml") then name = n break end
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
