--- hfl.deploy.hooks: Helmfile's hooks (compat §7) — the `hooks:` of a state (global) and of a
--- release, run for an event in definition order.
---
---   local ok, err = hooks.run(session, { event = "presync", state = s, release = r,
---                                        command = "apply" })
---
--- A hook runs its command with its args (no shell: `command: bash` + `args: [-c, …]` is how a
--- hook gets one), both templated with Helmfile's data, in the state's directory, as its own
--- process group (a timeout or Ctrl-C reaches what it started), for at most `timeout` seconds.
--- Helmfile has no timeout; hfl's default is M.DEFAULT_TIMEOUT, HFL_HOOK_TIMEOUT (seconds, 0 =
--- none) changes it.
local value = require "hfl.value"
local proc = require "hfl.proc"
local group = require "hfl.group"

local M = {}

--- The events Helmfile fires (compat §7.2).
M.EVENTS = { "prepare", "preapply", "presync", "postsync", "preuninstall", "postuninstall", "cleanup" }

--- Seconds a hook may run when neither opts.timeout nor HFL_HOOK_TIMEOUT says otherwise: long
--- enough for the `kubectl wait --timeout=600s` chains real helmfiles put in hooks.
M.DEFAULT_TIMEOUT = 1800

-- Bytes of a hook's output kept for its failure report (the rest is still logged).
local KEEP = 256 * 1024

local FIELDS = { name = "string", events = "list", command = "string", args = "list",
  showlogs = "boolean", kubectlApply = "map", run = "function" }
local FIELD_NAMES = { "name", "events", "command", "args", "showlogs", "kubectlApply", "run" }

--- Whether HELMFILE_DISABLE_HOOKS is set to a true value (Go's strconv.ParseBool).
---@return boolean
function M.disabled()
  local v = os.getenv("HELMFILE_DISABLE_HOOKS")
  return v == "1" or v == "t" or v == "T" or v == "true" or v == "TRUE" or v == "True"
end

--- The hook timeout in seconds (nil: none): opts.timeout, else HFL_HOOK_TIMEOUT, else the default.
---@param timeout? number
---@return number|nil seconds, string|nil err
function M.timeout(timeout)
  if timeout == nil then
    local env = os.getenv("HFL_HOOK_TIMEOUT")
    if env and env ~= "" then
      timeout = tonumber(env)
      if not timeout or timeout < 0 then
        return nil, ("HFL_HOOK_TIMEOUT=%q: want a number of seconds (0: no timeout)"):format(env)
      end
    else
      timeout = M.DEFAULT_TIMEOUT
    end
  end
  if timeout == 0 then return false end
  return timeout
end

local function scalar_text(v)
  local k = value.kind(v)
  if k == "string" then return v end
  if k == "int" or k == "float" or k == "bool" or type(v) == "number" or type(v) == "boolean" then
    return tostring(v)
  end
end

-- A hook entry as written → { name, events, command, args, showlogs, kubectl }, or nil, err.
local function check(entry, where)
  local function fail(msg) return nil, ("%s: hooks: %s"):format(where(), msg) end
  if value.kind(entry) ~= "map" then return fail("each hook must be a map, not " .. value.kind(entry)) end
  for _, k in ipairs(value.keys(entry)) do
    local want = FIELDS[k]
    if not want then
      return fail(("unknown field %q%s"):format(tostring(k),
        require("hfl.suggest").hint(tostring(k), FIELD_NAMES)))
    end
    local v, kind = entry[k], value.kind(entry[k])
    if not value.is_null(v) then
      local ok = (want == "string" and scalar_text(v) ~= nil) or (want == "boolean" and kind == "bool")
        or (want == "list" and kind == "list") or (want == "map" and kind == "map")
        or (want == "function" and type(v) == "function")
      if not ok then
        if want == "function" then
          return fail(("field \"run\" must be a Lua function (helmfile.lua only), not %s"):format(kind))
        end
        return fail(("field %q must be a %s, not %s"):format(k, want, kind))
      end
    end
  end
  local h = { name = scalar_text(entry.name) or "", command = scalar_text(entry.command) or "",
    showlogs = entry.showlogs == true, events = {}, args = {} }
  for _, list in ipairs { "events", "args" } do
    for i, v in ipairs(value.is_null(entry[list]) and {} or entry[list] or {}) do
      local s = scalar_text(v)
      if not s then return fail(("%s[%d] must be a string, not %s"):format(list, i - 1, value.kind(v))) end
      h[list][i] = s
    end
  end
  if type(entry.run) == "function" then
    if h.command ~= "" or value.kind(entry.kubectlApply) == "map" then
      return fail("a hook has either run (a Lua function) or command/kubectlApply, not both")
    end
    h.run = entry.run
  end
  if value.kind(entry.kubectlApply) == "map" then
    h.kubectl = {}
    for _, k in ipairs(value.keys(entry.kubectlApply)) do
      h.kubectl[k] = scalar_text(entry.kubectlApply[k]) or ""
    end
  end
  return h
end

--- The hooks of a release (release given) or the state's global ones, checked.
---@param s table  a loaded state file
---@param r? table  a Release
---@return table[]|nil hooks, string|nil err
function M.list(s, r)
  local raw = r and r.hooks or (not r and s.doc and s.doc.hooks) or nil
  if value.is_null(raw) then return {} end
  -- "file:line" only for an error: finding a release's line may mean tracing its template
  local function where()
    if r then return r.where or s.name or "?" end
    return s.where and s:where(s.doc, "hooks") or s.name or "?"
  end
  if value.kind(raw) ~= "list" then
    return nil, ("%s: hooks must be a list, not %s"):format(where(), value.kind(raw))
  end
  local out = {}
  for i, entry in ipairs(raw) do
    local h, err = check(entry, where)
    if not h then return nil, err end
    out[i] = h
  end
  return out
end

local function go_field(k)
  if k == "setTemplate" then return "SetValuesTemplate" end
  return k:sub(1, 1):upper() .. k:sub(2)
end

-- `.Release`: Helmfile hands the release's spec (Go field names), so every field written is
-- there and the usual ones are there even when not written.
local function release_data(r)
  local out = value.map { Name = r.name or "", Namespace = r.namespace or "", Chart = r.chart or "",
    Version = r.version or "", KubeContext = r.kubeContext or "", Labels = r.labels or value.map() }
  local spec = rawget(r, "spec")
  if type(spec) == "table" then
    for _, k in ipairs(value.keys(spec)) do
      local f = go_field(k)
      if out[f] == nil then out[f] = spec[k] end
    end
  end
  return out
end

--- The data a hook's command and args are rendered with (compat §7.3).
---@param s table  a loaded state file
---@param r? table  a Release (nil: a global hook, without .Values and .Release)
---@param event string
---@param command string  the hfl command (Helmfile's .HelmfileCommand)
---@param err? string  the event's error (.Event.Error)
---@return table data
function M.data(s, r, event, command, err)
  local env = s.environment or {}
  local data = value.map {
    Environment = value.map { Name = env.name or "default", KubeContext = env.kubeContext or "",
      Values = env.values or value.map() },
    Namespace = s.namespace or "",
    Event = value.map { Name = event, Error = err or value.null },
    HelmfileCommand = command or "",
  }
  if r then
    data.Values = s.values or value.map()
    data.Release = release_data(r)
  end
  return data
end

local function render(s, text, data)
  if not text:find("{{", 1, true) then return text end
  if s.render then return s:render(text, data, "stringTemplate") end
  return require("hfl.tmpl").render(text, data,
    { name = "stringTemplate", basedir = s.dir, missingkey = "error" })
end

-- Helmfile's indent: every non-empty line prefixed, empty lines dropped.
local function indent(text)
  local out = {}
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    if line ~= "" then out[#out + 1] = "  " .. line end
  end
  return table.concat(out, "\n")
end

-- Helmfile's report of a command that exited non-zero (pkg/helmexec newExitError).
local function exit_report(path, argv, why, code, stderr, combined)
  local out = { ("PATH:\n%s"):format(indent(path)), "\n\nARGS:" }
  for i, a in ipairs(argv) do out[#out + 1] = "\n" .. indent(("%d: %s (%d bytes)"):format(i - 1, a, #a)) end
  out[#out + 1] = ("\n\nERROR:\n%s"):format(indent(why))
  out[#out + 1] = ("\n\nEXIT STATUS\n%s"):format(indent(tostring(code)))
  if stderr ~= "" then out[#out + 1] = ("\n\nSTDERR:\n%s"):format(indent(stderr)) end
  if combined ~= "" then out[#out + 1] = ("\n\nCOMBINED OUTPUT:\n%s"):format(indent(combined)) end
  return ("command %q exited with non-zero status:\n\n%s"):format(path, table.concat(out))
end

local function signal_name(n)
  return ({ [2] = "interrupt", [9] = "killed", [15] = "terminated" })[n] or ("signal " .. tostring(n))
end

-- Runs a hook's Lua function (helmfile.lua's `run = function(release, event) … end`) in the
-- sandbox of its file; a raised error fails the hook, naming the line.
local function run_function(session, h, ctx)
  local name = h.name ~= "" and h.name or "lua"
  session.log.debug("hook[%s]: triggered by event \"%s\"", name, ctx.event)
  local release = ctx.release and require("hfl.state.luafunc").release_view(ctx.release) or nil
  local ok, err = h.run(release, ctx.event)
  if ok then return true end
  return nil, session:mask(("hook[%s]: Lua function failed: %s"):format(name, tostring(err)))
end

-- Runs one hook; true, or nil and Helmfile's `hook[NAME]: …` error.
local function run_one(session, s, h, ctx)
  if h.run then return run_function(session, h, ctx) end
  local log = session.log
  local name = h.name
  if name == "" then name = h.kubectl and "kubectlApply" or h.command end
  local command, args = h.command, h.args
  if h.kubectl then
    if command ~= "" then log.warn("warn: ignoring command '%s' given within a kubectlApply hook", command) end
    command = session.kubectl_binary or "kubectl"
    local file, kust = h.kubectl.filename, h.kubectl.kustomize
    if file and kust then return nil, ("hook[%s]: kustomize & filename cannot be used together"):format(name) end
    if not file and not kust then return nil, ("hook[%s]: either kustomize or filename must be given"):format(name) end
    args = file and { "apply", "-f", file } or { "apply", "-k", kust }
  end
  log.debug("hook[%s]: stateFilePath=%s, basePath=%s", name, s.path or "", s.dir or "")
  log.debug("hook[%s]: triggered by event \"%s\"", name, ctx.event)
  local data = M.data(s, ctx.release, ctx.event, ctx.command, ctx.error)
  local err
  command, err = render(s, command, data)
  if not command then return nil, ("hook[%s]: %s"):format(name, err) end
  local argv = { command }
  for i, a in ipairs(args) do
    argv[i + 1], err = render(s, a, data)
    if not argv[i + 1] then return nil, ("hook[%s]: %s"):format(name, err) end
  end
  if command == "" then return nil, ("hook[%s]: no command given"):format(name) end
  local function failed(why)  -- its output may echo a secret the hook was given
    return nil, session:mask(("hook[%s]: command `%s` failed: %s"):format(name, command, why))
  end

  local kept, size = {}, 0
  local function keep(line)
    if size < KEEP then kept[#kept + 1] = line; size = size + #line + 1 end
  end
  local prefix = ("hook[%s] logs | "):format(ctx.event)
  local on_stdout = function(line)
    keep(line)
    if h.showlogs then log.info("%s%s", prefix, line) else log.debug("hook[%s]: %s", name, line) end
  end
  local opts = { cwd = s.dir, group = true, timeout = ctx.timeout or nil, on_stdout = on_stdout }
  for i, a in ipairs(argv) do opts[i] = a end
  local res, perr = proc.run(opts)
  if not res then return failed(perr) end
  if res.ok then return true end
  local stdout = table.concat(kept, "\n")
  if stdout ~= "" then stdout = stdout .. "\n" end
  local stderr = res.stderr or ""
  if res.timed_out then
    return failed(("timed out after %gs (hfl's hook timeout: set HFL_HOOK_TIMEOUT to change it)")
      :format(ctx.timeout))
  end
  local why = res.signal and ("signal: " .. signal_name(res.signal)) or ("exit status " .. tostring(res.code))
  local path = require("hfl.tools").which(command, s.dir) or command
  local full = { path }
  for i = 2, #argv do full[i] = argv[i] end
  return failed(exit_report(path, full, why, res.code or -1, stderr, stdout .. stderr))
end

--- Runs the hooks of a release (opts.release) or the state's global hooks (opts.release nil)
--- that listen to opts.event, in definition order; the first failure stops the rest.
--- With HELMFILE_DISABLE_HOOKS true, a release or state that has any hook is an error.
---@param session hfl.Session
---@param opts {event: string, state: table, release?: table, command?: string, error?: string,
---   timeout?: number}
---@return true|nil ok, string|nil err, integer|nil ran  how many hooks ran
function M.run(session, opts)
  if type(opts) ~= "table" or type(opts.event) ~= "string" or type(opts.state) ~= "table" then
    error("hfl.deploy.hooks.run: want { event = string, state = table, … }", 2)
  end
  local list, err = M.list(opts.state, opts.release)
  if not list then return nil, err end
  if #list == 0 then return true, nil, 0 end
  if M.disabled() then return nil, "HELMFILE_DISABLE_HOOKS is active, hooks are disabled" end
  local timeout
  timeout, err = M.timeout(opts.timeout)
  if timeout == nil then return nil, err end
  local ctx = { event = opts.event, release = opts.release, command = opts.command,
    error = opts.error, timeout = timeout }
  local ran = 0
  for _, h in ipairs(list) do
    local listens = false
    for _, e in ipairs(h.events) do listens = listens or e == opts.event end
    if listens then
      local ok, herr = run_one(session, opts.state, h, ctx)
      -- a workflow watching hooks (hfl.deploy.run's on_hook) hears of each one
      if session.on_hook then session.on_hook(opts.event, opts.release, ok == true, herr) end
      if not ok then return nil, herr end
      ran = ran + 1
    end
  end
  return true, nil, ran
end

--- body() between the state's global `prepare` and `cleanup` hooks, as Helmfile runs every
--- state command (pkg/app/run.go WithPreparedCharts): global prepare, then before() (the
--- charts' preparation: release `prepare` hooks), then body(), then global cleanup. A failing
--- prepare or before() skips the rest, cleanup included; cleanup runs after a failed body too
--- and sees its error as .Event.Error. A hook's error is prefixed "in FILE: ".
---@param session hfl.Session
---@param s table  a loaded state file
---@param command string
---@param body fun(): any, any  returns a result, or nil and an error
---@param before? fun(): any, any  returns true, or nil and an error
---@return any result, string|nil err
function M.around(session, s, command, body, before)
  -- which state file a failing hook belongs to, as Helmfile says it ("in ./helmfile.yaml: …")
  local function in_state(err) return ("in %s: %s"):format(s.name or s.path or "?", err) end
  local ok, err = M.run(session, { event = "prepare", state = s, command = command })
  if not ok then return nil, in_state(err) end
  if before then
    ok, err = before()
    if not ok then return nil, in_state(err) end
  end
  local res, berr = body()
  ok, err = M.run(session, { event = "cleanup", state = s, command = command,
    error = res == nil and berr or nil })
  if res == nil then
    if not ok then return nil, tostring(berr) .. "\n" .. in_state(err) end
    return nil, berr
  end
  if not ok then return nil, in_state(err) end
  return res
end

--- body() between the global `prepare`/`cleanup` hooks of several state files at once (a
--- deploy over one graph of every state file): each state's global prepare and its releases'
--- prepare hooks in state order, then body(), then each state's global cleanup (seeing body's
--- error as .Event.Error). A failing prepare skips body and every cleanup.
---@param session hfl.Session
---@param releases table[]  the run's releases, in plan order
---@param command string
---@param body fun(): any, any
---@return any result, string|nil err
function M.around_states(session, releases, command, body)
  local groups = group.by(releases, function(r) return r.state end)
  for _, g in ipairs(groups) do
    local s = g.key
    local ok, err = M.run(session, { event = "prepare", state = s, command = command })
    if ok then ok, err = M.prepare(session, s, g.items, command) end
    if not ok then return nil, ("in %s: %s"):format(s.name or s.path or "?", err) end
  end
  local res, berr = body()
  local errors = {}
  for _, g in ipairs(groups) do
    local ok, err = M.run(session, { event = "cleanup", state = g.key, command = command,
      error = res == nil and berr or nil })
    if not ok then errors[#errors + 1] = ("in %s: %s"):format(g.key.name or g.key.path or "?", err) end
  end
  if res == nil then
    if #errors > 0 then return nil, tostring(berr) .. "\n" .. table.concat(errors, "\n") end
    return nil, berr
  end
  if #errors > 0 then return nil, table.concat(errors, "\n") end
  return res
end

--- The release `prepare` hooks of a state's releases (the ones Helmfile prepares charts for:
--- enabled and `installed` not false), in order; the first failure is the error.
---@param session hfl.Session
---@param s table
---@param releases table[]
---@param command string
---@return true|nil ok, string|nil err
function M.prepare(session, s, releases, command)
  for _, r in ipairs(releases) do
    if r.enabled ~= false and r:desired() then
      local ok, err = M.run(session, { event = "prepare", state = s, release = r, command = command })
      if not ok then return nil, err end
    end
  end
  return true
end

return M
