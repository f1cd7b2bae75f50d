--- hfl.chart: renders a Helm chart in process, byte for byte as `helm template` prints it.
---
---   local chart = require "hfl.chart"
---   local opts, why = chart.parse_argv({ "helm", "template", "web", "./chart", "--namespace", "prod",
---     "--values", "v.yaml" }, "3")
---   local text, err, reason = chart.template(opts)
---
--- What Helm does that this renderer does not reproduce exactly is never approximated:
--- template() returns nil, message, reason and the caller runs helm instead (hfl.helm's
--- driver does, logging the reason under --debug). Errors are always left to helm, so
--- their text is helm's own.
local fs = require "hfl.fs"
local value = require "hfl.value"
local load = require "hfl.chart.load"
local hyaml = require "hfl.chart.yaml"
local cvalues = require "hfl.chart.values"
local objects = require "hfl.chart.objects"
local render = require "hfl.chart.render"
local output = require "hfl.chart.output"
local schema = require "hfl.chart.schema"
local kubeconfig = require "hfl.kube.kubeconfig"
local strvals = require "hfl.chart.strvals"
local outdir = require "hfl.chart.outdir"
local postrender = require "hfl.chart.postrender"

-- The renderer (template engine, Helm's function map, the YAML writer) needs more traces than
-- LuaJIT's defaults (1000 traces, 512 KiB of machine code): at those the trace cache filled up
-- every few releases, was flushed and compiled again, and compiling took 60% of the CPU.
-- The limits are the process's; raising them only lets more compiled code stay.
if jit and jit.opt then jit.opt.start("maxtrace=8000", "maxmcode=16384") end

local M = {}

local fmt = string.format

-- Flags of `helm template` taking a value, and the option each sets.
local VALUE_FLAGS = {
  ["--namespace"] = "namespace", ["-n"] = "namespace",
  ["--values"] = "values", ["-f"] = "values",
  ["--kube-version"] = "kube_version",
  ["--api-versions"] = "api_versions", ["-a"] = "api_versions",
  ["--show-only"] = "show_only", ["-s"] = "show_only",
  ["--set"] = "set", ["--set-string"] = "set_string", ["--set-file"] = "set_file",
  ["--set-json"] = "set_json", ["--set-literal"] = "set_literal",
  ["--output-dir"] = "output_dir",
  ["--post-renderer"] = "post_renderer", ["--post-renderer-args"] = "post_renderer_args",
  -- client-side commands never use the cluster these name
  -- only the namespace comes from them, when none is given
  ["--kube-context"] = "kube_context", ["--kubeconfig"] = "kubeconfig",
}
local BOOL_FLAGS = {
  ["--include-crds"] = "include_crds", ["--no-hooks"] = "no_hooks", ["--skip-tests"] = "skip_tests",
  ["--is-upgrade"] = "is_upgrade", ["--skip-schema-validation"] = "skip_schema_validation",
  ["--release-name"] = "use_release_name", ["--debug"] = "ignored",
}
local LISTS = { values = true, api_versions = true, show_only = true, set = true, set_string = true,
  set_file = true, set_json = true, set_literal = true, post_renderer_args = true }
-- string arrays: each flag's value whole (--values and --api-versions are string slices)
local WHOLE = { show_only = true, set = true, set_string = true, set_file = true, set_json = true,
  set_literal = true, post_renderer_args = true }

--- Reads a `helm template NAME CHART …` argv (argv[1] the helm binary). Returns the render
--- options, or nil and the reason it is left to helm (a flag not handled natively).
---@param argv string[]
---@param helm string major version "3" or "4"
---@return table|nil opts, string|nil reason
function M.parse_argv(argv, helm)
  local o = { helm = helm }
  for k in pairs(LISTS) do o[k] = {} end
  local pos = {}
  local i = 2
  while i <= #argv do
    local a = argv[i]
    local flag, inline = a:match("^(%-%-?[%w-]+)=(.*)$")
    flag = flag or a
    if VALUE_FLAGS[flag] then
      local v = inline
      if v == nil then
        i = i + 1
        v = argv[i]
        if v == nil then return nil, "flag " .. flag .. " without a value" end
      end
      local key = VALUE_FLAGS[flag]
      if LISTS[key] then
        if WHOLE[key] then
          o[key][#o[key] + 1] = v
        else
          -- --values and --api-versions are string slices: helm splits them on commas
          for part in (v .. ","):gmatch("([^,]*),") do
            if key ~= "values" or part ~= "" then o[key][#o[key] + 1] = part end
          end
        end
      elseif key == "post_renderer" then
        -- helm ignores an empty --post-renderer; the last other one counts
        if v ~= "" then o[key] = v end
      elseif key ~= "ignored" then
        o[key] = v
      end
    elseif BOOL_FLAGS[flag] then
      if inline ~= nil and inline ~= "true" then return nil, "flag " .. a end
      if BOOL_FLAGS[flag] ~= "ignored" then o[BOOL_FLAGS[flag]] = true end
    elseif a:sub(1, 1) == "-" then
      return nil, "flag " .. flag .. " is not handled by the native renderer"
    else
      pos[#pos + 1] = a
    end
    i = i + 1
  end
  if pos[1] ~= "template" or #pos ~= 3 then return nil, "not a `helm template NAME CHART` command" end
  o.name, o.chart = pos[2], pos[3]
  return o
end

-- A reason is one short line (a render error can quote a whole file).
local function unsupported(reason)
  reason = tostring(reason):match("^[^\n]*")
  if #reason > 240 and not os.getenv("HFL_CHART_FULL") then reason = reason:sub(1, 240) .. "…" end
  return nil, reason, reason
end

-- The --set* options in the order MergeValues applies them (each flag's lines in
-- command-line order), with the parser each uses.
local SET_ORDER = { { "set_json", "json" }, { "set", "set" }, { "set_string", "string" },
  { "set_file", "file" }, { "set_literal", "literal" } }

-- renderResources: a chart whose Chart.yaml sets kubeVersion renders only for a Kubernetes
-- version that meets it (chartutil.IsCompatibleRange; the top chart only).
local function kube_version_allowed(c, version, helm)
  local want = c.metadata.kubeVersion
  if want == nil or want == "" then return true end
  local semver = require "hfl.semver"
  local v = semver.parse(version)
  local constraint = v and semver.constraint(want, { prerelease = semver.rule_for_helm(helm) })
  return constraint ~= nil and constraint:check(v)
end

local function user_values(files, opts, helm)
  local vals, texts = value.map(), opts.values_texts
  for _, f in ipairs(files) do
    if f == "-" or f:match("^%a[%w+.-]*://") then return nil, "values from stdin or a URL" end
    local text, err = texts and texts[f]
    if not text then text, err = fs.read(f) end
    if not text then return nil, err end
    local v, derr = hyaml.decode(text)
    if derr then return nil, "values file " .. f .. " is not valid YAML" end
    if v == nil or v == value.null then v = value.map() end
    if value.kind(v) ~= "map" then return nil, "values file " .. f .. " is not a map" end
    -- values.Options.MergeValues: each --values file over the previous ones
    vals = strvals.merge_maps(vals, v)
  end
  for _, s in ipairs(SET_ORDER) do
    for _, line in ipairs(opts[s[1]] or {}) do
      local why
      vals, why = strvals.apply(vals, line, s[2], helm)
      if not vals then return nil, why end
    end
  end
  return vals
end

-- ValidateAgainstSchema: each chart's values.schema.json against its part of the
-- coalesced values. nil when every schema is met; else why helm has to decide.
local function schema_problem(c, vals, helm, cache)
  if c.schema then
    local verdict, why = schema.check(c.schema, vals, helm, cache)
    if verdict ~= "valid" then return fmt("%s/values.schema.json: %s", c.metadata.name, why) end
  end
  for _, d in ipairs(c.dependencies) do
    local sub = vals[d.metadata.name]
    if sub == nil or sub == value.null then
      -- Helm 4 skips a subchart without values; Helm 3 panics on the type assertion
      if helm ~= "4" then return d.metadata.name .. ": no values to check against a schema" end
    elseif value.kind(sub) ~= "map" then
      return d.metadata.name .. ": values are not a map"
    else
      local p = schema_problem(d, sub, helm, cache)
      if p then return p end
    end
  end
  return nil
end

-- action.CheckDependencies: every dependency of Chart.yaml present in charts/.
local function missing_dependency(c)
  for _, req in ipairs(c.metadata.dependencies or {}) do
    local found = false
    for _, d in ipairs(c.dependencies) do
      if d.metadata.name == req.name then found = true end
    end
    if not found then return req.name end
  end
  return nil
end

local function valid_release_name(name)
  if #name == 0 or #name > 53 then return false end
  for part in (name .. "."):gmatch("([^.]*)%.") do
    if not part:match("^[a-z0-9]$") and not part:match("^[a-z0-9][-a-z0-9]*[a-z0-9]$") then return false end
  end
  return true
end

local function kubeconfig_present()
  local kc = os.getenv("KUBECONFIG")
  if kc and kc ~= "" then
    for p in kc:gmatch("[^:]+") do
      if fs.exists(p) then return true end
    end
    return false
  end
  local home = os.getenv("HOME")
  return home ~= nil and fs.exists(home .. "/.kube/config")
end

-- client-go's ConfirmUsable refuses a context whose files are missing or whose exec plugin
-- is incomplete, and helm then takes "default": whether the context is surely usable.
local function usable(ctx)
  for _, f in ipairs { ctx.cluster["certificate-authority"], ctx.user["client-certificate"],
    ctx.user["client-key"], ctx.user.tokenFile } do
    if type(f) == "string" and f ~= "" and not fs.exists(f) then return false end
  end
  local exec = ctx.user.exec
  if exec ~= nil and (value.kind(exec) ~= "map" or type(exec.command) ~= "string" or exec.command == ""
    or type(exec.apiVersion) ~= "string" or exec.apiVersion == "") then return false end
  return ctx.user["auth-provider"] == nil
end

-- The namespace helm takes when none is given (HELM_NAMESPACE aside): the kube context's, as
-- client-go reads the kubeconfig; "default" without one. nil, why when it is not sure.
local function kubeconfig_namespace(opts)
  local explicit = opts.kubeconfig ~= "" and opts.kubeconfig or nil
  if not explicit and not kubeconfig_present() then
    if (os.getenv("KUBERNETES_SERVICE_HOST") or "") ~= "" then
      return nil, "the namespace would come from the in-cluster service account"
    end
    return "default"
  end
  local context = opts.kube_context
  if context == nil or context == "" then context = os.getenv("HELM_KUBECONTEXT") end
  local ctx, err = kubeconfig.resolve { kubeconfig = explicit, context = context }
  if not ctx then return nil, "the namespace would come from the kubeconfig: " .. tostring(err) end
  if not usable(ctx) then return nil, "the namespace would come from the kubeconfig (context " .. ctx.name .. ")" end
  return ctx.namespace
end

-- kubeconfig_namespace, read once per cache (a run) and kubeconfig/context, not per release.
local function kubeconfig_namespace_once(opts)
  if not opts.cache then return kubeconfig_namespace(opts) end
  local key = table.concat({ "kubens", opts.kubeconfig or "", opts.kube_context or "" }, "\0")
  local hit = opts.cache[key]
  if not hit then
    local ns, why = kubeconfig_namespace(opts)
    hit = { ns = ns, why = why }
    opts.cache[key] = hit
  end
  return hit.ns, hit.why
end

-- A copy of a loaded chart's records, for one render to change (dependencies, metadata and
-- values are replaced, never changed in place, by hfl.chart.values).
local function fresh(c, parent)
  local out = {}
  for k, v in pairs(c) do out[k] = v end
  out.parent, out.parent_path = parent, nil
  out.dependencies = {}
  for i, d in ipairs(c.dependencies) do out.dependencies[i] = fresh(d, out) end
  return out
end

local function chart_key(path) return "chart\0" .. path end

-- The chart at path, loaded once per cache (a run does not change the charts it renders).
local function loaded(path, cache)
  if not cache then return load.load(path) end
  local key = chart_key(path)
  local hit = cache[key]
  if not hit then
    local c, err, code = load.load(path)
    hit = { c = c, err = err, code = code }
    cache[key] = hit
  end
  if not hit.c then return nil, hit.err, hit.code end
  return fresh(hit.c, nil)
end

-- M.template's render (see there).
local function render_release(opts)
  local helm = opts.helm == "4" and "4" or "3"
  if not valid_release_name(opts.name) then return unsupported("release name " .. opts.name .. " is invalid") end
  local namespace = opts.namespace
  if namespace == nil or namespace == "" then
    namespace = os.getenv("HELM_NAMESPACE")
    if namespace == nil or namespace == "" then
      local why
      namespace, why = kubeconfig_namespace_once(opts)
      if not namespace then return unsupported(why) end
    end
  end
  local c, err, code = loaded(opts.chart, opts.cache)
  if not c then
    if code == "unsupported" then return unsupported(err) end
    return unsupported("loading the chart: " .. tostring(err))
  end
  if c.metadata.type ~= nil and c.metadata.type ~= "" and c.metadata.type ~= "application" then
    return unsupported("chart type " .. c.metadata.type)
  end
  local miss = missing_dependency(c)
  if miss then return unsupported("dependency " .. miss .. " missing in charts/") end
  local vals, verr = user_values(opts.values or {}, opts, helm)
  if not vals then return unsupported(verr) end
  local post_render
  if opts.post_renderer then
    if helm == "4" then return unsupported("--post-renderer with helm 4 (a plugin)") end
    local path, why = postrender.find(opts.post_renderer)
    if not path then return unsupported(why) end
    post_render = postrender.runner(path, opts.post_renderer_args or {})
  end
  local memo
  if opts.cache then
    memo = opts.cache["dependency version checks"] or {}
    opts.cache["dependency version checks"] = memo
  end
  local ok, perr = cvalues.process_dependencies(c, vals, helm, memo)
  if not ok then return unsupported(perr) end
  local sc = opts.server_capabilities
  local caps, cerr
  if sc then
    caps, cerr = objects.capabilities(helm, sc.git_version, sc.api_versions, sc)
  else
    caps, cerr = objects.capabilities(helm, opts.kube_version, opts.api_versions)
  end
  if not caps then return unsupported(cerr) end
  if not kube_version_allowed(c, caps.KubeVersion.Version, helm) then
    return unsupported("the chart's kubeVersion " .. c.metadata.kubeVersion .. " refuses Kubernetes "
      .. caps.KubeVersion.Version .. " (helm's error)")
  end
  local final, fverr = cvalues.coalesce(c, vals, false, helm)
  if not final then return unsupported(fverr) end
  if not opts.skip_schema_validation then
    local problem = schema_problem(c, final, helm, opts.cache)
    if problem then return unsupported(problem) end
  end
  local top = value.map {
    Values = final,
    Release = value.map { Name = opts.name, Namespace = namespace, IsUpgrade = opts.is_upgrade == true,
      IsInstall = opts.is_upgrade ~= true, Revision = opts.revision or 1, Service = "Helm" },
    Capabilities = caps,
  }
  local files, rerr, reason = render.render(c, top, { helm = helm, cache = opts.cache, lookup = opts.lookup })
  if not files then return unsupported(reason or rerr) end
  -- NOTES.txt is rendered, then set aside
  for name in pairs(files) do
    if name:match("NOTES%.txt$") then files[name] = nil end
  end
  local manifests, hooks = output.sort(files, helm)
  if not manifests then return unsupported(hooks) end
  local fopts = setmetatable({ post_render = post_render }, { __index = opts })
  local text, writes = output.format(c, manifests, hooks, fopts)
  if not text then return unsupported(writes) end
  if opts.output_dir and opts.output_dir ~= "" then
    local plan, why = outdir.plan(writes)
    if not plan then return unsupported(why) end
    -- before the first file helm can still fail its own way; after it, helm would append
    -- to what this run wrote, so the failure is reported here
    local ok, werr, written = outdir.write(plan)
    if not ok and written == 0 then return unsupported(werr) end
    if not ok then return nil, werr end
    return plan.stdout .. text
  end
  return text
end

-- A chart's first render in a run parses and compiles its templates and runs most of the
-- renderer's code for the first time: LuaJIT compiling traces for code that then runs little
-- cost more than it saved (a one-release `hfl template` of kube-prometheus-stack took ~15%
-- more CPU than with the JIT off). That render runs interpreted; the renders of a chart
-- already in the cache, where the same code runs again, keep the JIT.
local function interpreted(fn, opts)
  jit.off()
  local ok, text, err, reason = pcall(fn, opts)
  jit.on()
  if not ok then error(text, 0) end
  return text, err, reason
end

--- Renders as `helm template` does; see parse_argv for opts. opts.cache (a table the
--- caller keeps, e.g. per session) keeps parsed templates between renders of one chart;
--- opts.values_texts (path → text) gives --values files not written to disk.
--- As `helm upgrade` renders against a cluster: opts.lookup (see hfl.chart.render),
--- opts.revision (.Release.Revision) and opts.server_capabilities ({ git_version =, major =,
--- minor =, api_versions = } as the server reports them, instead of --kube-version and
--- --api-versions over helm's defaults).
---@param opts table
---@return string|nil text, string|nil err, string|nil reason  reason: why helm must render it
---   (nil with err: a failure helm would not do better, e.g. writing --output-dir's files)
function M.template(opts)
  local warm = opts.cache and opts.cache[chart_key(opts.chart)]
  if warm or not (jit and jit.status()) then return render_release(opts) end
  return interpreted(render_release, opts)
end

--- Renders a `helm template` argv natively: stdout text, or nil, reason (left to helm), or
--- nil, err, true when it failed in a way helm would not fix (files of --output-dir).
---@param argv string[]
---@param helm string "3" or "4"
---@param cache table|nil  see M.template
---@param live table|nil  { lookup =, revision =, server_capabilities = }: see M.template
---@param values_texts table|nil  see M.template
---@return string|nil text, string|nil reason, boolean|nil fatal
function M.template_argv(argv, helm, cache, live, values_texts)
  local opts, why = M.parse_argv(argv, helm)
  if not opts then return nil, why end
  opts.cache, opts.values_texts = cache, values_texts
  if live then
    opts.lookup, opts.revision, opts.server_capabilities = live.lookup, live.revision, live.server_capabilities
  end
  local text, err, reason = M.template(opts)
  if not text then
    if reason then return nil, reason end
    return nil, err, true
  end
  return text
end

return M
