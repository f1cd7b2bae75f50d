--- A release's desired manifest, rendered exactly as its `helm upgrade` would render it:
--- `helm template --no-hooks` (`--is-upgrade` for a release that exists) with the same values,
--- flags and post-renderer, against the cluster as helm-diff renders it: `--validate
--- --dry-run=server` with Helm 3, `--dry-run=server` with Helm 4, so .Capabilities is exactly
--- the server's (its version, its API versions and nothing else; `--api-versions` would only add
--- to helm's defaults), lookups see the live cluster and helm checks the objects with the server
--- (a kind it does not serve, an install's object that exists already, a field its OpenAPI
--- schema refuses: helm fails, as helm-diff and the upgrade would). The native renderer gets the
--- same Capabilities and lookups and checks what it can of the rest (kinds, existing objects),
--- leaving the release to helm otherwise. `disableValidation` (and `disableValidationOnInstall`
--- or --skip-diff-validation-on-install for a release not installed yet) renders without the
--- server checks, with the server's version and API versions added to helm's defaults
--- (`--kube-version`, `--api-versions`); a release that sets kubeVersion/apiVersions, or
--- `disableAutoDetectedKubeVersionForDiff`, keeps its own; no reachable cluster, helm's defaults.
--- A chart that calls `lookup` in a release that exists renders as the upgrade does
--- (.Release.Revision the next one): the native renderer reads the objects through hfl.kube,
--- with .Release and .Capabilities as the upgrade sets them; when it declines, or with
--- `--renderer helm`, the server renders it (`helm upgrade --install --dry-run=server`).
local helm = require "hfl.helm"
local target = require "hfl.deploy.target"
local fs = require "hfl.fs"
local value = require "hfl.value"

local M = {}

-- What the cluster of a kube context gives renders, read once per run: { kube_version =,
-- version = (major, minor, git_version), api_versions =, served = (a set of them), lookup =,
-- valid = (hfl.kube.openapi's check) };
-- false when unreachable (then helm's defaults apply, as with plain `helm template`).
local function cluster(ctx, r)
  local where = target.of(r, ctx.session)
  return ctx.session:once("capabilities", where.kube_context, function()
    local c, err = require("hfl.kube").client(ctx.session, { kube_context = where.kube_context })
    if not c then
      ctx.session.log.debug("no cluster Capabilities for rendering: %s", err)
      return false
    end
    local v, verr = c:version()
    local apis, aerr = c:api_versions()
    if not v or not apis then
      ctx.session.log.debug("no cluster Capabilities for rendering: %s", verr or aerr)
      return false
    end
    local version = v.git_version ~= "" and v.git_version
      or ("v%s.%s.0"):format(v.major, (tostring(v.minor):gsub("%D", "")))
    local served = {}
    for _, a in ipairs(apis) do served[a] = true end
    return { kube_version = version, version = v, api_versions = apis, served = served,
      lookup = require("hfl.kube.lookup").new(c), valid = require("hfl.kube.openapi").new(c) }
  end)
end

local function sets_own(r, opts)
  return (r.kubeVersion and r.kubeVersion ~= "") or (r.apiVersions and #r.apiVersions > 0)
    or (opts.kube_version and opts.kube_version ~= "") or r.disableAutoDetectedKubeVersionForDiff
end

-- Whether the render checks the release with the server, as helm-diff does unless told not to:
-- Helmfile's `disableValidation`, and for a release not installed yet
-- `disableValidationOnInstall` or --skip-diff-validation-on-install (its CRDs may come first).
local function validates(ctx, item)
  local r = item.release
  if helm.argv.setting(r, "disableValidation") == true then return false end
  return item.record ~= nil or not (helm.argv.setting(r, "disableValidationOnInstall") == true
    or ctx.opts.skip_diff_validation_on_install)
end

-- The server's Capabilities as the native renderer takes them.
local function server_capabilities(live)
  return { git_version = live.version.git_version, major = live.version.major,
    minor = live.version.minor, api_versions = live.api_versions }
end

-- What helm's render against the server checks after rendering, checked natively: every
-- object is of a kind the server serves (kube.Build's REST mapping) and surely valid for the
-- server's OpenAPI schema (its validation; hfl.kube.openapi), and an install's objects do not
-- exist yet (helm refuses or adopts them). true, or nil and why helm must render it (helm then
-- fails with its own words, or adopts).
local function server_accepts(live, item, text)
  local docs, err = require("hfl.yaml").decode_all(text)
  if not docs then return nil, "reading the rendered manifest: " .. tostring(err) end
  for _, d in ipairs(docs) do
    if d ~= value.null then
      local av, kind = d.apiVersion, d.kind
      local md = value.kind(d) == "map" and value.kind(d.metadata) == "map" and d.metadata or {}
      if type(av) ~= "string" or type(kind) ~= "string" or type(md.name) ~= "string" then
        return nil, "an object without a string apiVersion, kind and name"
      end
      if not live.served[av .. "/" .. kind] then
        return nil, ("the server serves no kind %s in %s"):format(kind, av)
      end
      local valid, why = true, nil
      if helm.argv.setting(item.release, "disableOpenAPIValidation") ~= true then valid, why = live.valid(d) end
      if not valid then return nil, "not surely valid for the server's OpenAPI schema: " .. why end
      if not item.record then
        local ns = type(md.namespace) == "string" and md.namespace ~= "" and md.namespace
          or target.namespace(item.release)
        local found, lerr = live.lookup(av, kind, ns, md.name)
        if not found then return nil, lerr end
        if next(found) ~= nil then
          return nil, ("%s %s exists already: helm decides whether the install may adopt it"):format(kind, md.name)
        end
      end
    end
  end
  return true
end

-- Renders through `helm template` against the cluster of live (see the header): natively when
-- chosen and the native renderer and server_accepts agree, else helm.
local function render_validated(ctx, item, live, renderer, changes)
  local template = require "hfl.helm.template"
  local log = ctx.session.log
  if renderer == "native" then
    local argv = helm.argv.template(item.prep, ctx:options(changes))
    local res = argv and template.render_native(ctx.session, item.release, item.prep, argv,
      { lookup = live.lookup, server_capabilities = server_capabilities(live) })
    if res then
      local ok, why = server_accepts(live, item, res.stdout)
      if ok then return res.stdout end
      log.debug('release "%s": helm renders it to check it with the server: %s', item.name, why)
    end
  end
  changes.dry_run_server = true
  -- Helm 3 takes the server's Capabilities with --validate, Helm 4 with --dry-run=server alone
  -- (it refuses both together)
  changes.validate = tostring(item.prep.helm.major) ~= "4"
  local argv, err = helm.argv.template(item.prep, ctx:options(changes))
  if not argv then return nil, err end
  local res
  res, err = helm.run(ctx.session, argv, { release = item.release })
  if not res then return nil, err end
  return res.stdout or ""
end

-- Whether the chart (or a subchart) calls `lookup`: its output depends on the live cluster,
-- which only a server-side dry run sees.
local function uses_lookup(dir)
  local found = false
  local function walk(d, depth)
    if found or depth > 8 then return end
    for _, name in ipairs(fs.list(d) or {}) do
      local p = d .. "/" .. name
      local kind = fs.kind(p)
      if kind == "dir" then
        walk(p, depth + 1)
      elseif kind == "file" and (name:match("%.tpl$") or name:match("%.ya?ml$") or name:match("%.txt$")) then
        local text = fs.read(p)
        if text and text:find("{{[^}]-lookup") then found = true return end
      end
    end
  end
  walk(dir, 0)
  return found
end

-- The MANIFEST section of `helm upgrade --dry-run=server`'s output.
local function manifest_section(out)
  local body = out:match("\nMANIFEST:\n(.*)$") or out:match("^MANIFEST:\n(.*)$")
  if not body then return nil end
  return (body:gsub("\nNOTES:\n.*$", "\n"))
end

-- Renders through the server (`helm upgrade --install --dry-run=server`).
local function render_on_server(ctx, item)
  local argv, err = helm.argv.upgrade(item.prep, ctx:options { dry_run_server = true })
  if not argv then return nil, err end
  local res
  res, err = helm.run(ctx.session, argv, { release = item.release })
  if not res then return nil, err end
  local manifest = manifest_section(res.stdout or "")
  if not manifest then
    return nil, ("release %s: helm upgrade --dry-run=server printed no MANIFEST"):format(item.name)
  end
  return manifest
end

-- Renders natively as `helm upgrade` would against the live cluster: lookups answered by
-- hfl.kube, .Release.Revision the next revision, the server's own Capabilities. nil when the
-- native renderer declines (the --debug log says why) or the upgrade could not be matched.
local function render_live(ctx, item)
  local log = ctx.session.log
  if not item.next_revision then return nil end
  local up = helm.argv.upgrade(item.prep, ctx:options { dry_run_server = true })
  for _, a in ipairs(up or {}) do
    -- the upgrade merges the previous revision's values: only helm has them
    if a == "--reuse-values" then
      log.debug('release "%s": lookup with --reuse-values: rendered by the server', item.name)
      return nil
    end
  end
  local live = cluster(ctx, item.release)
  if not live then return nil end
  local argv = helm.argv.template(item.prep, ctx:options { no_hooks = true, include_crds = false,
    is_upgrade = true, output_dir = false, show_only = false })
  if not argv then return nil end
  local res = require("hfl.helm.template").render_native(ctx.session, item.release, item.prep, argv, {
    lookup = live.lookup, revision = item.next_revision,
    server_capabilities = server_capabilities(live) })
  if not res then return nil end
  local ok, why = server_accepts(live, item, res.stdout)
  if not ok then
    log.debug('release "%s": rendered by the server to check it: %s', item.name, why)
    return nil
  end
  return res.stdout
end

--- The desired manifest of a prepared release.
---@param ctx table  hfl.deploy.context
---@param item table  a plan item with .prep
---@return string|nil manifest, string|nil err
function M.render(ctx, item)
  local template = require "hfl.helm.template"
  local renderer, rerr = template.renderer(ctx.opts)
  if not renderer then return nil, rerr end
  -- a chart is searched once a run, however many releases use it
  if item.record and ctx.session:once("uses_lookup", item.prep.chart, function()
    return uses_lookup(item.prep.chart)
  end) then
    local text = renderer == "native" and render_live(ctx, item)
    if text then return text end
    return render_on_server(ctx, item)
  end
  local changes = { no_hooks = true, include_crds = false, is_upgrade = item.record ~= nil,
    output_dir = false, show_only = false }
  if not sets_own(item.release, ctx.opts) then
    local caps = cluster(ctx, item.release)
    if caps and validates(ctx, item) then
      changes.validate = false
      return render_validated(ctx, item, caps, renderer, changes)
    end
    if caps then
      changes.kube_version, changes.api_versions = caps.kube_version, caps.api_versions
    end
  end
  local argv, err = helm.argv.template(item.prep, ctx:options(changes))
  if not argv then return nil, err end
  -- the native renderer when chosen (opts.renderer, $HFL_RENDERER): the same bytes or helm
  local res = renderer == "native" and template.render_native(ctx.session, item.release, item.prep, argv)
  if not res then
    res, err = helm.run(ctx.session, argv, { release = item.release })
    if not res then return nil, err end
  end
  return res.stdout or ""
end

return M
