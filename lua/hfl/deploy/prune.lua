--- `apply --prune`: releases hfl installed from this state (its owner label, hfl.deploy.labels)
--- that the state no longer lists are uninstalled — never a release hfl did not install.
--- Only the namespaces and kube contexts the state's releases use are looked at.
local records = require "hfl.kube.records"
local labels = require "hfl.deploy.labels"
local target = require "hfl.deploy.target"
local helm = require "hfl.helm"
local proc = require "hfl.proc"

local M = {}

local function places(ctx)
  local seen, list, listed = {}, {}, {}
  for _, r in ipairs(ctx.st:releases { all = true }) do
    local where = target.of(r, ctx.session)
    listed[where.kube_context .. "/" .. where.namespace .. "/" .. r.name] = true
    local key = where.kube_context .. "/" .. where.namespace
    if not seen[key] then
      seen[key] = true
      list[#list + 1] = where
    end
  end
  return list, listed
end

-- A release object for helm.argv.uninstall from a record alone.
local function orphan(rec, where)
  return { name = rec.name, namespace = where.namespace, kubeContext = where.kube_context,
    spec = {}, desired = function() return true end, id = function()
      return (where.kube_context ~= "" and where.kube_context .. "/" or "") .. where.namespace
        .. "/" .. rec.name
    end }
end

--- Adds an uninstall item to the plan for every orphaned release hfl owns.
---@return true|nil ok, string|nil err
function M.add(ctx, plan)
  local list, listed = places(ctx)
  for _, where in ipairs(list) do
    local set, err = records.read(ctx.session, where)
    if not set then return nil, err end
    local names = {}
    for name in pairs(set.latest) do names[#names + 1] = name end
    table.sort(names)
    for _, name in ipairs(names) do
      local rec = set.latest[name]
      local key = where.kube_context .. "/" .. where.namespace .. "/" .. name
      if not listed[key] and rec.status ~= "uninstalled" and labels.owned_by(rec, ctx.state_id) then
        local r = orphan(rec, where)
        local item = { id = r:id(), name = name, namespace = where.namespace, release = r,
          record = rec, revision = rec.revision, chart = rec.chart, version = rec.chart_version,
          action = "uninstall", reason = "no longer in the state (hfl installed it from this state)",
          pruned = true }
        plan.items[#plan.items + 1] = item
        plan.by_id[item.id] = item
      end
    end
  end
  return true
end

--- Uninstalls the pruned items; results by id as the scheduler gives them.
function M.run(ctx, items)
  local results = {}
  ctx.session:map(items, function(item)
    local t0 = proc.now()
    local argv, err = helm.argv.uninstall(item.release, ctx.session, ctx.opts)
    local res
    if argv then res, err = helm.run(ctx.session, argv, { release = item.release }) end
    records.forget(ctx.session, target.of(item.release, ctx.session))
    results[item.id] = { status = res and "ok" or "failed", error = err,
      duration = proc.now() - t0 }
  end)
  return results
end

return M
