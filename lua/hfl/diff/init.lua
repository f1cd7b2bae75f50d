--- hfl.diff: a release's deployed manifest against its desired one, per Kubernetes resource,
--- normalised, with Secrets masked, printed in helm-diff's shapes. Pure Lua; no processes.
--
--   local res = assert(diff.compare { old = record.manifest, new = rendered, namespace = "ns" })
--   io.write(assert(diff.render(res, { format = "diff", context = 5 })))
local compare = require "hfl.diff.compare"
local render = require "hfl.diff.render"
local identity = require "hfl.diff.identity"

local M = {}

--- Compares two manifests (multi-document YAML as Helm stores and prints them).
---
--- Resources are matched by group/kind/namespace/name; a namespaced resource without a
--- namespace gets opts.namespace, a cluster-scoped one has none. Key order, null vs absent and
--- number formatting are not changes; a List is its items; a Secret's stringData and data are
--- one content, and its values are masked unless show_secrets. A deployed resource annotated
--- `helm.sh/resource-policy: keep` is never "removed".
---
--- Three-way (opts.live, live objects by diff.key): a field the desired object sets and the
--- live object holds differently is drift; the change (drift = true) then shows the live
--- value on the old side. A resource deployed and desired but absent from opts.live was
--- deleted behind helm's back and shows as added (drift = true), so opts.live must hold every
--- object that exists.
---
---@param opts {old: string, new: string, namespace: string, release?: string, live?: table, suppress?: string[], show_secrets?: boolean|"decoded", mask?: fun(text: string): string, find_renames?: number, cluster_scoped?: table<string, boolean>}
---@return table|nil result `{changes = {…}, changed = bool, warnings = {…}}`
---@return string|nil err    bad YAML or an object without a name, naming the manifest (deployed
---                          or desired), the document number, its `# Source:` and the line
function M.compare(opts)
  if type(opts) ~= "table" then error("hfl.diff.compare: options table expected", 2) end
  for _, f in ipairs { "old", "new" } do
    if opts[f] ~= nil and type(opts[f]) ~= "string" then
      error(("hfl.diff.compare: %s must be a manifest string"):format(f), 2)
    end
  end
  if opts.mask ~= nil and type(opts.mask) ~= "function" then
    error("hfl.diff.compare: mask must be a function", 2)
  end
  return compare.run(opts)
end

--- Prints a comparison: format "diff" (default), "simple", "json" or "template"
--- (opts.template, a Go template over {API, Kind, Namespace, Name, Change} entries).
---@param result table  from diff.compare
---@param opts? {format?: string, context?: integer, color?: boolean, suppress_output_line_regex?: string[], strip_trailing_cr?: boolean, release?: string, template?: string}
---@return string|nil text, string|nil err  an unknown format or a bad regular expression
function M.render(result, opts)
  if type(result) ~= "table" or type(result.changes) ~= "table" then
    error("hfl.diff.render: a result of diff.compare expected", 2)
  end
  return render.run(result, opts)
end

--- The key of one decoded object: "apps/v1/Deployment/ns/name", "v1/Namespace//name".
---@param object table
---@param default_namespace? string
---@return string
function M.key(object, default_namespace)
  return identity.key(object, default_namespace)
end

return M
