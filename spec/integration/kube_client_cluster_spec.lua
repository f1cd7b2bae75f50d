-- hfl.kube against the real API server (spec/support/cluster.lua): objects made with kubectl
-- read back directly — get, labelled and paged lists, a watch, the version and API versions
-- as kubectl reports them. #cluster
local kube = require "hfl.kube"
local proc = require "hfl.proc"
local session_mod = require "hfl.session"
local cluster = require "spec.support.cluster"
local cjson = require "cjson"

describe("hfl.kube on the real API server #cluster", function()
  local ns, session, c

  -- n ConfigMaps "<prefix>-<i>" labelled set=<label>, made by kubectl in one apply.
  local function make_configmaps(prefix, n, label)
    local items = {}
    for i = 1, n do
      items[i] = { apiVersion = "v1", kind = "ConfigMap",
        metadata = { name = ("%s-%02d"):format(prefix, i), labels = { set = label } }, data = { i = tostring(i) } }
    end
    local r = ns:kubectl { "apply", "-f", "-", stdin = cjson.encode { apiVersion = "v1", kind = "List", items = items } }
    assert(r.code == 0, r.stderr)
  end

  setup(function()
    ns = cluster.namespace("kube")
    session = session_mod.new { kubeconfig = ns.kubeconfig }
    c = assert(kube.client(session, {}))
    make_configmaps("paged", 12, "paged")
    make_configmaps("other", 2, "other")
  end)
  teardown(function()
    session:close()
    if ns then ns:cleanup() end
  end)

  it("reports the server's version as kubectl does", function()
    local r = ns:kubectl { "get", "--raw", "/version" }
    assert.equal(0, r.code, r.stderr)
    local want = cjson.decode(r.stdout)
    assert.same({ major = want.major, minor = want.minor, git_version = want.gitVersion }, assert(c:version()))
  end)

  it("lists the API versions of `kubectl api-versions`, and group/version/Kind as helm's Capabilities", function()
    local r = ns:kubectl { "api-versions" }
    assert.equal(0, r.code, r.stderr)
    local have = {}
    for _, v in ipairs(assert(c:api_versions())) do have[v] = true end
    local n = 0
    for v in r.stdout:gmatch("[^\n]+") do
      n = n + 1
      assert.is_true(have[v], v)
    end
    assert.is_true(n > 10)
    assert.is_true(have["apps/v1/Deployment"])
    assert.is_true(have["v1/ConfigMap"])
    assert.is_nil(have["v1/pods/log"])
  end)

  it("gets one object, nil for an absent one, and names the server and status on errors", function()
    local obj = assert(kube.get(session, "v1", "ConfigMap", "paged-03", ns.name))
    assert.equal("3", obj.data.i)
    assert.is_nil(kube.get(session, "v1", "ConfigMap", "nope", ns.name))
    local doc, err, status = c:get("/api/v1/namespaces/" .. ns.name .. "/configmaps/nope")
    assert.is_nil(doc)
    assert.equal(404, status)
    local server = assert(io.open(ns.kubeconfig)):read("*a"):match("server: (%S+)")
    assert.equal(("GET %s/api/v1/namespaces/%s/configmaps/nope (kube context \"hfl-test\"): HTTP 404 Not Found: "
      .. 'configmaps "nope" not found'):format(server, ns.name), err)
  end)

  it("lists by label selector across pages (limit/continue)", function()
    local path = "/api/v1/namespaces/" .. ns.name .. "/configmaps"
    local items, meta = c:list(path, { label_selector = "set=paged", limit = 5 })
    assert(items, meta)
    assert.equal(12, #items)
    assert.equal(3, meta.pages)
    for i, it in ipairs(items) do
      assert.equal(("paged-%02d"):format(i), it.metadata.name)
      assert.equal("ConfigMap", it.kind)
    end
    local all = assert(kube.list(session, "v1", "ConfigMap", ns.name, { label_selector = "set in (paged,other)" }))
    assert.equal(14, #all)
    local none = assert(c:list(path, { label_selector = "set=nothing" }))
    assert.equal(0, #none)
  end)

  it("watches: events arrive as they happen, and the watch stops when asked", function()
    local path = "/api/v1/namespaces/" .. ns.name .. "/configmaps"
    local _, meta = assert(c:list(path, { label_selector = "set=watched" }))
    local seen = {}
    local watcher = proc.go(function()
      return c:watch(path, { label_selector = "set=watched", resource_version = meta.resource_version },
        function(typ, obj)
          seen[#seen + 1] = typ .. " " .. obj.metadata.name
          return obj.metadata.name ~= "watched-02"
        end)
    end)
    proc.sleep(0.5)
    assert.same({}, seen)
    make_configmaps("watched", 1, "watched")
    local deadline = proc.now() + 20
    while #seen < 1 and proc.now() < deadline do proc.sleep(0.1) end
    assert.same({ "ADDED watched-01" }, seen)
    make_configmaps("watched", 2, "watched")  -- watched-01 unchanged, watched-02 added
    local ok, err = watcher:join()
    assert(ok, err)
    assert.same({ "ADDED watched-01", "ADDED watched-02" }, seen)
  end)

  it("runs reads concurrently from tasks", function()
    local path = "/api/v1/namespaces/" .. ns.name .. "/configmaps/"
    local names = proc.map({ 1, 2, 3, 4, 5, 6 }, 0, function(i)
      return assert(c:get(path .. ("paged-%02d"):format(i))).metadata.name
    end)
    assert.same({ "paged-01", "paged-02", "paged-03", "paged-04", "paged-05", "paged-06" }, names)
  end)
end)
