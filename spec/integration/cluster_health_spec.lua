-- A helmfile.lua health gate reading a real object through hfl.kube.get, and the rollback of
-- an unhealthy upgrade, with helm 4 against a real API server (spec/support/cluster.lua).
local cluster = require "spec.support.cluster"
local servers = require "spec.support.servers"
local hflrun = require "spec.support.hflrun"
local files = require "spec.support.files"

local APP = {
  ["Chart.yaml"] = "apiVersion: v2\nname: app\nversion: 1.0.0\n",
  ["values.yaml"] = "greeting: hello\n",
  ["templates/configmap.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\n"
    .. "data:\n  greeting: {{ .Values.greeting | quote }}\n",
}

describe("helmfile.lua health gates on a real API server #cluster", function()
  local ns, work

  -- hfl with helm 4 on the namespace's cluster; greeting: the value the chart gets (env GREETING)
  local function hfl(args, greeting)
    local argv = { "--kubeconfig", ns.kubeconfig, "--helm-binary", hflrun.root() .. "/.deps/bin/helm4" }
    for _, a in ipairs(args) do argv[#argv + 1] = a end
    local env = ns:_env { HFL_CACHE_HOME = work .. "/cache", GREETING = greeting,
      PATH = hflrun.root() .. "/.deps/bin:" .. os.getenv("PATH") }
    return hflrun.capture(argv, { cwd = work, env = env })
  end

  setup(function()
    ns = cluster.namespace("health")
    work = servers.tmpdir()
    files.tree(work .. "/charts/app", APP)
    files.write(work .. "/helmfile.lua", ([[
release "web" {
  namespace = %q, chart = "./charts/app",
  values = { { greeting = env("GREETING") } },
  rollback_on_unhealthy = true,
  health = function(r, ctx)
    local cm = ctx.get("v1", "ConfigMap", r.name .. "-config")
    return cm and cm.data.greeting ~= "broken", "greeting is " .. (cm and cm.data.greeting or "missing")
  end,
}
release "api" { namespace = %q, chart = "./charts/app", needs = { "web" } }
]]):format(ns.name, ns.name))
  end)

  teardown(function()
    if ns then ns:cleanup() end
    servers.cleanup()
  end)

  it("passes a release whose live object is healthy", function()
    local r = hfl({ "apply" }, "hello")
    assert.equal(0, r.code, r.stderr)
    assert.equal(1, ns:release("web").revision)
    assert.is_not_nil(ns:release("api"))
  end)

  it("rolls an unhealthy upgrade back: the live object is the one before", function()
    local r = hfl({ "apply" }, "broken")
    assert.equal(1, r.code)
    assert.matches("failed processing release web: unhealthy: greeting is broken (rolled back to revision 1)",
      r.stderr, 1, true)
    local web = ns:release("web")
    assert.equal(3, web.revision)
    assert.equal("deployed", web.status)
    assert.equal("hello", web.objects["ConfigMap/web-config"].data.greeting)
    assert.equal(1, ns:release("api").revision)
  end)
end)
