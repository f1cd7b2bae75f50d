-- The fake helm's stored config: the user-supplied values of an upgrade (-f files, --set,
-- --set-string, --set-literal, --set-file, --set-json, in command-line order), as Helm stores
-- them in the release record.
local fs = require "hfl.fs"
local json = require "hfl.stdlib.json"
local value = require "hfl.value"
local yaml = require "hfl.yaml"
local strvals = require "spec.support.fakecluster.strvals"

local M = {}

local function split_list(s)
  local out = {}
  for item in (s or ""):gmatch("[^,]+") do out[#out + 1] = item end
  return out
end

local function read_values_file(path)
  local text, err
  if path == "-" then
    text = io.stdin:read("*a")
  else
    text, err = fs.read(path)
  end
  if not text then return nil, ("open %s: %s"):format(path, err) end
  local v, derr = yaml.decode(text, { filename = path })
  if derr then return nil, derr end
  if v == nil or v == value.null then return value.map {} end
  if value.kind(v) ~= "map" then return nil, path .. ": values must be a map" end
  return v
end

--- The merged values of parsed flags p (p.order: { {flag, value} … }), or nil, err.
function M.user_values(p)
  local layers = {}
  for _, entry in ipairs(p.order) do
    local n, v = entry[1], entry[2]
    if n == "-f" or n == "--values" then
      for _, path in ipairs(split_list(v)) do
        local m, err = read_values_file(path)
        if not m then return nil, err end
        layers[#layers + 1] = m
      end
    elseif n == "--set" or n == "--set-string" or n == "--set-literal" then
      local m, err = strvals.parse(v, n == "--set-string" and "string" or n == "--set-literal" and "literal" or nil)
      if not m then return nil, n .. " " .. v .. ": " .. err end
      layers[#layers + 1] = m
    elseif n == "--set-file" then
      local k, path = v:match("^(.-)=(.*)$")
      local text = k and fs.read(path)
      if not text then return nil, "--set-file " .. v .. ": cannot read the file" end
      layers[#layers + 1] = assert(strvals.parse(k .. "=" .. text, "literal"))
    elseif n == "--set-json" then
      local k, j = v:match("^(.-)=(.*)$")
      local parsed = k and json.decode(j)
      if parsed == nil then return nil, "--set-json " .. v .. ": bad JSON" end
      local m = value.map {}
      local cur, keys = m, {}
      for key in k:gmatch("[^.]+") do keys[#keys + 1] = key end
      for i, key in ipairs(keys) do
        if i == #keys then cur[key] = parsed else
          cur[key] = value.map {}
          cur = cur[key]
        end
      end
      layers[#layers + 1] = m
    end
  end
  if #layers == 0 then return value.map {} end
  return yaml.merge_all(layers)
end


return M
