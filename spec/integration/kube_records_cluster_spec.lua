-- hfl.kube.records on records written by the real helm 4.1.4 and helm 3.17.3 on a real API
-- server (spec/support/cluster.lua), beside the same releases made by the fake cluster's helm
-- shim: the decoder reads Helm's real format, and the shim writes it. #cluster
local records = require "hfl.kube.records"
local session_mod = require "hfl.session"
local fs = require "hfl.fs"
local cluster = require "spec.support.cluster"
local fakecluster = require "spec.support.fakecluster"

local ffi = require "ffi"
pcall(ffi.cdef, "int setenv(const char *name, const char *value, int overwrite); int unsetenv(const char *name);")

local function with_vars(vars, fn)
  local saved = {}
  for k, v in pairs(vars) do
    saved[k] = os.getenv(k) or false
    if v then ffi.C.setenv(k, v, 1) else ffi.C.unsetenv(k) end
  end
  local ok, a, b = pcall(fn)
  for k, v in pairs(saved) do
    if v then ffi.C.setenv(k, v, 1) else ffi.C.unsetenv(k) end
  end
  if not ok then error(a, 0) end
  return a, b
end

local CHART = {
  ["Chart.yaml"] = "apiVersion: v2\nname: recs\nversion: 2.1.0\nappVersion: \"5.6\"\n",
  ["values.yaml"] = "greeting: hello\nlist: [a, b]\n",
  ["templates/cm.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\n" ..
    "data:\n  greeting: {{ .Values.greeting | quote }}\n  list: {{ join \",\" .Values.list | quote }}\n",
  ["templates/secret.yaml"] = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}-s\n" ..
    "stringData:\n  pw: {{ .Values.greeting | quote }}\n",
  ["templates/hook.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-hook\n" ..
    "  annotations:\n    \"helm.sh/hook\": post-install,post-upgrade\n    \"helm.sh/hook-weight\": \"5\"\ndata:\n  a: b\n",
}

-- The fields a caller uses, without the times (which differ between the two runs).
local function fields(rec)
  local hooks = {}
  for i, h in ipairs(rec.hooks) do
    hooks[i] = { name = h.name, kind = h.kind, path = h.path, manifest = h.manifest,
      events = { h.events[1], h.events[2] } }
  end
  return { name = rec.name, namespace = rec.namespace, revision = rec.revision, status = rec.status,
    chart = rec.chart, chart_version = rec.chart_version, app_version = rec.app_version,
    config = require("hfl.stdlib.json").encode(rec.config), manifest = rec.manifest,
    labels = rec.labels, description = rec.description, hooks = hooks }
end

describe("release records of the real helm #cluster", function()
  local ns, chart, counter, session

  setup(function()
    ns = cluster.namespace("records")
    chart = ns.home .. "/chart"
    for path, text in pairs(CHART) do
      assert(fs.mkdir_p(fs.dirname(chart .. "/" .. path)))
      assert(fs.write_atomic(chart .. "/" .. path, text))
    end
    -- kubectl through a wrapper that counts its calls
    counter = ns.home .. "/kubectl-calls"
    local wrapper = ns.home .. "/kubectl"
    assert(fs.write_atomic(wrapper, ("#!/bin/sh\necho \"$*\" >> '%s'\nexec '%s' \"$@\"\n"):format(
      counter, cluster.kubectl_binary)))
    os.execute("chmod +x '" .. wrapper .. "'")
    for _, major in ipairs { 3, 4 } do
      local name = "rel" .. major
      local r = ns:helm(major, { "upgrade", "--install", name, chart, "--set", "greeting=first",
        "--labels", "team=t" .. major .. ",hfl.sh/digest=d1" })
      assert(r.code == 0, r.stderr)
      r = ns:helm(major, { "upgrade", name, chart, "--set", "greeting=second", "--set", "list={x,y,z}",
        "--labels", "hfl.sh/revision=2" })
      assert(r.code == 0, r.stderr)
    end
    session = session_mod.new { kubectl_binary = wrapper, kubeconfig = ns.kubeconfig, kube_client = "kubectl" }
  end)
  teardown(function() if ns then ns:cleanup() end end)

  local function calls()
    local text = fs.read(counter) or ""
    local n = 0
    for _ in text:gmatch("[^\n]+") do n = n + 1 end
    return n, text
  end

  it("reads helm 3's and helm 4's records of a namespace in one kubectl call", function()
    local set = assert(records.read(session, { namespace = ns.name }))
    assert(records.read(session, { namespace = ns.name }))
    local n, text = calls()
    assert.equal(1, n)
    assert.equal(("--kubeconfig=%s get secrets -l owner=helm -n %s -o json\n"):format(ns.kubeconfig, ns.name), text)
    for _, major in ipairs { 3, 4 } do
      local rec = set.latest["rel" .. major]
      assert.equal(2, rec.revision)
      assert.equal("deployed", rec.status)
      assert.equal("recs", rec.chart)
      assert.equal("2.1.0", rec.chart_version)
      assert.equal("5.6", rec.app_version)
      assert.equal("second", rec.config.greeting)
      assert.equal("x", rec.config.list[1])
      assert.equal(ns.name, rec.namespace)
      assert.equal("Upgrade complete", rec.description)
      assert.matches('greeting: "second"', rec.manifest, 1, true)
      assert.matches("kind: Secret", rec.manifest, 1, true)
      assert.equal("rel" .. major .. "-hook", rec.hooks[1].name)
      -- custom labels: given at install, copied forward by helm, plus the upgrade's
      assert.same({ team = "t" .. major, ["hfl.sh/digest"] = "d1", ["hfl.sh/revision"] = "2" }, rec.labels)
      local h = set.history["rel" .. major]
      assert.equal(2, #h)
      assert.equal("superseded", h[1].status)
      assert.equal("first", h[1].config.greeting)
      assert.same({ team = "t" .. major, ["hfl.sh/digest"] = "d1" }, h[1].labels)
    end
  end)

  it("reads the same records straight from the API server as through kubectl", function()
    local via_kubectl = assert(records.read(session, { namespace = ns.name }))
    local before = calls()
    local direct = assert(records.read(session_mod.new { kubeconfig = ns.kubeconfig }, { namespace = ns.name }))
    assert.equal(before, (calls()))  -- no kubectl
    local names = {}
    for name, h in pairs(direct.history) do
      names[#names + 1] = name
      assert.equal(#via_kubectl.history[name], #h)
      for i, rec in ipairs(h) do
        assert.same(fields(via_kubectl.history[name][i]), fields(rec))
        assert.equal(via_kubectl.history[name][i].last_deployed, rec.last_deployed)
        assert.equal(via_kubectl.history[name][i].object, rec.object)
      end
    end
    table.sort(names)
    assert.same({ "rel3", "rel4" }, names)
  end)

  for _, major in ipairs { 3, 4 } do
    it(("decodes the fake cluster's records (shim over helm %d) into the same fields as the real ones"):format(major), function()
      local fc = fakecluster.new { helm = major }
      finally(function() fc:cleanup() end)
      local name = "rel" .. major
      local r = fc:run("helm", { "upgrade", "--install", name, chart, "-n", ns.name, "--set", "greeting=first",
        "--labels", "team=t" .. major .. ",hfl.sh/digest=d1" })
      assert.equal(0, r.code, r.stderr)
      r = fc:run("helm", { "upgrade", name, chart, "-n", ns.name, "--set", "greeting=second", "--set", "list={x,y,z}",
        "--labels", "hfl.sh/revision=2" })
      assert.equal(0, r.code, r.stderr)
      local fake = assert(with_vars({ HFL_FAKE_CLUSTER = fc.dir }, function()
        return records.read(session_mod.new { kubectl_binary = fakecluster.BIN .. "/kubectl", kube_client = "kubectl" },
          { namespace = ns.name })
      end))
      local fake_api = assert(records.read(session_mod.new { kubeconfig = fc:kubeconfig() }, { namespace = ns.name }))
      assert.same(fields(fake.latest[name]), fields(fake_api.latest[name]))
      local real = assert(records.read(session, { namespace = ns.name }))
      assert.same(fields(real.latest[name]), fields(fake.latest[name]))
      assert.same(fields(real.history[name][1]), fields(fake.history[name][1]))
    end)
  end

  it("reads configmap records under HELM_DRIVER=configmap", function()
    local r = ns:helm(4, { "upgrade", "--install", "cmrel", chart, "--labels", "via=configmap",
      env = { HELM_DRIVER = "configmap" } })
    assert(r.code == 0, r.stderr)
    local s = session_mod.new { kubectl_binary = cluster.kubectl_binary, kubeconfig = ns.kubeconfig }
    local set = assert(with_vars({ HELM_DRIVER = "configmap" }, function()
      return records.read(s, { namespace = ns.name })
    end))
    assert.same({ "cmrel" }, (function() local t = {} for k in pairs(set.latest) do t[#t + 1] = k end return t end)())
    assert.equal("configmap", set.latest.cmrel.labels.via)
    assert.equal("hello", set.latest.cmrel.manifest:match('greeting: "(%a+)"'))
  end)

  it("sees an uninstall after forget()", function()
    local r = ns:helm(3, { "upgrade", "--install", "gone", chart })
    assert(r.code == 0, r.stderr)
    local s = session_mod.new { kubectl_binary = cluster.kubectl_binary, kubeconfig = ns.kubeconfig }
    assert.is_table(assert(records.read(s, { namespace = ns.name })).latest.gone)
    assert.equal(0, ns:helm(3, { "uninstall", "gone" }).code)
    assert.is_table(assert(records.read(s, { namespace = ns.name })).latest.gone)
    records.forget(s, { namespace = ns.name })
    assert.is_nil(assert(records.read(s, { namespace = ns.name })).latest.gone)
  end)
end)
