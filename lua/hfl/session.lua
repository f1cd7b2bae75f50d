--- hfl.session: the context of one run. It owns what would otherwise be per-process state:
--- repository indexes, dependency builds, lock files and OCI clients already read, the
--- downloads in flight, the helm binary and its detected version, the concurrency limit and the
--- log sink. Everything hfl.load returns works through the Session it was given (or a fresh
--- one), so two loads in one process each see the files as they are when they run, and a
--- workflow that wants to share work between loads passes one Session to both.
---
---   local session = require("hfl.session").new{ helm_binary = "helm3", concurrency = 4 }
---   local st = hfl.load{ file = "helmfile.yaml", session = session }
local proc = require "hfl.proc"
local taint = require "hfl.taint"
local trim = require "hfl.trim"

local M = {}

---@class hfl.Session
---@field helm_binary string      the helm executable (default "helm")
---@field kubectl_binary string   the kubectl executable that reads release records (default "kubectl")
---@field kustomize_binary string|nil  kustomize for chartify (--kustomize-binary); nil: the state's kustomizeBinary, else "kustomize"
---@field kube_client string      "http" (hfl.kube reads the API server, default) or "kubectl"
---@field concurrency integer     at most this many releases/charts at once (0: unlimited)
---@field skip_refresh boolean    use stored repository indexes without asking the server
---@field skip_deps boolean       leave local charts' dependencies as they are
---@field kube_context string|nil
---@field kubeconfig string|nil
---@field log hfl.Logger          where warnings and progress go
local Session = {}
Session.__index = Session
M.Session = Session

local OPTIONS = {
  helm_binary = "string", kubectl_binary = "string", concurrency = "number", skip_refresh = "boolean", skip_deps = "boolean",
  kube_context = "string", kubeconfig = "string", log = "table", cache_root = "string",
  repo_retries = "number", kube_client = "string", kustomize_binary = "string",
}

local KUBE_CLIENTS = { http = true, kubectl = true }

--- A logger that keeps warnings (st.session.log.warnings) and drops the rest: what an
--- embedding program gets when it passes no log sink, so the API never writes to stderr.
---@return hfl.Logger
function M.quiet_log()
  local warnings = {}
  local function keep(fmt, ...)
    warnings[#warnings + 1] = select("#", ...) > 0 and fmt:format(...) or tostring(fmt)
  end
  local function drop() end
  return { debug = drop, info = drop, warn = keep, error = keep, warnings = warnings }
end

--- A new run context. Unknown option keys and wrong types raise.
---@param opts? {helm_binary?: string, kubectl_binary?: string, concurrency?: integer, skip_refresh?: boolean,
---   skip_deps?: boolean, kube_context?: string, kubeconfig?: string, log?: hfl.Logger, kustomize_binary?: string,
---   cache_root?: string, repo_retries?: integer, kube_client?: "http"|"kubectl"}
---@return hfl.Session
function M.new(opts)
  opts = opts or {}
  if type(opts) ~= "table" then error("hfl.session.new: options must be a table", 2) end
  for k, v in pairs(opts) do
    local want = OPTIONS[k]
    if not want then error(("hfl.session.new: unknown option %q"):format(tostring(k)), 2) end
    if type(v) ~= want then
      error(("hfl.session.new: option %q must be a %s, got %s"):format(k, want, type(v)), 2)
    end
  end
  if opts.kube_client and not KUBE_CLIENTS[opts.kube_client] then
    error(("hfl.session.new: option kube_client must be \"http\" or \"kubectl\", got %q"):format(
      opts.kube_client), 2)
  end
  local s = setmetatable({
    kube_client = opts.kube_client or "http",
    helm_binary = opts.helm_binary or "helm",
    kubectl_binary = opts.kubectl_binary or "kubectl",
    kustomize_binary = opts.kustomize_binary,
    concurrency = opts.concurrency or 0,
    skip_refresh = opts.skip_refresh == true,
    skip_deps = opts.skip_deps == true,
    kube_context = opts.kube_context,
    kubeconfig = opts.kubeconfig,
    cache_root = opts.cache_root,
    repo_retries = opts.repo_retries or 0,
    log = opts.log or M.quiet_log(),
    _flights = {},
    _memo = {},
    -- made here, never lazily: per-task views of the session (setmetatable({log=…},
    -- {__index=session})) must reach this one registry
    _taint = taint.new(),
  }, Session)
  s._sem = proc.semaphore(s.concurrency)
  return s
end

--- Runs fn() once per (kind, key) in this session and returns its results to every caller:
--- a caller arriving while the first one works waits for it. With forget_failure, a call that
--- returned nil is not kept, so the next caller tries again (a repository that was down).
---@param kind string   what is being done ("index", "deps", …)
---@param key string
---@param fn fun(): any, any
---@param forget_failure? boolean
---@return any, any
function Session:once(kind, key, fn, forget_failure)
  local flights = self._flights[kind]
  if not flights then
    flights = {}
    self._flights[kind] = flights
  end
  local slot = flights[key]
  if slot then
    if not slot.done then return slot.event:wait() end
    return slot.a, slot.b
  end
  slot = { event = proc.event() }
  flights[key] = slot
  local ok, a, b = pcall(fn)
  if not ok then
    flights[key] = nil
    slot.event:fire(nil, tostring(a))
    error(a, 0)
  end
  slot.done, slot.a, slot.b = true, a, b
  if forget_failure and a == nil then flights[key] = nil end
  slot.event:fire(a, b)
  return a, b
end

--- Forgets what once kept for (kind, key): the next caller runs its function again (a lock
--- file this session rewrote).
---@param kind string
---@param key string
function Session:forget(kind, key)
  local flights = self._flights[kind]
  if flights and flights[key] and flights[key].done then flights[key] = nil end
end

--- Like once, but only for callers that overlap: once fn() returned, the next caller runs it
--- again (the download cache, whose entries are on disk once filled).
---@return any, any
function Session:in_flight(kind, key, fn)
  local flights = self._flights[kind]
  if not flights then
    flights = {}
    self._flights[kind] = flights
  end
  local ev = flights[key]
  if ev then return ev:wait() end
  ev = proc.event()
  flights[key] = ev
  local ok, a, b = pcall(fn)
  flights[key] = nil
  if not ok then
    ev:fire(nil, tostring(a))
    error(a, 0)
  end
  ev:fire(a, b)
  return a, b
end

--- A value kept for the rest of the session (e.g. an OCI client per registry and credentials).
---@param kind string
---@param key string
---@param make fun(): any
---@return any
function Session:memo(kind, key, make)
  local t = self._memo[kind]
  if not t then
    t = {}
    self._memo[kind] = t
  end
  local v = t[key]
  if v == nil then
    v = make()
    t[key] = v
  end
  return v
end

--- The concurrency limit, or `default` when the session sets none: for work that stays
--- bounded even then (downloads, state files loading).
---@param default integer
---@return integer
function Session:bounded(default)
  return self.concurrency > 0 and self.concurrency or default
end

--- fn(item, i) for every item, at most `concurrency` at once; results in order.
---@param items any[]
---@param fn fun(item: any, i: integer): any
---@param limit? integer  overrides the session's concurrency (0: unlimited)
---@return any[]
function Session:map(items, fn, limit)
  local n = limit or self.concurrency
  return proc.map(items, n, fn)
end

--- Runs fn(...) holding one of the session's `concurrency` slots (shared by every part of the
--- run: helm processes of all releases together never exceed --concurrency); returns its values.
---@param fn function
---@return any
function Session:limited(fn, ...)
  return self._sem:with(fn, ...)
end

--- The helm binary and its major version ("3" or "4"), found by running `helm version` once
--- (its answer is kept in the cache directory for the next runs: hfl.helm.versioncache).
---@return table|nil helm {binary=, version=, major=}, string|nil err
function Session:helm()
  return self:once("helm", self.helm_binary, function()
    local versions = require "hfl.helm.versioncache"
    local out, key = versions.lookup(self.helm_binary)
    if not out then
      local res, err = proc.run { self.helm_binary, "version", "--short" }
      if not res then
        err = tostring(err)
        if not err:find("cannot run", 1, true) then err = ("cannot run %q: %s"):format(self.helm_binary, err) end
        return nil, err .. ": install Helm 3 or 4 (https://helm.sh/docs/intro/install/) or name "
          .. "the binary with --helm-binary or HELMFILE_HELM_BINARY"
      end
      if res.code ~= 0 or not (res.stdout or ""):match("v(%d+%.%d+%.%d+)") then
        return nil, ("%s version --short failed: %s"):format(self.helm_binary,
          trim.right((res.stderr or "") .. (res.stdout or "")))
      end
      out = res.stdout
      if key then versions.store(key, out) end
    end
    local v = out:match("v(%d+%.%d+%.%d+)")
    return { binary = self.helm_binary, version = v, major = v:match("^(%d+)") }
  end)
end

-- A Lua API user may never call close(): the directory (kubeconfig key files, values) then
-- goes when the session is collected or the Lua state closes, unless it is to be kept.
local function removal_guard(session, dir)
  local fs = require "hfl.fs"
  local guard = newproxy(true)
  getmetatable(guard).__gc = function()
    if session._tempdir == dir and not session._keep_tempdir then fs.rm_r(dir, fs.dirname(dir)) end
  end
  return guard
end

--- A private directory for this run's temporary files (mkdtemp, mode 0700), created on first
--- use; `close()` removes it.
---@return string|nil dir, string|nil err
function Session:tempdir()
  if self._tempdir then return self._tempdir end
  local fs = require "hfl.fs"
  local dir, err = fs.mkdtemp("hfl-run-XXXXXX")
  if not dir then return nil, ("cannot create a temporary directory: %s"):format(err) end
  self._tempdir = dir
  self._tempdir_guard = removal_guard(self, dir)
  return dir
end

--- Makes close() leave the tempdir in place and say where it is (`--skip-cleanup`).
function Session:keep_tempdir()
  self._keep_tempdir = true
end

--- Removes what the session left behind (its tempdir). Idempotent; the CLI calls it on every
--- exit path, errors and interrupts included. A later tempdir() makes a new directory.
function Session:close()
  local dir = self._tempdir
  self._tempdir, self._tempdir_guard = nil, nil
  if dir and self._keep_tempdir then
    self.log.info("temporary files kept in %s", dir)
  elseif dir then
    local fs = require "hfl.fs"
    local ok, err = fs.rm_r(dir, fs.dirname(dir))
    if not ok then self.log.warn("cannot remove %s: %s", dir, tostring(err)) end
  end
end

--- The prerelease rule of chart version ranges (hfl.semver): Helm 3's when the helm binary is
--- Helm 3, else Helm 4's (also when helm cannot run: hfl selects charts without it).
---@return string rule  "helm3" | "helm4"
function Session:prerelease_rule()
  local helm, err = self:helm()
  if not helm then
    self.log.debug("%s; choosing chart versions by Helm 4's prerelease rule", err)
    return "helm4"
  end
  return require("hfl.semver").rule_for_helm(helm.major)
end

--- Registers a value that came from a secret source (a decrypted `secrets:` file, an
--- environment's secrets, fetchSecretValue/expandSecretRefs): a string, or every string in a
--- table. From then on mask() hides it (and its base64 form) wherever it appears. Strings
--- shorter than hfl.taint.MIN_LENGTH bytes are not masked (see hfl.taint).
---@param v any
function Session:taint(v)
  self._taint:add(v)
end

--- The text with every tainted string replaced by "<redacted>" ("" stays ""): what hfl shows
--- or writes for users (logs, errors, the plan, the report) goes through it.
---@param text string
---@return string
function Session:mask(text)
  return self._taint:mask(text)
end

--- Whether `x` is a Session.
---@return boolean
function M.is(x)
  return getmetatable(x) == Session
end

return M
