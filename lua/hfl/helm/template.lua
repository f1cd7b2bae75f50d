--- `template` and `lint` of a State: the client-side commands of the helm driver. Releases
--- are prepared and rendered concurrently (helm processes bounded by the session's
--- --concurrency through hfl.helm.run), their outputs kept per release and returned in plan
--- order, so the result is byte for byte what a sequential run gives.
local helm = require "hfl.helm"
local fs = require "hfl.fs"
local value = require "hfl.value"
local hooks = require "hfl.deploy.hooks"

local M = {}

local fmt = string.format

--- Releases at once when the session sets no limit (0): as many helm processes as releases
--- would only make them fight over the CPU.
M.UNBOUNDED = 16

--- Helmfile's per-release output directory under --output-dir.
M.DEFAULT_OUTPUT_DIR_TEMPLATE = "{{ .OutputDir }}/{{ .State.BaseName }}-{{ .State.AbsPathSHA1 }}-{{ .Release.Name }}"

-- The desired releases of the plan, in plan order (st:dag batches flattened). helm is looked
-- for first: without it, one line says so rather than one error per release.
local function planned(st, opts)
  local found, herr = st.session:helm()
  if not found then return nil, herr end
  local batches, err = st:dag { skip_needs = opts.skip_needs, include_needs = opts.include_needs,
    include_transitive_needs = opts.include_transitive_needs }
  if not batches then return nil, err end
  local out = {}
  for _, b in ipairs(batches) do
    for _, r in ipairs(b) do
      -- Helmfile renders and lints only releases to be installed
      if r:desired() then out[#out + 1] = r end
    end
  end
  return out
end

--- The directory `helm template --output-dir` gets for a release: --output-dir-template (or
--- Helmfile's default) rendered with .OutputDir, .State, .Release and .Environment.
---@param r table  a Release
---@param opts {output_dir: string, output_dir_template?: string}
---@return string|nil dir, string|nil err
function M.output_dir(r, opts)
  local s = r.state
  local template = opts.output_dir_template
  if template == nil or template == "" then template = M.DEFAULT_OUTPUT_DIR_TEMPLATE end
  local filepath = require("hfl.state.build")._filepath(s)
  local base = fs.basename(filepath)
  local ext = base:match("[^.](%.[^.]*)$") or ""
  local env = s.environment or {}
  local data = value.map {
    OutputDir = opts.output_dir,
    State = value.map { BaseName = base:sub(1, #base - #ext), Path = filepath, AbsPath = s.path,
      AbsPathSHA1 = require("hfl.stdlib.crypto").funcs.sha1sum(s.path):sub(1, 8) },
    Release = value.map { Name = r.name, Namespace = r.namespace or "", Chart = r.chart,
      Version = r.version or "", Labels = r.labels or value.map(), KubeContext = r.kubeContext or "" },
    Environment = value.map { Name = env.name or "default", KubeContext = env.kubeContext or "",
      Values = env.values or value.map() },
  }
  local dir, err = require("hfl.tmpl").render(template, data, { name = "output-dir", missingkey = "zero" })
  if not dir then return nil, fmt('release "%s": executing --output-dir-template: %s', r.name, err) end
  return dir
end

local combined = require("hfl.errlist").combined

-- Runs work(r) → {…} | nil, err for every release concurrently; results in plan order.
local function each(st, rels, work)
  local session = st.session
  -- the values files exist while this runs: an interrupt must reach the CLI's cleanup
  local results = require("hfl.proc").with_signals_trapped(session.map, session, rels, function(r)
    local ok, err = work(r)
    return { release = r, ok = ok, err = err }
  end, session:bounded(M.UNBOUNDED))
  local done, errors = {}, {}
  for _, res in ipairs(results) do
    if res.ok then
      done[#done + 1] = res.ok
    else
      errors[#errors + 1] = res.err
    end
  end
  if #errors > 0 then return nil, combined(errors), done end
  return done
end

--- The renderer `template` uses: opts.renderer, else $HFL_RENDERER, else "native" (which
--- leaves to helm what it does not reproduce byte for byte).
---@return string|nil renderer, string|nil err
function M.renderer(opts)
  local r = opts and opts.renderer
  if r == nil or r == "" then r = os.getenv("HFL_RENDERER") end
  if r == nil or r == "" then return "native" end
  if r ~= "helm" and r ~= "native" then
    return nil, fmt('unknown renderer "%s": use --renderer native or --renderer helm', r)
  end
  return r
end

--- `helm template` rendered in process by hfl.chart when it reproduces helm byte for byte
--- (a result shaped as hfl.helm.run's); nil (with a --debug line naming the reason) when helm
--- has to run, or nil, err, true when the render failed in a way helm would not fix (writing
--- --output-dir's files). The deploy layer's desired manifests use it too, with `live` for a
--- render as `helm upgrade` does against a cluster (lookup, revision, server_capabilities: see
--- hfl.chart.template).
---@param live? table
---@return table|nil res, string|nil err, boolean|nil fatal
function M.render_native(session, r, prep, list, live)
  -- parsed templates are kept for the session: releases of one chart parse it once
  session.native_templates = session.native_templates or {}
  -- an error inside the renderer is a bug of hfl's: a warning asks for a report, helm renders
  -- loaded here, not at the top: most commands render nothing (a load failure still raises)
  local chart = require "hfl.chart"
  local texts = prep.values_text and { [prep.values_file] = prep.values_text }
  local ok, text, why, fatal = pcall(chart.template_argv, list, prep.helm.major, session.native_templates, live, texts)
  if ok and fatal then return nil, fmt('release "%s": %s', r.name, why), true end
  if not ok then
    session.log.warn('release "%s": the native renderer failed, helm renders it instead (a bug in hfl, '
      .. 'please report it): %s', r.name, tostring(text))
    return nil
  end
  if text then
    session.log.debug('release "%s": rendered by the native renderer', r.name)
    return { stdout = text, stderr = "", code = 0 }
  end
  session.log.debug('release "%s": the native renderer falls back to helm: %s', r.name, why)
  return nil
end

-- prepare → argv → run → cleanup for one release; the prep's files go whatever happens. A
-- release rendered natively has its values file written only if helm is to read it (or the
-- files are kept).
local function with_prep(session, r, opts, build, keep, native)
  local popts = opts
  if native and not keep then popts = setmetatable({ defer_values_file = true }, { __index = opts }) end
  local prep, err = helm.prepare(session, r, popts)
  if not prep then return nil, err end
  local list
  list, err = build(prep, opts)
  local res, report, fatal
  if list and native then res, report, fatal = M.render_native(session, r, prep, list) end
  if list and not res and not fatal then
    local ok, werr = prep:write_values_file()
    if not ok then
      if not keep then prep:cleanup() end
      return nil, werr
    end
    res, report = helm.run(session, list, { release = r })
  end
  if not keep then prep:cleanup() end
  if not list then return nil, fmt('release "%s": %s', r.name, err) end
  return res, report, prep
end

-- Runs each() between the hooks Helmfile fires for template and lint: every state's global
-- prepare and its releases' prepare, then the work with each release's cleanup after it, then
-- the global cleanup hooks.
local function each_with_hooks(st, rels, command, work)
  local partial
  local done, err = hooks.around_states(st.session, rels, command, function()
    local d, e
    d, e, partial = each(st, rels, function(r)
      local ok, werr = work(r)
      local cok, cerr = hooks.run(st.session, { event = "cleanup", state = r.state, release = r,
        command = command, error = not ok and werr or nil })
      if not cok then st.session.log.warn("%s", cerr) end
      return ok, werr
    end)
    return d, e
  end)
  return done, err, partial
end

--- Renders the selected releases that are to be installed (see State:template).
---@param st table  a State
---@param opts? table
---@return table[]|nil rendered, string|nil err, table[]|nil partial
function M.template(st, opts)
  opts = opts or {}
  local renderer, rerr = M.renderer(opts)
  if not renderer then return nil, rerr end
  local rels, err = planned(st, opts)
  if not rels then return nil, err end
  local session = st.session
  if opts.skip_cleanup then session:keep_tempdir() end
  return each_with_hooks(st, rels, "template", function(r)
    local ropts = opts
    local dir
    if opts.output_dir and opts.output_dir ~= "" then
      local derr
      dir, derr = M.output_dir(r, opts)
      if not dir then return nil, derr end
      ropts = setmetatable({ output_dir = dir }, { __index = opts })
    end
    local res, report, prep = with_prep(session, r, ropts, helm.argv.template, opts.skip_cleanup,
      renderer == "native")
    if not res then
      return nil, report:find('^release "') and report or fmt('release "%s": %s', r.name, report)
    end
    return { release = r, manifest = res.stdout or "", output_dir = dir, digest = prep.digest,
      stderr = res.stderr or "" }
  end)
end

--- Lints the charts of the selected releases that are to be installed (see State:lint).
---@param st table  a State
---@param opts? table
---@return table[]|nil linted, string|nil err, table[]|nil partial
function M.lint(st, opts)
  opts = opts or {}
  local rels, err = planned(st, opts)
  if not rels then return nil, err end
  local session = st.session
  if opts.skip_cleanup then session:keep_tempdir() end
  return each_with_hooks(st, rels, "lint", function(r)
    local res, report = with_prep(session, r, opts, helm.argv.lint, opts.skip_cleanup)
    if not res then
      return nil, report:find('^release "') and report or fmt('release "%s": %s', r.name, report)
    end
    return { release = r, output = res.stdout or "" }
  end)
end

return M
