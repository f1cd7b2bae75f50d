--- Who a Kubernetes object is: its key (apiVersion/kind/namespace/name), the identity two
--- manifests are matched by (the group, not the version: apps/v1beta2 and apps/v1 serve the
--- same Deployment), and helm-diff's "NAMESPACE, NAME, KIND (GROUP)" title.
local M = {}

-- Kinds that live outside namespaces, by "group/Kind" ("" is the core group). A namespace
-- written on one of them is ignored by the API server, so it is ignored here too.
M.CLUSTER_SCOPED = {}
for _, k in ipairs {
  "/Namespace", "/Node", "/PersistentVolume", "/ComponentStatus",
  "rbac.authorization.k8s.io/ClusterRole", "rbac.authorization.k8s.io/ClusterRoleBinding",
  "apiextensions.k8s.io/CustomResourceDefinition",
  "storage.k8s.io/StorageClass", "storage.k8s.io/CSIDriver", "storage.k8s.io/CSINode",
  "storage.k8s.io/VolumeAttachment", "scheduling.k8s.io/PriorityClass",
  "admissionregistration.k8s.io/MutatingWebhookConfiguration",
  "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
  "admissionregistration.k8s.io/ValidatingAdmissionPolicy",
  "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
  "admissionregistration.k8s.io/MutatingAdmissionPolicy",
  "admissionregistration.k8s.io/MutatingAdmissionPolicyBinding",
  "apiregistration.k8s.io/APIService", "node.k8s.io/RuntimeClass",
  "networking.k8s.io/IngressClass", "networking.k8s.io/IPAddress", "networking.k8s.io/ServiceCIDR",
  "certificates.k8s.io/CertificateSigningRequest", "certificates.k8s.io/ClusterTrustBundle",
  "policy/PodSecurityPolicy", "flowcontrol.apiserver.k8s.io/FlowSchema",
  "flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration",
  "authentication.k8s.io/TokenReview", "authentication.k8s.io/SelfSubjectReview",
  "authorization.k8s.io/SubjectAccessReview", "authorization.k8s.io/SelfSubjectAccessReview",
  "authorization.k8s.io/SelfSubjectRulesReview",
  "resource.k8s.io/DeviceClass", "resource.k8s.io/ResourceSlice",
  "cert-manager.io/ClusterIssuer",
} do M.CLUSTER_SCOPED[k] = true end

--- The API group of an apiVersion: "apps" for "apps/v1", "" for "v1".
---@param api_version string
---@return string
function M.group(api_version)
  return api_version:match("^(.*)/[^/]*$") or ""
end

--- helm-diff's "(GROUP)": the apiVersion without its version ("apps"), or "v1" for the
--- core group.
function M.api_base(api_version)
  return api_version:match("^(.*)/[^/]*$") or api_version
end

--- Whether objects of this kind have no namespace.
---@param extra? table<string, boolean>  more "group/Kind" (or "Kind") names, e.g. from discovery
function M.cluster_scoped(api_version, kind, extra)
  local gk = M.group(api_version) .. "/" .. kind
  return M.CLUSTER_SCOPED[gk] or (extra ~= nil and (extra[gk] or extra[kind])) or false
end

local function str(v)
  return type(v) == "string" and v or ""
end

--- The parts of an object's identity: apiVersion, kind, namespace ("" when cluster-scoped),
--- name (generateName when it has no name).
function M.parts(object, default_namespace, extra)
  local meta = type(object.metadata) == "table" and object.metadata or {}
  local api, kind = str(object.apiVersion), str(object.kind)
  local name = str(meta.name)
  if name == "" then name = str(meta.generateName) end
  local ns = ""
  if not M.cluster_scoped(api, kind, extra) then
    ns = str(meta.namespace)
    if ns == "" then ns = default_namespace or "" end
  end
  return api, kind, ns, name
end

--- "apps/v1/Deployment/ns/name" ("v1/Namespace//name" when cluster-scoped).
function M.key(object, default_namespace, extra)
  local api, kind, ns, name = M.parts(object, default_namespace, extra)
  return table.concat({ api, kind, ns, name }, "/")
end

--- What old and new objects are matched by: group/kind/namespace/name.
function M.identity(api_version, kind, namespace, name)
  return table.concat({ M.group(api_version), kind, namespace, name }, "/")
end

--- helm-diff's title of a resource: "ns, web, Deployment (apps)"; a cluster-scoped one has no
--- namespace part: "widgets.example.com, CustomResourceDefinition (apiextensions.k8s.io)".
function M.title(change)
  local tail = ("%s, %s (%s)"):format(change.name, change.kind, M.api_base(change.api_version))
  if change.namespace == "" then return tail end
  return change.namespace .. ", " .. tail
end

return M
