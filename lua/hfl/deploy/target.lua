--- Where a release lives: its kube context and namespace, as helm and the record reader see
--- them (as hfl.helm.argv passes it: the release's own, else --kube-context, else
--- helmDefaults.kubeContext; hfl.load already forced --kube-context onto every release).
local M = {}

local function given(s)
  if s == nil or s == "" then return nil end
  return s
end

--- The kube context of a release ("" = the kubeconfig's current one).
---@param r table  Release
---@param session hfl.Session
---@return string
function M.kube_context(r, session)
  local defaults = r.state and r.state.doc and r.state.doc.helmDefaults
  return given(r.kubeContext) or given(session.kube_context)
    or (type(defaults) == "table" and given(defaults.kubeContext)) or ""
end

--- The namespace of a release ("default" when it sets none, as helm does with a kubeconfig
--- context that names none).
---@param r table  Release
---@return string
function M.namespace(r)
  return given(r.namespace) or "default"
end

--- Both, as the key hfl.kube.records reads by.
---@return {kube_context: string, namespace: string}
function M.of(r, session)
  return { kube_context = M.kube_context(r, session), namespace = M.namespace(r) }
end

return M
