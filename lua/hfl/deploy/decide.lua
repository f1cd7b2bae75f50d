--- What a command does to one release, and why: the plan item of a release.
---
--- apply: install what is not there, upgrade what changed, uninstall `installed: false`, leave
--- the rest. "Changed" is decided without rendering when the deployed record carries hfl's
--- digest for its own revision (hfl.deploy.labels); otherwise by rendering the release as the
--- upgrade would (`helm template --is-upgrade`) and comparing with the deployed manifest.
--- sync: upgrade every desired release. destroy: uninstall every release that exists.
local helm = require "hfl.helm"
local records = require "hfl.kube.records"
local labels = require "hfl.deploy.labels"
local target = require "hfl.deploy.target"
local desired = require "hfl.deploy.desired"
local changes = require "hfl.deploy.changes"

local M = {}

--- The deployed record of a release (its latest revision), or nil; and the highest revision
--- in its history (the next upgrade creates that + 1).
---@return table|nil record, integer|nil top, string|nil err
function M.deployed(ctx, r)
  local where = target.of(r, ctx.session)
  local set, err = records.read(ctx.session, where)
  if not set then return nil, nil, err end
  local rec = set.latest[r.name]
  local top = 0
  for _, h in ipairs(set.history[r.name] or {}) do
    if h.revision > top then top = h.revision end
  end
  if rec and rec.status == "uninstalled" then rec = nil end
  return rec, top
end

--- A plan item for a node, before anything is known of its release's records.
---@return table item
function M.new_item(node, r)
  return { id = node.id, node = node, release = r, state = node.state, name = r.name,
    namespace = target.namespace(r), chart = r.chart, version = r.version }
end

-- Renders the release as its upgrade would and compares with the deployed manifest (and,
-- with three-way, the live objects): item.changes holds the per-resource changes.
local function compare(ctx, item)
  local manifest, err = desired.render(ctx, item)
  if not manifest then return nil, err end
  local res
  res, err = changes.of(ctx, item, manifest)
  if not res then return nil, err end
  item.changes, item.rendered = res, true
  if res.changed then
    return "upgrade", ("%d resource%s differ%s from revision %d"):format(#res.changes,
      #res.changes == 1 and "" or "s", #res.changes == 1 and "s" or "", item.record.revision)
  end
  return "unchanged", "rendered manifest identical to revision " .. item.record.revision
end

-- The changes an install or uninstall makes, when the run shows diffs.
local function whole(ctx, item, render)
  if not ctx.show_diff then return true end
  local manifest = ""
  if render then
    local err
    manifest, err = desired.render(ctx, item)
    if not manifest then return nil, err end
  end
  local res, err = changes.of(ctx, item, manifest)
  if not res then return nil, err end
  item.changes = res
  return true
end

local function decide_desired(ctx, item)
  local prep, err = ctx:prepare(item.release)
  if not prep then return nil, err end
  item.prep, item.digest = prep, prep.digest
  item.chart_version = prep.chart_version
  if not item.record then
    item.action, item.reason = "install", "not installed"
    local ok, werr = whole(ctx, item, not ctx.opts.skip_diff_on_install)
    if not ok then return nil, werr end
    item.rendered = item.changes ~= nil
    return item
  end
  if ctx.command == "sync" then
    item.action, item.reason = "upgrade", "sync upgrades every release"
    return item
  end
  if item.record.status ~= "deployed" then
    item.action, item.reason = "upgrade", ("revision %d is %s"):format(item.record.revision,
      tostring(item.record.status))
    return item
  end
  if not (ctx.opts.full_diff or ctx.opts.three_way) and labels.unchanged(item.record, prep.digest) then
    item.action, item.reason = "unchanged", ("digest matches revision %d"):format(item.record.revision)
    return item
  end
  local action, why = compare(ctx, item)
  if not action then return nil, why end
  item.action, item.reason = action, why
  return item
end

--- A plan item without a decision: the release, its deployed record and the revision its
--- next upgrade creates; with `prepare`, also its prepared chart and values and their digest.
---@return table|nil item, string|nil err
function M.base(ctx, node, prepare)
  local r = node.release
  local item = M.new_item(node, r)
  local rec, top, err = M.deployed(ctx, r)
  if err then return nil, err end
  item.record, item.revision, item.next_revision = rec, rec and rec.revision, (top or 0) + 1
  if prepare and r:desired() then
    local prep, perr = ctx:prepare(r)
    if not prep then return nil, perr end
    item.prep, item.digest, item.chart_version = prep, prep.digest, prep.chart_version
  end
  return item
end

--- The plan item of one graph node for ctx.command ("apply", "sync", "destroy").
---@param ctx table  hfl.deploy.context
---@param node table  hfl.deploy.graph node
---@return table|nil item, string|nil err
function M.item(ctx, node)
  local item, err = M.base(ctx, node)
  if not item then return nil, err end
  local r, rec = node.release, item.record
  if ctx.command == "destroy" or not r:desired() then
    if rec then
      item.action = "uninstall"
      item.reason = ctx.command == "destroy" and "destroy" or "installed: false"
      local ok, werr = whole(ctx, item, false)
      if not ok then return nil, werr end
    else
      item.action, item.reason = "skip", "not installed"
    end
    return item
  end
  return decide_desired(ctx, item)
end

return M
