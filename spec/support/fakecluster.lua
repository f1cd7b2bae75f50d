--- The fake cluster for fast specs and benchmarks (spec/support/fakecluster/: helm and kubectl
--- shims over release records kept in Helm's own format, see the top of fakecluster/helm, and
--- a small API server, fakecluster/apiserver.py, that serves the same records to hfl.kube on
--- 127.0.0.1; env() points KUBECONFIG at it: one context per store context, "default" current).
---
---   local fakecluster = require "spec.support.fakecluster"
---   local fc = fakecluster.new { helm = 4, delay = 0.2 }      -- in setup()/before_each()
---   local code, out, err = fc:hfl({ "apply" }, { cwd = dir })  -- ./hfl with the shims first on PATH
---   fc:preset { name = "api", namespace = "apps", chart = "web", version = "1.0.0" }
---   local calls = fc:calls()    -- { {tool="helm", argv={…}, pid=, start=, ["end"]=, code=} … }
---   fc:cleanup()
local fs = require "hfl.fs"
local json = require "hfl.stdlib.json"
local proc = require "hfl.proc"
local value = require "hfl.value"
local store = require "spec.support.fakecluster.store"
local hflrun = require "spec.support.hflrun"

local M = {}

local ROOT = debug.getinfo(1, "S").source:sub(2):match("^(.*)/spec/support/") or "."
if ROOT:sub(1, 1) ~= "/" then ROOT = (os.getenv("PWD") or ".") .. "/" .. ROOT:gsub("^%./", "") end
if ROOT:sub(-2) == "/." then ROOT = ROOT:sub(1, -3) end

--- The directory holding the `helm` and `kubectl` shims (put it first on PATH).
M.BIN = ROOT .. "/spec/support/fakecluster"

local FakeCluster = {}
FakeCluster.__index = FakeCluster

--- A new, empty fake cluster in a fresh temp directory.
---@param opts? {helm?: 3|4, render?: boolean, delay?: number, delays?: table<string, number>,
---   fail?: string[], fail_namespaces?: string[], driver?: "secret"|"configmap",
---   contexts?: string[] (kube contexts the kubeconfig names besides "default"),
---   api_delay?: number (seconds the API server takes per list)}
function M.new(opts)
  opts = opts or {}
  local dir = assert(fs.mkdtemp((os.getenv("TMPDIR") or "/tmp") .. "/hfl-fakecluster-XXXXXX"))
  local self = setmetatable({ dir = dir, opts = opts }, FakeCluster)
  return self
end

local function join_map(t)
  local parts = {}
  for k, v in pairs(t or {}) do parts[#parts + 1] = k .. "=" .. tostring(v) end
  table.sort(parts)
  return table.concat(parts, ",")
end

--- Starts the API server (once) and returns its URL.
---@return string url  http://127.0.0.1:PORT
function FakeCluster:api_url()
  if self.api then return self.api.url end
  local portfile = self.dir .. "/api.port"
  local argv = { "python3", M.BIN .. "/apiserver.py", self.dir, portfile,
    stdout = "null", stderr = "inherit", group = true }
  if self.opts.api_delay then
    argv[#argv + 1] = "--delay"
    argv[#argv + 1] = tostring(self.opts.api_delay)
  end
  local h = assert(proc.spawn(argv))
  local deadline = proc.now() + 15
  local port
  while not port do
    port = tonumber(fs.read(portfile) or "")
    if not port then
      if h:done() or proc.now() > deadline then error("fakecluster: apiserver.py did not start") end
      proc.sleep(0.02)
    end
  end
  self.api = { handle = h, url = ("http://127.0.0.1:%d"):format(port) }
  return self.api.url
end

--- Writes (again) the kubeconfig of this cluster and returns its path: a context (and cluster)
--- per store context — "default", opts.contexts, and every context that holds records now —
--- each served by the API server under /ctx/<name>; current-context "default".
---@return string path
function FakeCluster:kubeconfig()
  local url = self:api_url()
  local names, seen = {}, {}
  local function add(n)
    if not seen[n] then seen[n] = true; names[#names + 1] = n end
  end
  add("default")
  for _, n in ipairs(self.opts.contexts or {}) do add(n) end
  for _, n in ipairs(fs.list(self.dir) or {}) do
    local d = self.dir .. "/" .. n
    if fs.is_dir(d .. "/secrets") or fs.is_dir(d .. "/configmaps") then add(n) end
  end
  table.sort(names)
  local function escaped(n)
    return (n:gsub("[^%w%-%._~]", function(c) return ("%%%02X"):format(c:byte()) end))
  end
  local lines = { "apiVersion: v1", "kind: Config", "current-context: default", "clusters:" }
  for _, n in ipairs(names) do
    lines[#lines + 1] = ("- name: %s\n  cluster:\n    server: %s/ctx/%s"):format(json.encode(n), url, escaped(n))
  end
  lines[#lines + 1] = "contexts:"
  for _, n in ipairs(names) do
    lines[#lines + 1] = ("- name: %s\n  context:\n    cluster: %s\n    user: fake"):format(
      json.encode(n), json.encode(n))
  end
  lines[#lines + 1] = "users:\n- name: fake\n  user: {}\n"
  local path = self.dir .. "/kubeconfig"
  assert(fs.write_atomic(path, table.concat(lines, "\n")))
  return path
end

--- The environment (for hfl.proc's env) that sends helm, kubectl and hfl.kube to this cluster.
---@param extra? table more variables (false unsets)
---@return table
function FakeCluster:env(extra)
  local o = self.opts
  local env = {
    KUBECONFIG = self:kubeconfig(),
    PATH = M.BIN .. ":" .. (os.getenv("PATH") or "/usr/bin:/bin"),
    HFL_FAKE_CLUSTER = self.dir,
    HFL_FAKE_HELM_MAJOR = tostring(o.helm or 4),
    HFL_FAKE_RENDER = o.render == false and "0" or false,
    HFL_FAKE_DELAY = o.delay and tostring(o.delay) or false,
    HFL_FAKE_DELAYS = o.delays and join_map(o.delays) or false,
    HFL_FAKE_FAIL = o.fail and table.concat(o.fail, ",") or false,
    HFL_FAKE_FAIL_NAMESPACE = o.fail_namespaces and table.concat(o.fail_namespaces, ",") or false,
    HELM_DRIVER = o.driver or false,
    HFL_KUBECTL = false, HELMFILE_HELM_BINARY = false,
  }
  for k, v in pairs(extra or {}) do env[k] = v end
  return env
end

--- Runs ./hfl (the build under test) against this cluster: code, stdout, stderr.
---@param args string[]
---@param opts? {cwd?: string, env?: table, stdin?: string, timeout?: number}
function FakeCluster:hfl(args, opts)
  opts = opts or {}
  local o = { cwd = opts.cwd, stdin = opts.stdin, timeout = opts.timeout, env = self:env(opts.env) }
  local r = assert(proc.run(hflrun.command(args, o)))
  return r.code, r.stdout or "", r.stderr or "", r
end

--- Runs one of the shims directly: `tool` is "helm" or "kubectl".
---@return table r hfl.proc's result
function FakeCluster:run(tool, args, opts)
  opts = opts or {}
  local argv = { M.BIN .. "/" .. tool }
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  argv.env, argv.cwd, argv.stdin, argv.timeout = self:env(opts.env), opts.cwd, opts.stdin, opts.timeout or 120
  return assert(proc.run(argv))
end

--- Every logged shim call so far, in the order they ended.
---@param tool? "helm"|"kubectl"|"api" only this tool's calls ("api": one per HTTP request to
---   the API server, argv = { METHOD, PATH?QUERY })
---@return table[] calls { tool, argv, pid, start, ["end"], code }
function FakeCluster:calls(tool)
  local text = fs.read(self.dir .. "/calls.log") or ""
  local out = {}
  for line in text:gmatch("[^\n]+") do
    local c = assert(json.decode(line))
    local argv = {}
    for i = 1, #c.argv do argv[i] = c.argv[i] end
    local call = { tool = c.tool, argv = argv, pid = value.tonumber(c.pid),
      start = value.tonumber(c.start), ["end"] = value.tonumber(c["end"]), code = value.tonumber(c.code) }
    if not tool or call.tool == tool then out[#out + 1] = call end
  end
  return out
end

--- The most calls that ran at the same time (by their logged start and end).
---@param calls table[] from :calls()
---@return integer
function M.max_overlap(calls)
  local ev = {}
  for _, c in ipairs(calls) do
    ev[#ev + 1] = { c.start, 1 }
    ev[#ev + 1] = { c["end"], -1 }
  end
  table.sort(ev, function(a, b)
    if a[1] ~= b[1] then return a[1] < b[1] end
    return a[2] < b[2]
  end)
  local cur, best = 0, 0
  for _, e in ipairs(ev) do
    cur = cur + e[2]
    if cur > best then best = cur end
  end
  return best
end

--- Forgets the call log (records stay).
function FakeCluster:clear_calls()
  fs.remove(self.dir .. "/calls.log")
end

--- Writes a release record as if helm had installed it (no helm run, no call logged).
---@param r {name: string, namespace?: string, context?: string, revision?: integer,
---   status?: string, chart?: string, version?: string, app_version?: string,
---   values?: table, manifest?: string, labels?: table<string,string>, description?: string}
function FakeCluster:preset(r)
  local now = store.now()
  local rel = {
    name = r.name, namespace = r.namespace or "default", version = r.revision or 1,
    info = { first_deployed = now, last_deployed = now, deleted = "", status = r.status or "deployed",
      description = r.description or "Install complete" },
    chart = { metadata = { name = r.chart or r.name, version = r.version or "0.1.0",
      apiVersion = "v2", appVersion = r.app_version }, templates = value.list {},
      values = value.map {} },
    config = r.values or value.map {},
    manifest = r.manifest or "",
    hooks = value.list {},
  }
  local driver = (self.opts.driver == "configmap") and "configmaps" or "secrets"
  store.with_root(self.dir, store.write, r.context or "", rel, r.labels or {}, driver)
end

--- Writes a raw object (hostile records for decoder specs): obj is the Kubernetes object,
--- stored as the kubectl shim will list it.
function FakeCluster:preset_object(namespace, obj, context, driver)
  local kind = (driver or self.opts.driver) == "configmap" and "configmaps" or "secrets"
  local d = store.with_root(self.dir, store.dir, context or "", kind, namespace)
  assert(fs.mkdir_p(d))
  assert(fs.write_atomic(d .. "/" .. obj.metadata.name .. ".json", json.encode(obj)))
end

--- The decoded records of a namespace (one release with name), by name then revision:
--- { name, revision, object, release = Helm's release document }.
function FakeCluster:records(namespace, name, context)
  local kind = self.opts.driver == "configmap" and "configmaps" or "secrets"
  return store.with_root(self.dir, store.list, context or "", namespace, name, kind)
end

--- Stops the API server and removes the cluster's directory.
function FakeCluster:cleanup()
  if self.api then
    if not self.api.handle:done() then self.api.handle:kill("KILL") end
    self.api.handle:wait()
    self.api = nil
  end
  if self.dir then fs.rm_r(self.dir, self.dir:match("^(.*)/")) end
  self.dir = nil
end

return M
