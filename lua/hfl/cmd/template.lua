--- `hfl template`: render every selected release's manifests with helm template.
local clistate = require "hfl.cli.state"
local groups = require "hfl.cli.groups"

local M = {}

M.summary = "Render the manifests of the releases in the state file"

--- Declares V, N, R and template's own flags.
---@param set hfl.cli.FlagSet
function M.add_to_parser(set)
  groups.values(set)
  groups.needs(set, true)
  groups.render(set)
  set:string("output-dir", "write manifests under DIR instead of stdout", { arg = "DIR" })
  set:string("output-dir-template", "Go template for each release's output directory",
    { arg = "TEMPLATE" })
  set:bool("include-crds", "include CRDs in the output")
  set:bool("skip-tests", "leave test hooks out")
  set:bool("no-hooks", "leave hooks out")
  set:bool("skip-cleanup", "keep the temporary values files")
  set:bool("validate", "validate manifests against the cluster")
  set:string("kube-version", "Kubernetes version for Capabilities.KubeVersion", { arg = "VERSION" })
  set:list("show-only", "only this template of the chart", { arg = "PATH" })
  groups.args(set)
end

---@param inv hfl.cli.Invocation
function M.run(inv)
  local st, err, code = clistate.load(inv)
  if not st then return code, err end
  local o = inv.options
  local opts = clistate.helm_options(inv)
  for _, k in ipairs { "output_dir", "output_dir_template", "include_crds", "skip_tests", "no_hooks",
    "skip_cleanup", "validate", "kube_version", "show_only", "post_renderer", "post_renderer_args",
    "skip_schema_validation", "template_args", "skip_needs", "include_needs",
    "include_transitive_needs", "renderer" } do
    opts[k] = o[k]
  end
  local selected = st:select()
  if selected and #selected == 0 then return clistate.no_match(st:no_match_message(), inv) end
  local rendered, partial
  rendered, err, partial = st:template(opts)
  for _, r in ipairs(rendered or partial or {}) do io.stdout:write(r.manifest) end
  if not rendered then return nil, err end
  return 0
end

return M
