--- hfl.deploy.health: a release's health gate — helmfile.lua's
--- `health = function(release, ctx) … end` — called after a successful upgrade, and the
--- rollback an unhealthy release gets with `rollback_on_unhealthy = true`.
---
--- The function runs in its file's sandbox (hfl.state.luafunc). It gets the release (a plain
--- table: name, namespace, chart, version, kubeContext, labels, id) and ctx with
--- `ctx.get(api_version, kind, name [, namespace])` → the live object or nil when it does not
--- exist (hfl.kube.get, through the release's kube context; the namespace defaults to the
--- release's). It returns a true value when healthy; false or nil (and optionally a reason) when not;
--- an error it raises counts as unhealthy too.
local kube = require "hfl.kube"
local target = require "hfl.deploy.target"
local luafunc = require "hfl.state.luafunc"

local M = {}

-- ctx.get for the function: errors are raised (they name the helmfile.lua line).
local function context(session, release)
  local kube_context = target.kube_context(release, session)
  local function get(api_version, kind, name, namespace)
    local args = { api_version, kind, name }
    for i = 1, 3 do
      local v = args[i]
      if type(v) ~= "string" or v == "" then
        error(("get: argument %d must be a non-empty string (get(api_version, kind, name [, namespace]))")
          :format(i), 0)
      end
    end
    if namespace ~= nil and type(namespace) ~= "string" then
      error("get: the namespace must be a string", 0)
    end
    if namespace == nil then namespace = target.namespace(release) end
    local obj, err = kube.get(session, api_version, kind, name, namespace, { kube_context = kube_context })
    if err then error("get: " .. err, 0) end
    return obj
  end
  return { get = get }
end

--- Whether the release passes its health gate (true when it has none).
---@param session hfl.Session
---@param release table  a Release
---@return true|nil ok, string|nil err  "unhealthy: <reason>"
function M.check(session, release)
  local health = release.health
  if health == nil then return true end
  local ok, healthy, reason = health(luafunc.release_view(release), context(session, release))
  if not ok then return nil, "unhealthy: " .. tostring(healthy) end
  if healthy then return true end
  -- only a string reason is shown: a table's __tostring is the chunk's code, not run out here
  local why = type(reason) == "string" and reason ~= "" and reason
    or ("the health function returned " .. (healthy == nil and "nil" or "false"))
  return nil, "unhealthy: " .. why
end

--- Undoes the upgrade of an unhealthy release, as helm's --atomic undoes a failed one: back to
--- the revision it had before (`helm rollback NAME REV`), or, for a first install, uninstalled.
---@param ctx table  the deploy run's context
---@param item table  the plan item (item.record: the deployed record before the upgrade)
---@return string what  "rolled back to revision N" | "uninstalled", or nil, err
function M.undo(ctx, item)
  local helm = require "hfl.helm"
  local session, r = ctx.session, item.release
  local revision = item.record and item.record.revision
  local argv, err
  if revision then
    argv, err = helm.argv.rollback(r, session, revision, ctx.opts)
  else
    argv, err = helm.argv.uninstall(r, session, ctx.opts)
  end
  if not argv then return nil, err end
  local res
  res, err = helm.run(session, argv, { release = r, live = ctx.opts.live_output, on_line = ctx.opts.on_line })
  if not res then return nil, err end
  return revision and ("rolled back to revision " .. revision) or "uninstalled"
end

return M
