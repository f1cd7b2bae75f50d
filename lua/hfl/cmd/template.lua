--- `hfl template`: render every selected release's manifests with helm template.
local commands = require "hfl.cli.commands"
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

M.run = commands.not_implemented("template")

return M
