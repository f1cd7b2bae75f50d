--- `helmfile build`'s output: per state `---`, `#  Source: PATH`, then the state after release
--- templating as YAML, keys in Helmfile's struct order (compat §9.2).
local value = require "hfl.value"
local yaml = require "hfl.yaml"
local release = require "hfl.state.release"
local hooks = require "hfl.deploy.hooks"

local M = {}

-- Free-form content (values, labels, …) prints with sorted keys, as Go maps do.
local function sorted(v)
  local k = value.kind(v)
  if k == "map" then
    local m = value.map()
    for _, key in ipairs(value.sorted_keys(v)) do m[key] = sorted(v[key]) end
    return m
  elseif k == "list" then
    local l = value.list()
    for i = 1, #v do l[i] = sorted(v[i]) end
    return l
  end
  return v
end
M._sorted = sorted

local function empty(v)
  if v == nil or v == value.null or v == "" then return true end
  local k = value.kind(v)
  if (k == "map" or k == "list") and next(v) == nil then return true end
  return false
end

local PLAIN_BOOL = { insecureSkipTLSVerify = true, plainHttp = true, forceGoGetter = true }
local SETVALUE_ORDER = { "name", "value", "file", "values" }

local function setvalues(l)
  local out = value.list()
  for i = 1, #l do
    local m = value.map()
    for _, k in ipairs(SETVALUE_ORDER) do
      if not empty(l[i][k]) then m[k] = sorted(l[i][k]) end
    end
    out[i] = m
  end
  return out
end

--- A release (or template) as `build` prints it.
---@param r table  Release or checked spec map
---@return table map
function M.release_map(r)
  r = r.spec or r
  local m = value.map()
  for _, f in ipairs(release.FIELDS) do
    local k, kind = f[1], f[2]
    local v = r[k]
    if kind == "bool" then
      if v ~= nil and v ~= value.null and not (PLAIN_BOOL[k] and v == false) then m[k] = v end
    elseif kind == "int" or kind == "float" then
      if v ~= nil and v ~= value.null then m[k] = v end
    elseif kind == "setvalues" then
      if not empty(v) then m[k] = setvalues(v) end
    elseif not empty(v) then
      m[k] = sorted(v)
    end
  end
  return m
end

local HD_ORDER = {
  { "kubeContext" }, { "args" }, { "diffArgs" }, { "syncArgs" }, { "templateArgs" }, { "verify", true },
  { "keyring" }, { "enableDNS", true }, { "skipSchemaValidation" }, { "devel", true }, { "wait", true },
  { "waitRetries", 0 }, { "waitForJobs", true }, { "timeout", 0 }, { "recreatePods", true },
  { "force", true }, { "atomic", true }, { "rollbackOnFailure", true }, { "cleanupOnFail" },
  { "forceConflicts", true }, { "historyMax" }, { "createNamespace" }, { "skipCRDs" },
  { "skipDeps", true }, { "skipRefresh", true }, { "reuseValues", true }, { "postRenderer" },
  { "postRendererArgs" }, { "cascade" }, { "suppressOutputLineRegex" },
  { "disableAutoDetectedKubeVersionForDiff" }, { "disableValidation" }, { "disableOpenAPIValidation" },
  { "insecureSkipTLSVerify" }, { "plainHttp" }, { "deleteWait" }, { "deleteTimeout" },
  { "syncReleaseLabels" }, { "takeOwnership" }, { "serverSide" }, { "trackMode" }, { "helmStuckGrace" },
}

-- helmDefaults fields Go holds as pointers: printed when set, even to false.
local HD_POINTER = { skipSchemaValidation = true, historyMax = true, createNamespace = true,
  postRenderer = true, cascade = true, disableAutoDetectedKubeVersionForDiff = true,
  disableValidation = true, disableOpenAPIValidation = true, syncReleaseLabels = true,
  takeOwnership = true, serverSide = true }

local function helm_defaults(hd)
  if value.kind(hd) ~= "map" or next(hd) == nil then return nil end
  local m = value.map()
  for _, f in ipairs(HD_ORDER) do
    local k, zero = f[1], f[2]
    local v = hd[k]
    if v == value.null then v = nil end
    if zero ~= nil then
      if v == nil then
        if zero == true then v = false else v = zero end
      end
      m[k] = v
    elseif v ~= nil and (HD_POINTER[k] or (v ~= false and v ~= 0 and not empty(v))) then
      m[k] = sorted(v)
    end
  end
  return m
end

local ENV_ORDER = { "values", "secrets", "kubeContext", "missingFileHandler", "missingFileHandlerConfig",
  "mergeStrategy" }

local function environments(envs)
  if value.kind(envs) ~= "map" or next(envs) == nil then return nil end
  local m = value.map()
  for _, name in ipairs(value.sorted_keys(envs)) do
    local e, out = envs[name], value.map()
    if value.kind(e) == "map" then
      for _, k in ipairs(ENV_ORDER) do
        if not empty(e[k]) then out[k] = sorted(e[k]) end
      end
    end
    m[name] = out
  end
  return m
end

-- Helmfile loads every state file from its own directory by its base name (sub-helmfiles too:
-- it changes into their directory), and prints that name.
local function filepath_of(s)
  if s.filepath then return s.filepath end
  return (s.path or ""):match("([^/]*)$")
end

-- A path inside dir, relative to it (as Helmfile's ExpandPaths joins "." and the entry).
local function relative(path, dir)
  if dir and path:sub(1, #dir + 1) == dir .. "/" then return path:sub(#dir + 2) end
  return path
end

-- `helmfiles:` as Helmfile prints them: expanded (one entry per glob match, paths cleaned) and
-- always in the map form of its SubHelmfileSpec.MarshalYAML.
local function helmfiles_of(s)
  if not s.helmfiles then return sorted(s.doc and s.doc.helmfiles) end
  local l = value.list()
  for i, spec in ipairs(s.helmfiles) do
    local m = value.map()
    m.path = spec.remote or relative(spec.path, s.dir)
    if spec.selectors and #spec.selectors > 0 then m.selectors = value.list { unpack(spec.selectors) } end
    if spec.selectors_inherited then m.selectorsInherited = true end
    if spec.inherits and #spec.inherits > 0 then m.inherits = value.list { unpack(spec.inherits) } end
    if spec.values and #spec.values > 0 then m.values = sorted(spec.values) end
    l[i] = m
  end
  return l
end

M._filepath = function(s) return filepath_of(s) end

-- A helmfile.lua's functions (a hook's run, a release's health) as the text "<lua function>": the
-- function itself is no data to print. v itself when it holds none, else a copy.
local FUNCTION_TEXT = "<lua function>"
local function printable(v)
  if type(v) == "function" then return FUNCTION_TEXT end
  local kind = value.kind(v)
  if kind ~= "map" and kind ~= "list" then return v end
  local out
  local keys = kind == "map" and value.keys(v) or nil
  local n = keys and #keys or #v
  for i = 1, n do
    local k = keys and keys[i] or i
    local x = printable(v[k])
    if x ~= v[k] and not out then
      out = kind == "map" and value.map() or value.list()
      for j = 1, n do
        local kj = keys and keys[j] or j
        out[kj] = v[kj]
      end
    end
    if out then out[k] = x end
  end
  return out or v
end
M.FUNCTION_TEXT = FUNCTION_TEXT

--- One state as build prints it (without the `---` / Source header).
---@param s table  a State with releases_built
---@param rels table[]  the releases to print
---@param opts? {embed_values?: boolean, charts?: table<table, string>}  charts: release → chart shown instead
---@return string|nil text, string|nil err
function M.state_yaml(s, rels, opts)
  local doc = s.doc or value.map()
  local m = value.map()
  m.filepath = filepath_of(s)
  m.helmBinary = (type(doc.helmBinary) == "string" and doc.helmBinary ~= "") and doc.helmBinary or "helm"
  m.kustomizeBinary = (type(doc.kustomizeBinary) == "string" and doc.kustomizeBinary ~= "")
    and doc.kustomizeBinary or "kustomize"
  local function put(k, v) if not empty(v) then m[k] = v end end
  put("values", sorted(doc.values))
  put("environments", environments(doc.environments))
  put("bases", sorted(doc.bases))
  put("helmDefaults", helm_defaults(doc.helmDefaults))
  put("helmfiles", helmfiles_of(s))
  put("kubeContext", doc.kubeContext)
  put("namespace", doc.namespace)
  put("chart", doc.chart)
  put("repositories", sorted(doc.repositories))
  put("commonLabels", sorted(doc.commonLabels))
  local list = value.list()
  for i, r in ipairs(rels) do
    local view = r
    if opts and opts.embed_values then
      local rv = require "hfl.state.releasevalues"
      view = setmetatable({}, { __index = r.spec })
      for _, f in ipairs { "values", "secrets" } do
        if r.spec[f] then
          local l, err = rv.embed(r, r.spec[f])
          if not l then return nil, err end
          view[f] = l
        end
      end
    end
    local chart = opts and opts.charts and opts.charts[r]
    if chart then view = setmetatable({ chart = chart }, { __index = view.spec or view }) end
    local pulled = opts and opts.chart_paths and opts.chart_paths[r]
    if pulled then view = setmetatable({ chartPath = pulled }, { __index = view.spec or view }) end
    list[i] = M.release_map(view)
  end
  put("releases", list)
  put("llm", sorted(doc.llm))
  put("apiVersions", sorted(doc.apiVersions))
  put("kubeVersion", doc.kubeVersion)
  put("hooks", sorted(doc.hooks))
  local templates = value.map()
  if value.kind(doc.templates) == "map" then
    for _, name in ipairs(value.sorted_keys(doc.templates)) do
      local spec = release.check(doc.templates[name] == value.null and value.map() or doc.templates[name],
        "template", function() return "" end)
      templates[name] = spec and M.release_map(spec) or value.map()
    end
  end
  m.templates = templates
  put("defaultInherit", sorted(doc.defaultInherit))
  put("missingFileHandler", doc.missingFileHandler)
  put("missingFileHandlerConfig", sorted(doc.missingFileHandlerConfig))
  put("lockFilePath", doc.lockFilePath)
  m.renderedvalues = sorted(s.values or value.map())
  return yaml.encode(printable(m), { sort = false })
end

-- Helmfile's build prepares no chart (and so runs no `prepare` hook) for a release that
-- chartify would patch.
local function patched(r)
  return not empty(r.jsonPatches) or not empty(r.strategicMergePatches) or not empty(r.transformers)
end

-- The releases build prepares charts for (and runs `prepare` hooks of).
local function prepared(rels)
  local prep = {}
  for _, r in ipairs(rels) do
    if not patched(r) then prep[#prep + 1] = r end
  end
  return prep
end

--- An error of one state file as Helmfile words it ("in ./helmfile.yaml: …").
function M.in_state_error(s, err)
  return ("in %s: %s"):format(s.name or s.path or "?", err)
end

--- The whole `build` output for a loaded state object: every state file, those without a
--- (selected) release too, as Helmfile prints them; the third result says whether any state
--- had one (else Helmfile ends with its "no releases found" error). Per state, as Helmfile's
--- build: the global `prepare` hooks, the releases' `prepare` hooks, the text, the global
--- `cleanup` hooks (opts.hooks = false runs none).
---@param st table  hfl.state object
--- Then, as Helmfile's build, the OCI and go-getter charts of the selected releases are pulled
--- (hfl.charts.prepare; opts.pull = false pulls none) and each release's `chartPath:` says where.
---@param opts? {embed_values?: boolean, charts?: table<table, string>, hooks?: boolean, pull?: boolean}
---@return string|nil text, string|nil err, boolean matched
function M.build(st, opts)
  opts = opts or {}
  local with_hooks = opts.hooks ~= false
  local parts, matched = {}, false
  for _, s in ipairs(st.states) do
    local rels, err = st:filtered(s)
    if not rels then return nil, err end
    matched = matched or #rels > 0
    local prep = prepared(rels)
    local yopts = setmetatable({}, { __index = opts })
    local function pull()
      if opts.pull == false then return true end
      local paths, perr = require("hfl.charts.prepare").pull(st.session, prep)
      yopts.chart_paths = paths
      return paths, perr
    end
    local function body() return M.state_yaml(s, rels, yopts) end
    local text, yerr
    if with_hooks then
      text, yerr = hooks.around(st.session, s, "build", body, function()
        local ok, herr = hooks.prepare(st.session, s, prep, "build")
        if not ok then return nil, herr end
        return pull()
      end)
    else
      local ok, perr = pull()
      if ok then text, yerr = body() else yerr = M.in_state_error(s, perr) end
    end
    if not text then return nil, yerr end
    parts[#parts + 1] = ("---\n#  Source: %s\n\n%s"):format(s.path or "", text)
  end
  return table.concat(parts), nil, matched
end

return M
