--- A release's desired manifest, rendered exactly as its `helm upgrade` would render it:
--- `helm template --is-upgrade --no-hooks` with the same values, flags and post-renderer, and
--- the cluster's Kubernetes version and API versions as Capabilities (helm upgrade sees the
--- server's; plain `helm template` would see helm's defaults, and a chart that checks
--- .Capabilities would differ on every run). A release that sets kubeVersion/apiVersions, or
--- `disableAutoDetectedKubeVersionForDiff`, keeps its own. A chart that calls `lookup` sees
--- the live cluster, as the upgrade's render does (`helm template` answers every lookup with
--- nothing): the native renderer reads the objects through hfl.kube, with .Release and
--- .Capabilities as the upgrade sets them; when it declines, or with `--renderer helm`, the
--- server renders it (`helm upgrade --install --dry-run=server`).
local helm = require "hfl.helm"
local target = require "hfl.deploy.target"
local fs = require "hfl.fs"

local M = {}

-- What the cluster of a kube context gives renders, read once per run: { kube_version =,
-- version = (major, minor, git_version), api_versions =, lookup = }; false when unreachable
-- (then helm's defaults apply, as with plain `helm template`).
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
    return { kube_version = version, version = v, api_versions = apis,
      lookup = require("hfl.kube.lookup").new(c) }
  end)
end

local function sets_own(r, opts)
  return (r.kubeVersion and r.kubeVersion ~= "") or (r.apiVersions and #r.apiVersions > 0)
    or (opts.kube_version and opts.kube_version ~= "") or r.disableAutoDetectedKubeVersionForDiff
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
    server_capabilities = { git_version = live.version.git_version, major = live.version.major,
      minor = live.version.minor, api_versions = live.api_versions } })
  return res and res.stdout
end

--- The desired manifest of a prepared release.
---@param ctx table  hfl.deploy.context
---@param item table  a plan item with .prep
---@return string|nil manifest, string|nil err
function M.render(ctx, item)
  local template = require "hfl.helm.template"
  local renderer, rerr = template.renderer(ctx.opts)
  if not renderer then return nil, rerr end
  if item.record and uses_lookup(item.prep.chart) then
    local text = renderer == "native" and render_live(ctx, item)
    if text then return text end
    return render_on_server(ctx, item)
  end
  local changes = { no_hooks = true, include_crds = false, is_upgrade = item.record ~= nil,
    output_dir = false, show_only = false }
  if not sets_own(item.release, ctx.opts) then
    local caps = cluster(ctx, item.release)
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
