--- Helmfile's global flags (compat §5.1), their environment fallbacks (Appendix B) and the
--- checks and derived settings that apply once the whole command line is parsed.
local flagset = require "hfl.cli.flagset"
local parser = require "hfl.cli.parser"

local M = {}

local LOG_LEVELS = { "debug", "info", "warn", "error" }

--- The global flag set. Accepted before or after the command.
---@return hfl.cli.FlagSet
function M.flags()
  local g = flagset.new(nil)
  g:string("file", "load state from FILE or DIR (default: helmfile.yaml[.gotmpl], helmfile.d/)",
    { short = "f", arg = "FILE", env = "HELMFILE_FILE_PATH" })
  g:string("environment", "environment name for the state",
    { short = "e", arg = "NAME", default = "default", env = "HELMFILE_ENVIRONMENT" })
  g:list("selector", "only releases matching KEY=VALUE[,KEY!=VALUE] (repeat to OR them)",
    { short = "l", arg = "SELECTOR" })
  g:list("state-values-set", "set state values: KEY=VALUE[,KEY=VALUE]",
    { arg = "KEY=VALUE" })
  g:list("state-values-set-string", "set state values as strings: KEY=VALUE",
    { arg = "KEY=VALUE" })
  g:list("state-values-file", "merge FILE into the state values", { arg = "FILE" })
  g:string("namespace", "force this namespace on every release",
    { short = "n", arg = "NAME", env = "HELMFILE_NAMESPACE" })
  g:string("kube-context", "force this kube context on every release",
    { arg = "NAME", env = "HELMFILE_KUBE_CONTEXT" })
  g:string("kubeconfig", "pass --kubeconfig PATH to every helm call", { arg = "PATH" })
  g:string("chart", "force this chart on every release", { short = "c", arg = "CHART" })
  g:string("helm-binary", "helm executable to run",
    { short = "b", arg = "PATH", default = "helm", env = "HELMFILE_HELM_BINARY" })
  g:string("kubectl-binary", "kubectl executable that reads Helm's release records",
    { arg = "PATH", default = "kubectl", env = "HFL_KUBECTL" })
  g:string("kube-client", "how to read the cluster: http (the API server, directly) or kubectl",
    { arg = "CLIENT", default = "http", choices = { "http", "kubectl" }, env = "HFL_KUBE_CLIENT" })
  g:string("kustomize-binary", "kustomize executable to run",
    { short = "k", arg = "PATH", default = "kustomize", env = "HELMFILE_KUSTOMIZE_BINARY" })
  g:int("concurrency", "at most N helm processes at once (0: unlimited)", { default = 0 })
  M._output_flags(g)
  M._behaviour_flags(g)
  g:bool("help", "show help for hfl or the command", { short = "h" })
  g:bool("version", "print hfl's version", { short = "v" })
  return g
end

function M._output_flags(g)
  g:bool("color", "always colour the output")
  g:bool("no-color", "never colour the output (also NO_COLOR non-empty, HELMFILE_NO_COLOR=true)",
    { env = "HELMFILE_NO_COLOR" })
  g:bool("debug", "log debug messages and pass --debug to helm", { env = "HELMFILE_DEBUG" })
  g:string("log-level", "log level: debug, info, warn or error",
    { arg = "LEVEL", default = "info", choices = LOG_LEVELS, env = "HELMFILE_LOG_LEVEL" })
  g:bool("quiet", "log warnings and errors only", { short = "q", env = "HELMFILE_QUIET" })
  g:bool("enable-live-output", "stream helm's output as it runs (never for template)")
  g:bool("strip-args-values-on-exit-error", "hide --set values when reporting a helm failure",
    { default = true })
end

function M._behaviour_flags(g)
  g:bool("interactive", "ask before changing releases (apply, sync, destroy)",
    { short = "i", env = "HELMFILE_INTERACTIVE" })
  g:bool("allow-no-matching-release", "exit 0 when the selector matches no release")
  g:bool("skip-deps", "don't add repositories or build chart dependencies")
  g:bool("skip-refresh", "don't add repositories; build dependencies with --skip-refresh")
  g:bool("disable-force-update", "don't pass --force-update when adding repositories")
  g:int("repo-retries", "retry repository add/update/login N times",
    { default = 0, env = "HELMFILE_REPO_RETRIES" })
  g:bool("oci-plain-http", "use plain HTTP for OCI registries (helm 4)")
  g:bool("enforce-plugin-verification", "fail init when a helm plugin cannot be verified")
  g:bool("sequential-helmfiles", "process sub-helmfiles one at a time")
end

local function _env_value(flag, getenv)
  local raw = getenv(flag.env)
  if raw == nil then return nil end
  if flag.kind == "bool" then return raw == "true" or nil end
  if flag.kind == "int" then return tonumber(raw) end
  if raw == "" then return nil end
  return raw
end

--- Fills flags absent from the command line from their environment variables.
---@param set hfl.cli.FlagSet
---@param values table
---@param explicit table<string, boolean>
---@param getenv fun(name: string): string|nil
---@return string|nil err
function M.apply_env(set, values, explicit, getenv)
  for _, flag in ipairs(set.flags) do
    if flag.env and not explicit[flag.long] then
      local v = _env_value(flag, getenv)
      if v ~= nil and flag.choices then
        local _, err = parser.convert(flag, v)
        if err then return flag.env .. ": " .. err end
      end
      if v ~= nil then values[flag.key] = v end
    end
  end
  -- no-color.org: only a non-empty NO_COLOR turns colour off.
  local no_color = getenv("NO_COLOR")
  if no_color ~= nil and no_color ~= "" and not explicit["no-color"] then values.no_color = true end
end

--- Checks combinations and adds the derived settings `color_mode` ("always", "never" or
--- "auto") and the effective `log_level` (--debug wins over -q, -q over --log-level).
---@param values table  the global options
---@param explicit table<string, boolean>
---@return string|nil err
function M.finish(values, explicit)
  if explicit.color and explicit["no-color"] then
    return "--color and --no-color cannot be used together"
  end
  if values.concurrency < 0 then return "--concurrency must be 0 or more" end
  if values.color then
    values.color_mode = "always"
  elseif values.no_color then
    values.color_mode = "never"
  else
    values.color_mode = "auto"
  end
  if values.debug then
    values.log_level = "debug"
  elseif values.quiet then
    values.log_level = "warn"
  end
end

return M
