-- bench/records.lua: hfl.kube.records reading N release records (Helm's format, written by the
-- fake cluster) in one bulk list, measured in the same run:
--  1. on the fake cluster: through hfl.kube (its API server) and through its kubectl shim,
--     beside the bare shim list — the per-record decode cost (base64, base64, gunzip, JSON);
--  2. on the real API server (this checkout's `make cluster-up` one, or HFL_TEST_KUBECONFIG's;
--     skipped when none runs): the same N records created there, read by hfl.kube beside the
--     real `kubectl get secrets -l owner=helm -o json` with its output thrown away.
-- Median of ROUNDS rounds; every round uses a fresh Session (kubeconfig read, client made).
--   luajit bench/records.lua [records] [rounds]
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../?.lua;" .. package.path
require "hfl"
local proc = require "hfl.proc"
local value = require "hfl.value"
local records = require "hfl.kube.records"
local session_mod = require "hfl.session"
local fakecluster = require "spec.support.fakecluster"

local N = tonumber(arg[1]) or 100
local ROUNDS = tonumber(arg[2]) or 7

local ffi = require "ffi"
pcall(ffi.cdef, "int setenv(const char *name, const char *value, int overwrite);")

local function median(t)
  table.sort(t)
  return t[math.floor((#t + 1) / 2)]
end

-- A manifest the size of a small real chart's (~6 KB: a Deployment, a Service, a ConfigMap).
local function manifest(i)
  local doc = ("---\n# Source: app/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\n" ..
    "metadata:\n  name: rel-%d\n  labels:\n    app.kubernetes.io/name: app\nspec:\n  replicas: 2\n"):format(i)
  return doc .. ("    # filler line for a realistic manifest size " .. i .. "\n"):rep(120)
end

local fc = fakecluster.new()
for i = 1, N do
  fc:preset { name = ("rel-%03d"):format(i), namespace = "bench", chart = "app", version = "1.0." .. i,
    manifest = manifest(i), values = value.map { replicas = 2, image = value.map { tag = "v" .. i } } }
end
ffi.C.setenv("HFL_FAKE_CLUSTER", fc.dir, 1)
local kubectl = fakecluster.BIN .. "/kubectl"

local kubeconfig = fc:kubeconfig()

local function timed(fn)
  local t0 = proc.now()
  fn()
  return proc.now() - t0
end

local function check(set)
  assert(set.latest["rel-001"].chart_version == "1.0.1")
  local n = 0
  for _ in pairs(set.latest) do n = n + 1 end
  assert(n == N, "expected " .. N .. " releases, got " .. n)
end

local list_t, shim_t, http_t, bytes = {}, {}, {}, 0
for _ = 1, ROUNDS do
  list_t[#list_t + 1] = timed(function()
    local r = assert(proc.run { kubectl, "get", "secrets", "-l", "owner=helm", "-n", "bench", "-o", "json" })
    bytes = #r.stdout
  end)
  shim_t[#shim_t + 1] = timed(function()
    check(assert(records.read(session_mod.new { kubectl_binary = kubectl, kube_client = "kubectl" },
      { namespace = "bench" })))
  end)
  http_t[#http_t + 1] = timed(function()
    check(assert(records.read(session_mod.new { kubeconfig = kubeconfig }, { namespace = "bench" })))
  end)
end
local list, shim, direct = median(list_t), median(shim_t), median(http_t)
print(("fake cluster, %d records (%.0f KB listed): records.read through hfl.kube %.1f ms, through " ..
  "the kubectl shim %.1f ms; the bare shim list %.1f ms; decoding %.2f ms per record"):format(N,
  bytes / 1024, direct * 1000, shim * 1000, list * 1000, (shim - list) * 1000 / N))

-- The real API server, when one runs.
local function real_kubeconfig()
  local env = os.getenv("HFL_TEST_KUBECONFIG")
  if env and env ~= "" then return env end
  local r = proc.run { "bash", here .. "/../spec/support/cluster/up.sh", "--status", stderr = "null" }
  return r and r.code == 0 and r.stdout:match("([^\n]+)\n?$") or nil
end

local real = real_kubeconfig()
if not real then
  print("real API server: skipped (none runs: `make cluster-up` starts one)")
  fc:cleanup()
  return
end
local json = require "hfl.stdlib.json"
local real_kubectl = here .. "/../.deps/bin/kubectl"
local ns = ("hfl-bench-%d"):format(os.time() % 1000000)
local function kctl(args, stdin)
  local argv = { real_kubectl, "--kubeconfig", real }
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  argv.stdin, argv.env = stdin, { KUBECACHEDIR = fc.dir .. "/kube-cache" }
  local r = assert(proc.run(argv))
  assert(r.code == 0, r.stderr)
  return r
end
kctl { "create", "namespace", ns }
local items = {}
for i = 1, N do
  local rec = fc:records("bench", ("rel-%03d"):format(i))[1].object
  rec.metadata.namespace = ns
  items[#items + 1] = rec
end
kctl({ "create", "-n", ns, "-f", "-" }, json.encode(value.map { apiVersion = "v1", kind = "List",
  items = value.list(items) }))
local k_t, h_t, hk_t, rbytes = {}, {}, {}, 0
for _ = 1, ROUNDS do
  k_t[#k_t + 1] = timed(function()
    rbytes = #kctl({ "get", "secrets", "-l", "owner=helm", "-n", ns, "-o", "json" }).stdout
  end)
  h_t[#h_t + 1] = timed(function()
    check(assert(records.read(session_mod.new { kubeconfig = real }, { namespace = ns })))
  end)
  hk_t[#hk_t + 1] = timed(function()
    check(assert(records.read(session_mod.new { kubeconfig = real, kube_client = "kubectl",
      kubectl_binary = real_kubectl }, { namespace = ns })))
  end)
end
print(("real API server, %d records (%.0f KB listed): records.read through hfl.kube %.1f ms (decoded); " ..
  "`kubectl get secrets -l owner=helm -o json` %.1f ms (not decoded); records.read through kubectl " ..
  "%.1f ms"):format(N, rbytes / 1024, median(h_t) * 1000, median(k_t) * 1000, median(hk_t) * 1000))
fc:cleanup()
