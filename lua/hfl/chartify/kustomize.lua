--- hfl.chartify.kustomize: the kustomize runs of chartify — building a kustomization release
--- (with the release's kustomize values: images, namePrefix, nameSuffix, namespace,
--- sortOptions) and applying `strategicMergePatches` and `transformers` to rendered objects.
--- The binary is `kustomizeBinary` (state), `--kustomize-binary` / HELMFILE_KUSTOMIZE_BINARY
--- (CLI, which wins), else `kustomize`; when it is not found, `kubectl kustomize` (kubectl
--- ships kustomize) is used instead, as chartify does.
local fs = require "hfl.fs"
local proc = require "hfl.proc"
local tools = require "hfl.tools"
local trim = require "hfl.trim"
local value = require "hfl.value"
local yaml = require "hfl.yaml"
local objects_mod = require "hfl.chartify.objects"

local M = {}

local fmt = string.format

local DEFAULT = "kustomize"

-- The kustomize the release asks for, and whether it was asked for explicitly.
local function wanted_binary(session, r)
  if session.kustomize_binary and session.kustomize_binary ~= "" then return session.kustomize_binary, true end
  local doc = r.state and r.state.doc
  local b = doc and doc.kustomizeBinary
  if type(b) == "string" and b ~= "" and b ~= DEFAULT then return b, true end
  return DEFAULT, false
end

--- The command that runs `kustomize build` for a release: `{ argv = {bin, "build"} }` or
--- `{ argv = {kubectl, "kustomize"}, kubectl = true }`.
---@param session hfl.Session
---@param r table  a Release
---@return table|nil runner, string|nil err
function M.runner(session, r)
  local basedir = r.state and r.state.dir
  local bin, explicit = wanted_binary(session, r)
  local path = tools.which(bin, basedir)
  if path then return { argv = { path, "build" }, name = bin } end
  local kubectl = tools.which(session.kubectl_binary or "kubectl")
  if not kubectl then
    return nil, fmt("neither %s nor kubectl was found (install kustomize or kubectl, or set --kustomize-binary)", bin)
  end
  if explicit then
    session.log.warn("kustomize binary %q not found: using `kubectl kustomize`", bin)
  end
  return { argv = { kubectl, "kustomize" }, kubectl = true, name = "kubectl kustomize" }
end

-- Runs the runner on dir with extra flags; the built YAML, or nil, err.
local function run(session, runner, dir, flags)
  local spec = {}
  for _, a in ipairs(runner.argv) do spec[#spec + 1] = a end
  for _, a in ipairs(flags) do spec[#spec + 1] = a end
  spec[#spec + 1] = dir
  session.log.debug("exec: %s", table.concat(spec, " "))
  local res, err = session:limited(proc.run, spec)
  if not res then return nil, err end
  if res.code ~= 0 then
    local msg = trim.right(res.stderr or ""):gsub("\n+", "; ")
    return nil, fmt("%s failed: %s", runner.name, msg ~= "" and msg or ("exit status " .. tostring(res.code)))
  end
  return res.stdout or ""
end

local function present(v)
  if v == nil or v == value.null or v == "" then return nil end
  return v
end

-- The path of `to` relative to the directory `from` (both absolute): kustomize refuses an
-- absolute resource path.
local function relative(from, to)
  local a, b = {}, {}
  for part in fs.clean(from):gmatch("[^/]+") do a[#a + 1] = part end
  for part in fs.clean(to):gmatch("[^/]+") do b[#b + 1] = part end
  local i = 1
  while a[i] and b[i] and a[i] == b[i] do i = i + 1 end
  local out = {}
  for _ = i, #a do out[#out + 1] = ".." end
  for j = i, #b do out[#out + 1] = b[j] end
  return #out > 0 and table.concat(out, "/") or "."
end
M.relative = relative

-- The kustomization that builds `src` with the release's kustomize values (chartify's
-- KustomizeOpts: images, namePrefix, nameSuffix, namespace — the release's namespace winning —
-- and sortOptions), written as `kustomize edit set …` would write them.
local function kustomization(src, values, namespace)
  local k = value.map()
  k.resources = value.list { src }
  values = value.kind(values) == "map" and values or value.map()
  local images = values.images
  if value.kind(images) == "list" and #images > 0 then
    local list = value.list()
    for _, img in ipairs(images) do
      if value.kind(img) == "map" then
        local e = value.map()
        for _, key in ipairs { "name", "newName", "newTag", "digest" } do
          if present(img[key]) then e[key] = tostring(img[key]) end
        end
        list[#list + 1] = e
      end
    end
    k.images = list
  end
  if present(values.namePrefix) then k.namePrefix = tostring(values.namePrefix) end
  if present(values.nameSuffix) then k.nameSuffix = tostring(values.nameSuffix) end
  local ns = present(namespace) or present(values.namespace)
  if ns then k.namespace = tostring(ns) end
  if value.kind(values.sortOptions) == "map" then
    local order = values.sortOptions.order
    if order ~= "legacy" and order ~= "fifo" then
      return nil, fmt("sortOptions.order %q is not valid; accepted values are: legacy, fifo", tostring(order))
    end
    k.sortOptions = values.sortOptions
  end
  return yaml.encode(k, { sort = false })
end

--- Builds the kustomization in `src` for a release into objects (source
--- `<chart>/templates/kustomized.yaml`, where chartify writes the build).
---@param prep table  hfl.helm.Prep (release, session, values, helm)
---@param src string  the kustomization directory
---@param work string  an empty directory of this prep's
---@param chart_name string
---@return table[]|nil objects, string|nil err
function M.build(prep, src, work, chart_name)
  local r, session = prep.release, prep.session
  local runner, err = M.runner(session, r)
  if not runner then return nil, err end
  local text
  local dir = work .. "/kustomize"
  text, err = kustomization(relative(dir, src), prep.values, r.namespace)
  if not text then return nil, err end
  fs.mkdir_p(dir)
  local ok, werr = fs.write_atomic(dir .. "/kustomization.yaml", text, { durable = false })
  if not ok then return nil, werr end
  local flags = { "--load-restrictor=LoadRestrictionsNone", "--enable-helm", "--enable-alpha-plugins",
    "--helm-command=" .. prep.helm.binary }
  local out
  out, err = run(session, runner, dir, flags)
  if not out then return nil, err end
  return objects_mod.from_text(out, chart_name .. "/templates/kustomized.yaml", src .. " (kustomize build)")
end

-- Marks each object with its position so it finds its source again after kustomize (which
-- reorders objects and knows nothing of sources).
local MARK = "hfl.chartify/index"

local function mark(objects)
  local had = {}
  for i, o in ipairs(objects) do
    local meta = o.doc.metadata
    if value.kind(meta) ~= "map" then
      meta = value.map()
      o.doc.metadata = meta
    end
    had[i] = value.kind(meta.annotations) == "map"
    if not had[i] then meta.annotations = value.map() end
    meta.annotations[MARK] = tostring(i)
  end
  return had
end

local function unmark(doc, had)
  local meta = doc.metadata
  local ann = value.kind(meta) == "map" and meta.annotations
  if value.kind(ann) ~= "map" or ann[MARK] == nil then return nil end
  local i = tonumber(ann[MARK])
  ann[MARK] = nil
  if not had[i] and next(value.keys(ann)) == nil then meta.annotations = nil end
  return i
end

local function write_items(dir, sub, stem, items)
  local paths = {}
  for j, it in ipairs(items) do
    local rel = fmt("%s/%s.%d.yaml", sub, stem, j - 1)
    fs.mkdir_p(dir .. "/" .. sub)
    local ok, err = fs.write_atomic(dir .. "/" .. rel, it.text, { durable = false })
    if not ok then return nil, err end
    paths[j] = rel
  end
  return paths
end

--- Applies strategic merge patches and transformers (hfl.chartify.items) to objects through
--- `kustomize build`, as chartify does; each object keeps its source and the objects keep
--- their order (objects kustomize adds come last).
---@param prep table
---@param objects table[]
---@param patches table[]  items of strategicMergePatches
---@param transformers table[]  items of transformers
---@param work string  a directory of this prep's
---@return table[]|nil objects, string|nil err
function M.patch(prep, objects, patches, transformers, work)
  if #objects == 0 or (#patches == 0 and #transformers == 0) then return objects end
  local r, session = prep.release, prep.session
  local runner, err = M.runner(session, r)
  if not runner then return nil, err end
  local dir = work .. "/patch"
  fs.mkdir_p(dir)
  local had = mark(objects)
  local text
  text, err = objects_mod.encode(objects)
  if not text then return nil, err end
  local ok, werr = fs.write_atomic(dir .. "/resources.yaml", text, { durable = false })
  if not ok then return nil, werr end
  local k = value.map()
  k.resources = value.list { "resources.yaml" }
  local ppaths, tpaths
  ppaths, err = write_items(dir, "strategicmergepatches", "patch", patches)
  if not ppaths then return nil, err end
  tpaths, err = write_items(dir, "transformers", "transformer", transformers)
  if not tpaths then return nil, err end
  if #ppaths > 0 then
    k.patches = value.list()
    for _, p in ipairs(ppaths) do k.patches[#k.patches + 1] = value.map { path = p } end
  end
  if #tpaths > 0 then k.transformers = value.list(tpaths) end
  ok, werr = fs.write_atomic(dir .. "/kustomization.yaml", yaml.encode(k, { sort = false }), { durable = false })
  if not ok then return nil, werr end
  local out
  out, err = run(session, runner, dir, { "--enable-alpha-plugins" })
  if not out then return nil, fmt('release "%s": strategicMergePatches/transformers: %s', r.name, err) end
  local built
  built, err = objects_mod.from_text(out, "kustomize output")
  if not built then return nil, err end
  -- objects a transformer made: where chartify puts every patched object
  local added = (objects[1].source:match("^([^/]+)/") or "chart") .. "/templates/patched_resources.yaml"
  local placed, extra = {}, {}
  for _, o in ipairs(built) do
    local i = unmark(o.doc, had)
    if i and objects[i] and not placed[i] then
      placed[i] = { doc = o.doc, source = objects[i].source }
    else
      extra[#extra + 1] = { doc = o.doc, source = added }
    end
  end
  local result = {}
  for i = 1, #objects do
    if placed[i] then result[#result + 1] = placed[i] end
  end
  for _, o in ipairs(extra) do result[#result + 1] = o end
  return result
end

return M
