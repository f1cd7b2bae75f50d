--- Flag groups that several commands share (the letters are compat §5.2's): V values,
--- N needs, R rendering, D diff, S sync, and --args. Each function adds its flags to a set.
local M = {}

--- V: `--set`, `--values`.
---@param set hfl.cli.FlagSet
function M.values(set)
  set:list("set", "extra values for every release, passed to helm --set",
    { arg = "KEY=VALUE" })
  set:list("values", "extra values file for every release", { arg = "FILE" })
end

--- N: the needs flags; `enforce` adds --enforce-needs-are-installed.
---@param set hfl.cli.FlagSet
---@param enforce boolean
function M.needs(set, enforce)
  set:bool("skip-needs", "don't add the needs of selected releases", { default = true })
  set:bool("include-needs", "also run the releases the selected ones need")
  set:bool("include-transitive-needs", "also run the needs of needs")
  if enforce then
    set:bool("enforce-needs-are-installed", "fail when a needed release is not installed")
  end
end

--- R: post-renderer and template arguments.
---@param set hfl.cli.FlagSet
function M.render(set)
  set:string("post-renderer", "pass --post-renderer PATH to helm", { arg = "PATH" })
  set:list("post-renderer-args", "argument for the post-renderer", { arg = "ARG" })
  set:bool("skip-schema-validation", "don't validate values against the chart's schema")
  set:string("template-args", "extra arguments for helm template", { arg = "ARGS" })
  set:string("renderer", "native: render charts in process, falling back to helm where it cannot "
    .. "match helm byte for byte (default); helm: run helm template (also $HFL_RENDERER)", { arg = "NAME" })
end

--- D: how diffs are computed and shown.
---@param set hfl.cli.FlagSet
function M.diff(set)
  set:string("diff-args", "extra arguments for the diff", { arg = "ARGS" })
  set:int("context", "lines of context around each change")
  set:string("output", "diff output format (diff, simple, template, dyff)", { arg = "FORMAT" })
  set:bool("show-secrets", "show the content of secrets in diffs")
  set:bool("suppress-secrets", "hide secrets from the diff output")
  set:list("suppress", "hide changes to resources of this KIND", { arg = "KIND" })
  set:list("suppress-output-line-regex", "hide diff lines matching REGEX",
    { arg = "REGEX" })
  set:bool("no-hooks", "leave hooks out of the diff")
  set:bool("include-tests", "include test hooks in the diff")
  set:bool("strip-trailing-cr", "ignore trailing carriage returns")
  set:bool("skip-diff-on-install", "don't diff releases that are not installed yet")
  set:bool("skip-diff-validation-on-install",
    "don't pass --validate when rendering the diff of a release not installed yet")
  set:bool("detailed-exitcode", "exit 2 when there are changes")
end

--- S: how releases are installed and upgraded.
---@param set hfl.cli.FlagSet
function M.sync(set)
  set:string("sync-args", "extra arguments for helm upgrade", { arg = "ARGS" })
  set:bool("skip-crds", "don't install CRDs")
  set:bool("wait", "wait until resources are ready (helm --wait)")
  set:bool("wait-for-jobs", "wait until jobs complete (helm --wait-for-jobs)")
  set:int("timeout", "seconds helm waits for each operation", { arg = "SECONDS", default = 0 })
  set:bool("hide-notes", "don't print chart notes (helm >= 3.16)")
  set:bool("sync-release-labels", "sync release labels to the release record")
  set:string("cascade", "deletion cascading: background, orphan or foreground",
    { arg = "MODE", choices = { "background", "orphan", "foreground" } })
  set:string("description", "description recorded with the release", { arg = "TEXT" })
  set:string("track-mode", "how to wait for resources: helm, helm-legacy or kubedog",
    { arg = "MODE", choices = { "helm", "helm-legacy", "kubedog" } })
  set:int("track-timeout", "seconds to track resources (kubedog)", { arg = "SECONDS", default = 0 })
  set:bool("track-logs", "show container logs while tracking (kubedog)")
  set:bool("track-failed-logs", "show logs of failed containers (kubedog)")
  set:bool("track-fail-on-error", "fail as soon as a tracked resource fails (kubedog)")
  set:string("helm-stuck-grace", "how long a stuck helm may run before it is stopped",
    { arg = "DURATION" })
end

--- `--validate`, `--reuse-values`, `--reset-values`, `--take-ownership`, `--server-side`.
---@param set hfl.cli.FlagSet
function M.upgrade(set)
  set:bool("validate", "validate manifests against the cluster")
  set:bool("reuse-values", "reuse the release's last values (helm --reuse-values)")
  set:bool("reset-values", "reset values to the chart's defaults (helm --reset-values)")
  set:bool("take-ownership", "adopt resources that exist without a release (helm >= 3.17)")
  set:string("server-side", "server-side apply: true, false or auto (helm 4; bare: true)",
    { arg = "MODE", choices = { "true", "false", "auto" }, implicit = "true" })
end

--- `--args`: extra arguments for every helm call.
---@param set hfl.cli.FlagSet
function M.args(set)
  set:string("args", "extra arguments for every helm call", { arg = "ARGS" })
end

return M
