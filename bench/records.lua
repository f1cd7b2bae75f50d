-- bench/records.lua: hfl.kube.records reading N release records (Helm's format, written by the
-- fake cluster) in one bulk list, beside the floor — the same `kubectl get secrets -o json`
-- with its output thrown away — and the per-record decode cost (base64, base64, gunzip, JSON),
-- measured in the same run. Median of ROUNDS rounds.
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

local list_t, read_t, bytes = {}, {}, 0
for _ = 1, ROUNDS do
  local t0 = proc.now()
  local r = assert(proc.run { kubectl, "get", "secrets", "-l", "owner=helm", "-n", "bench", "-o", "json" })
  list_t[#list_t + 1] = proc.now() - t0
  bytes = #r.stdout
  t0 = proc.now()
  local set = assert(records.read(session_mod.new { kubectl_binary = kubectl }, { namespace = "bench" }))
  read_t[#read_t + 1] = proc.now() - t0
  assert(set.latest["rel-001"].chart_version == "1.0.1")
end
fc:cleanup()
local list, read = median(list_t), median(read_t)
print(("records.read, %d records (%.0f KB listed): %.1f ms; the bare kubectl list %.1f ms; " ..
  "decoding %.2f ms per record"):format(N, bytes / 1024, read * 1000, list * 1000,
  (read - list) * 1000 / N))
