-- examples/workflows/drift-report.lua --three-way against a real API server: drift made with
-- kubectl behind helm's back is in the report only with --three-way.
local cluster = require "spec.support.cluster"
local servers = require "spec.support.servers"
local hflrun = require "spec.support.hflrun"
local files = require "spec.support.files"
local json = require "hfl.stdlib.json"
local fs = require "hfl.fs"
local value = require "hfl.value"

local APP = {
  ["Chart.yaml"] = "apiVersion: v2\nname: app\nversion: 1.0.0\n",
  ["templates/configmap.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\n"
    .. "data:\n  greeting: hello\n",
}

describe("examples/workflows/drift-report.lua --three-way on a real API server #cluster", function()
  local ns, work

  local function hfl(args)
    local argv = { "--kubeconfig", ns.kubeconfig, "--helm-binary", hflrun.root() .. "/.deps/bin/helm4" }
    for _, a in ipairs(args) do argv[#argv + 1] = a end
    local env = ns:_env { HFL_CACHE_HOME = work .. "/cache", PATH = hflrun.root() .. "/.deps/bin:" .. os.getenv("PATH") }
    return hflrun.capture(argv, { cwd = work, env = env })
  end

  setup(function()
    ns = cluster.namespace("workflows")
    work = servers.tmpdir()
    files.tree(work .. "/charts/app", APP)
    files.write(work .. "/helmfile.yaml", ("releases:\n  - name: web\n    namespace: %s\n    chart: ./charts/app\n"
      .. "  - name: api\n    namespace: %s\n    chart: ./charts/app\n"):format(ns.name, ns.name))
  end)

  teardown(function()
    if ns then ns:cleanup() end
    servers.cleanup()
  end)

  it("reports kubectl's change of one object with --three-way only, exit 2", function()
    local script = hflrun.root() .. "/examples/workflows/drift-report.lua"
    local r = hfl { "apply" }
    assert.equal(0, r.code, r.stderr .. r.stdout)
    local k = ns:kubectl { "patch", "configmap", "web-config", "--type", "merge", "-p", '{"data":{"greeting":"tampered"}}' }
    assert.equal(0, k.code, k.stderr)
    r = hfl { "run", script, work .. "/plain.json" }
    assert.equal(0, r.code, r.stderr .. r.stdout)
    r = hfl { "run", script, work .. "/drift.json", "--three-way" }
    assert.equal(2, r.code, r.stderr .. r.stdout)
    assert.matches("drift-report: 1 of 2 releases differ, 0 errors", r.stdout, 1, true)
    local report = assert(json.decode(assert(fs.read(work .. "/drift.json"))))
    assert.is_true(report.three_way)
    assert.equal(1, value.tonumber(report.drifted))
    local by = {}
    for _, rel in ipairs(report.releases) do by[rel.name] = rel end
    assert.equal("unchanged", by.api.action)
    assert.equal(1, #by.web.resources)
    local cm = by.web.resources[1]
    assert.same({ "ConfigMap", "web-config", true }, { cm.kind, cm.name, cm.drift })
    assert.matches("-   greeting: tampered\n+   greeting: hello", cm.diff, 1, true)
  end)
end)
