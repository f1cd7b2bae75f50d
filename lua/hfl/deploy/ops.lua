--- The changes a deploy run makes to one release, with Helmfile's hooks around them
--- (compat §7.2): upgrade (presync → helm upgrade --install → postsync) and uninstall
--- (presync when apply/sync removes it → preuninstall → helm uninstall → postuninstall → postsync).
local helm = require "hfl.helm"
local hooks = require "hfl.deploy.hooks"
local health = require "hfl.deploy.health"
local labels = require "hfl.deploy.labels"
local records = require "hfl.kube.records"
local target = require "hfl.deploy.target"

local M = {}

local function hook(ctx, item, event, err)
  return hooks.run(ctx.session, { event = event, state = item.state, release = item.release,
    command = ctx.hook_command or ctx.command, error = err })
end

-- Whether the item's changes include drift made behind helm's back (three-way).
local function drifted(item)
  for _, c in ipairs(item.changes and item.changes.changes or {}) do
    if c.drift then return true end
  end
  return false
end

-- The options of the upgrade: the run's, plus hfl's labels on the record it writes.
local function upgrade_options(ctx, item)
  local o = ctx:options {}
  local l = {}
  for k, v in pairs(ctx.opts.labels or {}) do l[k] = v end
  for k, v in pairs(labels.for_upgrade(item.digest, item.next_revision, ctx.state_id)) do l[k] = v end
  o.labels = l
  o.force_conflicts = drifted(item) or nil
  return o
end

local function forget_records(ctx, item)
  records.forget(ctx.session, target.of(item.release, ctx.session))
end

-- The health gate of an upgraded release (hfl.deploy.health); an unhealthy one is rolled back
-- (or a first install uninstalled) when it asks, and fails either way.
local function healthy(ctx, item)
  local ok, err = health.check(ctx.session, item.release)
  if ok then return true end
  if item.release.rollback_on_unhealthy == true then
    local done, uerr = health.undo(ctx, item)
    forget_records(ctx, item)
    if not done then return nil, ("%s; rollback failed: %s"):format(err, uerr) end
    item.revision_after = nil
    return nil, ("%s (%s)"):format(err, done)
  end
  return nil, err
end

--- Upgrades (or installs) the release, then runs its health gate. postsync runs also when helm failed, and its own
--- failure fails the release.
---@return true|nil ok, string|nil err
function M.upgrade(ctx, item)
  local ok, err = hook(ctx, item, "presync")
  if not ok then return nil, err end
  local argv, res
  argv, err = helm.argv.upgrade(item.prep, upgrade_options(ctx, item))
  if argv then
    res, err = helm.run(ctx.session, argv,
      { release = item.release, live = ctx.opts.live_output, on_line = ctx.opts.on_line })
  end
  forget_records(ctx, item)
  if res then
    item.revision_after = item.next_revision
    res, err = healthy(ctx, item)
  end
  local pok, perr = hook(ctx, item, "postsync", err)
  if not res then return nil, err end
  if not pok then return nil, perr end
  return true
end

--- Uninstalls the release; apply and sync wrap it in presync/postsync as Helmfile does.
---@return true|nil ok, string|nil err
function M.uninstall(ctx, item)
  local around_sync = ctx.command ~= "destroy"
  local ok, err
  if around_sync then
    ok, err = hook(ctx, item, "presync")
    if not ok then return nil, err end
  end
  ok, err = hook(ctx, item, "preuninstall")
  if not ok then return nil, err end
  local argv, res
  argv, err = helm.argv.uninstall(item.release, ctx.session, ctx.opts)
  if not argv then return nil, err end
  res, err = helm.run(ctx.session, argv,
    { release = item.release, live = ctx.opts.live_output, on_line = ctx.opts.on_line })
  forget_records(ctx, item)
  if res then
    ok, err = hook(ctx, item, "postuninstall")
    if not ok then return nil, err end
  end
  if around_sync then
    local pok, perr = hook(ctx, item, "postsync", not res and err or nil)
    if res and not pok then return nil, perr end
  end
  if not res then return nil, err end
  return true
end

--- The `cleanup` hook of a release the run left alone; its failure only warns (Helmfile).
function M.cleanup(ctx, item)
  local ok, err = hook(ctx, item, "cleanup")
  if not ok then ctx:warn("%s", err) end
end

return M
