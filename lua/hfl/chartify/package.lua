--- hfl.chartify.package: writes objects into a chart directory as chartify lays them out —
--- each source's objects in `files/<path>` and a template `{{ .Files.Get "files/<path>" }}` at
--- `<path>`, so helm installs them as they are (a `{{` in a manifest stays literal, hook
--- annotations still make hooks), and CRDs under `crds/`, which helm never renders.
local fs = require "hfl.fs"
local yaml = require "hfl.yaml"
local localchart = require "hfl.charts.localchart"
local objects_mod = require "hfl.chartify.objects"
local tree = require "hfl.chartify.tree"

local M = {}

local fmt = string.format

--- Where a source's objects go in the chart: "crds/…" or "templates/…" (the source without
--- its chart's name; a subchart's templates under templates/charts/…, as chartify puts them).
---@param source string  "<chart>/templates/x.yaml", "<chart>/crds/x.yaml", "<chart>/charts/sub/templates/x.yaml"
---@return string rel, boolean crd
function M.place(source)
  local rel = source:match("^[^/]+/(.+)$") or source
  rel = rel:gsub("%.%.", "_")
  if rel:match("^crds/") then return rel, true end
  if rel:match("^charts/.-/crds/") then return "crds/" .. rel, true end
  if rel:match("^templates/") then return rel, false end
  return "templates/" .. rel, false
end

--- Chart.yaml as chartify writes it for a chart made from manifests or a kustomization.
---@param name string
---@param version? string  default "1.0.0"
---@return string
function M.chart_yaml(name, version)
  if version == nil or version == "" then version = "1.0.0" end
  return fmt("name: %q\nversion: %s\napiVersion: v2\n", name, version)
end

-- A chart that was rendered loses what helm would render again: its templates, subcharts,
-- CRDs and dependency declarations (their output is in the objects now).
local function strip_rendered(dir)
  for _, d in ipairs { "templates", "charts", "crds" } do
    local ok, err = fs.rm_r(dir .. "/" .. d, dir)
    if not ok then return nil, err end
  end
  for _, f in ipairs { "Chart.lock", "requirements.yaml", "requirements.lock" } do fs.remove(dir .. "/" .. f) end
  local meta, err = localchart.chart_yaml(dir)
  if not meta then return nil, err end
  if meta.dependencies ~= nil then
    meta.dependencies = nil
    return tree.write(dir, "Chart.yaml", yaml.encode(meta, { sort = false }))
  end
  return true
end

--- A Go string literal of s ("…" with \\, \" and control characters escaped), for a path in
--- a template action: a file named `a" }}{{ lookup … }}{{ ".yaml` must stay a file name, not
--- become template code run at install.
---@param s string
---@return string
function M.go_quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    if c == '"' or c == "\\" then return "\\" .. c end
    return ("\\x%02x"):format(c:byte())
  end) .. '"'
end

--- Writes the objects into dir (a chart directory: Chart.yaml there already). With
--- `rendered`, the chart's own templates, subcharts and CRDs are removed first.
---@param dir string
---@param objects table[]
---@param rendered? boolean
---@return true|nil ok, string|nil err
function M.write(dir, objects, rendered)
  if rendered then
    local ok, err = strip_rendered(dir)
    if not ok then return nil, err end
  end
  fs.mkdir_p(dir .. "/templates")
  for _, g in ipairs(objects_mod.by_source(objects)) do
    local text, err = objects_mod.encode(g.items)
    if not text then return nil, fmt("%s: %s", g.key, err) end
    local rel, crd = M.place(g.key)
    local ok
    if crd then
      ok, err = tree.write(dir, rel, text)
    else
      ok, err = tree.write(dir, "files/" .. rel, text)
      if ok then ok, err = tree.write(dir, rel, fmt("{{ .Files.Get %s }}", M.go_quote("files/" .. rel))) end
    end
    if not ok then return nil, err end
  end
  return true
end

return M
