--- hfl.chartify.objects: Kubernetes objects as the chartify pipeline passes them between its
--- steps — `{ doc = hfl.value map, source = "<chart>/templates/x.yaml" }` — read from
--- `helm template` output or from manifest files, and the namespace chartify gives them.
local documents = require "hfl.diff.documents"
local value = require "hfl.value"
local yaml = require "hfl.yaml"
local group = require "hfl.group"

local M = {}

local fmt = string.format

--- The objects of one YAML text (every non-empty document; comments-only documents dropped).
---@param text string
---@param source string  the source every object gets
---@param filename? string  for errors
---@return table[]|nil objects, string|nil err
function M.from_text(text, source, filename)
  local docs, err = yaml.decode_all(text, { filename = filename or source })
  if not docs then return nil, err end
  local out = {}
  for i, d in ipairs(docs) do
    if d ~= nil and d ~= value.null then
      if value.kind(d) ~= "map" then
        return nil, fmt("%s: document %d is not a Kubernetes object (a YAML map)", filename or source, i)
      end
      out[#out + 1] = { doc = d, source = source }
    end
  end
  return out
end

--- The objects of `helm template` output, each with its `# Source:` path.
---@param text string
---@return table[]|nil objects, string|nil err
function M.from_manifest(text)
  local out = {}
  for _, d in ipairs(documents.split(text)) do
    local doc, err = yaml.decode(d.text, { filename = d.source or "helm template output" })
    if err then return nil, fmt("%s: %s", documents.describe(d), err) end
    if doc ~= nil and doc ~= value.null then
      if value.kind(doc) ~= "map" then
        return nil, fmt("%s: not a Kubernetes object (a YAML map)", documents.describe(d))
      end
      out[#out + 1] = { doc = doc, source = d.source or "manifest.yaml" }
    end
  end
  return out
end

-- Kinds Kubernetes serves cluster-wide: a namespace on them means nothing (and shows in diffs).
M.CLUSTER_SCOPED = {
  Namespace = true, Node = true, PersistentVolume = true, ClusterRole = true,
  ClusterRoleBinding = true, CustomResourceDefinition = true, StorageClass = true,
  PriorityClass = true, IngressClass = true, RuntimeClass = true, CSIDriver = true, CSINode = true,
  VolumeAttachment = true, ValidatingWebhookConfiguration = true, MutatingWebhookConfiguration = true,
  ValidatingAdmissionPolicy = true, ValidatingAdmissionPolicyBinding = true, APIService = true,
  CertificateSigningRequest = true, FlowSchema = true, PriorityLevelConfiguration = true,
  ComponentStatus = true,
}

--- Gives every namespaced object without `metadata.namespace` the namespace `ns`, leaving the
--- ones that name theirs alone (chartify's SetNamespace, which does what kubectl and helm do
--- with a default namespace). In place.
---@param objects table[]
---@param ns string
---@return table[] objects
function M.set_namespace(objects, ns)
  for _, o in ipairs(objects) do
    local meta = o.doc.metadata
    if value.kind(meta) == "map" and not M.CLUSTER_SCOPED[o.doc.kind] then
      local cur = meta.namespace
      if cur == nil or cur == value.null or cur == "" then meta.namespace = ns end
    end
  end
  return objects
end

--- Objects grouped by source, in the order each source first appears:
--- `{ {key = source, items = {…}}, … }` (hfl.group).
---@param objects table[]
---@return table[]
function M.by_source(objects)
  return group.by(objects, function(o) return o.source end)
end

--- The YAML text of some objects: documents separated by `---`, keys in their order.
---@param objects table[]
---@return string|nil text, string|nil err
function M.encode(objects)
  local docs = {}
  for i, o in ipairs(objects) do docs[i] = o.doc end
  return yaml.encode_all(docs, { sort = false })
end

return M
