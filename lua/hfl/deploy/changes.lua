--- What would change in the cluster for one plan item: the deployed manifest (from its
--- release record) against the desired one (hfl.deploy.desired), per resource, through
--- hfl.diff; with three-way, against the live objects too, so drift made behind helm's back
--- counts as a change.
local diff = require "hfl.diff"
local yaml = require "hfl.yaml"
local value = require "hfl.value"
local target = require "hfl.deploy.target"

local M = {}

-- The live objects of the desired manifest's resources: one list per kind and namespace (not
-- one read per object), shared by every release of the run.
local function live_objects(ctx, item, manifest)
  local docs = yaml.decode_all(manifest) or {}
  local where = target.of(item.release, ctx.session)
  local out = {}
  for _, doc in ipairs(docs) do
    if value.kind(doc) == "map" and doc.kind and doc.metadata then
      local key = diff.key(doc, where.namespace)
      local ns = key:match("([^/]*)/[^/]*$")   -- the key ends namespace/name ("" cluster-wide)
      local list_key = table.concat({ where.kube_context, ns, doc.apiVersion, doc.kind }, "|")
      local by_name, err = ctx.session:once("live", list_key, function()
        local items, lerr = require("hfl.kube").list(ctx.session, doc.apiVersion, doc.kind, ns,
          { kube_context = where.kube_context })
        if not items then return nil, lerr end
        local t = {}
        for _, o in ipairs(items) do t[o.metadata.name] = o end
        return t
      end, true)
      if not by_name then return nil, err end
      out[key] = by_name[doc.metadata.name]
    end
  end
  return out
end

--- The changes of an item whose desired manifest is `desired` ("" for an uninstall).
---@param ctx table
---@param item table
---@param desired string
---@return table|nil res  hfl.diff.compare's result, string|nil err
function M.of(ctx, item, desired)
  local live
  if ctx.opts.three_way and desired ~= "" then
    local err
    live, err = live_objects(ctx, item, desired)
    if not live then return nil, err end
  end
  local old = ""
  if item.record then
    local merr
    old, merr = require("hfl.kube.records").manifest(ctx.session, item.record)
    if not old then return nil, merr end
  end
  local res, err = diff.compare {
    old = old, new = desired,
    namespace = item.namespace, live = live, suppress = ctx.opts.suppress,
    show_secrets = ctx.opts.show_secrets, mask = function(t) return ctx.session:mask(t) end,
  }
  if not res then return nil, ("release %s: %s"):format(item.id, tostring(err)) end
  return res
end

return M
