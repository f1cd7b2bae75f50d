--- hfl.kube: the Kubernetes API, read directly (hfl.kube.client over libcurl) with the
--- kubeconfig as kubectl reads it (hfl.kube.kubeconfig).
---
---   local kube = require "hfl.kube"
---   local c, err = kube.client(session, { kube_context = "", kubeconfig = nil })
---   local items = c:list("/api/v1/namespaces/apps/secrets", { label_selector = "owner=helm" })
---   local obj = kube.get(session, "apps/v1", "Deployment", "web", "apps")
local client = require "hfl.kube.client"
local kubeconfig = require "hfl.kube.kubeconfig"

local M = {}

local function place(session, opts)
  opts = opts or {}
  if type(opts) ~= "table" then error("hfl.kube: options must be a table", 3) end
  local ctx = opts.kube_context
  if ctx == nil or ctx == "" then ctx = session.kube_context or "" end
  local cfg = opts.kubeconfig
  if cfg == nil or cfg == "" then cfg = session.kubeconfig or "" end
  return cfg, ctx
end

--- The client of a kube context, memoised per Session, kubeconfig and context: the kubeconfig
--- is opts.kubeconfig, else session.kubeconfig (--kubeconfig), else $KUBECONFIG, else
--- ~/.kube/config; the context opts.kube_context, else session.kube_context, else the current.
---@param session hfl.Session
---@param opts? {kube_context?: string, kubeconfig?: string}
---@return hfl.kube.Client|nil client, string|nil err  a bad kubeconfig, an unknown context, an
---  unsupported auth method (named)
function M.client(session, opts)
  local cfg, ctx = place(session, opts)
  -- $KUBECONFIG is part of the key: a workflow may change it between loads
  local key = table.concat({ cfg, ctx, cfg == "" and (os.getenv("KUBECONFIG") or "") or "" }, "\0")
  return session:once("kube.client", key, function()
    local resolved, err = kubeconfig.resolve { kubeconfig = cfg ~= "" and cfg or nil, context = ctx }
    if not resolved then return nil, err end
    return client.new(session, resolved)
  end)
end

--- One live object: the decoded object, nil when it does not exist, or nil, err.
---@param session hfl.Session
---@param api_version string  "v1", "apps/v1"
---@param kind string
---@param name string
---@param namespace? string   "" or nil for cluster-scoped kinds
---@param opts? {kube_context?: string, kubeconfig?: string}
---@return table|nil object, string|nil err
function M.get(session, api_version, kind, name, namespace, opts)
  local c, err = M.client(session, opts)
  if not c then return nil, err end
  local path
  path, err = c:path_of(api_version, kind, namespace, name)
  if not path then return nil, err end
  local obj, gerr, status = c:get(path)
  if not obj and status == 404 then return nil end
  return obj, gerr
end

--- Every live object of a kind in a namespace (all namespaces when namespace is nil or "*"),
--- in one paginated list.
---@param session hfl.Session
---@param opts? {label_selector?: string, field_selector?: string, kube_context?: string,
---   kubeconfig?: string}
---@return table|nil items, string|nil err
function M.list(session, api_version, kind, namespace, opts)
  opts = opts or {}
  local c, err = M.client(session, opts)
  if not c then return nil, err end
  if namespace == "*" then namespace = nil end
  local path
  path, err = c:path_of(api_version, kind, namespace)
  if not path then return nil, err end
  return c:list(path, { label_selector = opts.label_selector, field_selector = opts.field_selector })
end

return M
