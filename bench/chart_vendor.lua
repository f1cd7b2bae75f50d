-- Copies each corpus chart's dependencies (by name, from the corpus itself) into its
-- charts/ directory; dependencies not in the corpus are left out (the chart then renders
-- with helm's own "missing in charts/" error on both sides). Used by chart-corpus.sh.
local fs = require "hfl.fs"
local yaml = require "hfl.yaml"
local root = assert(arg[1], "usage: chart_vendor.lua CORPUS")

local function deps_of(dir)
  local md = yaml.load_file(dir .. "/Chart.yaml")
  local deps = md and md.dependencies
  if type(deps) ~= "table" then
    local req = yaml.load_file(dir .. "/requirements.yaml")
    deps = req and req.dependencies
  end
  return type(deps) == "table" and deps or {}
end

local function vendor(dir, depth)
  if depth > 4 then return end
  for _, d in ipairs(deps_of(dir)) do
    local src = root .. "/" .. tostring(d.name)
    local dest = dir .. "/charts/" .. tostring(d.name)
    if fs.is_dir(src) and not fs.exists(dest) then
      fs.mkdir_p(dir .. "/charts")
      os.execute(string.format("cp -r '%s' '%s'", src, dest))
      vendor(dest, depth + 1)
    end
  end
end

for _, name in ipairs(fs.list(root)) do
  if fs.exists(root .. "/" .. name .. "/Chart.yaml") then vendor(root .. "/" .. name, 0) end
end
