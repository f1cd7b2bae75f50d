-- The Kubernetes API server for #cluster specs, and helm 3 / helm 4 and kubectl against it.
--
-- One server per spec run, shared by every spec file and process: the one HFL_TEST_KUBECONFIG
-- names (`make test` starts one for the run, see cluster/session.sh; a contributor may point it
-- at their own cluster), else this checkout's `make cluster-up` server, started here when
-- none runs (and left running for the next run: `make cluster-down` stops it). Namespaces
-- cannot be deleted on a server without controllers, so each spec file takes a fresh one:
--
--   local cluster = require "spec.support.cluster"
--   local ns = cluster.namespace("helm")      -- in setup(): "hfl-helm-<random>"
--   ns:helm(4, { "install", "web", chart_dir, "-f", values_file })
--   local rel = ns:release("web")             -- revision, status, records, objects
local proc = require "hfl.proc"
local yaml = require "hfl.yaml"
local cjson = require "cjson"

local M = {}

local ROOT = debug.getinfo(1, "S").source:sub(2):match("^(.*)/spec/support/") or "."

--- The helm binary for a major version (make deps installs both in .deps/bin).
---@param major integer 3 or 4
---@return string
function M.helm_binary(major)
  if major ~= 3 and major ~= 4 then error("cluster.helm_binary: major must be 3 or 4", 2) end
  return ROOT .. "/.deps/bin/helm" .. major
end

M.kubectl_binary = ROOT .. "/.deps/bin/kubectl"

--- The path of the kubeconfig of the run's server; starts this checkout's server when
--- HFL_TEST_KUBECONFIG is unset and none runs. Raises when no server can be had: a #cluster
--- spec must fail then, never pass unseen.
---@return string
function M.kubeconfig()
  local env = os.getenv("HFL_TEST_KUBECONFIG")
  if env and env ~= "" then return env end
  local pending = os.getenv("HFL_TEST_CLUSTER_PENDING")
  if pending and pending ~= "" then return M.wait_for(pending) end
  local r = assert(proc.run { "bash", ROOT .. "/spec/support/cluster/up.sh", "--status" })
  if r.code ~= 0 then
    r = assert(proc.run { "bash", ROOT .. "/spec/support/cluster/up.sh", stderr = "capture" })
    if r.code == 0 then
      io.stderr:write("spec/support/cluster: started this checkout's test API server; it keeps "
        .. "running for the next specs (`make cluster-down` stops it)\n")
    end
  end
  local path = r.code == 0 and r.stdout:match("([^\n]+)\n?$")
  if not path then
    error("no Kubernetes API server for the #cluster specs (spec/support/cluster/up.sh failed):\n"
      .. (r.stderr or ""), 2)
  end
  return path
end

--- The kubeconfig of the server session.sh is starting in the background: waits for its path
--- to appear in `dir` (a cold build of kube-apiserver takes many minutes), raises with up.sh's
--- log when it could not start.
---@param dir string
---@return string
function M.wait_for(dir)
  local deadline = proc.now() + tonumber(os.getenv("HFL_TEST_CLUSTER_WAIT") or "3600")
  while true do
    local f = io.open(dir .. "/kubeconfig", "rb")
    if f then
      local path = f:read("*l")
      f:close()
      return path
    end
    f = io.open(dir .. "/failed", "rb")
    if f then
      f:close()
      local log = io.open(dir .. "/log", "rb")
      local text = log and log:read("*a") or ""
      if log then log:close() end
      error("no Kubernetes API server for the #cluster specs (spec/support/cluster/up.sh failed):\n" .. text, 3)
    end
    if proc.now() > deadline then
      error("no Kubernetes API server for the #cluster specs: still not up after waiting for it", 3)
    end
    proc.sleep(0.2)
  end
end

local function random_suffix()
  local f = assert(io.open("/dev/urandom", "rb"))
  local bytes = f:read(4)
  f:close()
  return (bytes:gsub(".", function(c) return ("%02x"):format(c:byte()) end))
end

local Namespace = {}
Namespace.__index = Namespace

--- Creates a fresh namespace "hfl-<prefix>-<random>" on the run's server.
---@param prefix string a short lowercase word naming the spec file
---@return table namespace { name =, kubeconfig =, home = (helm's config/cache dir) }
function M.namespace(prefix)
  if type(prefix) ~= "string" or not prefix:match("^[a-z0-9-]+$") then
    error("cluster.namespace: prefix must be lowercase letters, digits and dashes", 2)
  end
  local ns = setmetatable({ name = ("hfl-%s-%s"):format(prefix, random_suffix()),
    kubeconfig = M.kubeconfig() }, Namespace)
  local p = assert(io.popen("mktemp -d /tmp/hfl-cluster-spec-XXXXXX"))
  ns.home = p:read("*l")
  p:close()
  local r = ns:kubectl { "create", "namespace", ns.name }
  if r.code ~= 0 then error("creating namespace " .. ns.name .. ": " .. r.stderr, 2) end
  return ns
end

--- Removes the namespace's local scratch (its objects stay on the server: namespaces cannot
--- be deleted without controllers, and the server's etcd is thrown away after the run).
function Namespace:cleanup()
  os.execute("rm -rf '" .. self.home .. "'")
end

-- Helm's own config, cache and data, and kubectl's discovery cache, go to the namespace's
-- scratch directory, so specs never read or change the user's setup.
function Namespace:_env(extra)
  local env = { KUBECONFIG = self.kubeconfig, HELM_CONFIG_HOME = self.home .. "/helm/config",
    HELM_CACHE_HOME = self.home .. "/helm/cache", HELM_DATA_HOME = self.home .. "/helm/data",
    KUBECACHEDIR = self.home .. "/kube-cache" }
  for k, v in pairs(extra or {}) do env[k] = v end
  return env
end

--- Runs helm 3 or 4 against the server in this namespace.
---@param major integer 3 or 4
---@param args string[] helm's arguments; opts: cwd, env
---@return table r hfl.proc result (code, stdout, stderr)
function Namespace:helm(major, args)
  local argv = { M.helm_binary(major) }
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  argv[#argv + 1] = "--namespace"
  argv[#argv + 1] = self.name
  argv.cwd, argv.env, argv.timeout = args.cwd, self:_env(args.env), 300
  return assert(proc.run(argv))
end

--- Runs kubectl against the server in this namespace.
---@param args string[]
---@return table r hfl.proc result
function Namespace:kubectl(args)
  local argv = { M.kubectl_binary, "--namespace", self.name }
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  argv.env, argv.timeout = self:_env(), 120
  argv.stdin = args.stdin
  return assert(proc.run(argv))
end

--- kubectl's JSON for args (`get …`), decoded; raises when kubectl fails.
function Namespace:get_json(args)
  local argv = { "get" }
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  argv[#argv + 1] = "-o"
  argv[#argv + 1] = "json"
  local r = self:kubectl(argv)
  if r.code ~= 0 then error("kubectl " .. table.concat(argv, " ") .. ": " .. r.stderr, 2) end
  return cjson.decode(r.stdout)
end

--- Decodes a helm release record's `data.release` as the API returns it: base64 (the Secret's
--- encoding) of base64 (helm's) of gzip of the release's JSON.
---@param data string
---@return table release helm's release object (name, version, info, chart, config, manifest…)
function M.decode_release(data)
  local r = assert(proc.run { "base64 -d | base64 -d | gzip -dc", shell = true, stdin = data })
  if r.code ~= 0 then error("data.release does not decode: " .. r.stderr, 2) end
  return cjson.decode(r.stdout)
end

-- { ref = "Kind/name", api_version = } of every object in a rendered manifest.
local function manifest_objects(manifest)
  local docs = assert(yaml.decode_all(manifest))
  local out = {}
  for _, d in ipairs(docs) do
    if type(d) == "table" and d.kind then
      out[#out + 1] = { ref = d.kind .. "/" .. d.metadata.name, api_version = d.apiVersion }
    end
  end
  return out
end

--- A release as the server holds it: its records (the `owner=helm` Secrets), newest first,
--- each decoded, and the live objects of the newest record's manifest.
---@param name string
---@return table|nil release { revision =, status =, records = { { revision =, status =,
---   labels =, release = decoded } … }, objects = { ["Kind/name"] = live object | false } };
---   nil when the release has no records
function Namespace:release(name)
  local list = self:get_json { "secrets", "-l", "owner=helm,name=" .. name }
  local records = {}
  for _, item in ipairs(list.items) do
    local labels = item.metadata.labels
    records[#records + 1] = { revision = tonumber(labels.version), status = labels.status,
      labels = labels, name = item.metadata.name, release = M.decode_release(item.data.release) }
  end
  if #records == 0 then return nil end
  table.sort(records, function(a, b) return a.revision > b.revision end)
  local objects = {}
  for _, o in ipairs(manifest_objects(records[1].release.manifest or "")) do
    objects[o.ref] = self:object(o.ref, o.api_version) or false
  end
  return { revision = records[1].revision, status = records[1].status, records = records,
    objects = objects }
end

--- The live object "Kind/name" in this namespace, or nil when the server has none.
---@param ref string "Kind/name"
---@param api_version string|nil "group/version": names the kind's group, which kubectl needs
---  when custom resources of one kind exist in several groups (one per spec run's CRD)
function Namespace:object(ref, api_version)
  local group = api_version and api_version:match("^(.+)/[^/]+$")
  local query = group and ref:gsub("/", "." .. group .. "/", 1) or ref
  local r = self:kubectl { "get", query, "-o", "json", "--ignore-not-found" }
  if r.code ~= 0 then error("kubectl get " .. ref .. ": " .. r.stderr, 2) end
  if not r.stdout:find("%S") then return nil end
  return cjson.decode(r.stdout)
end

return M
