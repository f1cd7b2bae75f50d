--- What every state command shares: the Session from the global flags, the State they name,
--- and Helmfile's "no releases found" outcome. The only place that turns an invocation into
--- hfl.load options.
local log = require "hfl.log"

local M = {}

local function given(s)
  if s == nil or s == "" then return nil end
  return s
end

--- The log sink of the command line: hfl.log on stderr, at the level of --log-level. With a
--- session, every message is masked (session:mask) before it is written.
---@param session? hfl.Session
---@return hfl.Logger
function M.logger(session)
  if not session then return { debug = log.debug, info = log.info, warn = log.warn, error = log.error } end
  local function masked(level)
    local write = log[level]
    return function(fmt, ...)
      if not log.enabled(level) then return end
      local msg = select("#", ...) > 0 and fmt:format(...) or tostring(fmt)
      write("%s", session:mask(msg))
    end
  end
  return { debug = masked("debug"), info = masked("info"), warn = masked("warn"), error = masked("error") }
end

--- The run's Session, from the global flags (--helm-binary, --concurrency, --skip-refresh, …).
---@param inv hfl.cli.Invocation
---@return hfl.Session
function M.session(inv)
  local g = inv.global or {}
  local session = require("hfl.session").new {
    helm_binary = given(g.helm_binary), kubectl_binary = given(g.kubectl_binary), concurrency = g.concurrency,
    kube_client = given(g.kube_client),
    -- the flag's default leaves the choice to the state's kustomizeBinary
    kustomize_binary = g.kustomize_binary ~= "kustomize" and given(g.kustomize_binary) or nil,
    skip_refresh = g.skip_refresh == true, skip_deps = g.skip_deps == true,
    kube_context = given(g.kube_context), kubeconfig = given(g.kubeconfig),
  }
  session.log = M.logger(session)
  -- the CLI closes every session it made when the run ends, however it ends
  if inv.sessions then inv.sessions[#inv.sessions + 1] = session end
  return session
end

--- The hfl.load options of an invocation (global flags -f, -e, -l, --state-values-*, -n,
--- --kube-context, --chart).
---@param inv hfl.cli.Invocation
---@return table
function M.load_options(inv)
  local g = inv.global or {}
  return {
    file = given(g.file), environment = g.environment or "default", selectors = g.selector or {},
    state_values_set = g.state_values_set, state_values_set_string = g.state_values_set_string,
    state_values_files = g.state_values_file, namespace = given(g.namespace),
    kube_context = given(g.kube_context), chart = given(g.chart), session = M.session(inv),
  }
end

--- The hfl.helm options every helm-running command shares: --set, --values (made absolute
--- against the working directory), --args and the global --debug.
---@param inv hfl.cli.Invocation
---@return table
function M.helm_options(inv)
  local o, fs = inv.options or {}, require "hfl.fs"
  local values = {}
  for i, v in ipairs(o.values or {}) do values[i] = fs.abs(v, fs.cwd()) end
  return { set = o.set, values = values, args = given(o.args),
    debug = (inv.global or {}).debug == true }
end

--- Helmfile's outcome when nothing matched: its message on stderr and exit 3, or 0 with
--- --allow-no-matching-release.
---@param message string
---@param inv hfl.cli.Invocation
---@return integer code
function M.no_match(message, inv)
  io.stderr:write(log.paint("hfl:", "red") .. " " .. message .. "\n")
  return (inv.global or {}).allow_no_matching_release and 0 or 3
end

--- Loads the invocation's state. Returns the State, or nil and an error, or nil, nil and the
--- exit code when no state defines the environment (Helmfile skips such states: a warning per
--- state, then its "no releases found" outcome).
---@param inv hfl.cli.Invocation
---@return table|nil st, string|nil err, integer|nil code
function M.load(inv)
  local opts = M.load_options(inv)
  local st, err, why = require("hfl.state").load(opts)
  if st then return st end
  if not (why and why.undefined_environment) then return nil, err end
  for _, sk in ipairs(why.skipped) do log.warn("%s (skipping this state file)", sk.error) end
  return nil, nil, M.no_match(require("hfl.state").no_match_message(opts.selectors, opts.environment), inv)
end

return M
