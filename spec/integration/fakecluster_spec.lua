-- The fake cluster's shims (spec/support/fakecluster/): what helm prints and stores through a
-- release's life, the knobs, the call log, and the kubectl shim's lists. #integration
local fs = require "hfl.fs"
local proc = require "hfl.proc"
local fakecluster = require "spec.support.fakecluster"

local function write_chart(dir)
  local files = {
    ["Chart.yaml"] = "apiVersion: v2\nname: demo\nversion: 0.3.0\n",
    ["values.yaml"] = "greeting: hello\n",
    ["templates/cm.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n" ..
      "  namespace: {{ .Release.Namespace }}\ndata:\n  greeting: {{ .Values.greeting | quote }}\n",
  }
  for path, text in pairs(files) do
    assert(fs.mkdir_p(fs.dirname(dir .. "/" .. path)))
    assert(fs.write_atomic(dir .. "/" .. path, text))
  end
end

describe("the fake cluster #integration", function()
  local fc, chart
  before_each(function()
    fc = fakecluster.new()
    chart = fc.dir .. "/chart"
    write_chart(chart)
  end)
  after_each(function() fc:cleanup() end)

  it("takes a release through install, list, status, upgrade, history, rollback and uninstall", function()
    local r = fc:run("helm", { "install", "web", chart, "--namespace", "apps" })
    assert.equal(0, r.code, r.stderr)
    assert.matches("^NAME: web\nLAST DEPLOYED: %a%a%a %a%a%a [ %d]%d %d%d:%d%d:%d%d %d%d%d%d\n" ..
      "NAMESPACE: apps\nSTATUS: deployed\nREVISION: 1\n", r.stdout)
    r = fc:run("helm", { "install", "web", chart, "--namespace", "apps" })
    assert.equal(1, r.code)
    assert.equal("Error: INSTALLATION FAILED: cannot re-use a name that is still in use\n", r.stderr)

    r = fc:run("helm", { "list", "-n", "apps", "-o", "json" })
    assert.matches('^%[{"name":"web","namespace":"apps","revision":"1",', r.stdout)
    assert.matches('"status":"deployed","chart":"demo%-0%.3%.0","app_version":""}%]', r.stdout)

    r = fc:run("helm", { "upgrade", "--install", "web", chart, "-n", "apps", "--set", "greeting=hi", "--wait", "--atomic" })
    assert.equal(0, r.code, r.stderr)
    assert.matches('^Release "web" has been upgraded%. Happy Helming!\nNAME: web\n', r.stdout)
    assert.matches("REVISION: 2\n", r.stdout)
    r = fc:run("helm", { "get", "manifest", "web", "-n", "apps" })
    assert.equal('---\n# Source: demo/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n' ..
      '  name: web\n  namespace: apps\ndata:\n  greeting: "hi"\n', r.stdout)
    r = fc:run("helm", { "get", "values", "web", "-n", "apps", "-o", "json" })
    assert.equal('{"greeting":"hi"}\n', r.stdout)
    r = fc:run("helm", { "status", "web", "-n", "apps" })
    assert.matches("STATUS: deployed\nREVISION: 2\n", r.stdout)

    r = fc:run("helm", { "rollback", "web", "1", "-n", "apps" })
    assert.equal(0, r.code, r.stderr)
    r = fc:run("helm", { "history", "web", "-n", "apps", "-o", "json" })
    assert.matches('"revision":1,.-"status":"superseded".-"revision":2,.-"status":"superseded"' ..
      '.-"revision":3,.-"status":"deployed".-"description":"Rollback to 1"', r.stdout)
    r = fc:run("helm", { "get", "values", "web", "-n", "apps", "-o", "json" })
    assert.equal("{}\n", r.stdout)

    r = fc:run("helm", { "uninstall", "web", "-n", "apps" })
    assert.equal('release "web" uninstalled\n', r.stdout)
    assert.same({}, fc:records("apps"))
    r = fc:run("helm", { "status", "web", "-n", "apps" })
    assert.equal(1, r.code)
    assert.equal("Error: release: not found\n", r.stderr)
    r = fc:run("helm", { "uninstall", "web", "-n", "apps" })
    assert.equal("Error: uninstall: Release not loaded: web: release: not found\n", r.stderr)
  end)

  it("prints and stores nothing for --dry-run", function()
    local r = fc:run("helm", { "upgrade", "--install", "dry", chart, "-n", "x", "--dry-run=server", "--set", "greeting=d" })
    assert.equal(0, r.code, r.stderr)
    assert.matches("^NAME: dry\n.-STATUS: pending%-install\nREVISION: 1\n.-MANIFEST:\n.-greeting: \"d\"", r.stdout)
    assert.same({}, fc:records("x"))
  end)

  it("stores what the real helm template renders with the same values files and --set flags", function()
    local vals = fc.dir .. "/v.yaml"
    assert(fs.write_atomic(vals, "greeting: from-file\n"))
    assert.equal(0, fc:run("helm", { "upgrade", "--install", "a", chart, "-n", "x", "-f", vals }).code)
    local real = assert(proc.run { fakecluster.BIN .. "/../../../.deps/bin/helm4", "template", "a", chart,
      "--namespace", "x", "-f", vals })
    assert.equal(real.stdout, fc:records("x", "a")[1].release.manifest)
    assert.equal(0, fc:run("helm", { "upgrade", "a", chart, "-n", "x", "-f", vals, "--set", "greeting=z" }).code)
    assert.matches('greeting: "z"', fc:records("x", "a")[2].release.manifest, 1, true)
  end)

  it("honours --kube-context and --labels, and keeps labels across upgrades as Helm does", function()
    assert.equal(0, fc:run("helm", { "--kube-context", "blue", "upgrade", "-i", "a", chart, "-n", "x",
      "--labels", "team=core", "--create-namespace" }).code)
    assert.equal(0, fc:run("helm", { "upgrade", "a", chart, "-n", "x", "--kube-context=blue" }).code)
    assert.same({}, fc:records("x"))
    local recs = fc:records("x", "a", "blue")
    assert.equal(2, #recs)
    assert.equal("core", recs[2].object.metadata.labels.team)
    assert.same({ "helm", "a", "deployed", "2" }, { recs[2].object.metadata.labels.owner,
      recs[2].object.metadata.labels.name, recs[2].object.metadata.labels.status,
      recs[2].object.metadata.labels.version })
    assert.equal("superseded", recs[1].object.metadata.labels.status)
  end)

  it("fails a named release's upgrade and a named namespace's calls as helm would", function()
    fc:cleanup()
    fc = fakecluster.new { fail = { "bad" }, fail_namespaces = { "locked" } }
    write_chart(fc.dir .. "/chart")
    chart = fc.dir .. "/chart"
    local r = fc:run("helm", { "upgrade", "--install", "bad", chart, "-n", "apps" })
    assert.equal(1, r.code)
    assert.matches('^Error: UPGRADE FAILED: .*HFL_FAKE_FAIL names release "bad"\n$', r.stderr)
    assert.equal("failed", fc:records("apps", "bad")[1].release.info.status)
    r = fc:run("helm", { "upgrade", "--install", "good", chart, "-n", "locked" })
    assert.equal(1, r.code)
    assert.matches("HFL_FAKE_FAIL_NAMESPACE", r.stderr)
    assert.equal(0, fc:run("helm", { "upgrade", "--install", "good", chart, "-n", "apps" }).code)

    -- --atomic / --rollback-on-failure: a failed install leaves nothing, a failed upgrade is rolled back
    r = fc:run("helm", { "upgrade", "--install", "bad", chart, "-n", "atomic", "--atomic" })
    assert.equal(1, r.code)
    assert.matches("has been uninstalled due to atomic being set", r.stderr, 1, true)
    assert.same({}, fc:records("atomic"))
    fc.opts.fail = nil
    assert.equal(0, fc:run("helm", { "upgrade", "--install", "bad", chart, "-n", "atomic" }).code)
    fc.opts.fail = { "bad" }
    r = fc:run("helm", { "upgrade", "bad", chart, "-n", "atomic", "--rollback-on-failure", "--set", "greeting=new" })
    assert.matches("has been rolled back due to atomic being set", r.stderr, 1, true)
    local recs = fc:records("atomic", "bad")
    assert.same({ "superseded", "failed", "deployed" }, { recs[1].release.info.status,
      recs[2].release.info.status, recs[3].release.info.status })
    assert.equal("Rollback to 1", recs[3].release.info.description)
  end)

  it("keeps a pending-* record while an upgrade runs, and prunes to --history-max", function()
    fc:cleanup()
    fc = fakecluster.new { delay = 1.5, render = false }
    write_chart(fc.dir .. "/chart")
    chart = fc.dir .. "/chart"
    local h = assert(proc.spawn { fakecluster.BIN .. "/helm", "upgrade", "--install", "slow", chart, "-n", "apps",
      env = fc:env(), stdout = "null", stderr = "null" })
    local seen
    for _ = 1, 100 do
      proc.sleep(0.05)
      local recs = fc:records("apps", "slow")
      if recs[1] then
        seen = recs[1].object.metadata.labels.status
        break
      end
    end
    assert.equal("pending-install", seen)
    assert.equal(0, h:wait().code)
    assert.equal("deployed", fc:records("apps", "slow")[1].object.metadata.labels.status)
    fc.opts.delay = nil
    for _ = 1, 4 do
      assert.equal(0, fc:run("helm", { "upgrade", "slow", chart, "-n", "apps", "--history-max", "3" }).code)
    end
    local revs = {}
    for _, r in ipairs(fc:records("apps", "slow")) do revs[#revs + 1] = r.revision end
    assert.same({ 3, 4, 5 }, revs)
  end)

  it("takes the configured time per upgrade, per release, and logs overlapping calls", function()
    fc:cleanup()
    fc = fakecluster.new { delay = 0.8, delays = { slow = 2 }, render = false }
    write_chart(fc.dir .. "/chart")
    chart = fc.dir .. "/chart"
    local names = { "a", "b", "c", "slow" }
    proc.map(names, 0, function(name)
      local r = fc:run("helm", { "upgrade", "--install", name, chart, "-n", "apps" })
      assert.equal(0, r.code, r.stderr)
    end)
    local calls = fc:calls("helm")
    assert.equal(4, #calls)
    assert.equal(4, fakecluster.max_overlap(calls))
    for _, c in ipairs(calls) do
      local d = c["end"] - c.start
      if c.argv[3] == "slow" then assert.is_true(d >= 2, d) else assert.is_true(d >= 0.8 and d < 2, d) end
    end
    assert.matches("stand%-in", fc:records("apps", "a")[1].release.manifest)
  end)

  for _, client in ipairs { "http", "kubectl" } do
    it("is what ./hfl finds as helm, kubectl and API server when run through fc:hfl (" .. client .. ")", function()
      fc:preset { name = "pre", namespace = "n", chart = "demo", version = "9.9.9" }
      local script = fc.dir .. "/flow.lua"
      assert(fs.write_atomic(script, ([[
local proc = require "hfl.proc"
local session = require("hfl.session").new { kube_client = %q }
local set = assert(require("hfl.kube.records").read(session, { namespace = "n" }))
local r = assert(proc.run { "helm", "list", "-n", "n", "-q" })
io.write(set.latest.pre.chart_version, " ", r.stdout)
]]):format(client)))
      local code, out, err = fc:hfl { "run", script }
      assert.equal(0, code, err)
      assert.equal("9.9.9 pre\n", out)
      local calls = fc:calls()
      assert.equal(2, #calls)
      if client == "http" then
        assert.same({ "api", "helm" }, { calls[1].tool, calls[2].tool })
        assert.same({ "GET", "/ctx/default/api/v1/namespaces/n/secrets?labelSelector=owner%3Dhelm&limit=500" },
          calls[1].argv)
      else
        assert.same({ "kubectl", "helm" }, { calls[1].tool, calls[2].tool })
        assert.same({ "get", "secrets", "-l", "owner=helm", "-n", "n", "-o", "json" }, calls[1].argv)
      end
      assert.is_true(calls[1]["end"] <= calls[2].start)
    end)
  end

  it("serves its records over HTTP: label-selected, paged lists, one logged line per request", function()
    for i = 1, 5 do fc:preset { name = "r" .. i, namespace = "one", labels = { team = i <= 2 and "x" or "y" } } end
    fc:preset { name = "cm", namespace = "two" }
    local http, json = require "hfl.http", require "hfl.stdlib.json"
    local base = fc:api_url() .. "/ctx/default"
    local function get(path)
      local res = assert(http.get(base .. path, { retries = 0 }))
      return res.status, json.decode(res.body)
    end
    local status, list = get("/api/v1/namespaces/one/secrets?labelSelector=owner%3Dhelm%2Cteam%3Dx")
    assert.equal(200, status)
    assert.equal("SecretList", list.kind)
    assert.same({ "sh.helm.release.v1.r1.v1", "sh.helm.release.v1.r2.v1" },
      { list.items[1].metadata.name, list.items[2].metadata.name })
    local _, page = get("/api/v1/secrets?labelSelector=owner%3Dhelm&limit=4")
    assert.equal(4, #page.items)
    assert.equal(2, require("hfl.value").tonumber(page.metadata.remainingItemCount))
    local _, rest = get("/api/v1/secrets?labelSelector=owner%3Dhelm&limit=4&continue=" .. page.metadata.continue)
    assert.equal(2, #rest.items)
    assert.equal("two", rest.items[2].metadata.namespace)
    assert.is_nil(rest.metadata.continue)
    assert.equal(404, (get("/api/v1/namespaces/one/secrets/nope")))
    local _, version = get("/version")
    assert.equal("1", version.major)
    local calls = fc:calls("api")
    assert.equal(5, #calls)
    assert.same({ 200, 200, 200, 404, 200 }, { calls[1].code, calls[2].code, calls[3].code, calls[4].code, calls[5].code })
    assert.equal("/ctx/default/version", calls[5].argv[2])
  end)

  it("passes client-side commands to the real helm", function()
    local r = fc:run("helm", { "template", "t", chart, "--set", "greeting=q" })
    assert.equal(0, r.code, r.stderr)
    assert.matches('greeting: "q"', r.stdout, 1, true)
    r = fc:run("helm", { "version", "--short" })
    assert.matches("^v4%.", r.stdout)
    fc.opts.helm = 3
    assert.matches("^v3%.", fc:run("helm", { "version", "--short" }).stdout)
    assert.same({}, fc:records("default"))
  end)

  it("lists records with kubectl as the API server does, and refuses anything else", function()
    fc:preset { name = "a", namespace = "one", labels = { team = "x" } }
    fc:preset { name = "b", namespace = "two" }
    local r = fc:run("kubectl", { "get", "secrets", "-l", "owner=helm", "-A", "-o", "json" })
    assert.equal(0, r.code, r.stderr)
    local doc = require("hfl.stdlib.json").decode(r.stdout)
    assert.equal("List", doc.kind)
    assert.equal(2, #doc.items)
    assert.equal("helm.sh/release.v1", doc.items[1].type)
    r = fc:run("kubectl", { "get", "secrets", "-l", "owner=helm,team=x", "-n", "one", "-o", "json" })
    assert.equal(1, #require("hfl.stdlib.json").decode(r.stdout).items)
    r = fc:run("kubectl", { "get", "secrets", "-l", "owner=helm,team=x", "-n", "two", "-o", "json" })
    assert.equal(0, #require("hfl.stdlib.json").decode(r.stdout).items)
    r = fc:run("kubectl", { "apply", "-f", "x.yaml" })
    assert.equal(1, r.code)
    assert.equal("fake kubectl: unsupported command: kubectl apply -f x.yaml " ..
      "(only `get secrets|configmaps -l SELECTOR -n NS|-A -o json`)\n", r.stderr)
    local calls = fc:calls("kubectl")
    assert.equal(4, #calls)
    assert.equal(1, calls[4].code)
  end)
end)
