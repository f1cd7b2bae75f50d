--- hfl.helm.argv: every helm command line hfl runs, built in one place in Helmfile's flag order
--- (compat §5.3 "Helm call shape" and "Flag order"), with release fields over helmDefaults as
--- compat §2.3 says and the Helm 3/4 differences of hfl.helm.flags.
---
---   helm [--kubeconfig K] [--kube-context C] SUBCOMMAND POSITIONAL FLAGS EXTRA
---
--- C is the state's context (--kube-context, or helmDefaults.kubeContext); a release whose own
--- kubeContext differs gets `--kube-context` among its flags. EXTRA is `--args`, then
--- helmDefaults.args, then `--debug`. The chart is always a local directory (hfl resolved it
--- through its cache), so `--version`, `--devel`, `--verify` and repository flags, which only
--- steer a download, are not passed. The merged values are one file: the release's values,
--- secrets and set entries and the CLI's --values and --set, merged as helm would.
---
--- Each builder returns the argv (binary first), or nil and an error naming the release (a
--- Helm-4-only field on Helm 3, exclusive fields set together).
local flags = require "hfl.helm.flags"
local value = require "hfl.value"

local M = {}

local fmt = string.format

local function present(v)
  if v == nil or v == value.null then return nil end
  return v
end

local function helm_defaults(r)
  local st = rawget(r, "state")
  local hd = st and st.doc and present(st.doc.helmDefaults)
  return type(hd) == "table" and hd or {}
end

-- release field, else helmDefaults (compat §2.3: "release overrides helmDefaults").
local function setting(r, field)
  local v = present(r.spec[field])
  if v == nil then v = present(helm_defaults(r)[field]) end
  return v
end

local function nonempty(s)
  if s == nil or s == "" or s == value.null then return nil end
  return s
end

--- A release's field, else its state's helmDefaults field (nil when neither is set).
---@param r table  a release
---@param field string
function M.setting(r, field)
  return setting(r, field)
end

--- Splits an --args string into words: whitespace separates, single and double quotes group
--- (no escapes inside single quotes; `\` escapes in double quotes and bare words).
---@param s string|nil
---@return string[]|nil words, string|nil err
function M.split_args(s)
  local out = {}
  if s == nil or s == "" then return out end
  local i, n, word, inword = 1, #s, {}, false
  local quote
  while i <= n do
    local c = s:sub(i, i)
    if quote == "'" then
      if c == "'" then quote = nil else word[#word + 1] = c end
    elseif quote == '"' then
      if c == '"' then quote = nil
      elseif c == "\\" and i < n then i = i + 1; word[#word + 1] = s:sub(i, i)
      else word[#word + 1] = c end
    elseif c:match("%s") then
      if inword then out[#out + 1] = table.concat(word); word, inword = {}, false end
    elseif c == "'" or c == '"' then
      quote, inword = c, true
    elseif c == "\\" and i < n then
      i = i + 1
      word[#word + 1], inword = s:sub(i, i), true
    else
      word[#word + 1], inword = c, true
    end
    i = i + 1
  end
  if quote then return nil, fmt("unterminated %s quote in %q", quote, s) end
  if inword then out[#out + 1] = table.concat(word) end
  return out
end

local function append(out, list)
  for _, a in ipairs(list or {}) do out[#out + 1] = tostring(a) end
end

-- The state's kube context: the one helm gets before the subcommand.
local function state_context(r, session)
  return nonempty(session.kube_context) or nonempty(helm_defaults(r).kubeContext)
end

-- helm [--kubeconfig K] [--kube-context C] SUBCOMMAND…
local function head(session, r, helm, ...)
  local out = { helm.binary }
  if nonempty(session.kubeconfig) then append(out, { "--kubeconfig", session.kubeconfig }) end
  local ctx = r and state_context(r, session)
  if ctx then append(out, { "--kube-context", ctx }) end
  append(out, { ... })
  return out
end

-- The release's own context when it differs from the state's (compat §2.4).
local function release_context(out, r, session)
  local own = nonempty(r.kubeContext)
  if own and own ~= state_context(r, session) then append(out, { "--kube-context", own }) end
end

local function namespace(out, r)
  if nonempty(r.namespace) then append(out, { "--namespace", r.namespace }) end
end

-- EXTRA: --args, helmDefaults.args, --debug (compat §5.1).
local function extra(out, r, opts)
  local words, err = M.split_args(opts.args)
  if not words then return nil, "--args: " .. err end
  append(out, words)
  if r then append(out, present(helm_defaults(r).args)) end
  if opts.debug then out[#out + 1] = "--debug" end
  return out
end

-- CLI --X-args replaces helmDefaults' list (compat §2.3 "replace, not merge").
local function command_args(r, opts_value, default_field)
  if opts_value ~= nil and opts_value ~= "" then return M.split_args(opts_value) end
  return present(helm_defaults(r)[default_field]) or {}
end

local function post_renderer(out, r, opts, helm)
  local pr = nonempty(r.spec.postRenderer) or nonempty(opts.post_renderer)
    or nonempty(helm_defaults(r).postRenderer)
  if not pr then return end
  -- Helm 4 runs post-renderers as plugins: a script path names the plugin (compat App. A)
  if helm.major == "4" and (pr:match("%.sh$") or pr:match("%.bash$")) then
    pr = pr:match("([^/]*)$"):gsub("%.[^.]*$", "")
  end
  append(out, { "--post-renderer", pr })
end

local function post_renderer_args(out, r, opts)
  local args = present(r.spec.postRendererArgs)
  if not args or #args == 0 then args = opts.post_renderer_args end
  if not args or #args == 0 then args = present(helm_defaults(r).postRendererArgs) end
  for _, a in ipairs(args or {}) do out[#out + 1] = "--post-renderer-args=" .. tostring(a) end
end

local function either(r, field, cli)
  return cli == true or setting(r, field) == true
end

local function gated(out, helm, session, flag, ...)
  if flags.supported(flag, helm) then
    append(out, { flag, ... })
  else
    session.log.warn("helm %s has no %s (since %s): leaving it out", helm.version, flag,
      flags.SINCE[flag])
  end
end

local function labels_arg(r, opts)
  local l = {}
  for k, v in pairs(opts.labels or {}) do l[k] = tostring(v) end
  if either(r, "syncReleaseLabels", opts.sync_release_labels) then
    for k, v in pairs(r.labels or {}) do
      -- Helm's own labels on the record are not the user's to set
      if k ~= "name" and k ~= "owner" and k ~= "status" and k ~= "version" then l[k] = v end
    end
  end
  local keys = value.sorted_keys(l)
  if #keys == 0 then return nil end
  local parts = {}
  for i, k in ipairs(keys) do parts[i] = k .. "=" .. l[k] end
  return table.concat(parts, ",")
end

local function api_and_kube_versions(out, r, opts)
  local apis = opts.api_versions
  if not apis or #apis == 0 then apis = present(r.spec.apiVersions) end
  for _, a in ipairs(apis or {}) do append(out, { "--api-versions", a }) end
  local kv = nonempty(opts.kube_version) or nonempty(r.spec.kubeVersion)
  if kv then append(out, { "--kube-version", kv }) end
end

local function tls(out, r)
  if setting(r, "plainHttp") == true then
    out[#out + 1] = "--plain-http"
  elseif setting(r, "insecureSkipTLSVerify") == true then
    out[#out + 1] = "--insecure-skip-tls-verify"
  end
end

local function adopt(out, r)
  for _, a in ipairs(present(r.spec.adopt) or {}) do append(out, { "--adopt", a }) end
end

local function timeout_seconds(r, opts)
  if opts.timeout and opts.timeout > 0 then return opts.timeout end
  local t = setting(r, "timeout")
  t = t and value.tonumber(t)
  if t and t > 0 then return t end
end

local function refuse(r, ...)
  return nil, fmt('release "%s": ', r.name) .. fmt(...)
end

--- `helm upgrade --install NAME CHART …` for a prepared release.
---@param prep table  from hfl.helm.prepare
---@param opts table  the cluster commands' options (see hfl.helm)
---@return string[]|nil argv, string|nil err
function M.upgrade(prep, opts)
  opts = opts or {}
  local r, session, helm = prep.release, prep.session, prep.helm
  local out = head(session, r, helm, "upgrade", "--install", r.name, prep.chart)
  if setting(r, "enableDNS") == true then out[#out + 1] = "--enable-dns" end
  local wait = r.spec.wait == true or opts.wait or (r.spec.wait == nil and helm_defaults(r).wait == true)
  if wait then out[#out + 1] = "--wait" end
  local wait_jobs = r.spec.waitForJobs == true or opts.wait_for_jobs
    or (r.spec.waitForJobs == nil and helm_defaults(r).waitForJobs == true)
  if wait_jobs then out[#out + 1] = "--wait-for-jobs" end
  local t = timeout_seconds(r, opts)
  if t then append(out, { "--timeout", ("%ds"):format(t) }) end
  if setting(r, "atomic") == true and setting(r, "rollbackOnFailure") == true then
    return refuse(r, "atomic and rollbackOnFailure cannot both be set (choose one)")
  end
  if setting(r, "force") == true and setting(r, "forceConflicts") == true then
    return refuse(r, "force and forceConflicts cannot both be set (choose one)")
  end
  if setting(r, "force") == true then out[#out + 1] = flags.spelling("force", helm) end
  -- opts.force_conflicts: apply repairing drift (Helm 4's server-side apply would otherwise
  -- refuse fields another manager changed)
  if setting(r, "forceConflicts") == true or (opts.force_conflicts and helm.major == "4"
      and setting(r, "force") ~= true) then
    local f, err = flags.spelling("forceConflicts", helm)
    if not f then return refuse(r, "%s", err) end
    out[#out + 1] = f
  end
  if setting(r, "recreatePods") == true then
    local f = flags.spelling("recreatePods", helm)
    if f then out[#out + 1] = f
    else session.log.warn('release "%s": Helm %s has no --recreate-pods: leaving it out', r.name, helm.major) end
  end
  if setting(r, "atomic") == true then out[#out + 1] = flags.spelling("atomic", helm) end
  if setting(r, "rollbackOnFailure") == true then
    local f, err = flags.spelling("rollbackOnFailure", helm)
    if not f then return refuse(r, "%s", err) end
    out[#out + 1] = f
  end
  if setting(r, "cleanupOnFail") == true then out[#out + 1] = "--cleanup-on-fail" end
  local create_ns = setting(r, "createNamespace")
  if create_ns == nil or create_ns == true then
    if not flags.supported("--create-namespace", helm) then
      if create_ns == true then
        return refuse(r, "createNamespace needs helm >= 3.2.0 (helm is %s)", helm.version)
      end
    else
      out[#out + 1] = "--create-namespace"
    end
  end
  if setting(r, "disableOpenAPIValidation") == true then out[#out + 1] = "--disable-openapi-validation" end
  release_context(out, r, session)
  tls(out, r)
  adopt(out, r)
  local labels = labels_arg(r, opts)
  if labels then gated(out, helm, session, "--labels", labels) end
  post_renderer(out, r, opts, helm)
  local desc = nonempty(opts.description) or nonempty(r.spec.description)
  if desc then gated(out, helm, session, "--description", desc) end
  post_renderer_args(out, r, opts)
  if either(r, "skipSchemaValidation", opts.skip_schema_validation) then
    out[#out + 1] = "--skip-schema-validation"
  end
  if opts.hide_notes then gated(out, helm, session, "--hide-notes") end
  if either(r, "takeOwnership", opts.take_ownership) then gated(out, helm, session, "--take-ownership") end
  local ss = nonempty(r.spec.serverSide)
    or (opts.server_side ~= nil and tostring(opts.server_side) or nil)
    or nonempty(helm_defaults(r).serverSide)
  if ss then
    local f, err = flags.spelling("serverSide", helm)
    if not f then return refuse(r, "serverSide: %s", err) end
    out[#out + 1] = f .. "=" .. ss
  end
  local sync_args, serr = command_args(r, opts.sync_args, "syncArgs")
  if not sync_args then return nil, "--sync-args: " .. serr end
  append(out, sync_args)
  namespace(out, r)
  append(out, { "--values", prep.values_file })
  if opts.skip_crds or helm_defaults(r).skipCRDs == true then out[#out + 1] = "--skip-crds" end
  local reuse = (setting(r, "reuseValues") == true or opts.reuse_values) and not opts.reset_values
  out[#out + 1] = reuse and "--reuse-values" or "--reset-values"
  local hm = setting(r, "historyMax")
  append(out, { "--history-max", tostring(hm and value.tonumber(hm) or 10) })
  -- how the diff renders a chart that calls `lookup`: the server answers, nothing changes
  if opts.dry_run_server then out[#out + 1] = "--dry-run=server" end
  return extra(out, r, opts)
end

--- The template flags that change the manifest (in the order helm gets them), shared by
--- `template` and the digest of hfl.helm.prepare.
---@return string[]|nil flags, string|nil err
function M.render_flags(prep, opts)
  local r, helm = prep.release, prep.helm
  local out = {}
  adopt(out, r)
  if setting(r, "enableDNS") == true then out[#out + 1] = "--enable-dns" end
  post_renderer(out, r, opts, helm)
  post_renderer_args(out, r, opts)
  api_and_kube_versions(out, r, opts)
  return out
end

--- `helm template NAME CHART …` for a prepared release.
---@param prep table
---@param opts table  adds output_dir, validate, include_crds, no_hooks, skip_tests, show_only
---@return string[]|nil argv, string|nil err
function M.template(prep, opts)
  opts = opts or {}
  local r, session, helm = prep.release, prep.session, prep.helm
  local out = head(session, r, helm, "template", r.name, prep.chart)
  append(out, M.render_flags(prep, opts))
  tls(out, r)
  for _, s in ipairs(opts.show_only or {}) do append(out, { "--show-only", s }) end
  if either(r, "skipSchemaValidation", opts.skip_schema_validation) then
    out[#out + 1] = "--skip-schema-validation"
  end
  release_context(out, r, session)
  local targs, terr = command_args(r, opts.template_args, "templateArgs")
  if not targs then return nil, "--template-args: " .. terr end
  append(out, targs)
  namespace(out, r)
  append(out, { "--values", prep.values_file })
  if nonempty(opts.output_dir) then append(out, { "--output-dir", opts.output_dir }) end
  -- --skip-diff-validation-on-install: the diff's render of a release that is not installed yet
  -- (rendered without is_upgrade) skips validation, so a custom resource whose CRD another
  -- release of the same run installs can be diffed
  if opts.validate and not (opts.skip_diff_validation_on_install and not opts.is_upgrade) then
    out[#out + 1] = "--validate"
  end
  -- how the diff renders against the cluster: the server's Capabilities (and live lookups)
  if opts.dry_run_server then out[#out + 1] = "--dry-run=server" end
  -- helm-diff passes the release's disableOpenAPIValidation to the render it validates
  if opts.dry_run_server and setting(r, "disableOpenAPIValidation") == true then
    out[#out + 1] = "--disable-openapi-validation"
  end
  if opts.include_crds then out[#out + 1] = "--include-crds" end
  if opts.no_hooks then out[#out + 1] = "--no-hooks" end
  if opts.skip_tests then out[#out + 1] = "--skip-tests" end
  -- how apply renders a release it will upgrade: .Release.IsUpgrade as the upgrade sees it
  if opts.is_upgrade then out[#out + 1] = "--is-upgrade" end
  return extra(out, r, opts)
end

--- `helm lint CHART …` for a prepared release.
---@param prep table
---@param opts table
---@return string[]|nil argv, string|nil err
function M.lint(prep, opts)
  opts = opts or {}
  local r, session, helm = prep.release, prep.session, prep.helm
  local out = head(session, r, helm, "lint", prep.chart)
  release_context(out, r, session)
  namespace(out, r)
  append(out, { "--values", prep.values_file })
  if either(r, "skipSchemaValidation", opts.skip_schema_validation) then
    out[#out + 1] = "--skip-schema-validation"
  end
  return extra(out, r, opts)
end

local function helm_of(session)
  local helm, err = session:helm()
  if not helm then return nil, err end
  return helm
end

--- `helm uninstall NAME …` (compat §5.3 destroy): --cascade, deleteWait's --wait/--timeout.
---@param r table  a Release
---@param session hfl.Session
---@param opts? table  cascade, debug, args
---@return string[]|nil argv, string|nil err
function M.uninstall(r, session, opts)
  opts = opts or {}
  local helm, err = helm_of(session)
  if not helm then return nil, err end
  local out = head(session, r, helm, "uninstall", r.name)
  release_context(out, r, session)
  local cascade = nonempty(r.spec.cascade) or nonempty(opts.cascade) or nonempty(helm_defaults(r).cascade)
  if cascade then gated(out, helm, session, "--cascade", cascade) end
  if setting(r, "deleteWait") == true then
    out[#out + 1] = "--wait"
    local t = setting(r, "deleteTimeout")
    t = t and value.tonumber(t)
    if t and t > 0 then append(out, { "--timeout", ("%ds"):format(t) }) end
  end
  if nonempty(opts.description) then gated(out, helm, session, "--description", opts.description) end
  namespace(out, r)
  return extra(out, r, opts)
end

--- `helm rollback NAME REVISION …` (a release found unhealthy, hfl.deploy.health): --wait and
--- --timeout as the release's upgrade has them.
---@param r table  a Release
---@param session hfl.Session
---@param revision integer  the revision to go back to
---@param opts? table  wait, timeout, debug, args
---@return string[]|nil argv, string|nil err
function M.rollback(r, session, revision, opts)
  opts = opts or {}
  local helm, err = helm_of(session)
  if not helm then return nil, err end
  local out = head(session, r, helm, "rollback", r.name, tostring(revision))
  release_context(out, r, session)
  if either(r, "wait", opts.wait) == true then
    out[#out + 1] = "--wait"
    local t = timeout_seconds(r, opts)
    if t then append(out, { "--timeout", ("%ds"):format(t) }) end
  end
  namespace(out, r)
  return extra(out, r, opts)
end

--- `helm status NAME [--namespace] [--kube-context]`.
---@return string[]|nil argv, string|nil err
function M.status(r, session, opts)
  opts = opts or {}
  local helm, err = helm_of(session)
  if not helm then return nil, err end
  local out = head(session, r, helm, "status", r.name)
  namespace(out, r)
  release_context(out, r, session)
  return extra(out, r, opts)
end

--- `helm test NAME [--namespace] [--logs] --timeout Ns [--kube-context]` (opts.timeout
--- defaults to Helmfile's 300 s).
---@return string[]|nil argv, string|nil err
function M.test(r, session, opts)
  opts = opts or {}
  local helm, err = helm_of(session)
  if not helm then return nil, err end
  local out = head(session, r, helm, "test", r.name)
  namespace(out, r)
  if opts.logs then out[#out + 1] = "--logs" end
  append(out, { "--timeout", ("%ds"):format(opts.timeout and opts.timeout > 0 and opts.timeout or 300) })
  release_context(out, r, session)
  return extra(out, r, opts)
end

return M
