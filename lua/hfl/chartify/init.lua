--- hfl.chartify: Helmfile's chartify. A release whose chart is a directory of plain manifests
--- or a kustomization, or that sets `dependencies`, `jsonPatches`, `strategicMergePatches`,
--- `transformers`, `forceNamespace` (or, in helmfile.lua, `transform`), gets a temporary chart
--- under the session's tempdir that replaces its chart for every later helm call
--- (hfl.helm.prepare calls M.prepare). The pipeline:
---   1. source: a chart (copied), a manifests directory or a kustomization (`kustomize build` /
---      `kubectl kustomize`), the latter two as objects;
---   2. ad-hoc `dependencies` added to the chart copy (hfl.chartify.deps);
---   3. with object-level changes, the chart is rendered by `helm template` with the flags the
---      upgrade gets, and the objects changed in this order: the namespace (forceNamespace, or a
---      manifests release's namespace where an object has none), jsonPatches
---      (hfl.chartify.jsonpatch), strategicMergePatches and transformers (kustomize), the Lua
---      transform last (hfl.chartify.transform);
---   4. the objects packaged as a chart (hfl.chartify.package).
local fs = require "hfl.fs"
local value = require "hfl.value"
local helm = require "hfl.helm"
local items = require "hfl.chartify.items"
local objects_mod = require "hfl.chartify.objects"
local kustomize = require "hfl.chartify.kustomize"
local deps = require "hfl.chartify.deps"
local package = require "hfl.chartify.package"
local tree = require "hfl.chartify.tree"
local jsonpatch = require "hfl.chartify.jsonpatch"
local transform = require "hfl.chartify.transform"

local M = {}

local fmt = string.format

local function set(v)
  if v == nil or v == value.null or v == "" then return false end
  if type(v) == "table" then return next(v) ~= nil end
  return true
end

-- The Lua transform function of a helmfile.lua release (nil elsewhere).
local function transform_fn(r)
  local spec = rawget(r, "spec")
  return spec and spec.transform or nil
end

--- Whether the release changes its rendered objects (and so needs a render and a package).
---@param r table  a Release
---@return boolean
function M.object_changes(r)
  return set(r.jsonPatches) or set(r.strategicMergePatches) or set(r.transformers)
    or set(r.forceNamespace) or transform_fn(r) ~= nil
end

--- What the chart directory holds: "chart" (a Chart.yaml), "kustomization" or "manifests".
---@param dir string
---@return string
function M.source_kind(dir)
  if fs.exists(dir .. "/Chart.yaml") then return "chart" end
  for _, f in ipairs { "kustomization.yaml", "kustomization.yml", "Kustomization" } do
    if fs.exists(dir .. "/" .. f) then return "kustomization" end
  end
  return "manifests"
end

--- Whether the release needs a temporary chart (Helmfile's PrepareChartify conditions).
---@param r table  a Release
---@param chart_dir string  the release's chart as a local path
---@return boolean
function M.needed(r, chart_dir)
  if fs.is_dir(chart_dir) and not fs.exists(chart_dir .. "/Chart.yaml") then return true end
  return set(r.dependencies) or M.object_changes(r)
end

-- A fresh directory of this prep's under the session's tempdir (two releases, two runs of
-- one release, two processes: never one directory).
local function workdir(session, r)
  local root, err = session:tempdir()
  if not root then return nil, err end
  local ns = tostring(r.namespace or "")
  local safe = ((ns ~= "" and ns .. "-" or "") .. tostring(r.name)):gsub("[^%w._-]", "_")
  return fs.mkdtemp(fmt("%s/chartify-%s-XXXXXX", root, safe))
end

local MANIFEST_EXT = { [".yaml"] = true, [".yml"] = true, [".json"] = true }

-- The objects of a plain manifests directory: every *.yaml, *.yml and *.json file, in
-- sub-directories too (chartify's walk), `*.yaml.gotmpl` rendered with the release's data first.
local function manifest_objects(r, src, chart_name, roots)
  local out = {}
  local files, ferr = tree.files(src, { roots = roots })
  if not files then return nil, fmt('release "%s": %s', r.name, ferr) end
  for _, rel in ipairs(files) do
    local path = src .. "/" .. rel
    local name, text, err = rel, nil, nil
    if rel:match("%.gotmpl$") and MANIFEST_EXT[fs.ext(rel:sub(1, -8))] then
      name = rel:sub(1, -8)
      text, err = fs.read(path)
      if text then
        local data = require("hfl.state.releases").template_data(r.state, r)
        local st = r.state or {}
        text, err = require("hfl.state.values").render_with_helpers(text, data, path, src,
          st._ctx and st._ctx.session)
      end
    elseif MANIFEST_EXT[fs.ext(rel)] then
      text, err = fs.read(path)
    end
    if err then return nil, fmt('release "%s": %s', r.name, err) end
    if text then
      local objs
      objs, err = objects_mod.from_text(text, chart_name .. "/templates/" .. name, path)
      if not objs then return nil, fmt('release "%s": %s', r.name, err) end
      for _, o in ipairs(objs) do out[#out + 1] = o end
    end
  end
  return out
end

-- `helm template` of the chart copy with the flags the upgrade gets (values, namespace, kube
-- and API versions, template args), CRDs included, no post-renderer (the upgrade runs it on
-- the packaged chart).
local function render(prep, opts, dir)
  local rprep = setmetatable({ chart = dir }, { __index = prep })
  local list, err = helm.argv.template(rprep, {
    api_versions = opts.api_versions, kube_version = opts.kube_version, include_crds = true,
    template_args = opts.template_args, skip_schema_validation = opts.skip_schema_validation,
    validate = opts.validate, debug = false })
  if not list then return nil, fmt('release "%s": %s', prep.release.name, err) end
  local kept, skip = {}, false
  for _, a in ipairs(list) do
    if skip then skip = false
    elseif a == "--post-renderer" then skip = true
    elseif not a:match("^%-%-post%-renderer%-args=") then kept[#kept + 1] = a end
  end
  local res
  res, err = helm.run(prep.session, kept, { release = prep.release })
  if not res then return nil, err end
  local objs
  objs, err = objects_mod.from_manifest(res.stdout or "")
  if not objs then return nil, fmt('release "%s": rendering for chartify: %s', prep.release.name, err) end
  return objs
end

-- Step 3's object changes, in the contract's order.
local function change_objects(prep, objects, kind, work)
  local r = prep.release
  local ctx = { session = prep.session, prep = prep }
  if set(r.forceNamespace) then
    objects_mod.set_namespace(objects, tostring(r.forceNamespace))
  elseif kind == "manifests" and set(r.namespace) then
    objects_mod.set_namespace(objects, tostring(r.namespace))
  end
  local err
  objects, err = jsonpatch.apply_release(r, objects, ctx)
  if not objects then return nil, err end
  local patches, transformers
  patches, err = items.read(r, "strategicMergePatches")
  if not patches then return nil, err end
  transformers, err = items.read(r, "transformers")
  if not transformers then return nil, err end
  objects, err = kustomize.patch(prep, objects, patches, transformers, work)
  if not objects then return nil, err end
  return transform.apply_release(r, objects, ctx)
end

-- Whether the directory is content hfl fetched (a go-getter source in its cache), not a path
-- the state file names in your project.
local function fetched(session, dir)
  local root = fs.abs(session.cache_root or require("hfl.charts.cache").root()):gsub("/+$", "")
  return fs.abs(dir):sub(1, #root + 1) == root .. "/"
end

--- Builds the release's temporary chart.
---@param prep table  hfl.helm.Prep: release, session, helm, chart (the source directory),
---   values, values_file
---@param opts? table  the command's options (hfl.helm.argv)
---@return string|nil chart_dir, string|nil err  err names the release
---@return string|nil work  the directory to remove with the prep
function M.prepare(prep, opts)
  opts = opts or {}
  local r, session, src = prep.release, prep.session, prep.chart
  local work, err = workdir(session, r)
  if not work then return nil, fmt('release "%s": %s', r.name, err) end
  local kind = M.source_kind(src)
  local roots = tree.roots(src, r.state and r.state.dir, fetched(session, src))
  local chart_name = fs.basename(fs.clean(src))
  local dir = work .. "/" .. chart_name
  local objects, ok
  if kind == "chart" then
    ok, err = tree.copy(src, dir, { roots = roots })
    if not ok then err = fmt('release "%s": %s', r.name, err) end
    if ok then ok, err = deps.add(session, r, dir) end
    if not ok then return nil, err, work end
    if not M.object_changes(r) then return dir, nil, work end
    objects, err = render(prep, opts, dir)
  else
    if kind == "kustomization" then
      objects, err = kustomize.build(prep, src, work, chart_name)
      if not objects then err = fmt('release "%s": %s', r.name, err) end
    else
      objects, err = manifest_objects(r, src, chart_name, roots)
    end
    if objects then
      ok, err = tree.write(dir, "Chart.yaml", package.chart_yaml(chart_name, r.version))
      if ok then ok, err = deps.add(session, r, dir) end
      if not ok then objects = nil end
    end
  end
  if not objects then return nil, err, work end
  objects, err = change_objects(prep, objects, kind, work)
  if not objects then return nil, err, work end
  ok, err = package.write(dir, objects, kind == "chart")
  if not ok then return nil, fmt('release "%s": %s', r.name, err), work end
  return dir, nil, work
end

--- What of the release's chartify inputs the chart content does not show (the Lua transform's
--- source), for the release's digest.
---@param r table
---@return string
function M.digest_part(r)
  return transform.digest_part(r)
end

return M
